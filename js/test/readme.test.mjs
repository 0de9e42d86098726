// The ten lines of the README (between <!-- readme-app: begin --> and
// <!-- readme-app: end -->), run as written against the Go welcome node:
// the sender seals and publishes, then every installation opens its
// message and receives the Welcome through the resolver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { fakeWelcome, makeRecipients, ready, wp } from './helpers.mjs';
import { ROOT, startNode } from './node-server.mjs';

let node;
before(async () => {
  await ready();
  node = await startNode();
});
after(async () => {
  await node?.stop();
});

/** The README's block, its import replaced by the module under test and its node's URL by ours. */
function readmeApp(url) {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = readme.match(/<!-- readme-app: begin -->\n```js\n([\s\S]*?)```\n<!-- readme-app: end -->/);
  assert.ok(block, 'README.md has no readme-app block');
  const code = block[1];
  const lines = code.trim().split('\n');
  assert.ok(lines.length <= 10, `the README's app takes ${lines.length} lines, not ten`);
  assert.match(code, /^import \* as wp from '@welcome-pointers\/wasm';$/m);
  assert.match(code, /'https:\/\/node\.example:5558'/);
  const body = code.replace(/^import .*$/m, '').replace("'https://node.example:5558'", JSON.stringify(url));
  const AsyncFunction = (async () => {}).constructor;
  return new AsyncFunction('wp', 'welcome', 'cursor', 'installations', 'myInstallationKey', 'myKey', 'join', body);
}

test("the README's ten lines publish an invite and deliver its Welcome to every installation through the node", async () => {
  const welcome = fakeWelcome(5_000);
  const cursor = 7n;
  const recipients = makeRecipients(4);
  const app = readmeApp(node.url);
  // Each installation runs the lines on its own device (its own
  // IndexedDB); each run also seals and publishes an invite, and every
  // installation receives the first one, as the first message on its topic.
  for (const r of recipients) {
    globalThis.indexedDB = new IDBFactory();
    const joined = [];
    await app(
      wp,
      welcome,
      cursor,
      recipients.map((x) => x.installation),
      r.installationKey,
      r.key,
      (w, c) => {
        joined.push({ w, c });
      },
    );
    assert.equal(joined.length, 1, 'the Welcome delivered once');
    assert.deepEqual(joined[0].w, welcome);
    assert.equal(joined[0].c, cursor);
  }
});
