// The URL arithmetic of prodiff/web's voice loader (plain functions; the browser test runs the rest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { voiceBaseUrl } from '../../src/web/voice.js';
import { VoiceError } from '../../src/voice/config.js';

test('voiceBaseUrl: a voice folder with or without the slash, or its voice.json, relative to the page', () => {
  const page = 'https://example.org/app/index.html';
  for (const u of ['voices/v1', 'voices/v1/', 'voices/v1/voice.json', './voices/v1/', 'https://example.org/app/voices/v1/voice.json']) {
    assert.equal(voiceBaseUrl(u, page).href, 'https://example.org/app/voices/v1/', u);
  }
  assert.equal(voiceBaseUrl('/v/', page).href, 'https://example.org/v/');
  assert.equal(voiceBaseUrl('https://cdn.example.net/x/y', page).href, 'https://cdn.example.net/x/y/');
  assert.equal(voiceBaseUrl('voices/v1/?token=1', page).href, 'https://example.org/app/voices/v1/?token=1');
  assert.throws(() => voiceBaseUrl('voices/v1'), (e: Error) => e instanceof VoiceError && /not a valid URL/.test(e.message));
});
