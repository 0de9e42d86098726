// The packed package as Node and tools see it: installed from the tarball
// into this project (scripts/test-package.sh does), imported by its name.
//
//   PACK_JSON=<npm pack --json output> node --test examples/test/node.test.mjs
import 'fake-indexeddb/auto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as wp from '@welcome-pointers/wasm';
import { runScenario } from '../shared/scenario.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const INSTALLED = fileURLToPath(new URL('./node_modules/@welcome-pointers/wasm/', import.meta.url));
const pack = JSON.parse(fs.readFileSync(process.env.PACK_JSON ?? '', 'utf8'))[0];

function filesUnder(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)).split(path.sep).join('/'));
}

test('the tarball holds exactly the package: its sources, the module and its Go glue, the types, README and package.json', () => {
  const expected = [
    'README.md', 'dist/wasm_exec.js', 'dist/welcome-pointers.wasm', 'index.d.ts', 'package.json',
    ...filesUnder(path.join(REPO, 'js/src')).map((f) => `src/${f}`),
  ].sort();
  assert.deepEqual(pack.files.map((f) => f.path).sort(), expected);
});

test('package.json: installable, with a Node entry and a browser entry', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(INSTALLED, 'package.json'), 'utf8'));
  assert.equal(pkg.private, undefined);
  assert.deepEqual(Object.keys(pkg.exports['.']), ['types', 'node', 'browser', 'worker', 'default']);
  assert.ok(import.meta.resolve('@welcome-pointers/wasm').endsWith('/node_modules/@welcome-pointers/wasm/src/node.js'));
});

// A module's code without its comments (block comments, and line comments
// that start a line), enough for the checks below.
const code = (file) => fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

// The modules a browser build reaches from an entry: every static and
// literal dynamic import, followed through relative paths.
function graph(entry) {
  const seen = new Map();
  const visit = (file) => {
    const name = path.relative(INSTALLED, file);
    if (seen.has(name)) return; // modules may import each other in a cycle
    const src = code(file);
    const specifiers = [...src.matchAll(/(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)]
      .map((m) => m[1] ?? m[2] ?? m[3]);
    seen.set(name, specifiers);
    for (const s of specifiers) if (s.startsWith('.')) visit(path.resolve(path.dirname(file), s));
  };
  visit(path.join(INSTALLED, entry));
  return seen;
}

test('no node: module in the browser entry\'s graph nor in the worker\'s', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(INSTALLED, 'package.json'), 'utf8'));
  for (const entry of [pkg.exports['.'].browser, pkg.exports['.'].worker, pkg.exports['.'].default, pkg.exports['./worker']]) {
    const modules = graph(entry);
    assert.ok(modules.size > 5, `${entry}: ${modules.size} modules`);
    for (const [file, specifiers] of modules) {
      assert.deepEqual(specifiers.filter((s) => s.startsWith('node:')), [], `${file}, reached from ${entry}`);
    }
  }
});

test('no advice in the package that only applies inside its repository', () => {
  for (const f of filesUnder(path.join(INSTALLED, 'src'))) {
    assert.doesNotMatch(code(path.join(INSTALLED, 'src', f)), /build\.sh/, f);
  }
});

test('in Node, by its name: init from the installed files, sealing in worker_threads, opening, the resolver', async () => {
  const steps = await runScenario(wp, { label: 'node' });
  assert.deepEqual(steps, ['init', 'generateKey', 'sealInvite', 'sealInvite workers=2', 'openWelcome', 'openPointee', 'resolver through IndexedDB']);
});
