// The invite form: reading and checking it, and what it will do.
import * as wp from '@welcome-pointers/wasm';
import { $ } from './dom.js';
import { fmtBytes, fmtInt } from './format.js';
import { MAX_INSTALLATIONS } from './state.js';

export const form = $('invite-form');

export function welcomeSizeFor(installations) {
  // A Welcome carries the group's ratchet tree: about 545 bytes per
  // leaf in the reports the spec cites (436,092 bytes for 800).
  return 1500 + 550 * installations;
}

export function readForm() {
  const errors = [];
  const int = (id, name, min, max) => {
    const v = $(id).value.trim();
    const n = Number(v);
    if (v === '' || !Number.isInteger(n) || n < min || n > max) {
      errors.push(`${name} must be a whole number from ${fmtInt(min)} to ${fmtInt(max)}.`);
      $(id).setAttribute('aria-invalid', 'true');
      return min;
    }
    $(id).removeAttribute('aria-invalid');
    return n;
  };
  const members = int('members', 'Members', 1, 250);
  const perMember = int('per-member', 'Installations per member', 1, 10);
  const total = members * perMember;
  const legacy = int('legacy', 'Legacy installations', 0, MAX_INSTALLATIONS);
  if (!errors.length && legacy > total) {
    errors.push(`Legacy installations (${legacy}) cannot exceed the ${total} installations invited.`);
    $('legacy').setAttribute('aria-invalid', 'true');
  }
  const auto = form.elements.sizeMode.value === 'auto';
  const welcomeSize = auto ? welcomeSizeFor(total) : int('welcome-size', 'Welcome size', 16, 30_000_000);
  return { members, perMember, total, legacy, welcomeSize, auto, errors };
}

export function updateDerived() {
  const f = readForm();
  $('welcome-size').disabled = f.auto;
  if (f.auto) $('welcome-size').value = String(welcomeSizeFor(f.total));
  if (f.errors.length) {
    $('derived').textContent = '';
    return;
  }
  const capable = f.total - f.legacy;
  const mode =
    capable >= wp.MIN_POINTER_INSTALLATIONS
      ? `${fmtInt(capable)} pointer-capable installation${capable === 1 ? '' : 's'} will get pointers`
      : `only ${capable} installation${capable === 1 ? ' is' : 's are'} pointer-capable (fewer than ${wp.MIN_POINTER_INSTALLATIONS}), so every installation gets a direct welcome`;
  $('derived').textContent =
    `${fmtInt(f.total)} installation${f.total === 1 ? '' : 's'}, a Welcome of ${fmtBytes(f.welcomeSize)} (${fmtInt(f.welcomeSize)} bytes); ${mode}${f.legacy && capable >= wp.MIN_POINTER_INSTALLATIONS ? `, ${fmtInt(f.legacy)} legacy one${f.legacy === 1 ? '' : 's'} direct welcomes` : ''}.`;
}
