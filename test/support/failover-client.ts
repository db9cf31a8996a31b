import type { Result, ViewSnapshot } from '@yishi/protocol';
import { connected, emit, type ApiClient, type YishiClientSocket } from './client.ts';

/**
 * A phone on the scale-out topology: a socket to one instance (the first of `bases`); when that
 * instance dies it moves to the next and sends again, with the same idempotency key, what was in
 * flight. Subclasses say which views they keep.
 */
export abstract class FailoverClient {
  socket!: YishiClientSocket;
  /** Requests in flight when the connection dropped, sent again (same key) on the other instance. */
  resent = 0;
  constructor(
    readonly api: ApiClient,
    /** The instances' URLs, the current one first. */
    readonly bases: string[],
    protected readonly meetingId: string,
  ) {}

  /** A view sent to this phone, on joining or pushed. */
  protected abstract keep(v: ViewSnapshot): void;

  async connect(): Promise<void> {
    for (;;) {
      const base = this.bases[0]!;
      const s = this.api.socket({ base, origin: base });
      s.io.opts.reconnection = false;
      try {
        await connected(s);
      } catch {
        s.close();
        this.bases.push(this.bases.shift()!); // that instance is gone: try the next
        continue;
      }
      this.socket = s;
      s.on('view', (v) => this.keep(v));
      const r = await emit(s, 'meeting:join', { meetingId: this.meetingId });
      if (r.ok) for (const v of r.data.views) this.keep(v);
      return;
    }
  }

  /**
   * Sends until acknowledged, across instance failures: `send` is called again on the next
   * instance whenever the socket drops before the ack, so it must reuse one idempotency key.
   */
  protected async untilAcked<T>(send: (socket: YishiClientSocket) => Promise<Result<T>>): Promise<Result<T>> {
    for (;;) {
      if (!this.socket.connected) {
        this.socket.close();
        this.bases.push(this.bases.shift()!);
        await this.connect();
      }
      const r = await Promise.race([
        // emit rejects when the socket drops before the ack (client.ts): that is a resend too.
        send(this.socket).catch(() => null),
        new Promise<null>((resolve) => this.socket.once('disconnect', () => resolve(null))),
      ]);
      if (r) return r;
      this.resent++;
    }
  }

  close(): void {
    this.socket?.close();
  }
}
