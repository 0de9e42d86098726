// Everything refuses to work before init(), with ERR_NOT_INITIALIZED;
// a failed init() can be retried. Runs in its own process (node --test
// isolates files), so the module is not loaded yet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import 'fake-indexeddb/auto';
import * as wp from '../src/node.js';
import { rejectsWith, throwsWith } from './helpers.mjs';

const E = wp.ErrorCode;

test('calls before init throw ERR_NOT_INITIALIZED', async () => {
  assert.equal(wp.isInitialized(), false);
  const k = { algorithm: 2, privateKey: new Uint8Array(32) };
  const bytes = new Uint8Array(8);
  for (const f of [
    () => wp.generateKey(),
    () => wp.loadKey(2, bytes),
    () => wp.validatePublicKey(2, bytes),
    () => wp.encodeWrapperEncryption(bytes),
    () => wp.decodeWrapperEncryption(bytes),
    () => wp.encodePointeeAeadTypes(),
    () => wp.decodePointeeAeadTypes(bytes),
    () => wp.installationFromExtensions({ installationKey: bytes }),
    () => wp.sealDirect(bytes, 0, {}),
    () => wp.openWelcome(bytes, [k]),
    () => wp.parsePointer(bytes),
    () => wp.openPointee(bytes, bytes),
    () => wp.inspect(bytes),
    () => wp.toWelcomeMessage(bytes, 0, 0),
    () => wp.inputTopic(bytes),
    () => wp.retry.defaultPolicy(),
    () => wp.retry.isDue(undefined, {}, 0),
  ]) {
    throwsWith(f, E.NOT_INITIALIZED, /init\(\)/);
  }
  await rejectsWith(() => wp.sealInvite(bytes, 0, []), E.NOT_INITIALIZED);
  const store = await wp.openPendingStore({ name: 'before-init' });
  throwsWith(() => wp.createResolver({ store, fetchFirstMessage: () => null }), E.NOT_INITIALIZED);
  store.close();
});

test('a module that cannot be loaded rejects with ERR_LOAD, and init can be retried', async () => {
  await rejectsWith(() => wp.init({ wasmURL: new URL('./no-such.wasm', import.meta.url) }), E.LOAD, /cannot read/);
  await rejectsWith(() => wp.init({ wasmModule: new Uint8Array([0, 1, 2, 3]) }), E.LOAD);
  await rejectsWith(() => wp.init({ wasmModule: 42 }), E.ARGUMENT, /wasmModule/);
  assert.equal(wp.isInitialized(), false);
  // An unrelated but valid module links but is not ours.
  const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  await rejectsWith(() => wp.init({ wasmModule: empty }), E.LOAD);
  // Now the real one, from a compiled module.
  const { readFile } = await import('node:fs/promises');
  const mod = await WebAssembly.compile(await readFile(new URL('../dist/welcome-pointers.wasm', import.meta.url)));
  const info = await wp.init({ wasmModule: mod });
  assert.equal(info.version, wp.VERSION);
  assert.ok(wp.isInitialized());
  assert.equal(wp.generateKey().publicKey.length, 1216);
  // Same module again: fine; another one: refused.
  await wp.init({ wasmModule: mod });
  await rejectsWith(() => wp.init({ wasmModule: new Uint8Array() }), E.ALREADY_INITIALIZED);
});
