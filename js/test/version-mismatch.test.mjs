// init() refuses a module built for another version of the package. The
// test links a second module with another -X main.version (the Go build
// cache makes this a link step) and loads it in this fresh process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as wp from '../src/node.js';
import { rejectsWith } from './helpers.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = fileURLToPath(new URL('../dist/test/mismatch.wasm', import.meta.url));

function goAvailable() {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('a module of another version is refused with ERR_VERSION_MISMATCH', { skip: !goAvailable() && 'no Go toolchain' }, async () => {
  if (!existsSync(out)) {
    mkdirSync(new URL('../dist/test/', import.meta.url), { recursive: true });
    execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w -X main.version=0.0.0-other', '-o', out, './wasm'], {
      cwd: root,
      env: { ...process.env, GOOS: 'js', GOARCH: 'wasm' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  await rejectsWith(() => wp.init({ wasmURL: new URL(`file://${out}`) }), wp.ErrorCode.VERSION_MISMATCH, /version 0\.0\.0-other but this package is/);
  assert.equal(wp.isInitialized(), false);
  assert.equal(globalThis[wp.NAMESPACE], undefined, 'the refused module does not stay registered');
  // The right module still loads afterwards.
  await wp.init();
  assert.ok(wp.isInitialized());
});
