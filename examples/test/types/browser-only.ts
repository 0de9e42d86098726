// What only browser projects (DOM or WebWorker library) have: the
// platform's own types go where the package takes them.
import { createResolver, init, openPendingStore } from '@welcome-pointers/wasm';

export async function browserOnly(): Promise<void> {
  await init({ wasmModule: await WebAssembly.compileStreaming(fetch('/welcome-pointers.wasm')) });
  await init({ wasmModule: fetch('/welcome-pointers.wasm') });
  const store = await openPendingStore();
  createResolver({ store, fetchFirstMessage: async () => null, locks: navigator.locks });
}
