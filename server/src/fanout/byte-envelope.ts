/**
 * A byte-channel message on Redis: the publisher's instance id, then the payload, in one binary
 * PUBLISH. Layout: one byte for the id's length (UTF-8), the id, the payload.
 */
export function sealEnvelope(origin: string, bytes: Uint8Array): Buffer {
  const id = Buffer.from(origin, 'utf8');
  if (id.length > 255) throw new Error('instance id too long');
  const out = Buffer.allocUnsafe(1 + id.length + bytes.length);
  out[0] = id.length;
  id.copy(out, 1);
  out.set(bytes, 1 + id.length);
  return out;
}

/** The origin and payload of a message, or null for something that is not an envelope. */
export function openEnvelope(message: Buffer): { origin: string; bytes: Uint8Array } | null {
  if (message.length < 1) return null;
  const end = 1 + message[0]!;
  if (message.length < end) return null;
  return { origin: message.toString('utf8', 1, end), bytes: new Uint8Array(message.subarray(end)) };
}
