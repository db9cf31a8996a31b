/**
 * A random (version 4) UUID. crypto.randomUUID exists only in secure contexts (HTTPS, or
 * localhost): phones open Yishi over plain HTTP on the room's network, where it is missing but
 * crypto.getRandomValues, the older standard API, works (in WeChat's browser too).
 */
export function randomUuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  let h = '';
  for (let i = 0; i < b.length; i++) h += (b[i]! + 0x100).toString(16).slice(1);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
