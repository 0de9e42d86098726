// The inspect box: any message, pasted as hex or base64, decoded field
// by field (nothing is decrypted); garbage gets an explanation.
import * as wp from '@welcome-pointers/wasm';
import { $, el } from './dom.js';
import { errorText, fmtInt, toBase64 } from './format.js';

function parseInput(text) {
  const t = text.trim();
  if (t === '') throw new Error('Paste a message first (hex or base64).');
  const hex = t.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (/^[0-9a-fA-F]+$/.test(hex)) {
    if (hex.length % 2 !== 0) throw new Error(`That looks like hex, but it has an odd number of digits (${fmtInt(hex.length)}).`);
    return { bytes: wp.fromHex(hex), encoding: 'hex' };
  }
  const b64 = t.replace(/\s/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    try {
      const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
      const bin = atob(padded);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return { bytes, encoding: 'base64' };
    } catch {
      // fall through
    }
  }
  throw new Error('That is neither hex nor base64: paste the message bytes as hex digits (0-9, a-f) or base64.');
}

const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const isBytesView = (v) => v && typeof v === 'object' && !Array.isArray(v) && 'size' in v && ('hex' in v || 'hexPrefix' in v);

function describeValue(v, name) {
  if (name?.endsWith('created_ns') && /^\d+$/.test(String(v)) && v !== '0') {
    const ms = Number(BigInt(v) / 1_000_000n);
    return `${v} (${new Date(ms)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC')})`;
  }
  if (isBytesView(v)) {
    if ('hex' in v) return `${fmtInt(v.size)} bytes${v.size ? `: ${v.hex}` : ''}`;
    return `${fmtInt(v.size)} bytes, starting ${v.hexPrefix}…`;
  }
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

function flatten(obj, prefix, out) {
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix ? `${prefix}.${snake(k)}` : snake(k);
    if (v && typeof v === 'object' && !Array.isArray(v) && !isBytesView(v)) flatten(v, name, out);
    else out.push([name, describeValue(v, name)]);
  }
  return out;
}

const KIND_NAMES = {
  welcome_message: 'WelcomeMessage (as read back from the network)',
  welcome_message_input: 'WelcomeMessageInput (as published)',
  welcome_pointer: 'WelcomePointer (a decrypted pointer: it holds the pointee key)',
  hpke_ciphertext: "HPKE ciphertext (a sealed pointer or a direct welcome's data)",
  wrapper_encryption: '0xff03 WelcomeWrapperEncryption',
  pointee_aead_types: '0xff04 pointee AEAD types',
  welcome_metadata: 'WelcomeMetadata',
};

export function runInspect() {
  const out = $('inspect-output');
  let parsed;
  try {
    parsed = parseInput($('inspect-input').value);
  } catch (e) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message));
    return;
  }
  let view;
  try {
    view = wp.inspect(parsed.bytes, $('inspect-kind').value);
  } catch (e) {
    out.replaceChildren(
      el('p', { class: 'error', role: 'alert' }, `Cannot decode these ${fmtInt(parsed.bytes.length)} bytes (${parsed.encoding}). ${errorText(e)}`),
    );
    return;
  }
  const { kind, version, size, ...rest } = view;
  const rows = flatten(rest, '', []);
  out.replaceChildren(
    el(
      'div',
      { class: 'inspect-result' },
      el(
        'p',
        { class: 'kind' },
        el('strong', {}, KIND_NAMES[kind] ?? kind),
        version ? ` — ${version}` : '',
        `, ${fmtInt(size)} bytes (read as ${parsed.encoding})`,
      ),
      el(
        'div',
        { class: 'table-wrap' },
        el(
          'table',
          {},
          el(
            'tbody',
            {},
            rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v))),
          ),
        ),
      ),
    ),
  );
}

export function inspectBytes(bytes) {
  $('inspect-input').value = bytes.length <= 64 * 1024 ? wp.toHex(bytes) : toBase64(bytes);
  $('inspect-kind').value = 'auto';
  runInspect();
  $('inspect').scrollIntoView({ behavior: 'smooth', block: 'start' });
  $('inspect-input').focus({ preventScroll: true });
}
