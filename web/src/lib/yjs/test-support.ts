import * as Y from 'yjs';
import type { TextField } from './text-binding.ts';

/**
 * Two (or more) Y.Docs joined in memory, as a y-websocket server would join them: each update
 * is queued and delivered when the test says so, so edits can be made concurrently.
 */
export class MemoryNetwork {
  private readonly queues = new Map<Y.Doc, Uint8Array[]>();
  readonly docs: Y.Doc[] = [];

  add(doc = new Y.Doc()): Y.Doc {
    // Fixed client ids, so that concurrent inserts at one place (ordered by client id) come out the
    // same in every run: each doc added ranks before the ones added earlier.
    if (doc.store.clients.size === 0) doc.clientID = 1_000_000 - this.docs.length;
    this.docs.push(doc);
    this.queues.set(doc, []);
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this) return;
      for (const other of this.docs) if (other !== doc) this.queues.get(other)!.push(update);
    });
    // Catch up with what the others already have.
    for (const other of this.docs) if (other !== doc) Y.applyUpdate(doc, Y.encodeStateAsUpdate(other), this);
    return doc;
  }

  /** Delivers everything queued for `doc` (or for every doc). */
  flush(doc?: Y.Doc): void {
    for (const d of doc ? [doc] : this.docs) {
      const q = this.queues.get(d)!;
      this.queues.set(d, []);
      for (const u of q) Y.applyUpdate(d, u, this);
    }
  }

  flushAll(): void {
    while ([...this.queues.values()].some((q) => q.length > 0)) this.flush();
  }
}

/**
 * A text field as the binding sees an `<input>`: a value, a selection and events. `typeAt`
 * behaves like a keystroke (the browser changes the value, moves the caret, fires `input`);
 * `writes` counts the binding's writes of `value`, which would end a composition in a browser.
 */
export class FakeField extends EventTarget implements TextField {
  private _value = '';
  selectionStart: number | null = 0;
  selectionEnd: number | null = 0;
  writes = 0;

  get value(): string {
    return this._value;
  }
  set value(v: string) {
    this.writes++;
    this._value = v;
    this.selectionStart = this.selectionEnd = v.length; // as a browser does
  }

  setSelectionRange(start: number, end: number): void {
    this.selectionStart = start;
    this.selectionEnd = end;
  }

  /** The browser's own change: replaces the selection with `text`, caret after it. */
  private userEdit(next: string, caret: number, composing: boolean): void {
    this._value = next;
    this.selectionStart = this.selectionEnd = caret;
    this.dispatchEvent(Object.assign(new Event('input'), { isComposing: composing }));
  }

  type(text: string, composing = false): void {
    const s = this.selectionStart ?? 0;
    const e = this.selectionEnd ?? s;
    this.userEdit(this._value.slice(0, s) + text + this._value.slice(e), s + text.length, composing);
  }

  backspace(): void {
    const s = this.selectionStart ?? 0;
    const e = this.selectionEnd ?? s;
    if (s === e && s === 0) return;
    const from = s === e ? s - 1 : s;
    this.userEdit(this._value.slice(0, from) + this._value.slice(e), from, false);
  }

  /**
   * An input method composing `reading` (pinyin) then committing `text`, with `during` run in
   * between (a remote edit arriving mid-composition).
   */
  compose(reading: string, text: string, during?: () => void): void {
    const s = this.selectionStart ?? 0;
    const e = this.selectionEnd ?? s;
    const before = this._value.slice(0, s);
    const after = this._value.slice(e);
    this.dispatchEvent(new Event('compositionstart'));
    for (let i = 1; i <= reading.length; i++) this.userEdit(before + reading.slice(0, i) + after, s + i, true);
    during?.();
    this.userEdit(before + text + after, s + text.length, true);
    this.dispatchEvent(new Event('compositionend'));
  }
}
