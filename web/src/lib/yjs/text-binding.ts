import type * as Y from 'yjs';
import { diffText, mapIndex, type DeltaOp } from './delta.ts';

/** What the binding needs of an `<input>` or `<textarea>` (and what the unit tests give it). */
export interface TextField extends EventTarget {
  value: string;
  selectionStart: number | null;
  selectionEnd: number | null;
  setSelectionRange(start: number, end: number, direction?: 'forward' | 'backward' | 'none'): void;
}

export interface TextBindingOptions {
  /** Transaction origin of this person's edits: what their UndoManager tracks. */
  origin: object;
  /** Their UndoManager: Ctrl/Cmd+Z, Ctrl/Cmd+Shift+Z and Ctrl+Y (and the browser's undo input types) go to it. */
  undo?: Y.UndoManager;
  /**
   * The server's limit for this text (UTF-16 code units, as Y.Text counts). The field's
   * `maxlength` stops one person; two typing at once could still pass it together, and the server
   * would refuse the update (and close the connection): an insert is cut to what fits.
   */
  maxLength?: number;
}

/**
 * Binds one Y.Text to one text field, both ways.
 *
 * - Local edits (each `input` event) become one splice of the Y.Text, in a transaction whose
 *   origin is `origin`, so the person's UndoManager undoes them and nobody else's.
 * - Remote edits (any other origin: other people, this person's undo) are written into the field
 *   with the selection mapped through the change: text inserted or deleted elsewhere never moves
 *   the caret relative to the text around it.
 * - While an input method composes (`compositionstart` .. `compositionend`: pinyin, kana, a
 *   phone's autocorrect) the field is never written: writing `value` would end the composition.
 *   Remote changes are kept as deltas; at `compositionend` the field's text is diffed against
 *   what it showed when the composition began, that splice is mapped through the kept deltas
 *   and applied, and only then is the field brought up to date.
 */
export class TextBinding {
  readonly ytext: Y.Text;
  readonly field: TextField;
  private readonly origin: object;
  private readonly undo: Y.UndoManager | undefined;
  private readonly maxLength: number;
  /** The text the field was last brought up to date with (the Y.Text then). */
  private shadow: string;
  /** Remote changes the field has not shown yet, in order, each relative to the text before it. */
  private pending: DeltaOp[][] = [];
  private composing = false;
  private destroyed = false;

  constructor(ytext: Y.Text, field: TextField, options: TextBindingOptions) {
    this.ytext = ytext;
    this.field = field;
    this.origin = options.origin;
    this.undo = options.undo;
    this.maxLength = options.maxLength ?? Infinity;
    this.shadow = ytext.toString();
    if (field.value !== this.shadow) field.value = this.shadow;
    ytext.observe(this.onRemote);
    field.addEventListener('input', this.onInput);
    field.addEventListener('compositionstart', this.onCompositionStart);
    field.addEventListener('compositionend', this.onCompositionEnd);
    field.addEventListener('keydown', this.onKeyDown as EventListener);
    field.addEventListener('beforeinput', this.onBeforeInput as EventListener);
  }

  /** True between compositionstart and compositionend. */
  get isComposing(): boolean {
    return this.composing;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.ytext.unobserve(this.onRemote);
    this.field.removeEventListener('input', this.onInput);
    this.field.removeEventListener('compositionstart', this.onCompositionStart);
    this.field.removeEventListener('compositionend', this.onCompositionEnd);
    this.field.removeEventListener('keydown', this.onKeyDown as EventListener);
    this.field.removeEventListener('beforeinput', this.onBeforeInput as EventListener);
  }

  private readonly onRemote = (event: Y.YTextEvent, transaction: Y.Transaction): void => {
    if (transaction.origin === this.origin) return; // our own splice: the field already shows it
    this.pending.push(event.delta as DeltaOp[]);
    if (!this.composing) this.reconcile();
  };

  private readonly onInput = (event: Event): void => {
    if (this.composing || (event as InputEvent).isComposing) return;
    this.reconcile();
  };

  private readonly onCompositionStart = (): void => {
    this.composing = true;
  };

  private readonly onCompositionEnd = (): void => {
    this.composing = false;
    this.reconcile();
  };

  private readonly onKeyDown = (event: KeyboardEvent): void => {
    if (!this.undo || this.composing || event.isComposing) return;
    const mod = event.ctrlKey || event.metaKey;
    if (!mod || event.altKey) return;
    const key = event.key.toLowerCase();
    if (key === 'z' && !event.shiftKey) {
      event.preventDefault();
      this.runUndo('undo');
    } else if ((key === 'z' && event.shiftKey) || (key === 'y' && event.ctrlKey && !event.metaKey)) {
      event.preventDefault();
      this.runUndo('redo');
    }
  };

  /** The browser's own undo (context menu, a phone's shake) would undo its copy of the text, not ours. */
  private readonly onBeforeInput = (event: InputEvent): void => {
    if (event.inputType !== 'historyUndo' && event.inputType !== 'historyRedo') return;
    event.preventDefault();
    if (this.undo && !this.composing) this.runUndo(event.inputType === 'historyUndo' ? 'undo' : 'redo');
  };

  private runUndo(which: 'undo' | 'redo'): void {
    this.reconcile(); // anything typed but not yet in the Y.Text goes in first
    if (which === 'undo') this.undo?.undo();
    else this.undo?.redo();
  }

  /**
   * Brings the Y.Text and the field together: the field's own change since `shadow` (if any) goes
   * into the Y.Text at its place in today's text, then the field shows the Y.Text with its
   * selection kept on the same characters.
   */
  private reconcile(): void {
    if (this.destroyed) return;
    const field = this.field;
    const value = field.value;
    const selStart = field.selectionStart ?? value.length;
    const selEnd = field.selectionEnd ?? selStart;
    const splice = diffText(this.shadow, value, selEnd);
    const pending = this.pending;
    this.pending = [];
    const throughRemote = (pos: number, assoc: -1 | 1 = 1): number => pending.reduce((p, d) => mapIndex(p, d, assoc), pos);

    let toCurrent: (pos: number) => number;
    if (splice) {
      const from = throughRemote(splice.index);
      const to = splice.remove > 0 ? Math.max(from, throughRemote(splice.index + splice.remove, -1)) : from;
      const typedEnd = splice.index + splice.insert.length;
      const room = this.maxLength - (this.ytext.length - (to - from));
      const insert = splice.insert.length > room ? cutToFit(splice.insert, Math.max(0, room)) : splice.insert;
      const grow = insert.length - (to - from);
      const ytext = this.ytext;
      const doc = ytext.doc;
      const apply = () => {
        if (to > from) ytext.delete(from, to - from);
        if (insert) ytext.insert(from, insert);
      };
      if (doc) doc.transact(apply, this.origin);
      else apply();
      // A position in `value`: before the splice, inside what was typed (kept or cut), or after it.
      toCurrent = (pos) => {
        if (pos <= splice.index) return throughRemote(pos);
        if (pos <= typedEnd) return from + Math.min(pos - splice.index, insert.length);
        return throughRemote(pos - splice.insert.length + splice.remove) + grow;
      };
    } else {
      toCurrent = (pos) => throughRemote(pos);
    }

    const next = this.ytext.toString();
    this.shadow = next;
    const start = Math.min(toCurrent(selStart), next.length);
    const end = Math.min(Math.max(start, toCurrent(selEnd)), next.length);
    if (value !== next) field.value = next;
    if ((value !== next || start !== selStart || end !== selEnd) && this.hasFocus()) field.setSelectionRange(start, end);
  }

  /** Setting a selection may focus the field in some browsers: only the focused field keeps one. */
  private hasFocus(): boolean {
    const owner = (this.field as Partial<Node>).ownerDocument;
    return !owner || owner.activeElement === (this.field as unknown as Element);
  }
}

/** The longest start of `text` within `max` UTF-16 code units that does not split a surrogate pair. */
function cutToFit(text: string, max: number): string {
  let end = max;
  const c = text.charCodeAt(end - 1);
  if (end > 0 && c >= 0xd800 && c <= 0xdbff) end--;
  return text.slice(0, end);
}

/** Binds and returns what unbinds (for Svelte's `{@attach}` / `$effect` cleanups). */
export function bindText(ytext: Y.Text, field: TextField, options: TextBindingOptions): () => void {
  const binding = new TextBinding(ytext, field, options);
  return () => binding.destroy();
}
