import { Schema, type Node as PMNode } from 'prosemirror-model';
import { Plugin, type Transaction } from 'prosemirror-state';
import { ySyncPluginKey } from 'y-prosemirror';

/**
 * The notes of one agenda item (`doc.getMap('notes').get(itemId)`, a Y.XmlFragment): paragraphs,
 * bullet and numbered lists, bold. y-prosemirror names each Y.XmlElement after the node type and
 * each text mark after the mark, so these names are the document's (protocol agenda-doc.ts:
 * NOTES_ELEMENTS, NOTES_MARKS); the server refuses anything else and closes the connection.
 * `outcome` is the line the server writes when a poll on the item closes (attribute `pollId`,
 * one text child): shown apart, never editable here.
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
    text: {},
  },
  marks: {
    bold: {
      parseDOM: [{ tag: 'strong' }, { tag: 'b' }, { style: 'font-weight=bold' }],
      toDOM: () => ['strong', 0],
    },
  },
});

function outcomes(doc: PMNode): string {
  const out: string[] = [];
  doc.descendants((node) => {
    if (node.type.name === 'outcome') out.push(`${String(node.attrs.pollId)}\u0000${node.textContent}`);
    return node.type.name !== 'outcome';
  });
  return out.join('\u0001');
}

/**
 * Local edits may not touch the server's outcome lines (the server would refuse the update and
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
