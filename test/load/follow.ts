import type { ViewSnapshot } from '@yishi/protocol';
import { applyViews, emit, type YishiClientSocket } from '../support/client.ts';

/**
 * A bench client following a meeting as the web app does (web/src/lib/live.ts): it joins at
 * every connection, the first and each reconnection, because a new connection is a new socket
 * on the server, in no room. The benchmark's facilitator once joined only at the start: after a
 * busy server dropped every socket, its closing `view:get` was refused (`forbidden`, "join the
 * meeting first") and stopped the run.
 */
export interface Following {
  /** How many times the socket reconnected. */
  readonly reconnects: number;
  /** Resolves once the socket is connected and has joined on its current connection. */
  ready(): Promise<void>;
}

export function follow(s: YishiClientSocket, meetingId: string, views?: Map<string, ViewSnapshot>): Following {
  let reconnects = 0;
  let connections = 0;
  /** The join of the current connection: settled ok, or failed (retried at the next ready()). */
  let joining: Promise<void> | null = null;
  let joinedOn = 0;
  const join = (): Promise<void> => {
    const on = connections;
    const p = emit(s, 'meeting:join', { meetingId }).then((r) => {
      if (!r.ok) throw new Error(`meeting:join: ${JSON.stringify(r)}`);
      if (views) applyViews(views, r.data.views);
      joinedOn = on;
    });
    p.catch(() => {
      if (joining === p) joining = null;
    });
    return (joining = p);
  };
  s.on('connect', () => {
    if (++connections > 1) reconnects++;
    void join().catch(() => undefined);
  });
  if (s.connected) {
    connections = 1;
    void join().catch(() => undefined);
  }
  return {
    get reconnects() {
      return reconnects;
    },
    async ready() {
      for (;;) {
        if (!s.connected) await new Promise<void>((r) => s.once('connect', () => r()));
        // The connect handler above has run by now and started this connection's join.
        const current = connections;
        await (joining ?? join());
        if (s.connected && joinedOn === current && connections === current) return;
      }
    },
  };
}
