// The restricted pickle reader: every data opcode of protocols 0-5 (pickles made once with
// CPython's pickle module, embedded as hex), and refusal of anything that would run code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PickleError, unpickle, UnsafePickleError } from '../../src/checkpoint/pickle.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

// pickle.dumps(obj, protocol=p) of
// {'a': [1, 2.5, None, True, False, (1, 'x'), ()], 'big': 2**70, 'neg': -3, 'i32': -70000, 'u16': 300,
//  'uni': 'hé€😀', 'nested': {'k': [[], {}]}, 'f': -1.25e-8, 7: 'int key'}
const BY_PROTOCOL = [
  '286470300a56610a70310a286c70320a49310a6146322e350a614e614930310a614930300a612849310a56780a70330a7470340a6128746173566269670a70350a4c313138303539313632303731373431313330333432344c0a73566e65670a70360a492d330a73566933320a70370a492d37303030300a73567531360a70380a493330300a7356756e690a70390a5668e95c75323061635c5530303031663630300a7031300a73566e65737465640a7031310a28647031320a566b0a7031330a286c7031340a286c7031350a6128647031360a61737356660a7031370a462d312e3235652d30380a7349370a56696e74206b65790a7031380a732e',
  '7d71002858010000006171015d7102284b014740040000000000004e4930310a4930300a284b0158010000007871037471042965580300000062696771054c313138303539313632303731373431313330333432344c0a58030000006e656771064afdffffff580300000069333271074a90eefeff580300000075313671084d2c015803000000756e697109580a00000068c3a9e282acf09f9880710a58060000006e6573746564710b7d710c58010000006b710d5d710e285d710f7d71106573580100000066711147be4ad7f29abcaf484b075807000000696e74206b65797112752e',
  '80027d71002858010000006171015d7102284b014740040000000000004e88894b0158010000007871038671042965580300000062696771058a0900000000000000004058030000006e656771064afdffffff580300000069333271074a90eefeff580300000075313671084d2c015803000000756e697109580a00000068c3a9e282acf09f9880710a58060000006e6573746564710b7d710c58010000006b710d5d710e285d710f7d71106573580100000066711147be4ad7f29abcaf484b075807000000696e74206b65797112752e',
  '80037d71002858010000006171015d7102284b014740040000000000004e88894b0158010000007871038671042965580300000062696771058a0900000000000000004058030000006e656771064afdffffff580300000069333271074a90eefeff580300000075313671084d2c015803000000756e697109580a00000068c3a9e282acf09f9880710a58060000006e6573746564710b7d710c58010000006b710d5d710e285d710f7d71106573580100000066711147be4ad7f29abcaf484b075807000000696e74206b65797112752e',
  '80049598000000000000007d94288c0161945d94284b014740040000000000004e88894b018c017894869429658c03626967948a090000000000000000408c036e6567944afdffffff8c03693332944a90eefeff8c03753136944d2c018c03756e69948c0a68c3a9e282acf09f9880948c066e6573746564947d948c016b945d94285d947d9465738c01669447be4ad7f29abcaf484b078c07696e74206b657994752e',
  '80059598000000000000007d94288c0161945d94284b014740040000000000004e88894b018c017894869429658c03626967948a090000000000000000408c036e6567944afdffffff8c03693332944a90eefeff8c03753136944d2c018c03756e69948c0a68c3a9e282acf09f9880948c066e6573746564947d948c016b945d94285d947d9465738c01669447be4ad7f29abcaf484b078c07696e74206b657994752e',
];

test('pickle: data opcodes of protocols 0 to 5 give the same values', () => {
  for (const [p, h] of BY_PROTOCOL.entries()) {
    const { value, end } = unpickle(hex(h));
    assert.equal(end, h.length / 2, `protocol ${p}: end offset`);
    assert.ok(value instanceof Map, `protocol ${p}`);
    const m = value as Map<unknown, unknown>;
    const a = m.get('a') as unknown[];
    assert.deepEqual(a.slice(0, 5), [1, 2.5, null, true, false], `protocol ${p}`);
    assert.deepEqual([...(a[5] as unknown[])], [1, 'x']);
    assert.ok(Object.isFrozen(a[5]) && Object.isFrozen(a[6]) && (a[6] as unknown[]).length === 0, 'tuples are frozen arrays');
    assert.equal(m.get('big'), 2n ** 70n);
    assert.equal(m.get('neg'), -3);
    assert.equal(m.get('i32'), -70000);
    assert.equal(m.get('u16'), 300);
    assert.equal(m.get('uni'), 'hé€😀', `protocol ${p}: unicode`);
    assert.equal(m.get('f'), -1.25e-8);
    assert.equal(m.get(7), 'int key');
    const nested = m.get('nested') as Map<string, unknown>;
    const k = nested.get('k') as unknown[];
    assert.deepEqual(k[0], []);
    assert.ok(k[1] instanceof Map && k[1].size === 0);
  }
  assert.deepEqual(unpickle(hex('800343030001ff71002e')).value, Uint8Array.from([0, 1, 255]));
});

test('pickle: a global must be allowed, and its handler is the only thing called', () => {
  // pickle.dumps(collections.OrderedDict([('z', 1), ('a', 2)]), protocol=2)
  const od = hex('800263636f6c6c656374696f6e730a4f726465726564446963740a7100295271012858010000007a71024b0158010000006171034b02752e');
  assert.throws(() => unpickle(od), (e: unknown) => e instanceof UnsafePickleError && e.global === 'collections.OrderedDict');
  const v = unpickle(od, { globals: { 'collections.OrderedDict': { call: () => new Map() } } }).value as Map<string, number>;
  assert.deepEqual([...v], [['z', 1], ['a', 2]]);
});

test('pickle: code is refused by name, never run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-pickle-'));
  const marker = join(dir, 'pwned');
  try {
    const text = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
    const attempts: [string, Uint8Array][] = [
      ['os.system', text(`cos\nsystem\n(S'touch ${marker}'\ntR.`)],
      ['posix.system', text(`\x80\x02cposix\nsystem\nq\x00X${String.fromCharCode(6 + marker.length)}\x00\x00\x00touch ${marker}q\x01\x85q\x02Rq\x03.`)],
      // pickle.dumps(E(), protocol=4) where E.__reduce__ returns (eval, ('1+1',))
      ['builtins.eval', hex('8004951f000000000000008c086275696c74696e73948c046576616c9493948c03312b3194859452942e')],
      ['subprocess.Popen', text(`(isubprocess\nPopen\n(S'touch ${marker}'\ntb.`)],
      ['builtins.getattr', text(`\x80\x02c__builtin__\ngetattr\n.`.replace('__builtin__', 'builtins'))],
    ];
    for (const [name, bytes] of attempts) {
      assert.throws(() => unpickle(bytes, { globals: { 'collections.OrderedDict': {} } }), (e: unknown) => {
        assert.ok(e instanceof UnsafePickleError, `${name}: ${String(e)}`);
        assert.equal(e.global, name);
        assert.match(e.message, new RegExp(`refusing to load '${name.replace('.', '\\.')}'`));
        return true;
      });
    }
    assert.equal(existsSync(marker), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pickle: truncated, corrupt and unsupported input fail with clear errors', () => {
  const full = hex(BY_PROTOCOL[2]!);
  for (const cut of [1, 2, 10, full.length - 1]) {
    assert.throws(() => unpickle(full.subarray(0, cut), { source: 'x.pkl' }), (e: unknown) => e instanceof PickleError && /^x\.pkl: truncated pickle/.test(e.message), `cut at ${cut}`);
  }
  assert.throws(() => unpickle(hex('80027d710058010000007871014b0173')), /truncated pickle: no STOP/);
  assert.throws(() => unpickle(hex('ff')), /unknown opcode 0xff/);
  assert.throws(() => unpickle(hex('8006')), /unsupported pickle protocol 6/);
  assert.throws(() => unpickle(hex('80024b014b0152')), /REDUCE on a number/); // REDUCE with a non-callable
  assert.throws(() => unpickle(hex('800268052e')), /memo entry 5 was never stored/);
  assert.throws(() => unpickle(hex('8002284b012e')), /STOP with a stack/);
  assert.throws(() => unpickle(hex('80024b01510a')), /persistent id/);
});
