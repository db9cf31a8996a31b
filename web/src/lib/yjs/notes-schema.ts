import { Schema } from 'prosemirror-model';

/**
 * The notes of one agenda item (`doc.getMap('notes').get(itemId)`, a Y.XmlFragment): paragraphs,
 * bullet and numbered lists, bold. y-prosemirror names each Y.XmlElement after the node type, so
 * these names are the document's (docs/API.md). A paragraph with `outcome` set is the line the
 * server writes when a poll on the item closes; it is shown apart and editors cannot change it
 * (the server refuses such an update).
 */
export const notesSchema = new Schema({
  nodes: {
    doc: { content: 'block+' },
    paragraph: {
      group: 'block',
      content: 'inline*',
      attrs: { outcome: { default: null } },
      parseDOM: [{ tag: 'p' }],
      toDOM: (node) =>
        node.attrs.outcome ? ['p', { class: 'outcome', 'data-outcome': String(node.attrs.outcome), contenteditable: 'false' }, 0] : ['p', 0],
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
    text: { group: 'inline' },
    hard_break: { inline: true, group: 'inline', selectable: false, parseDOM: [{ tag: 'br' }], toDOM: () => ['br'] },
  },
  marks: {
    bold: {
      parseDOM: [{ tag: 'strong' }, { tag: 'b' }, { style: 'font-weight=bold' }],
      toDOM: () => ['strong', 0],
    },
  },
});
