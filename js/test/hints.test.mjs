// Errors that point at the fix: a module that does not load says which
// URL and why, with no advice that applies only inside this repository;
// the published form of a welcome passed to openWelcome says how to open
// it. Runs in its own process: the failing init() calls come first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { makeRecipients, fakeWelcome, rejectsWith, throwsWith, wp } from './helpers.mjs';

const E = wp.ErrorCode;

// Answers /missing.wasm with 404 and /page.wasm with an HTML page, as
// servers do for a file that is not there.
let server;
let base;
before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/page.wasm') res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><p>app</p>');
    else res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

test('a module that does not load: ERR_LOAD with its URL and why, and no repository-only advice', async () => {
  const missing = new URL('../dist/no-such-module.wasm', import.meta.url);
  for (const [wasmURL, why] of [
    [missing, new RegExp(`cannot read ${missing.href.replace(/\./g, '\\.')}: ENOENT`)],
    [`${base}/missing.wasm`, new RegExp(`fetching ${base}/missing\\.wasm failed: HTTP 404 \\(the file is not where the package looks for it`)],
    [
      `${base}/page.wasm`,
      new RegExp(`${base}/page\\.wasm is not WebAssembly: the server sent text/html \\(is the file missing, and a page served in its place\\?\\)`),
    ],
  ]) {
    let message = '';
    await rejectsWith(
      async () => {
        try {
          await wp.init({ wasmURL });
        } catch (e) {
          message = e.message;
          throw e;
        }
      },
      E.LOAD,
      why,
    );
    assert.doesNotMatch(message, /build\.sh/);
  }
  await rejectsWith(() => wp.init({ workerURL: 7 }), E.ARGUMENT, /workerURL must be a string or a URL/);
  await wp.init();
  assert.ok(wp.isInitialized());
});

test("the published form passed to openWelcome: ERR_MALFORMED saying to pass { form: 'input' } or use toWelcomeMessage", async () => {
  await wp.init();
  const recipients = makeRecipients(3);
  const invite = await wp.sealInvite(
    fakeWelcome(200),
    1,
    recipients.map((r) => r.installation),
  );
  for (const m of invite.messages.slice(1)) {
    throwsWith(
      () => wp.openWelcome(m.message, [recipients[0].key]),
      E.MALFORMED,
      /published WelcomeMessageInput \(what sealInvite returns\): open them with openWelcome\(message, keys, \{ form: 'input' \}\), or convert them with toWelcomeMessage/,
    );
  }
  // Opened as told, it works; garbage gets no such hint.
  assert.equal(wp.openWelcome(invite.messages[1].message, [recipients[0].key], { form: 'input' }).kind, 'pointer');
  assert.throws(
    () => wp.openWelcome(new Uint8Array([1, 2, 3]), [recipients[0].key]),
    (e) => e.code === E.MALFORMED && !/form: 'input'/.test(e.message),
  );
});
