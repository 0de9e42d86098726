// The Chromium tests' page: the package from its sources, and the
// internals the tests look at (the pool's counters). A test may patch
// crypto.subtle before this module runs: ?patch=... (see patches).
import * as wp from '../../src/index.js';
import { workerStats } from '../../src/pool.js';

// Page content that replaces the browser's X-Wing before the package
// loads: the detection must not use it.
const patches = {
  // Encapsulates to nothing: a constant secret and ciphertext.
  constant() {
    SubtleCrypto.prototype.encapsulateBits = async () => ({ sharedKey: new ArrayBuffer(32), ciphertext: new ArrayBuffer(1120) });
  },
  // Decapsulates to zeros.
  zeros() {
    SubtleCrypto.prototype.decapsulateBits = async () => new ArrayBuffer(32);
  },
  // No X-Wing at all.
  missing() {
    delete SubtleCrypto.prototype.encapsulateBits;
  },
  // A ChaCha20-Poly1305 that encrypts to zeros (and decrypts anything).
  aead() {
    const { encrypt, decrypt } = SubtleCrypto.prototype;
    SubtleCrypto.prototype.encrypt = async function (alg, key, data) {
      return alg?.name === 'ChaCha20-Poly1305' ? new ArrayBuffer(data.byteLength + 16) : encrypt.call(this, alg, key, data);
    };
    SubtleCrypto.prototype.decrypt = async function (alg, key, data) {
      return alg?.name === 'ChaCha20-Poly1305' ? new ArrayBuffer(Math.max(0, data.byteLength - 16)) : decrypt.call(this, alg, key, data);
    };
  },
};
const patch = new URL(location.href).searchParams.get('patch');
if (patch) patches[patch]();

window.wp = wp;
window.workerStats = workerStats;
window.ready = true;
