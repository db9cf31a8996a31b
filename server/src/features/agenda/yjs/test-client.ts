import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { placeItem } from '@yishi/protocol';
import { itemsInOrder } from '../item-order.ts';
import type { Access, YjsDocs } from './doc-hub.ts';

const FROM_SERVER = Symbol('server');

/**
 * For tests: a client of a hub without a socket, speaking what the stock y-websocket provider
 * speaks (sync step 1 on connect, step 2 in reply, every local update as it happens), each
 * message delivered later (setImmediate) in both directions, as a network would. It keeps editing
 * while disconnected; reconnecting (to the same hub or another) syncs both ways.
 */
export class TestClient {
  readonly doc = new Y.Doc();
  readonly undo: Y.UndoManager;
  /** Close codes the server sent this client. */
  readonly closes: number[] = [];
  private session: { receive(m: Uint8Array): void; close(): void } | null = null;
  private generation = 0;

  constructor(readonly access: Access) {
    this.undo = new Y.UndoManager(this.doc.getArray('items'), { captureTimeout: 0 });
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === FROM_SERVER) return;
      this.send(message(0, 2, update));
    });
  }

  get connected(): boolean {
    return this.session !== null;
  }

  async connect(hub: YjsDocs, room: string): Promise<void> {
    this.disconnect();
    const generation = ++this.generation;
    const live = () => this.generation === generation;
    const session = await hub.connect(
      room,
      {
        send: (m) => {
          const copy = m.slice();
          setImmediate(() => {
            if (live()) this.receive(copy);
          });
        },
        close: (code) => {
          this.closes.push(code);
          if (live()) {
            this.generation++;
            this.session = null;
          }
        },
      },
      this.access,
    );
    if (!live()) return session.close();
    this.session = session;
    this.send(message(0, 0, Y.encodeStateVector(this.doc)));
  }

  disconnect(): void {
    this.generation++;
    const s = this.session;
    this.session = null;
    s?.close();
  }

  private send(m: Uint8Array): void {
    const s = this.session;
    if (!s) return;
    const generation = this.generation;
    setImmediate(() => {
      if (this.generation === generation) s.receive(m);
    });
  }

  private receive(m: Uint8Array): void {
    const dec = decoding.createDecoder(m);
    if (decoding.readVarUint(dec) !== 0) return;
    const step = decoding.readVarUint(dec);
    const body = decoding.readVarUint8Array(dec);
    if (step === 0) this.send(message(0, 1, Y.encodeStateAsUpdate(this.doc, body)));
    else Y.applyUpdate(this.doc, body, FROM_SERVER);
  }
}

function message(type: number, step: number, body: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, type);
  encoding.writeVarUint(enc, step);
  encoding.writeVarUint8Array(enc, body);
  return encoding.toUint8Array(enc);
}

/** An agenda item with every required key, as a client would insert it. */
export function newItem(id: string, title: string): Y.Map<unknown> {
  const m = new Y.Map<unknown>();
  m.set('id', id);
  m.set('title', new Y.Text(title));
  m.set('details', new Y.Text(''));
  m.set('kind', 'discussion');
  m.set('minutes', 10);
  return m;
}

/** Every item id in a client's agenda document, in agenda order, duplicates included. */
export function agendaIds(doc: Y.Doc): string[] {
  return itemsInOrder(doc).map((m) => String(m.get('id')));
}

/** Adds an item at `index` in agenda order, as the web app does (addItem): in the array, with a position. */
export function insertItem(doc: Y.Doc, item: Y.Map<unknown>, id: string, index: number): void {
  const order = itemsInOrder(doc);
  const byId = new Map(order.map((m) => [String(m.get('id')), m]));
  const writes = placeItem(
    order.map((m) => ({ id: String(m.get('id')), position: m.get('position') })),
    index,
    id,
  );
  doc.transact(() => {
    for (const w of writes) (w.id === id ? item : byId.get(w.id))?.set('position', w.position);
    doc.getArray('items').push([item]);
  });
}

/**
 * Moves an item by `by` places, as the web app does (web/src/lib/yjs/items.ts moveItem): sets
 * positions (usually the item's own), never copies the item.
 */
export function moveItem(doc: Y.Doc, id: string, by: number): boolean {
  const order = itemsInOrder(doc);
  const i = order.findIndex((m) => m.get('id') === id);
  const j = i + by;
  if (i < 0 || j < 0 || j >= order.length) return false;
  const others = order.filter((_, k) => k !== i);
  const byId = new Map(order.map((m) => [String(m.get('id')), m]));
  const writes = placeItem(
    others.map((m) => ({ id: String(m.get('id')), position: m.get('position') })),
    j,
    id,
  );
  doc.transact(() => {
    for (const w of writes) byId.get(w.id)?.set('position', w.position);
  });
  return true;
}
