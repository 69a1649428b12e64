// Training commands re-run themselves with glibc allocator settings (src/cli/allocator.ts): the
// child gets the settings, a stop signal reaches it (the run checkpoints), exit codes pass through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsAllocatorSettings } from '../../src/cli/allocator.js';
import { CORPUS_TINY } from '../tiny.js';

const cli = new URL('../../src/cli/main.js', import.meta.url).pathname;
const linux = process.platform === 'linux';

test('only Linux runs without the settings re-run, and PRODIFF_MALLOC_DEFAULTS=1 opts out', () => {
  assert.equal(needsAllocatorSettings({}), linux);
  assert.equal(needsAllocatorSettings({ MALLOC_MMAP_THRESHOLD_: '1', MALLOC_TRIM_THRESHOLD_: '1' }), false);
  assert.equal(needsAllocatorSettings({ PRODIFF_MALLOC_DEFAULTS: '1' }), false);
});

test('a failing training command keeps its exit code and message through the re-run', () => {
  const r = spawnSync(process.execPath, [cli, 'train', '--config', '/nonexistent/config.json', '--data', '/nonexistent', '--out', '/tmp/x'], { encoding: 'utf-8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nonexistent/);
});

test('SIGTERM to a training command reaches the re-run child, which checkpoints and exits', { skip: linux ? false : 'the re-run is Linux-only' }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'prodiff-alloc-'));
  try {
    const p = spawn(process.execPath, [cli, 'train-vocoder', '--data', join(CORPUS_TINY, 'wavs'), '--out', out, '--steps', '100000', '--checkpoint-every', '100000'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      p.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/step\/s/.test(stderr)) resolve();
      });
      p.on('exit', () => reject(new Error(`exited before training: ${stderr}`)));
    });
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(p.pid)], { encoding: 'utf-8' }).trim().split(/\s+/).filter(Boolean);
    assert.equal(children.length, 1, 'one re-run child');
    assert.match(readFileSync(`/proc/${children[0]}/environ`, 'utf-8'), /MALLOC_MMAP_THRESHOLD_=/);
    const code = await new Promise<number | null>((resolve) => {
      p.removeAllListeners('exit');
      p.on('exit', (c) => resolve(c));
      p.kill('SIGTERM');
    });
    assert.equal(code, 0, stderr);
    assert.ok(existsSync(join(out, 'checkpoint.json')), 'the run wrote its checkpoint');
    assert.equal(spawnSync('kill', ['-0', children[0]!]).status, 1, 'the child is gone');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
