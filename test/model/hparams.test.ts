// The hparams schema: wrong types and ranges fail naming the key and the source, defaults are the
// official ones, unknown keys survive a round trip, and every official config this project ships
// or reads (configs/*.json, the golden cases' official hparams) parses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { HparamsError, hparamsToJson, parseHparams, requireHparam, withHparams } from '../../src/model/hparams.js';
import { lossWeightsFromHparams } from '../../src/model/losses.js';
import { prodiffConfigFromHparams } from '../../src/model/prodiff.js';
import { readConfig } from '../../src/cli/train.js';
import { goldenDir, repoRoot } from '../golden.js';

const MODEL = { hidden_size: 32, enc_layers: 1, enc_ffn_kernel_size: 9, residual_channels: 32, residual_layers: 2, vocab_size: 10, f0_mean: 200, f0_std: 40 };

test('hparams: a known key of the wrong type or out of range fails, naming the key and the source', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ hidden_size: '256' }, /^cfg\.json: hparams 'hidden_size' must be an integer, got "256"$/],
    [{ hidden_size: 25.5 }, /^cfg\.json: hparams 'hidden_size' must be an integer, got 25\.5$/],
    [{ dropout: 1 }, /^cfg\.json: hparams 'dropout' must be < 1, got 1$/],
    [{ lr: -1 }, /^cfg\.json: hparams 'lr' must be >= 0, got -1$/],
    [{ use_pitch_embed: 'yes' }, /^cfg\.json: hparams 'use_pitch_embed' must be true or false, got "yes"$/],
    [{ pitch_type: 'cwt' }, /^cfg\.json: hparams 'pitch_type' is not supported \(supported: frame\), got "cwt"$/],
    [{ use_uv: false }, /^cfg\.json: hparams 'use_uv' must be true/],
    [{ vocab: ['AA', 3] }, /^cfg\.json: hparams 'vocab' must be a list of strings/],
    [{ f0_mean: 'NaN' }, /^cfg\.json: hparams 'f0_mean' must be a number, got "NaN"$/],
    [{ max_frames: 0 }, /^cfg\.json: hparams 'max_frames' must be >= 1, got 0$/],
  ];
  for (const [raw, re] of cases) assert.throws(() => parseHparams({ ...MODEL, ...raw }, 'cfg.json'), (e: unknown) => e instanceof HparamsError && re.test(e.message), JSON.stringify(raw));
  assert.throws(() => parseHparams([1, 2], 'cfg.json'), /cfg\.json: hparams must be a JSON object/);
});

test('hparams: defaults are the official values; null means unset; unknown keys are kept and written back', () => {
  const hp = parseHparams({ ...MODEL, num_heads: null, binary_data_dir: 'data/binary/LJSpeech', test_ids: [] }, 'x');
  assert.equal(hp.num_heads, 2);
  assert.equal(hp.dilation_cycle_length, 1);
  assert.equal(hp.max_sentences, 48);
  assert.equal(hp.max_frames, 32000);
  assert.equal(hp.val_check_interval, 2000);
  assert.equal(hp.max_updates, 200000);
  assert.deepEqual(hp.other, { binary_data_dir: 'data/binary/LJSpeech', test_ids: [] });
  const json = hparamsToJson(hp);
  assert.equal(json.binary_data_dir, 'data/binary/LJSpeech');
  assert.equal(json.num_heads, 2);
  assert.equal('source' in json || 'other' in json, false);
  // Parsing the written JSON again gives the same values; already parsed hparams pass through.
  assert.deepEqual(hparamsToJson(parseHparams(JSON.parse(JSON.stringify(json)), 'y')), json);
  assert.equal(parseHparams(hp, 'z'), hp);
  const changed = withHparams(hp, { seed: 9 });
  assert.equal(changed.seed, 9);
  assert.equal(changed.other.binary_data_dir, 'data/binary/LJSpeech');
  assert.throws(() => withHparams(hp, { seed: 'nine' }, 'run/config.json + cache'), { message: /^run\/config\.json \+ cache: hparams 'seed' must be an integer/ });
});

test('hparams: missing required model keys and bad mel_loss name the key', () => {
  assert.throws(() => prodiffConfigFromHparams({ ...MODEL, residual_layers: undefined }, 'model.safetensors'), { message: /^model\.safetensors: hparams 'residual_layers' is required but missing$/ });
  assert.throws(() => prodiffConfigFromHparams({ ...MODEL, f0_std: undefined }, 'm'), { message: /^m: hparams 'f0_std' is required \(the training set's f0 statistics\) but missing$/ });
  assert.throws(() => requireHparam(parseHparams({}, 'cfg'), 'hidden_size'), { message: /^cfg: hparams 'hidden_size' is required but missing$/ });
  assert.throws(() => lossWeightsFromHparams(parseHparams({ mel_loss: 'l2:1' }, 'cfg')), { message: /^cfg: hparams 'mel_loss' names the mel loss 'l2'/ });
  assert.throws(() => lossWeightsFromHparams(parseHparams({ mel_loss: 'l1:x' }, 'cfg')), { message: /^cfg: hparams 'mel_loss' gives 'l1' the weight 'x'/ });
  assert.deepEqual(lossWeightsFromHparams(parseHparams({ mel_loss: 'l1:0.5|ssim:0.5' }, 'cfg')), { ssim: 0.5, l1: 0.5, pdur: 0.1, wdur: 1, sdur: 1, uv: 1, f0: 1, energy: 0.1 });
  // The vocabulary gives the embedding size when vocab_size is absent (3 special tokens, no <EOS>).
  const cfg = prodiffConfigFromHparams({ ...MODEL, vocab_size: undefined, vocab: ['<BOS>', '<EOS>', 'AA', 'B'] });
  assert.equal(cfg.fs2.vocabSize, 6);
});

test('hparams: the shipped configs and the golden cases\' official hparams parse', () => {
  const configs = readdirSync(join(repoRoot, 'configs'), { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.json'));
  assert.ok(configs.includes(join('paper', 'eps-n128.json')), 'configs/paper is read');
  for (const f of configs) {
    const hp = readConfig(join(repoRoot, 'configs', f));
    assert.equal(hp.source, join(repoRoot, 'configs', f));
    assert.ok(hp.hidden_size! > 0 && hp.max_frames > 0, f);
  }
  let official = 0;
  for (const f of readdirSync(goldenDir('prodiff')).filter((n) => n.endsWith('.safetensors'))) {
    const text = readSafetensors(join(goldenDir('prodiff'), f)).metadata.hparams;
    if (!text) continue;
    const hp = parseHparams(JSON.parse(text), f);
    assert.ok(Object.keys(hp.other).length > 0, `${f}: the official hparams carry keys outside the schema`);
    official++;
  }
  assert.ok(official > 0, 'golden cases with hparams');
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-hp-'));
  try {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ hidden_size: 128, warmup_updates: '1000' }));
    assert.throws(() => readConfig(bad), { message: new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: hparams 'warmup_updates' must be an integer, got "1000"$`) });
    writeFileSync(bad, '{ not json');
    assert.throws(() => readConfig(bad), /cannot read the config/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
