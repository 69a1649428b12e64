import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allRunners, casePassed, formatResult, loadCase, loadManifest, runCase } from '../src/parity/index.js';
import { goldenDir, sharedGoldenDir } from './golden.js';

async function runNamed(set: 'engine' | 'prodiff', name: string) {
  const dir = goldenDir(set);
  const { manifest, cases } = loadManifest(dir);
  const entry = cases.find((c) => c.case === name);
  assert.ok(entry, `case ${name} not in ${dir}/manifest.json`);
  const r = await runCase(loadCase(dir, entry, manifest), allRunners);
  assert.ok(casePassed(r), formatResult(r));
}

for (const name of ['diffnet_grad', 'diffnet_dilated_grad', 'fs2_encoder_grad']) {
  test(`golden engine gradients: ${name} (PyTorch autograd)`, () => runNamed('engine', name));
}
for (const name of ['diffnet', 'diffnet_dilated', 'schedule', 'fs2_encoder', 'variance', 'teacher_sample', 'teacher_infer_e2e', 'student_target', 'student_sample', 'losses', 'teacher_train']) {
  test(`golden ProDiff: ${name}`, () => runNamed('prodiff', name));
}

test('every shipped prodiff and engine golden case is covered by a named test above', () => {
  const named = new Set(['diffnet_grad', 'diffnet_dilated_grad', 'fs2_encoder_grad', 'diffnet', 'diffnet_dilated', 'schedule', 'fs2_encoder', 'variance', 'teacher_sample', 'teacher_infer_e2e', 'student_target', 'student_sample', 'losses', 'teacher_train']);
  for (const set of ['engine', 'prodiff'] as const) {
    for (const c of loadManifest(goldenDir(set)).cases) assert.ok(named.has(String(c.case)), `golden case ${set}/${String(c.case)} has no test`);
  }
});

for (const set of ['engine', 'prodiff', 'audio'] as const) {
  const shared = sharedGoldenDir(set);
  test(`shipped golden copies match the shared originals: ${set}`, { skip: !shared && `no ../shared/golden/${set} beside this checkout` }, () => {
    const files = readdirSync(shared!);
    assert.ok(files.includes('manifest.json'), `${shared} has no manifest.json`);
    for (const f of files) {
      const hash = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
      assert.equal(hash(join(goldenDir(set), f)), hash(join(shared!, f)), `test/golden/${set}/${f} differs from ${shared}/${f}`);
    }
  });
}

test('a failing or unknown case is reported, not hidden', async () => {
  const dir = goldenDir('engine');
  const { manifest, cases } = loadManifest(dir);
  const r = await runCase(loadCase(dir, cases[0]!, manifest), []);
  assert.equal(casePassed(r), false);
  assert.match(formatResult(r), /CANNOT RUN/);
});
