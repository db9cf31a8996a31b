import { describe, expect, it } from 'vitest';
import { ClientEvents } from './events.ts';
import { LIMITS } from './constants.ts';

/** As Socket.IO frames an event with an ack: 42<ack id>["name",payload]. */
const frameBytes = (event: string, payload: unknown) => Buffer.byteLength(`421234567${JSON.stringify([event, payload])}`, 'utf8');

describe('schemas fit the socket message limit', () => {
  it('accepts no codes:issue payload larger than one socket message', () => {
    // The widest label the schema has ever allowed, in three-byte characters, as many as it lets through.
    const label = '楼'.repeat(40);
    const meetingId = '00000000-0000-4000-8000-000000000000';
    for (const n of [50, 100, 200, 500, 1000, 2000]) {
      const payload = { meetingId, count: n, labels: Array(n).fill(label) };
      if (ClientEvents['codes:issue'].safeParse(payload).success) {
        expect(frameBytes('codes:issue', payload), `${n} labels`).toBeLessThanOrEqual(LIMITS.socketMessageBytes);
      }
    }
  });
});
