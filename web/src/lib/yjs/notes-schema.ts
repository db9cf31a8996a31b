import { Schema, type Node as PMNode } from 'prosemirror-model';
import { Plugin, type Transaction } from 'prosemirror-state';
import { ySyncPluginKey } from 'y-prosemirror';

/**
 * The notes of one agenda item (`doc.getMap('notes').get(itemId)`, a Y.XmlFragment): paragraphs,
 * bullet and numbered lists, bold. y-prosemirror names each Y.XmlElement after the node type and
 * each text mark after the mark, so these names are the document's (protocol agenda-doc.ts:
 * NOTES_ELEMENTS, NOTES_MARKS); the server refuses anything else and closes the connection.
 * `outcome` is the line the server writes when a poll on the item closes (attribute `pollId`,
 * one text child): shown apart, never editable here. `speakers` is the record of who spoke on the
 * item, written by the server when the room leaves it (attribute `speakers`, JSON
 * [{kind, name, seconds, limitSeconds}], no children): an atom with a default for its attribute,
 * so y-prosemirror can always build it (a node it cannot build, it deletes from the document);
 * NotesEditor draws it in the reader's language.
 */
export const notesSchema = new Schema({
  nodes: {
    doc: { content: 'block+' },
    paragraph: {
      group: 'block',
      content: 'text*',
      parseDOM: [{ tag: 'p' }],
      toDOM: () => ['p', 0],
    },
    bullet_list: {
      group: 'block',
      content: 'list_item+',
      parseDOM: [{ tag: 'ul' }],
      toDOM: () => ['ul', 0],
    },
    ordered_list: {
      group: 'block',
      content: 'list_item+',
      parseDOM: [{ tag: 'ol' }],
      toDOM: () => ['ol', 0],
    },
    list_item: {
      content: 'paragraph block*',
      defining: true,
      parseDOM: [{ tag: 'li' }],
      toDOM: () => ['li', 0],
    },
    outcome: {
      group: 'block',
      content: 'text*',
      attrs: { pollId: { default: null } },
      selectable: false,
      isolating: true,
      parseDOM: [],
      toDOM: (node) => [
        'p',
        { class: 'outcome', contenteditable: 'false', 'data-testid': 'notes-outcome', 'data-poll-id': String(node.attrs.pollId ?? '') },
        0,
      ],
    },
    speakers: {
      group: 'block',
      atom: true,
      attrs: { speakers: { default: '[]' } },
      selectable: false,
      parseDOM: [],
      toDOM: (node) => [
        'div',
        { class: 'speakers', contenteditable: 'false', 'data-testid': 'notes-speakers', 'data-speakers': String(node.attrs.speakers) },
      ],
    },
    text: {},
  },
  marks: {
    bold: {
      parseDOM: [{ tag: 'strong' }, { tag: 'b' }, { style: 'font-weight=bold' }],
      toDOM: () => ['strong', 0],
    },
  },
});

/** One speech of a `speakers` element, as the server writes it (protocol agenda-doc.ts, NOTES_SPEAKERS). */
export interface SpeakerLine {
  kind: string;
  name: string;
  seconds: number;
  limitSeconds: number;
}

/** A `speakers` element's lines; anything unreadable reads as none. */
export function speakerLines(json: unknown): SpeakerLine[] {
  try {
    const v: unknown = JSON.parse(String(json));
    if (!Array.isArray(v)) return [];
    return v.filter(
      (l): l is SpeakerLine =>
        !!l &&
        typeof l === 'object' &&
        typeof (l as SpeakerLine).name === 'string' &&
        typeof (l as SpeakerLine).kind === 'string' &&
        typeof (l as SpeakerLine).seconds === 'number',
    );
  } catch {
    return [];
  }
}

const SERVER_NODES = new Set(['outcome', 'speakers']);

/** The server-written nodes of a document, as a string to compare. */
function outcomes(doc: PMNode): string {
  const out: string[] = [];
  doc.descendants((node) => {
    if (node.type.name === 'outcome') out.push(`${String(node.attrs.pollId)}\u0000${node.textContent}`);
    if (node.type.name === 'speakers') out.push(`speakers\u0000${String(node.attrs.speakers)}`);
    return !SERVER_NODES.has(node.type.name);
  });
  return out.join('\u0001');
}

/**
 * Local edits may not touch the server's lines (outcomes, speakers) (the server would refuse the update and
 * drop the connection, and the provider would send it again on reconnect): a transaction that
 * changes, adds or removes one is filtered out. Changes from the document (y-prosemirror's own
 * transactions, carrying the server's lines) pass.
 */
export const protectOutcomes = new Plugin({
  filterTransaction(tr: Transaction, state) {
    if (!tr.docChanged) return true;
    const meta = tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined;
    if (meta?.isChangeOrigin) return true;
    return outcomes(tr.doc) === outcomes(state.doc);
  },
});
