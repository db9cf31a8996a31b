import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { writable, type Readable } from 'svelte/store';

/** What an editor sees of the co-editing connection. */
export type SyncState = 'connecting' | 'connected' | 'offline';

export interface YRoom {
  doc: Y.Doc;
  provider: WebsocketProvider;
  state: Readable<SyncState>;
  /** True once the server's copy has arrived (and after each reconnect's sync). */
  synced: Readable<boolean>;
  destroy(): void;
}

export { agendaRoom, notesRoom } from '@yishi/protocol/constants';

/** The server's y-websocket endpoint, same origin (the session cookie goes with the upgrade). */
export function yjsServerUrl(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/yjs`;
}

/**
 * Opens one room with the stock y-websocket provider. Edits made while offline stay in the
 * local Y.Doc and are sent on reconnect (the provider's sync step exchanges what each side
 * lacks, so nothing is lost or doubled). The browser's offline/online events drop and retry the
 * connection at once, as the Socket.IO connection does ($lib/live.ts), instead of waiting for
 * the provider's 30 s silence timeout.
 */
export function openRoom(room: string): YRoom {
  const doc = new Y.Doc();
  // No BroadcastChannel: everything goes through the server, which checks who may write and
  // sets each person's name and colour in awareness.
  const provider = new WebsocketProvider(yjsServerUrl(), room, doc, { disableBc: true });
  const state = writable<SyncState>('connecting');
  const synced = writable(false);
  // "connecting" only until the first attempt ends: after a refused or dropped connection the
  // provider keeps retrying, and the editor is offline (edits kept) until one succeeds.
  let current: SyncState = 'connecting';
  const set = (next: SyncState) => state.set((current = next));
  provider.on('status', ({ status }: { status: string }) => {
    if (status === 'connected') set('connected');
    else if (status === 'disconnected' || current !== 'connecting') set('offline');
  });
  provider.on('connection-error', () => set('offline'));
  provider.on('connection-close', () => {
    if (!provider.wsconnected) set('offline');
  });
  provider.on('sync', (isSynced: boolean) => synced.set(isSynced));
  const onOffline = () => {
    set('offline');
    provider.disconnect();
  };
  const onOnline = () => provider.connect();
  window.addEventListener('offline', onOffline);
  window.addEventListener('online', onOnline);
  return {
    doc,
    provider,
    state: { subscribe: state.subscribe },
    synced: { subscribe: synced.subscribe },
    destroy() {
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Another person's awareness as the server set it: who, their colour, what they edit. */
export interface Peer {
  clientId: number;
  name: string;
  color: string;
  itemId: string | null;
}

/**
 * The people editing, from the awareness states. Names and colours come from the server (the
 * `user` field it sets from the session); this client only says which item it is in.
 */
export function peersOf(provider: WebsocketProvider): Peer[] {
  const out: Peer[] = [];
  for (const [clientId, st] of provider.awareness.getStates()) {
    if (clientId === provider.awareness.clientID) continue;
    const user = (st as { user?: { name?: unknown; color?: unknown } }).user;
    const editing = (st as { editing?: { itemId?: unknown } }).editing;
    const name = typeof user?.name === 'string' ? user.name : '';
    if (!name) continue;
    out.push({
      clientId,
      name,
      color: typeof user?.color === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(user.color) ? user.color : '#555',
      itemId: typeof editing?.itemId === 'string' ? editing.itemId : null,
    });
  }
  return out;
}
