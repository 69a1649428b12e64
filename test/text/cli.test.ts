import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [MAIN, 'phonemize', ...args], { encoding: 'utf8', input: input ?? '' });

test('prodiff phonemize prints normalised text, phones and ids', () => {
  const r = run(['Hello, world! It costs $5.']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^text: {3}Hello, world!$/m);
  assert.match(r.stdout, /^phones: <BOS> HH AH0 L OW1 , W ER1 L D <EOS>$/m);
  assert.match(r.stdout, /^ids: {4}8 43 16 52 57 4 75 36 52 30 1$/m);
  assert.match(r.stdout, /^text: {3}It costs five dollars\.$/m);
});

test('phonemize: stdin, --json, --phone-set, --lexicon, errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-cli-'));
  const ps = join(dir, 'phone_set.json');
  writeFileSync(ps, JSON.stringify(['<BOS>', '<EOS>', 'HH', 'AH0', 'L', 'OW1', '|']));
  const lex = join(dir, 'lex.txt');
  writeFileSync(lex, '# comment\nhello HH AH0 L OW1 OW1\n');
  const r = run(['--json', '--phone-set', ps, '--lexicon', lex], 'hello hello');
  assert.equal(r.status, 0, r.stderr);
  const obj = JSON.parse(r.stdout.trim()) as { ids: number[]; phones: string[] };
  assert.deepEqual(obj.phones, ['<BOS>', 'HH', 'AH0', 'L', 'OW1', 'OW1', '|', 'HH', 'AH0', 'L', 'OW1', 'OW1', '<EOS>']);
  assert.deepEqual(obj.ids, [3, 4, 5, 6, 7, 7, 8, 4, 5, 6, 7, 7, 1]);
  assert.equal(run([]).status, 2);
  assert.equal(run(['--bogus', 'x']).status, 2);
  const bad = run(['--phone-set', join(dir, 'missing.json'), 'x']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /cannot read phone set/);
  const empty = run(['...']);
  assert.equal(empty.status, 0);
  assert.match(empty.stderr, /no speakable text/);
});
