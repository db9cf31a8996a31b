import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from './index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The schema sources, without tests and without the version line itself. Whitespace and trailing
 * commas are dropped first: Prettier rewrapping a line (`pnpm format`) is not a wire change.
 */
function schemaFingerprint(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(here)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort()) {
    h.update(f);
    const source = readFileSync(path.join(here, f), 'utf8').replace(/export const PROTOCOL_VERSION = \d+;/, '');
    h.update(source.replace(/\s+/g, '').replace(/,([)\]}>])/g, '$1'));
  }
  return h.digest('hex');
}

describe('protocol version', () => {
  it('is bumped whenever the wire schemas change', () => {
    const recorded = JSON.parse(readFileSync(path.join(here, '..', 'fingerprint.json'), 'utf8')) as { version: number; sha256: string };
    const now = schemaFingerprint();
    if (now !== recorded.sha256 || recorded.version !== PROTOCOL_VERSION) {
      const hint =
        recorded.version === PROTOCOL_VERSION
          ? `The schemas changed: bump PROTOCOL_VERSION (now ${PROTOCOL_VERSION}), then record the new fingerprint.`
          : 'Record the new fingerprint for this version.';
      expect.fail(`${hint}\nWrite packages/protocol/fingerprint.json: {"version": ${PROTOCOL_VERSION}, "sha256": "${now}"}`);
    }
  });
});
