// SSML subset (src/text/ssml): each element's phones and style, break lengths, IPA mapping,
// say-as readings, errors with line:column, and what counts as SSML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipaToArpabet, looksLikeSsml, parseSsml, planSsml, sayAs, SsmlError } from '../../src/text/ssml/index.js';
import { textToPhones } from '../../src/text/frontend.js';

const plan = (body: string) => planSsml(`<speak>${body}</speak>`);
/** The phones of each utterance, without <BOS>/<EOS>. */
const phonesOf = (body: string) => plan(body).utterances.map((u) => u.sentence.phones.slice(1, -1).join(' '));
const plainPhones = (text: string) => textToPhones(text).phones.slice(1, -1).join(' ');
const errorOf = (ssml: string): SsmlError => {
  try {
    planSsml(ssml);
  } catch (e) {
    assert.ok(e instanceof SsmlError, `not an SsmlError: ${String(e)}`);
    return e;
  }
  assert.fail(`no error for ${ssml}`);
};

test('speak: plain text inside reads as the front end reads it, not the markup', () => {
  const p = plan('Hello world.');
  assert.equal(p.utterances.length, 1);
  assert.equal(p.utterances[0]!.sentence.phones.join(' '), textToPhones('Hello world.').phones.join(' '));
  assert.ok(!p.utterances[0]!.sentence.phones.includes('S P IY1 K'));
  assert.deepEqual(p.utterances[0]!.sentence.words.map((w) => w.text), ['Hello', 'world']);
});

test('looksLikeSsml: <speak at the start (after white space or an XML declaration) only', () => {
  assert.ok(looksLikeSsml('<speak>Hi</speak>'));
  assert.ok(looksLikeSsml('  \n<speak version="1.1">Hi</speak>'));
  assert.ok(looksLikeSsml('<?xml version="1.0"?>\n<speak>Hi</speak>'));
  assert.ok(!looksLikeSsml('3 < 4 and <b>bold</b>'));
  assert.ok(!looksLikeSsml('Say <speak> later'));
  assert.ok(!looksLikeSsml('<speaker>'));
});

test('p and s: sentence boundaries; sentence ends inside text split too', () => {
  const p = plan('<p><s>One two</s><s>Three</s></p><p>Four. Five</p>');
  assert.deepEqual(p.utterances.map((u) => u.sentence.words.map((w) => w.text).join(' ')), ['One two', 'Three', 'Four', 'Five']);
  // A sentence boundary without a break: the call's sentence silence (undefined); the last: none.
  assert.deepEqual(p.utterances.map((u) => u.pauseAfter), [undefined, undefined, undefined, 0]);
});

test('break: time and strength -> seconds; inside a sentence it splits the utterance', () => {
  const pauses = (b: string) => plan(`Hello ${b} world`).utterances[0]!.pauseAfter;
  assert.equal(pauses('<break time="500ms"/>'), 0.5);
  assert.equal(pauses('<break time="2s"/>'), 2);
  assert.equal(pauses('<break time="1.25s"/>'), 1.25);
  assert.equal(pauses('<break/>'), 0.5);
  const strengths = { 'none': 0, 'x-weak': 0.1, 'weak': 0.25, 'medium': 0.5, 'strong': 0.75, 'x-strong': 1 };
  for (const [s, secs] of Object.entries(strengths)) assert.equal(pauses(`<break strength="${s}"/>`), secs, s);
  assert.equal(pauses('<break strength="weak" time="3s"/>'), 3, 'time wins over strength');
  assert.equal(pauses('<break time="1s"/><break time="200ms"/>'), 1.2, 'adjacent breaks add up');
  const p = plan('<break time="300ms"/>Hi<break time="2s"/>');
  assert.equal(p.leadingPause, 0.3);
  assert.equal(p.utterances.length, 1);
  assert.equal(p.utterances[0]!.pauseAfter, 2, 'a trailing break is kept');
  // A break replaces the sentence silence at a sentence boundary.
  assert.equal(plan('<s>A b</s><break strength="none"/><s>C d</s>').utterances[0]!.pauseAfter, 0);
  assert.deepEqual(phonesOf('Hello <break/> world'), [plainPhones('Hello'), plainPhones('world')]);
});

test('prosody: rate, pitch and volume become the utterance style; nesting composes', () => {
  const style = (attrs: string) => plan(`<prosody ${attrs}>word</prosody>`).utterances[0]!.style;
  assert.equal(style('rate="x-slow"').rate, 0.5);
  assert.equal(style('rate="slow"').rate, 0.75);
  assert.equal(style('rate="fast"').rate, 1.25);
  assert.equal(style('rate="x-fast"').rate, 1.5);
  assert.equal(style('rate="150%"').rate, 1.5);
  assert.equal(style('rate="-20%"').rate, 0.8);
  assert.equal(style('pitch="high"').pitch, 2);
  assert.equal(style('pitch="x-low"').pitch, -4);
  assert.equal(style('pitch="+3st"').pitch, 3);
  assert.ok(Math.abs(style('pitch="+100%"').pitch - 12) < 1e-9, 'an octave up');
  assert.ok(Math.abs(style('pitch="-50%"').pitch + 12) < 1e-9, 'an octave down');
  assert.equal(style('volume="loud"').volumeDb, 6);
  assert.equal(style('volume="-3dB"').volumeDb, -3);
  assert.equal(style('volume="silent"').volumeDb, -Infinity);
  const nested = plan('<prosody rate="slow" pitch="+2st"><prosody rate="50%" pitch="+1st" volume="+6dB">in</prosody> out</prosody> after').utterances;
  assert.deepEqual(nested.map((u) => [u.sentence.words[0]!.text, u.style.rate, u.style.pitch, u.style.volumeDb]), [
    ['in', 0.5, 3, 6], ['out', 0.75, 2, 0], ['after', 1, 0, 0],
  ]);
  // A change of style within a sentence: a new utterance, no pause.
  assert.deepEqual(nested.map((u) => u.pauseAfter), [0, 0, 0]);
});

test('emphasis: slower, higher and louder by level (reduced: the opposite)', () => {
  const style = (level: string) => plan(`<emphasis${level ? ` level="${level}"` : ''}>word</emphasis>`).utterances[0]!.style;
  assert.deepEqual(style(''), { rate: 0.9, pitch: 1, energy: 1.15, volumeDb: 0 });
  assert.deepEqual(style('strong'), { rate: 0.8, pitch: 2, energy: 1.3, volumeDb: 0 });
  assert.deepEqual(style('none'), { rate: 1, pitch: 0, energy: 1, volumeDb: 0 });
  assert.deepEqual(style('reduced'), { rate: 1.1, pitch: -1, energy: 0.85, volumeDb: 0 });
  // Punctuation after the element stays with it; then a sentence boundary (not a style split).
  const p = plan('Hello <emphasis>world</emphasis>. How are you?');
  assert.deepEqual(p.utterances.map((u) => u.sentence.words.map((w) => w.text).join(' ')), ['Hello', 'world', 'How are you']);
  assert.deepEqual(p.utterances.map((u) => u.pauseAfter), [0, undefined, 0]);
});

test('say-as: each interpret-as reads its text', () => {
  assert.equal(sayAs('IBM2', 'characters', undefined), 'I B M two');
  assert.equal(sayAs('ab', 'spell-out', undefined), 'A B');
  assert.equal(sayAs('1,234', 'cardinal', undefined), 'one thousand two hundred thirty-four');
  assert.equal(sayAs('-7', 'cardinal', undefined), 'minus seven');
  assert.equal(sayAs('3', 'ordinal', undefined), 'third');
  assert.equal(sayAs('21st', 'ordinal', undefined), 'twenty-first');
  assert.equal(sayAs('2024', 'digits', undefined), 'two zero two four');
  assert.equal(sayAs('5/12/2024', 'date', 'mdy'), 'May twelfth twenty twenty-four');
  assert.equal(sayAs('5/12/2024', 'date', 'dmy'), 'the fifth of December twenty twenty-four');
  assert.equal(sayAs('2024-05-12', 'date', 'ymd'), 'May twelfth twenty twenty-four');
  assert.equal(sayAs('2024-05-12', 'date', undefined), 'May twelfth twenty twenty-four');
  assert.equal(sayAs('12/25', 'date', 'md'), 'December twenty-fifth');
  assert.equal(sayAs('14:30', 'time', undefined), 'fourteen thirty');
  assert.equal(sayAs('9:05am', 'time', undefined), 'nine oh five A M');
  assert.equal(sayAs('3 pm', 'time', undefined), 'three P M');
  assert.equal(sayAs('8:00', 'time', undefined), "eight o'clock");
  assert.equal(sayAs('+1 (800) 555-0199', 'telephone', undefined), 'plus one, eight zero zero, five five five, zero one nine nine');
  // Through the planner: the phones are those of the spoken form.
  assert.deepEqual(phonesOf('<say-as interpret-as="characters">ab</say-as>'), [plainPhones('A B')]);
  assert.deepEqual(phonesOf('<say-as interpret-as="ordinal">2</say-as>'), [plainPhones('second')]);
  assert.deepEqual(phonesOf('<say-as interpret-as="digits">42</say-as>'), [plainPhones('four two')]);
});

test('sub: the alias is spoken, reported as one word with the original text', () => {
  const u = plan('<sub alias="World Wide Web">WWW</sub> now').utterances[0]!;
  assert.equal(u.sentence.phones.slice(1, -1).join(' '), plainPhones('World Wide Web now'));
  assert.deepEqual(u.sentence.words.map((w) => [w.text, u.sentence.phones.slice(w.start, w.end).join(' ')]), [
    ['WWW', plainPhones('World Wide Web')], ['now', plainPhones('now')],
  ]);
});

test('phoneme: x-arpabet phones as given, IPA through the table, reported as the element text', () => {
  const u = plan('<phoneme alphabet="x-arpabet" ph="T AH0 M AA1 T OW2">tomato</phoneme>').utterances[0]!;
  assert.deepEqual(u.sentence.phones, ['<BOS>', 'T', 'AH0', 'M', 'AA1', 'T', 'OW2', '<EOS>']);
  assert.deepEqual(u.sentence.words.map((w) => [w.text, w.kind, w.start, w.end]), [['tomato', 'phones', 1, 7]]);
  assert.deepEqual(phonesOf('<phoneme alphabet="ipa" ph="təˈmeɪtoʊ">tomato</phoneme>'), ['T AH0 M EY1 T OW0']);
  assert.deepEqual(ipaToArpabet('ˈθɪŋkɪŋ'), ['TH', 'IH1', 'NG', 'K', 'IH0', 'NG']);
  assert.deepEqual(ipaToArpabet('ˈtʃɜːtʃ'), ['CH', 'ER1', 'CH']);
  assert.deepEqual(ipaToArpabet('d͡ʒʌdʒ'), ['JH', 'AH0', 'JH']);
  assert.deepEqual(ipaToArpabet('ˌʌndɚˈstænd'), ['AH2', 'N', 'D', 'ER0', 'S', 'T', 'AE1', 'N', 'D']);
  assert.deepEqual(ipaToArpabet('ˈbɔɪ ˈhaʊs ˈjuːʒuəl'), ['B', 'OY1', 'HH', 'AW1', 'S', 'Y', 'UW1', 'ZH', 'UW0', 'AH0', 'L']);
  assert.throws(() => ipaToArpabet('tøˈmeɪ'), /IPA symbol 'ø' \(U\+00F8, character 2/);
});

test('voice: the name is carried in the style (resolved against the voice by the API)', () => {
  const p = plan('Hi <voice name="bob">there</voice>');
  assert.deepEqual(p.utterances.map((u) => u.style.voice), [undefined, 'bob']);
  assert.equal(p.utterances[1]!.style.voiceAt, '1:11');
});

test('errors: one line, with line:column', () => {
  const cases: Array<[string, RegExp, number, number]> = [
    ['<speak>\n  <foo>x</foo></speak>', /unsupported element <foo>/, 2, 3],
    ['<speak>Hello <break time="500ms">\n</speak>', /malformed XML/, 2, 8],
    ['<speak>Hi</speek>', /malformed XML/, 1, 17],
    ['<speak>Hi', /malformed XML: unclosed tag: speak/, 1, 9],
    ['<speak>\n<break time="fast"/></speak>', /<break> time="fast" is not a duration/, 2, 1],
    ['<speak><break strength="loud"/></speak>', /strength="loud" is not one of/, 1, 8],
    ['<speak><break time="11s"/></speak>', /longer than 10 s/, 1, 8],
    ['<speak>x <prosody rate="zippy">y</prosody></speak>', /<prosody> rate="zippy"/, 1, 10],
    ['<speak><prosody pitch="+3Hz">y</prosody></speak>', /<prosody> pitch="\+3Hz"/, 1, 8],
    ['<speak><prosody volume="+3">y</prosody></speak>', /<prosody> volume="\+3"/, 1, 8],
    ['<speak><emphasis level="huge">y</emphasis></speak>', /level="huge"/, 1, 8],
    ['<speak>\n\n   <say-as interpret-as="ordinal">abc</say-as></speak>', /<say-as> 'abc' is not an ordinal/, 3, 4],
    ['<speak><say-as interpret-as="shout">x</say-as></speak>', /interpret-as="shout" is not one of/, 1, 8],
    ['<speak><say-as interpret-as="date" format="xyz">1/2/3</say-as></speak>', /format="xyz"/, 1, 8],
    ['<speak><say-as>x</say-as></speak>', /needs an interpret-as/, 1, 8],
    ['<speak><sub>x</sub></speak>', /needs an alias/, 1, 8],
    ['<speak><phoneme alphabet="ipa" ph="tøˈmeɪ">x</phoneme></speak>', /IPA symbol 'ø'/, 1, 8],
    ['<speak><phoneme alphabet="x-arpabet" ph="HH AH L OW1">x</phoneme></speak>', /not an ARPAbet phone: 'AH'/, 1, 8],
    ['<speak><phoneme alphabet="x-sampa" ph="h@">x</phoneme></speak>', /alphabet="x-sampa"/, 1, 8],
    ['<speak><sub alias="a"><s>b</s></sub></speak>', /<sub> holds text only, not <s>/, 1, 23],
    ['<speak><voice>x</voice></speak>', /<voice> needs a name/, 1, 8],
    ['<p>x</p>', /root element must be <speak>/, 1, 1],
  ];
  for (const [ssml, re, line, column] of cases) {
    const e = errorOf(ssml);
    assert.match(e.message, re, ssml);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    assert.deepEqual([e.line, e.column], [line, column], `${ssml}: ${e.message}`);
    assert.ok(e.message.startsWith(`SSML ${line}:${column}: `), e.message);
  }
});

test('entities and CDATA are text; text outside elements is parsed as XML', () => {
  assert.deepEqual(plan('Tom &amp; Jerry').utterances[0]!.sentence.words.map((w) => w.text), ['Tom', 'and', 'Jerry']);
  assert.equal(parseSsml('<speak><![CDATA[a < b]]></speak>').length, 1);
});
