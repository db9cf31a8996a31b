import * as Y from 'yjs';
import { spokenSeconds } from '@yishi/domain';
import { NOTES_MAP, NOTES_SPEAKERS, notesRoom, type FloorKind, type MeetingId } from '@yishi/protocol';
import type { Services } from '../../services.ts';

/** One speech as the item's notes keep it (docs/API.md, "The speakers line"). */
export interface SpeakerLine {
  kind: FloorKind;
  name: string;
  seconds: number;
  limitSeconds: number;
}

/**
 * Writes the item's record of speakers (the speeches ended on it, in the order they were given)
 * into its notes as the server-written `speakers` element: nothing if nobody spoke; the one
 * element's attribute replaced if the item was left before (it came back and more spoke), so
 * however often this runs the notes hold one line per item. Editors cannot change it (doc-shape.ts).
 */
export async function writeSpeakers(services: Services, meetingId: MeetingId, itemId: string): Promise<void> {
  const floor = await services.store.floor.read(meetingId, itemId);
  const lines: SpeakerLine[] = floor.rows
    .filter((r) => r.state === 'spoken' && r.startedAt !== null && r.endedAt !== null)
    .sort((x, y) => x.startedAt! - y.startedAt!)
    .map((r) => ({ kind: r.kind, name: r.speaker.name, seconds: spokenSeconds(r.startedAt!, r.endedAt!), limitSeconds: r.limitSeconds ?? 0 }));
  if (lines.length === 0) return;
  const json = JSON.stringify(lines);
  await services.docs.change(notesRoom(meetingId), (doc) => {
    const notes = doc.getMap<Y.XmlFragment>(NOTES_MAP);
    let fragment = notes.get(itemId);
    if (!(fragment instanceof Y.XmlFragment)) {
      fragment = new Y.XmlFragment();
      notes.set(itemId, fragment);
    }
    const existing = fragment.toArray().find((n): n is Y.XmlElement => n instanceof Y.XmlElement && n.nodeName === NOTES_SPEAKERS);
    if (existing) {
      if (existing.getAttribute('speakers') !== json) existing.setAttribute('speakers', json);
      return;
    }
    const el = new Y.XmlElement(NOTES_SPEAKERS);
    el.setAttribute('speakers', json);
    fragment.push([el]);
  });
}
