import { JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH } from '@yishi/protocol/constants';

/**
 * Builds a join code from random bytes (the caller supplies them, keeping this pure).
 * Rejection sampling keeps every character equally likely.
 */
export function joinCodeFromBytes(bytes: Uint8Array): string | null {
  const n = JOIN_CODE_ALPHABET.length;
  const limit = 256 - (256 % n);
  let code = '';
  for (const b of bytes) {
    if (b >= limit) continue;
    code += JOIN_CODE_ALPHABET[b % n];
    if (code.length === JOIN_CODE_LENGTH) return code;
  }
  return null;
}

/** People type codes in lower case and with spaces or dashes: normalise before lookup. */
export function normaliseJoinCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}
