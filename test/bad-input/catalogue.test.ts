// The bad-input catalogue: one row per malformed input a user can hand to prodiff (text, SSML, WAV
// files, checkpoints, safetensors, voice packages, configs, command-line flags). Every row asserts
// a one-line error naming the problem (CLI: on stderr, no stack frames), the exit code (CLI) or the
// error class (API), and that nothing was left behind in the case's folder (outputs are atomic).
// Adding a case is one line in CASES.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { decodeWav, encodeWav, readWav, WavError } from '../../src/audio/wav.js';
import { parseSafetensors, readSafetensors, SafetensorsError, serializeSafetensors } from '../../src/engine/safetensors.js';
import { PickleError, unpickle, UnsafePickleError } from '../../src/checkpoint/pickle.js';
import { CheckpointError, loadTorchFile } from '../../src/checkpoint/torch.js';
import { ZipError } from '../../src/checkpoint/zip.js';
import { HparamsError, parseHparams } from '../../src/model/hparams.js';
import { loadVoiceDir, makeRandomVoice, TINY_HPARAMS, VoiceError } from '../../src/voice/index.js';
import { parseSsml, SsmlError } from '../../src/text/ssml/index.js';
import { ProDiffTTS, TTSInputError } from '../../src/api/tts.js';
import { repoRoot } from '../golden.js';
import { FIXTURES } from '../checkpoint/fixtures.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const STACK = /^\s+at .+/m;
let root: string;
/** A valid tiny voice (Griffin-Lim), copied into a case's folder to be broken there. */
let voice: string;
let tts: ProDiffTTS;

type Ctor = abstract new (...args: never[]) => Error;
interface Case {
  name: string;
  /** Writes the bad input into `dir` (the case's own, empty folder). */
  setup?: (dir: string) => void;
  /** Command-line arguments (a real `prodiff` process in `dir`), with optional standard input... */
  cli?: (dir: string) => string[];
  stdin?: string;
  /** ...or a library call. */
  call?: (dir: string) => unknown;
  /** The message: one line matching this. */
  error: RegExp;
  /** CLI: exit code (default 1). API: the error class. */
  exit?: number;
  cls?: Ctor;
}

// ---- inputs ------------------------------------------------------------------------------------

const put = (dir: string, name: string, data: Uint8Array | string): string => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

/** A WAV header (and data) with any field set by hand. */
function wavBytes(o: { tag?: number; channels?: number; rate?: number; bits?: number; blockAlign?: number; dataSize?: number; data?: number; riff?: string; fmtSize?: number } = {}): Uint8Array {
  const channels = o.channels ?? 1;
  const bits = o.bits ?? 16;
  const dataLen = o.data ?? 64;
  const fmtSize = o.fmtSize ?? 16;
  const b = Buffer.alloc(12 + 8 + fmtSize + 8 + dataLen);
  b.write(o.riff ?? 'RIFF', 0, 'latin1');
  b.writeUInt32LE(b.length - 8, 4);
  b.write('WAVE', 8, 'latin1');
  b.write('fmt ', 12, 'latin1');
  b.writeUInt32LE(fmtSize, 16);
  if (fmtSize >= 16) {
    b.writeUInt16LE(o.tag ?? 1, 20);
    b.writeUInt16LE(channels, 22);
    b.writeUInt32LE(o.rate ?? 22050, 24);
    b.writeUInt32LE((o.rate ?? 22050) * channels * (bits / 8), 28);
    b.writeUInt16LE(o.blockAlign ?? channels * (bits / 8), 32);
    b.writeUInt16LE(bits, 34);
  }
  const d = 20 + fmtSize;
  b.write('data', d, 'latin1');
  b.writeUInt32LE(o.dataSize ?? dataLen, d + 4);
  return b;
}

const goodWav = (): Uint8Array => encodeWav(Float32Array.from({ length: 2205 }, (_, i) => 0.3 * Math.sin(i / 5)), 22050);

function floatWav(value: number): Uint8Array {
  const b = Buffer.from(wavBytes({ tag: 3, bits: 32, data: 16 }));
  for (let i = 0; i < 4; i++) b.writeFloatLE(i === 2 ? value : 0.1, 44 + 4 * i);
  return b;
}

/** A safetensors file whose JSON header is `header` followed by `dataLen` zero bytes. */
function stBytes(header: unknown, dataLen = 0, declared?: bigint): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const b = Buffer.alloc(8 + json.length + dataLen);
  b.writeBigUInt64LE(declared ?? BigInt(json.length), 0);
  json.copy(b, 8);
  return b;
}

const goodSt = (): Uint8Array => serializeSafetensors({ w: { shape: [2, 3], data: new Float32Array(6).fill(0.5) } });
const ZIP_CKPT = (): Uint8Array => readFileSync(join(FIXTURES, 'prodiff_tiny_zip.ckpt'));
const LEGACY_CKPT = (): Uint8Array => readFileSync(join(FIXTURES, 'prodiff_tiny_legacy.ckpt'));

/** A zip whose one deflated entry claims 10 bytes but inflates to 64 MiB. */
function zipBomb(): Uint8Array {
  const name = Buffer.from('a/data.pkl');
  const body = deflateRawSync(Buffer.alloc(64 << 20));
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(8, 8); local.writeUInt32LE(body.length, 18); local.writeUInt32LE(10, 22); local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(8, 10); central.writeUInt32LE(body.length, 20); central.writeUInt32LE(10, 24); central.writeUInt16LE(name.length, 28);
  const cdOffset = 30 + name.length + body.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0); eocd.writeUInt16LE(1, 8); eocd.writeUInt16LE(1, 10); eocd.writeUInt32LE(46 + name.length, 12); eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, name, body, central, name, eocd]);
}

/** Flips the byte at `at` (negative: from the end). */
function flip(b: Uint8Array, at: number): Uint8Array {
  const c = Uint8Array.from(b);
  const i = at < 0 ? c.length + at : at;
  c[i] = c[i]! ^ 0xff;
  return c;
}

/** Copies the tiny voice into dir/voice and changes its voice.json (and files) with `edit`. */
function brokenVoice(dir: string, edit: (v: Record<string, unknown>, voiceDir: string) => void): string {
  const d = join(dir, 'voice');
  cpSync(voice, d, { recursive: true });
  const json = JSON.parse(readFileSync(join(d, 'voice.json'), 'utf8')) as Record<string, unknown>;
  edit(json, d);
  writeFileSync(join(d, 'voice.json'), JSON.stringify(json));
  return d;
}

/** Rewrites the voice's model.safetensors with `edit` applied to its tensors. */
function editModel(d: string, edit: (t: Map<string, { shape: number[]; data: Float32Array }>) => void): void {
  const file = join(d, 'model.safetensors');
  const st = readSafetensors(file);
  const t = new Map([...st.tensors].map(([k, v]) => [k, { shape: v.shape, data: v.data as Float32Array }]));
  edit(t);
  writeFileSync(file, serializeSafetensors(t, st.metadata));
}

const obj = (v: Record<string, unknown>, k: string) => v[k] as Record<string, unknown>;
const say = (dir: string, ...more: string[]) => ['say', 'Hello there.', '-o', join(dir, 'out.wav'), '-q', ...more];
const sayVoice = (dir: string) => say(dir, '--voice', join(dir, 'voice'));
const loadDir = (dir: string) => ProDiffTTS.load({ dir: join(dir, 'voice') });

/** A voice broken by `edit`, as both a library load and `prodiff say --voice DIR`. */
function voiceCases(name: string, edit: (v: Record<string, unknown>, d: string) => void, error: RegExp, alsoCli = false): Case[] {
  const setup = (dir: string) => { brokenVoice(dir, edit); };
  return [
    { name: `voice: ${name} (API)`, setup, call: loadDir, error, cls: VoiceError },
    ...(alsoCli ? [{ name: `voice: ${name} (CLI)`, setup, cli: sayVoice, error: new RegExp(`^prodiff say: .*${error.source}`) }] : []),
  ];
}

// ---- the catalogue -----------------------------------------------------------------------------

const CASES: Case[] = [
  // text, through the API
  { name: 'text: empty', call: () => tts.synthesize(''), error: /no text given/, cls: TTSInputError },
  { name: 'text: whitespace only', call: () => tts.synthesize(' \n\t\u00a0'), error: /no text given/, cls: TTSInputError },
  { name: 'text: punctuation only', call: () => tts.synthesize('?!...'), error: /nothing to say/, cls: TTSInputError },
  { name: 'text: emoji only', call: () => tts.synthesize('😀🍕'), error: /nothing to say/, cls: TTSInputError },
  { name: 'text: not a string', call: () => tts.synthesize(42 as unknown as string), error: /text must be a string/, cls: TypeError },
  { name: 'text: longer than maxChars', call: () => tts.synthesize('a '.repeat(60), { maxChars: 100 }), error: /text too long: 120 characters \(at most 100/, cls: TTSInputError },
  { name: 'text: speed out of range', call: () => tts.synthesize('Hi.', { speed: 0 }), error: /speed must be a number in \[0\.1, 10\]/, cls: TTSInputError },
  { name: 'text: NaN pitch', call: () => tts.synthesize('Hi.', { pitch: NaN }), error: /pitch must be a number/, cls: TTSInputError },
  { name: 'text: negative seed', call: () => tts.synthesize('Hi.', { seed: -1 }), error: /seed must be an integer/, cls: TTSInputError },
  { name: 'text: a speaker on a single-speaker voice', call: () => tts.synthesize('Hi.', { speaker: 'nobody' }), error: /has a single speaker; a speaker \("nobody"\) can only be chosen on a multi-speaker voice/, cls: TTSInputError },
  // text, through the CLI
  { name: 'say: empty text', cli: (d) => ['say', '', '-o', join(d, 'out.wav'), '-q'], error: /^prodiff say: .*no text given/ },
  { name: 'say: nothing speakable', cli: (d) => ['say', '... !!!', '-o', join(d, 'out.wav'), '-q'], error: /^prodiff say: .*nothing to say/ },
  { name: 'say: empty standard input', cli: (d) => ['say', '-', '-o', join(d, 'out.wav'), '-q'], stdin: '', error: /^prodiff say: .*no text/ },
  { name: 'say: text file is not UTF-8', setup: (d) => { put(d, 'in.txt', Uint8Array.of(0x48, 0xff, 0xfe, 0x69)); }, cli: (d) => ['say', '--text-file', join(d, 'in.txt'), '-o', join(d, 'out.wav'), '-q'], error: /in\.txt: text file: not UTF-8 text \(invalid byte 0xff at offset 1\)/ },
  { name: 'say: text file is a directory', setup: (d) => mkdirSync(join(d, 'txt')), cli: (d) => ['say', '--text-file', join(d, 'txt'), '-o', join(d, 'out.wav'), '-q'], error: /txt: is a directory, not a text file/ },
  { name: 'say: text over --max-chars', cli: (d) => say(d, '--max-chars', '5'), error: /^prodiff say: .*text too long/ },
  // SSML
  { name: 'ssml: not well-formed', call: () => parseSsml('<speak>Hello <s>there</speak>'), error: /^SSML 1:\d+: /, cls: SsmlError },
  { name: 'ssml: unknown element', call: () => parseSsml('<speak><audio src="x.wav"/></speak>'), error: /^SSML 1:\d+: .*audio/, cls: SsmlError },
  { name: 'ssml: bad break time', call: () => parseSsml('<speak>a <break time="fast"/> b</speak>'), error: /^SSML 1:\d+: .*time/, cls: SsmlError },
  { name: 'ssml: bad prosody rate', call: () => parseSsml('<speak><prosody rate="-5%x">a</prosody></speak>'), error: /^SSML 1:\d+: .*rate/, cls: SsmlError },
  { name: 'ssml: bad phoneme', call: () => parseSsml('<speak><phoneme alphabet="x-arpabet" ph="QQ9">a</phoneme></speak>'), error: /^SSML 1:\d+: .*QQ9/, cls: SsmlError },
  { name: 'ssml: no words (API)', call: () => tts.synthesize('<speak><break time="1s"/></speak>'), error: /nothing to say/, cls: TTSInputError },
  { name: 'ssml: unclosed element (CLI)', cli: (d) => ['say', '<speak><p>Hello', '-o', join(d, 'out.wav'), '-q'], error: /^prodiff say: SSML \d+:\d+: / },
  { name: 'ssml: entity expansion is not XML bombs (CLI)', cli: (d) => ['say', '<!DOCTYPE speak [<!ENTITY a "aaaa">]><speak>&a;</speak>', '--ssml', '-o', join(d, 'out.wav'), '-q'], error: /^prodiff say: SSML \d+:\d+: / },
  // WAV files
  { name: 'wav: empty file', setup: (d) => { put(d, 'a.wav', ''); }, call: (d) => readWav(join(d, 'a.wav')), error: /a\.wav: empty file/, cls: WavError },
  { name: 'wav: a text file', setup: (d) => { put(d, 'a.wav', 'hello, this is not audio'); }, call: (d) => readWav(join(d, 'a.wav')), error: /not a WAV file/, cls: WavError },
  { name: 'wav: RIFX', call: () => decodeWav(wavBytes({ riff: 'RIFX' })), error: /big-endian RIFX/, cls: WavError },
  { name: 'wav: truncated data chunk', call: () => decodeWav(goodWav().subarray(0, 300)), error: /truncated: 'data' chunk declares 4410 bytes but only 256/, cls: WavError },
  { name: 'wav: short fmt chunk', call: () => decodeWav(wavBytes({ fmtSize: 8 })), error: /'fmt ' chunk is 8 bytes/, cls: WavError },
  { name: 'wav: 0 channels', call: () => decodeWav(wavBytes({ channels: 0, blockAlign: 2 })), error: /absurd channel count 0/, cls: WavError },
  { name: 'wav: 0 Hz', call: () => decodeWav(wavBytes({ rate: 0 })), error: /absurd sample rate 0/, cls: WavError },
  { name: 'wav: 12-bit PCM', call: () => decodeWav(wavBytes({ bits: 12, blockAlign: 2 })), error: /unsupported PCM bit depth 12/, cls: WavError },
  { name: 'wav: mu-law', call: () => decodeWav(wavBytes({ tag: 7, bits: 8 })), error: /format tag 0x7/, cls: WavError },
  { name: 'wav: block align lies', call: () => decodeWav(wavBytes({ blockAlign: 3 })), error: /block align 3/, cls: WavError },
  { name: 'wav: NaN float sample', call: () => decodeWav(floatWav(NaN)), error: /non-finite float sample at frame 2/, cls: WavError },
  { name: 'wav: no data chunk', call: () => decodeWav(goodWav().subarray(0, 36)), error: /no 'data' chunk/, cls: WavError },
  { name: 'wav: absurd chunk size', call: () => { const b = Buffer.from(goodWav()); b.writeUInt32LE(0xfffffff0, 16); return decodeWav(b); }, error: /'fmt ' chunk needs 4294967280 bytes|absurd chunk size/, cls: WavError },
  { name: 'wav: damaged chunk id with a newline', call: () => decodeWav(Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVEx\ny ', 'latin1'), Buffer.from([0xf0, 0xff, 0xff, 0xff]), Buffer.alloc(8)])), error: /absurd chunk size 4294967280 for chunk "x\\ny "/, cls: WavError },
  { name: 'features: truncated WAV (CLI)', setup: (d) => { put(d, 'a.wav', goodWav().subarray(0, 100)); }, cli: (d) => ['features', join(d, 'a.wav'), '--out', join(d, 'f.safetensors')], error: /a\.wav: truncated/ },
  { name: 'features: not a WAV (CLI)', setup: (d) => { put(d, 'a.wav', 'ID3\u0003 mp3 data here'); }, cli: (d) => ['features', join(d, 'a.wav'), '--out', join(d, 'f.safetensors')], error: /a\.wav: not a WAV file/ },
  { name: 'features: a directory (CLI)', setup: (d) => mkdirSync(join(d, 'a.wav')), cli: (d) => ['features', join(d, 'a.wav'), '--out', join(d, 'f.safetensors')], error: /a\.wav: / },
  // checkpoints
  { name: 'ckpt: empty file', setup: (d) => { put(d, 'm.ckpt', ''); }, call: (d) => loadTorchFile(join(d, 'm.ckpt')), error: /m\.ckpt: not a PyTorch checkpoint/, cls: CheckpointError },
  { name: 'ckpt: zip cut in half', setup: (d) => { const b = ZIP_CKPT(); put(d, 'm.ckpt', b.subarray(0, b.length >> 1)); }, call: (d) => loadTorchFile(join(d, 'm.ckpt')), error: /m\.ckpt: truncated or corrupt zip archive/, cls: ZipError },
  { name: 'ckpt: zip with a flipped data byte (CRC)', setup: (d) => { put(d, 'm.ckpt', flip(ZIP_CKPT(), 2000)); }, call: (d) => loadTorchFile(join(d, 'm.ckpt')), error: /CRC-32 mismatch|corrupt/, cls: Error },
  { name: 'ckpt: legacy cut short', setup: (d) => { const b = LEGACY_CKPT(); put(d, 'm.ckpt', b.subarray(0, b.length - 1000)); }, call: (d) => loadTorchFile(join(d, 'm.ckpt')), error: /m\.ckpt: truncated checkpoint: storage/, cls: CheckpointError },
  { name: 'ckpt: legacy without its magic', setup: (d) => { put(d, 'm.ckpt', Uint8Array.of(0x80, 0x02, 0x4b, 0x07, 0x2e)); }, call: (d) => loadTorchFile(join(d, 'm.ckpt')), error: /wrong magic/, cls: CheckpointError },
  { name: 'ckpt: pickle that calls os.system', setup: (d) => { put(d, 'm.ckpt', Buffer.from("\x80\x02cos\nsystem\nX\x05\x00\x00\x00rm -rR.", 'latin1')); }, call: (d) => loadTorchFile(join(d, 'm.ckpt')), error: /refusing to load 'os\.system'.*nothing in it was executed/, cls: UnsafePickleError },
  { name: 'ckpt: malicious zip (CLI convert)', cli: (d) => ['convert', join(FIXTURES, 'malicious_zip.ckpt'), join(d, 'out.safetensors')], error: /^prodiff convert: .*malicious_zip\.ckpt.*refusing to load/ },
  { name: 'ckpt: truncated zip (CLI convert)', setup: (d) => { put(d, 'm.ckpt', ZIP_CKPT().subarray(0, 5000)); }, cli: (d) => ['convert', join(d, 'm.ckpt'), join(d, 'out.safetensors')], error: /^prodiff convert: .*m\.ckpt: truncated or corrupt zip/ },
  { name: 'ckpt: random bytes (CLI convert)', setup: (d) => { put(d, 'm.ckpt', Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)); }, cli: (d) => ['convert', join(d, 'm.ckpt'), join(d, 'out.safetensors')], error: /m\.ckpt: not a PyTorch checkpoint/ },
  { name: 'ckpt: --hparams not JSON (CLI convert)', cli: (d) => ['convert', join(FIXTURES, 'prodiff_tiny_zip.ckpt'), join(d, 'out.safetensors'), '--hparams', '{oops'], exit: 2, error: /--hparams is not JSON/ },
  // pickles directly
  { name: 'pickle: stack underflow', call: () => unpickle(Uint8Array.of(0x80, 0x02, 0x30, 0x2e)), error: /stack underflow/, cls: PickleError },
  { name: 'pickle: no STOP', call: () => unpickle(Uint8Array.of(0x80, 0x02, 0x4b, 0x01)), error: /no STOP opcode/, cls: PickleError },
  { name: 'pickle: huge declared length', call: () => unpickle(Uint8Array.of(0x80, 0x04, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x2e)), error: /truncated pickle|too large/, cls: PickleError },
  { name: 'pickle: \\U escape beyond Unicode', call: () => unpickle(Buffer.from('\x80\x02V\\Uffffffff\n.', 'latin1')), error: /bad \\U escape: 0xffffffff is beyond Unicode/, cls: PickleError },
  { name: 'pickle: GLOBAL with no handler', call: () => unpickle(Buffer.from('\x80\x02cbuiltins\neval\n.', 'latin1')), error: /refusing to load 'builtins\.eval'/, cls: UnsafePickleError },
  { name: 'ckpt: zip bomb entry', setup: (d) => { put(d, 'm.ckpt', zipBomb()); }, call: (d) => loadTorchFile(join(d, 'm.ckpt')), error: /entry 'a\/data\.pkl' does not inflate|has \d+ bytes, the directory says 10/, cls: ZipError },
  // safetensors
  { name: 'safetensors: 3 bytes', call: () => parseSafetensors(Uint8Array.of(1, 2, 3), 'w.safetensors'), error: /w\.safetensors: truncated: 3 bytes/, cls: SafetensorsError },
  { name: 'safetensors: header longer than the file', call: () => parseSafetensors(stBytes({}, 0, 1n << 40n)), error: /header length 1099511627776 exceeds the file/, cls: SafetensorsError },
  { name: 'safetensors: header not JSON', call: () => parseSafetensors(stBytes('{"w": ')), error: /header is not valid JSON/, cls: SafetensorsError },
  { name: 'safetensors: header is an array', call: () => parseSafetensors(stBytes([1, 2])), error: /header is not a JSON object/, cls: SafetensorsError },
  { name: 'safetensors: unknown dtype', call: () => parseSafetensors(stBytes({ w: { dtype: 'F8', shape: [1], data_offsets: [0, 1] } }, 1)), error: /tensor 'w': unsupported dtype "F8"/, cls: SafetensorsError },
  { name: 'safetensors: negative shape', call: () => parseSafetensors(stBytes({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4)), error: /tensor 'w': bad shape/, cls: SafetensorsError },
  { name: 'safetensors: offsets do not match the shape', call: () => parseSafetensors(stBytes({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, 24)), error: /do not hold 6 x F32/, cls: SafetensorsError },
  { name: 'safetensors: data cut short', call: () => parseSafetensors(goodSt().subarray(0, goodSt().length - 4)), error: /tensor 'w': data ends at 24 but only 20/, cls: SafetensorsError },
  { name: 'safetensors: a null entry', call: () => parseSafetensors(stBytes({ w: null })), error: /tensor 'w'/, cls: SafetensorsError },
  { name: 'safetensors: string metadata', call: () => parseSafetensors(stBytes({ __metadata__: 'x' })), error: /__metadata__/, cls: SafetensorsError },
  { name: 'safetensors: overlapping tensors', call: () => parseSafetensors(stBytes({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12)), error: /overlap/, cls: SafetensorsError },
  { name: 'safetensors: shape product beyond 2^53', call: () => parseSafetensors(stBytes({ w: { dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 4] } }, 4)), error: /tensor 'w'/, cls: SafetensorsError },
  // voice packages
  ...voiceCases('voice.json is not JSON', (_v, d) => { writeFileSync(join(d, 'voice.json'), '{"format": '); throw new Skip(); }, /voice\.json: not valid JSON/, true),
  ...voiceCases('no voice.json', (_v, d) => { rmSync(join(d, 'voice.json')); throw new Skip(); }, /not a voice directory: no voice\.json/, true),
  ...voiceCases('unknown format', (v) => { v.format = 'piper/1'; }, /format: 'piper\/1' is not supported/),
  ...voiceCases('negative sample rate', (v) => { obj(v, 'audio').sample_rate = -22050; }, /audio\.sample_rate: must be a positive integer/),
  ...voiceCases('duplicate phoneme ids', (v) => { const m = obj(v, 'phoneme_id_map'); m.AA0 = m.AA1; }, /phoneme_id_map: '.*' and '.*' share id/),
  ...voiceCases('model outside the folder', (v) => { v.model = '../model.safetensors'; }, /model: '\.\.\/model\.safetensors' must be a file name inside the voice directory/, true),
  ...voiceCases('missing weights', (_v, d) => { rmSync(join(d, 'model.safetensors')); }, /model file 'model\.safetensors' named by voice\.json is missing/),
  ...voiceCases('short weights', (_v, d) => { const f = join(d, 'model.safetensors'); writeFileSync(f, readFileSync(f).subarray(0, 2000)); }, /model\.safetensors: corrupt model file: .*truncated/, true),
  ...voiceCases('empty weights', (_v, d) => { writeFileSync(join(d, 'model.safetensors'), ''); }, /model\.safetensors: corrupt model file: .*truncated: 0 bytes/),
  ...voiceCases('NaN weights', (_v, d) => editModel(d, (t) => { t.get('denoise_fn.output_projection.weight')!.data[0] = NaN; }), /tensor 'denoise_fn\.output_projection\.weight' holds NaN/, true),
  ...voiceCases('embedding with the wrong row count', (_v, d) => editModel(d, (t) => { const e = t.get('fs2.encoder_embed_tokens.weight')!; const cols = e.shape[1]!; t.set('fs2.encoder_embed_tokens.weight', { shape: [e.shape[0]! - 1, cols], data: e.data.slice(cols) }); }), /token embedding has \d+ rows but voice\.json has num_symbols/),
  ...voiceCases('a weight of the wrong shape', (_v, d) => editModel(d, (t) => { const w = t.get('denoise_fn.output_projection.weight')!; t.set('denoise_fn.output_projection.weight', { shape: [w.data.length], data: w.data }); }), /denoise_fn\.output_projection\.weight/, true),
  ...voiceCases('a missing weight', (_v, d) => editModel(d, (t) => { t.delete('denoise_fn.output_projection.weight'); }), /denoise_fn\.output_projection\.weight/),
  ...voiceCases('a missing vocoder file', (v) => { v.vocoder = { type: 'vocos', file: 'vocoder.safetensors' }; }, /vocoder file 'vocoder\.safetensors' named by voice\.json is missing/, true),
  ...voiceCases('schedule does not add up', (v) => { obj(v, 'schedule').timescale = 3; }, /schedule: timesteps \d+ x timescale 3 does not cover/),
  { name: 'voice: unknown name (CLI)', cli: (d) => say(d, '--voice', 'no-such-voice'), error: /^prodiff say: .*no-such-voice/ },
  // configs / hparams
  { name: 'hparams: wrong type', call: () => parseHparams({ hidden_size: 'big' }, 'c.json'), error: /^c\.json: hparams 'hidden_size' must be an integer, got "big"$/, cls: HparamsError },
  { name: 'hparams: out of range', call: () => parseHparams({ timesteps: 0 }, 'c.json'), error: /^c\.json: hparams 'timesteps' must be >= 1/, cls: HparamsError },
  { name: 'hparams: not an object', call: () => parseHparams([1, 2], 'c.json'), error: /^c\.json: hparams must be a JSON object/, cls: HparamsError },
  { name: 'train: config not JSON (CLI)', setup: (d) => { put(d, 'c.json', '{ hidden_size: 8 '); }, cli: (d) => ['train', '--config', join(d, 'c.json'), '--data', d, '--out', join(d, 'run')], error: /c\.json.*JSON/ },
  { name: 'train: config with a bad key (CLI)', setup: (d) => { put(d, 'c.json', JSON.stringify({ hidden_size: -4 })); }, cli: (d) => ['train', '--config', join(d, 'c.json'), '--data', d, '--out', join(d, 'run')], error: /c\.json: hparams 'hidden_size' must be >= 1/ },
  { name: 'make-voice: config with a string where a number goes (CLI)', setup: (d) => { put(d, 'c.json', JSON.stringify({ ...TINY_HPARAMS, timesteps: '4' })); }, cli: (d) => ['make-voice', '--random', join(d, 'c.json'), '--out', join(d, 'v')], error: /c\.json: hparams 'timesteps' must be an integer/ },
  // command-line flags
  { name: 'flag: --speaker on a single-speaker voice', cli: (d) => say(d, '--speaker', 'slt'), error: /^prodiff say: voice .* has a single speaker; a speaker \("slt"\) can only be chosen on a multi-speaker voice/ },
  { name: 'flag: --speaker id on a single-speaker voice', cli: (d) => say(d, '--speaker', '1'), error: /^prodiff say: voice .* has a single speaker/ },
  { name: 'flag: --speed not a number', cli: (d) => say(d, '--speed', 'fast'), exit: 2, error: /^prodiff say: --speed/ },
  { name: 'flag: --seed negative', cli: (d) => say(d, '--seed', '-3'), exit: 2, error: /^prodiff say: --seed/ },
  { name: 'flag: --threads 0', cli: (d) => say(d, '--threads', '0'), exit: 2, error: /^prodiff say: --threads must be a positive integer/ },
  { name: 'flag: --steps 3 for a 4-step voice', cli: (d) => say(d, '--steps', '3'), exit: 2, error: /^prodiff say: --steps 3: .*--steps must be one of 1, 2, 4/ },
  { name: 'flag: --device tpu', cli: (d) => say(d, '--device', 'tpu'), exit: 2, error: /^prodiff: .*tpu/ },
  { name: 'flag: text twice', setup: (d) => { put(d, 't.txt', 'Hi.'); }, cli: (d) => [...say(d), '--text-file', join(d, 't.txt')], exit: 2, error: /either as arguments or with --text-file/ },
  { name: 'flag: features --sr 0', setup: (d) => { put(d, 'a.wav', goodWav()); }, cli: (d) => ['features', join(d, 'a.wav'), '--sr', '0'], exit: 2, error: /--sr/ },
];

/** Thrown by a voice edit that wrote voice.json itself. */
class Skip extends Error {}

// ---- the runner --------------------------------------------------------------------------------

function cli(args: string[], stdin: string, cwd: string): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], {
      cwd, env: { ...process.env, PRODIFF_VOICES: join(root, 'voices'), PRODIFF_DEBUG: '' }, maxBuffer: 16 << 20, timeout: 60_000,
    }, (e, _out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, err: String(err) }));
    child.stdin!.end(stdin);
  });
}

const listing = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).sort();

before(() => {
  root = mkdtempSync(join(tmpdir(), 'prodiff-bad-'));
  mkdirSync(join(root, 'voices'));
  voice = join(root, 'voices', 'tiny');
  makeRandomVoice(voice, TINY_HPARAMS, { name: 'tiny', vocoder: { type: 'griffin-lim', iterations: 1 } });
});

after(async () => {
  await tts?.dispose();
  rmSync(root, { recursive: true, force: true });
});

test('the catalogue has at least 50 cases, each named once', () => {
  assert.ok(CASES.length >= 50, `${CASES.length} cases`);
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
});

describe('bad input', { concurrency: 2 }, () => {
  before(async () => { tts = await ProDiffTTS.load({ dir: voice }); });
  for (const [i, c] of CASES.entries()) {
    test(c.name, async () => {
      const dir = join(root, `case-${i}`);
      mkdirSync(dir);
      try {
        c.setup?.(dir);
      } catch (e) {
        if (!(e instanceof Skip)) throw e;
      }
      const before = listing(dir);
      if (c.cli) {
        const r = await cli(c.cli(dir), c.stdin ?? '', dir);
        assert.equal(r.code, c.exit ?? 1, `exit code (stderr: ${r.err})`);
        assert.match(r.err, c.error);
        assert.doesNotMatch(r.err, STACK, 'no stack trace');
        assert.equal(r.err.trimEnd().split('\n').length, 1, `one line, got: ${r.err}`);
      } else {
        let thrown: unknown;
        try {
          await c.call!(dir);
        } catch (e) {
          thrown = e;
        }
        assert.ok(thrown instanceof Error, `throws (returned instead)`);
        assert.ok(thrown instanceof c.cls!, `${c.cls!.name} expected, got ${thrown.name}: ${thrown.message}`);
        assert.match(thrown.message, c.error);
        assert.equal(thrown.message.split('\n').length, 1, `one line: ${thrown.message}`);
      }
      assert.deepEqual(listing(dir), before, 'no output or temporary file left behind');
    });
  }
});
