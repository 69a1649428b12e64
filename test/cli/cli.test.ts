// The command line as a user meets it: real `node dist/src/cli/main.js` processes, their exit
// codes, stdout and stderr (help, version, usage errors naming flags, '-' for stdin/stdout, output
// and input file errors in one line, a closed pipe), and no files left behind on failure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav } from '../../src/audio/wav.js';
import { TINY_HPARAMS } from '../../src/voice/index.js';
import { repoRoot } from '../golden.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const COMMANDS = ['parity', 'convert', 'export', 'train-vocoder', 'features', 'corpus', 'preprocess', 'train', 'distill', 'eval-vocoder', 'eval', 'make-voice', 'say', 'loudness', 'voices', 'phonemize'];
const STACK = /^\s+at .+:\d+:\d+\)?$/m;
let tmp: string;
let voices: string;

function cli(args: string[], o: { input?: string } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: o.input ?? '', env: { ...process.env, PRODIFF_VOICES: voices, PRODIFF_DEBUG: '' }, maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** A failure as the user should see it: this exit code, one line on stderr matching `re`, no stack. */
function assertFails(r: ReturnType<typeof cli>, code: number, re: RegExp, what: string) {
  assert.equal(r.code, code, `${what}: exit code (stderr: ${r.err})`);
  assert.match(r.err, re, what);
  assert.doesNotMatch(r.err, STACK, `${what}: no stack trace`);
  assert.equal(r.err.trimEnd().split('\n').length, 1, `${what}: one line, got: ${r.err}`);
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'prodiff-cli-'));
  voices = join(tmp, 'voices');
  mkdirSync(voices);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('every command and subcommand: --help and -h print the usage on stdout and exit 0', () => {
  // Both flags go through one parser (src/cli/args.ts): each command gets one of them, a few both.
  const lines = [...COMMANDS.map((c) => [c]), ['corpus', 'synth'], ['convert', '--hifigan']];
  for (const [i, c] of lines.entries()) {
    for (const flag of i < 3 ? ['--help', '-h'] : [i % 2 ? '-h' : '--help']) {
      const r = cli([...c, flag]);
      assert.equal(r.code, 0, `${c.join(' ')} ${flag}: ${r.err}`);
      assert.match(r.out, /^usage: prodiff /, `${c.join(' ')} ${flag}`);
      assert.equal(r.err, '', `${c.join(' ')} ${flag}: nothing on stderr`);
    }
  }
  const top = cli(['--help']);
  assert.equal(top.code, 0);
  for (const c of COMMANDS) assert.match(top.out, new RegExp(`^  ${c} `, 'm'), `prodiff --help lists ${c}`);
  assert.match(cli(['help', 'say']).out, /^usage: prodiff say/);
  assert.match(cli(['train', '--help']).out, /--max-steps N/, '--max-steps is documented');
  const none = cli([]);
  assert.equal(none.code, 2);
  assert.match(none.err, /^usage: prodiff/);
});

test('--version and -V print the package version', () => {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = cli([flag]);
    assert.equal(r.code, 0);
    assert.equal(r.out, `prodiff ${version}\n`);
  }
});

test('usage errors: one line naming the CLI flag, exit 2, for every command', () => {
  for (const c of COMMANDS) assertFails(cli([c, '--no-such-flag']), 2, new RegExp(`^prodiff ${c}: unknown option --no-such-flag`), c);
  assertFails(cli(['corpus', 'synth', '--out']), 2, /--out needs a value/, 'corpus synth --out');
  assertFails(cli(['corpus', 'bake']), 2, /unknown subcommand 'bake'/, 'corpus bake');
  assertFails(cli(['train', '--data', 'x', '--out', 'y', '--config', 'c', '--max-steps', 'many']), 2, /--max-steps: 'many' is not an integer/, 'train --max-steps');
  assertFails(cli(['distill', '--teacher', 't']), 2, /--out RUN2 is required/, 'distill');
  assertFails(cli(['say', 'Hi.', '-o', join(tmp, 'x.wav'), '--sentence-silence', '20']), 2, /--sentence-silence must be a number in \[0, 10\]/, 'say --sentence-silence');
  assertFails(cli(['say', 'Hi.', '-o', join(tmp, 'x.wav'), '--length-scale', '0']), 2, /--length-scale must be/, 'say --length-scale');
  assertFails(cli(['say', 'Hi.', '-o']), 2, /-o, --output needs a value/, 'say -o');
  assertFails(cli(['nonsense']), 2, /unknown command 'nonsense'/, 'unknown command');
  for (const r of [cli(['say', 'Hi.', '-o', join(tmp, 'x.wav'), '--sentence-silence', '20']), cli(['say', 'Hi.', '-o', join(tmp, 'x.wav'), '--length-scale', '0'])]) {
    assert.doesNotMatch(r.err, /sentenceSilence|durationScale/, 'API option names stay out of CLI messages');
  }
});

test('missing input files: one line naming the file, exit 1', () => {
  const missing = join(tmp, 'nonexistent');
  assertFails(cli(['corpus', 'synth', '--sentences', missing, '--out', join(tmp, 'c')]), 1, new RegExp(`${missing}: cannot read the sentences file \\(no such file or directory\\)`), 'corpus synth');
  assertFails(cli(['preprocess', missing, '--out', join(tmp, 'cache')]), 1, new RegExp(`${missing}: cannot read the corpus folder`), 'preprocess');
  assertFails(cli(['train', '--config', missing, '--data', tmp, '--out', join(tmp, 'run')]), 1, new RegExp(`${missing}: cannot read the config`), 'train --config');
  assertFails(cli(['features', missing]), 1, new RegExp(missing), 'features');
  assertFails(cli(['say', '--text-file', missing, '-o', join(tmp, 'x.wav')]), 1, new RegExp(`${missing}: cannot read the text file`), 'say --text-file');
  for (const r of [cli(['corpus', 'synth', '--sentences', missing, '--out', join(tmp, 'c')]), cli(['features', missing])]) assert.doesNotMatch(r.err, /ENOENT/);
  assert.deepEqual(readdirSync(tmp).sort(), ['voices'], 'nothing written');
});

test('make-voice is a command; say reads "-" as stdin, writes "-" as stdout, names unwritable outputs', () => {
  const config = join(tmp, 'tiny.json');
  writeFileSync(config, JSON.stringify(TINY_HPARAMS));
  const mv = cli(['make-voice', '--random', config, '--out', join(voices, 'tiny-cli'), '--vocoder-type', 'griffin-lim', '--gl-iterations', '2']);
  assert.equal(mv.code, 0, mv.err);
  assert.match(mv.out, /wrote .*tiny-cli \(voice 'tiny-cli', 4 steps, vocoder griffin-lim\)/);
  assertFails(cli(['make-voice', '--random', config, '--out', join(voices, 'tiny-cli')]), 1, /already exists/, 'make-voice over a voice');

  const out = join(tmp, 'out');
  mkdirSync(out);
  const wav = join(out, 'dash.wav');
  const dash = cli(['say', '-', '-o', wav, '--voice', 'tiny-cli', '--seed', '1', '-q'], { input: 'Hello there.' });
  assert.equal(dash.code, 0, dash.err);
  const arg = cli(['say', 'Hello there.', '-o', '-', '--voice', 'tiny-cli', '--seed', '1', '-q']);
  assert.equal(arg.code, 0, arg.err);
  assert.deepEqual(decodeWav(readFileSync(wav)).channels[0], decodeWav(arg.stdout).channels[0], "'say -' speaks standard input, not a dash");
  const ts = cli(['say', 'Hello there.', '-o', join(out, 'ts.wav'), '--timestamps', '-', '--voice', 'tiny-cli', '-q']);
  assert.equal(ts.code, 0, ts.err);
  assert.equal((JSON.parse(ts.out) as { words: { word: string }[] }).words[0]!.word, 'Hello', '--timestamps - on stdout');

  for (const path of ['/proc/x.wav', '/sys/x.wav', join(tmp, 'no', 'dir', 'x.wav')]) {
    for (const stream of [[], ['--stream']]) {
      const r = cli(['say', 'Hi.', '-o', path, '--voice', 'tiny-cli', '-q', ...stream]);
      assertFails(r, 1, new RegExp(`^prodiff say: ${path.replace(/[.]/g, '\\.')}: cannot write the audio`), `say -o ${path}`);
      assert.doesNotMatch(r.err, /\.tmp|ENOENT|EACCES/, 'names the path given, in words');
    }
  }
  assert.deepEqual(readdirSync(out).sort(), ['dash.wav', 'ts.wav'], 'no partial or temporary files');
});

test('a reader that closes the pipe early: exit 0, nothing on stderr', () => {
  const config = join(tmp, 'tiny-pipe.json');
  writeFileSync(config, JSON.stringify(TINY_HPARAMS));
  assert.equal(cli(['make-voice', '--random', config, '--out', join(voices, 'tiny-pipe'), '--vocoder-type', 'griffin-lim', '--gl-iterations', '1']).code, 0);
  const text = 'This sentence is long enough to make more than a few kilobytes of audio. '.repeat(4);
  for (const stream of ['', '--stream']) {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" say "${text}" -o - --voice tiny-pipe -q ${stream} | head -c 100 > /dev/null; echo "status \${PIPESTATUS[0]}" >&2`], {
      env: { ...process.env, PRODIFF_VOICES: voices },
    });
    const err = r.stderr.toString();
    assert.match(err, /status 0\n$/, `say ${stream} | head: ${err}`);
    assert.doesNotMatch(err, /EPIPE|Error/, 'no stack trace');
  }
});
