import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EpochState, compileKey, hostOfKey, ouPrefixOfKey } from './key-state.js';

const ev = (key: string, host?: string) => ({
  stream: 's',
  key,
  timeMs: 0,
  ...(host === undefined ? {} : { host }),
});

test('hostOfKey and ouPrefixOfKey read the namespace form ous::host:…', () => {
  assert.equal(hostOfKey('World:US::mm56:cpu:user'), 'mm56');
  assert.equal(hostOfKey('World::mm56'), 'mm56');
  assert.equal(hostOfKey('10.0.0.1'), '10.0.0.1', 'no :: → the key itself');
  assert.equal(ouPrefixOfKey('World:US:Berkeley::mm56', 2), 'World:US');
  assert.equal(
    ouPrefixOfKey('World:US:Berkeley::mm56', 5),
    'World:US:Berkeley',
    'depth beyond the OUs → all OUs',
  );
  assert.equal(
    ouPrefixOfKey('World:US:Berkeley', 1),
    'World',
    'no :: → the whole key is the OU part',
  );
});

test('compiled key modes, including past the memo cache bound', () => {
  assert.equal(compileKey(undefined)(ev('AbC')), 'AbC');
  assert.equal(compileKey('as-is')(ev('AbC')), 'AbC');
  assert.equal(compileKey('lower')(ev('AbC')), 'abc');
  const host = compileKey('host');
  assert.equal(host(ev('A::h1:cpu', 'given')), 'given', 'the event host wins');
  assert.equal(host(ev('A::h1:cpu')), 'h1');
  const ou = compileKey({ ouDepth: 1 });
  for (let i = 0; i < 20_000; i++) assert.equal(ou(ev(`O${i}:X::h`)), `O${i}`);
  assert.equal(ou(ev('O5:X::h')), 'O5');
});

test('EpochState caps keys, counts drops and accounts bytes', () => {
  const st = new EpochState(0, 1, 2);
  assert.ok(st.key('a') !== undefined);
  assert.ok(st.key('b') !== undefined);
  assert.equal(st.key('c'), undefined);
  assert.ok(st.key('a') !== undefined, 'existing keys still accepted at the cap');
  assert.equal(st.dropped, 1);
  const before = st.bytes();
  st.key('a')!.add(0, { kind: 'unique' }, { str: 'x'.repeat(1000) });
  assert.ok(st.bytes() >= before + 1000, 'reducer bytes count');
});
