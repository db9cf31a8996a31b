import * as Y from 'yjs';
import { NOTES_MAP, notesRoom } from '@yishi/protocol';
import { waitFor } from '../../../../test/support/ports.ts';
import type { Services } from '../../services.ts';

/** lib0's variable-length unsigned integer, as y-websocket frames an update's length. */
function varUint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/**
 * Edits a meeting's notes as a writer connected in process would, to see a line only the server
 * writes refused: a copy of the stored document, `edit` applied to its notes map, the difference
 * sent as one sync update. Waits until the server closes that connection (at most 2 s) and
 * returns the close codes it had sent by then.
 */
export async function editNotesInProcess(
  docs: Services['docs'],
  meetingId: Parameters<typeof notesRoom>[0],
  edit: (notes: Y.Map<Y.XmlFragment>) => void,
): Promise<number[]> {
  const closed: number[] = [];
  const state = await docs.read(notesRoom(meetingId), (doc) => Y.encodeStateAsUpdate(doc));
  const mine = new Y.Doc();
  Y.applyUpdate(mine, state);
  const conn = await docs.connect(
    notesRoom(meetingId),
    { send: () => {}, close: (code) => closed.push(code) },
    { write: true, user: { id: 'x', name: '陈记录', color: '#000' } },
  );
  const before = Y.encodeStateVector(mine);
  edit(mine.getMap<Y.XmlFragment>(NOTES_MAP));
  const update = Y.encodeStateAsUpdate(mine, before);
  conn.receive(new Uint8Array([0, 2, ...varUint(update.length), ...update]));
  await waitFor(() => closed.length === 1, 2_000, 'the editing connection closed');
  const sent = [...closed];
  conn.close();
  return sent;
}
