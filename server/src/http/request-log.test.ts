import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/ports.ts';
import { withRedaction, type LogFields } from '../log.ts';
import { logOf, requestLog } from './request-log.ts';

describe('requestLog', () => {
  it('gives each request an id, answered in X-Request-Id and carried by every line it logs, query values left out', async () => {
    const lines: { msg: string; fields?: LogFields }[] = [];
    const sink = (msg: string, fields?: LogFields) => void lines.push({ msg, fields });
    const log = withRedaction({ error: sink, warn: sink, info: sink, debug: sink });
    const app = express();
    app.use(requestLog(log));
    app.get('/x', (_req, res) => {
      logOf(res, log).info('inside');
      res.send('ok');
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const [r1, r2] = await Promise.all([fetch(`${base}/x?token=s3cr3t`), fetch(`${base}/x`)]);
      const ids = [r1.headers.get('x-request-id'), r2.headers.get('x-request-id')];
      for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(ids[0]).not.toBe(ids[1]);
      await waitFor(() => lines.filter((l) => l.msg === 'request').length === 2, 5_000, 'both requests to end');
      for (const id of ids) {
        const mine = lines.filter((l) => l.fields?.reqId === id).map((l) => l.msg);
        expect(mine).toEqual(['inside', 'request']);
      }
      expect(lines.find((l) => l.msg === 'request')?.fields).toMatchObject({ method: 'GET', path: '/x', status: 200 });
      expect(JSON.stringify(lines)).not.toContain('s3cr3t');
    } finally {
      server.close();
    }
  });
});
