// The docs' code examples are programs in examples/, compiled with the project; this runs them and
// checks that the code shown in docs/say.md is theirs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav } from '../src/audio/wav.js';
import { repoRoot } from './golden.js';

const EXAMPLES = ['speak', 'stream'];
let tmp: string;
before(() => { tmp = mkdtempSync(join(tmpdir(), 'prodiff-examples-')); });
after(() => rmSync(tmp, { recursive: true, force: true }));

test('docs/say.md shows the examples exactly (with the package name as the import)', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'say.md'), 'utf8');
  for (const name of EXAMPLES) {
    const m = new RegExp(`<!-- example: examples/${name}\\.ts -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(doc);
    assert.ok(m, `docs/say.md shows examples/${name}.ts`);
    const source = readFileSync(join(repoRoot, 'examples', `${name}.ts`), 'utf8').replace("'../src/index.js'", "'prodiff'");
    assert.equal(m[1], source, `examples/${name}.ts and its copy in docs/say.md differ`);
  }
});

for (const name of EXAMPLES) {
  test(`examples/${name}.ts runs and writes a WAV file`, () => {
    const out = join(tmp, `${name}.wav`);
    const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'examples', `${name}.js`), out], { env: { ...process.env, PRODIFF_VOICES: '' } });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.match(r.stdout.toString(), new RegExp(`${out}: \\d+\\.\\d+ s`));
    const w = decodeWav(readFileSync(out));
    assert.equal(w.channels.length, 1);
    assert.ok(w.length > w.sampleRate / 2, 'at least half a second of speech');
  });
}
