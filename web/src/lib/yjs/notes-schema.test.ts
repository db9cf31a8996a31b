import { describe, expect, it } from 'vitest';
import { EditorState } from 'prosemirror-state';
import * as Y from 'yjs';
import { ySyncPluginKey, yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror';
import { NOTES_ELEMENTS, NOTES_MARKS } from '@yishi/protocol/constants';
import { notesSchema, protectOutcomes, speakerLines } from './notes-schema.ts';

describe('notes schema', () => {
  it('names its nodes and marks as the server allows (protocol agenda-doc.ts)', () => {
    const nodes = Object.keys(notesSchema.nodes).filter((n) => n !== 'doc' && n !== 'text');
    expect(nodes.sort()).toEqual([...NOTES_ELEMENTS].sort());
    expect(Object.keys(notesSchema.marks)).toEqual([...NOTES_MARKS]);
  });

  it("refuses a local edit of the server's outcome line, lets everything else and the document's own changes through", () => {
    const s = notesSchema;
    const doc = s.node('doc', null, [s.node('paragraph', null, [s.text('讨论要点')]), s.node('outcome', { pollId: 'p1' }, [s.text('表决通过')])]);
    const state = EditorState.create({ schema: s, doc, plugins: [protectOutcomes] });
    const outcomeStart = doc.child(0).nodeSize;
    // Delete the outcome line: refused.
    const del = state.applyTransaction(state.tr.delete(outcomeStart, outcomeStart + doc.child(1).nodeSize));
    expect(del.state.doc.eq(doc)).toBe(true);
    // Type inside it: refused.
    const typed = state.applyTransaction(state.tr.insertText('不', outcomeStart + 1));
    expect(typed.state.doc.eq(doc)).toBe(true);
    // Type in the paragraph: fine.
    const ok = state.applyTransaction(state.tr.insertText('！', doc.child(0).nodeSize - 1));
    expect(ok.state.doc.textContent).toBe('讨论要点！表决通过');
    // The document's own change (y-prosemirror) passes.
    const remote = state.applyTransaction(
      state.tr.delete(outcomeStart, outcomeStart + doc.child(1).nodeSize).setMeta(ySyncPluginKey, { isChangeOrigin: true }),
    );
    expect(remote.state.doc.textContent).toBe('讨论要点');
  });

  it("builds the server's speakers element as an atom (attributes only, or none), so y-prosemirror never deletes it", () => {
    const ydoc = new Y.Doc();
    const f = ydoc.getMap<Y.XmlFragment>('notes').set('item', new Y.XmlFragment());
    const json = JSON.stringify([{ kind: 'question', name: '张业主', seconds: 42, limitSeconds: 120 }]);
    const el = new Y.XmlElement('speakers');
    el.setAttribute('speakers', json);
    const bare = new Y.XmlElement('speakers');
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('要点')]);
    f.push([p, el, bare]);
    const pm = yXmlFragmentToProseMirrorRootNode(f, notesSchema);
    expect(pm.childCount).toBe(3);
    expect(pm.child(1).type.name).toBe('speakers');
    expect(speakerLines(pm.child(1).attrs.speakers)).toEqual([{ kind: 'question', name: '张业主', seconds: 42, limitSeconds: 120 }]);
    expect(pm.child(2).attrs.speakers).toBe('[]');
    expect(speakerLines('not json')).toEqual([]);
  });

  it('refuses a local edit that removes or replaces the speakers line', () => {
    const s = notesSchema;
    const doc = s.node('doc', null, [
      s.node('paragraph', null, [s.text('要点')]),
      s.node('speakers', { speakers: '[{"kind":"speak","name":"甲","seconds":3,"limitSeconds":120}]' }),
    ]);
    const state = EditorState.create({ schema: s, doc, plugins: [protectOutcomes] });
    const at = doc.child(0).nodeSize;
    expect(state.applyTransaction(state.tr.delete(at, at + 1)).state.doc.eq(doc)).toBe(true);
    expect(state.applyTransaction(state.tr.setNodeMarkup(at, undefined, { speakers: '[]' })).state.doc.eq(doc)).toBe(true);
    expect(state.applyTransaction(state.tr.insertText('！', at - 1)).state.doc.textContent).toBe('要点！');
  });
});
