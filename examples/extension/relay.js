// The example's stand-in for the network: published messages in an
// IndexedDB database of the extension, in publishing order. A real
// extension uses xmtpTransport({ url }) (publish, fetchFirstMessage)
// instead; the rest of the example stays the same.
import * as wp from './vendor/welcome-pointers/src/index.js';
import { openDB } from './vendor/idb/build/index.js';

const db = () => openDB('example-relay', 1, {
  upgrade(d) {
    d.createObjectStore('messages', { keyPath: 'seq', autoIncrement: true }).createIndex('topic', 'topic');
    d.createObjectStore('held', { autoIncrement: true });
  },
});

/** Publishes encoded WelcomeMessageInputs, in order. */
export async function publish(inputs) {
  const d = await db();
  const tx = d.transaction('messages', 'readwrite');
  for (const input of inputs) {
    tx.store.add({ topic: wp.toHex(wp.inputTopic(input).topic), input, createdNs: String(BigInt(Date.now()) * 1_000_000n) });
  }
  await tx.done;
  d.close();
}

// What a node returns for a stored message: its WelcomeMessage form.
const asReceived = (m) => wp.toWelcomeMessage(m.input, m.seq, BigInt(m.createdNs));

/** The first message on a topic, or null: the resolver's fetchFirstMessage. */
export async function fetchFirstMessage(topic) {
  const d = await db();
  const cursor = await d.transaction('messages').store.index('topic').openCursor(wp.toHex(topic));
  const first = cursor ? asReceived(cursor.value) : null;
  d.close();
  return first;
}

/** Messages on a topic after sequence number `after`: [{ seq, message }]. */
export async function messagesAfter(topic, after) {
  const d = await db();
  const all = await d.getAllFromIndex('messages', 'topic', wp.toHex(topic));
  d.close();
  return all.filter((m) => m.seq > after).map((m) => ({ seq: m.seq, message: asReceived(m) }));
}

/** Keeps messages aside, to publish later (a pointee that comes late). */
export async function hold(inputs) {
  const d = await db();
  const tx = d.transaction('held', 'readwrite');
  for (const input of inputs) tx.store.add(input);
  await tx.done;
  d.close();
}

/** Publishes what was held; resolves to how many messages. */
export async function publishHeld() {
  const d = await db();
  const held = await d.getAll('held');
  await d.clear('held');
  d.close();
  await publish(held);
  return held.length;
}
