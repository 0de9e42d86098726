// Starts the Go welcome node (web-demo/node/cmd/node) on a free loopback
// port for the transport tests, in Node and in Chromium. The binary is
// WP_NODE_BIN when set, else built once per process with `go build`.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let binary = process.env.WP_NODE_BIN;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-node-'));
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

function build() {
  if (!binary) {
    binary = path.join(work, 'wp-node');
    execFileSync('go', ['build', '-o', binary, './web-demo/node/cmd/node'], { cwd: ROOT, stdio: 'inherit' });
  }
  return binary;
}

/**
 * Starts a node with the given flags; resolves to { url, stop() } once it
 * listens. stop() ends that process (and only it).
 */
export async function startNode(flags = []) {
  const urlFile = path.join(work, `url-${children.size}-${Date.now()}`);
  const child = spawn(build(), ['-addr', '127.0.0.1:0', '-url-file', urlFile, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let log = '';
  child.stderr.on('data', (d) => {
    log += d;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (let i = 0; i < 200; i++) {
    if (fs.existsSync(urlFile) && fs.readFileSync(urlFile, 'utf8').trim()) break;
    if (child.exitCode !== null) throw new Error(`the node exited: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = fs.existsSync(urlFile) ? fs.readFileSync(urlFile, 'utf8').trim() : '';
  if (!url) throw new Error(`the node did not start in 10 s: ${log}`);
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      children.delete(child);
    },
  };
}
