/**
 * Runs `update` (which moves elements in the page) and gives focus, caret and selection back to
 * the element that had them, if it is still in the page. Moving an element (insertBefore) takes
 * focus from whatever is inside it, so without this a reorder (someone else moving an item, or
 * one's own ↑/↓) would leave a keyboard user nowhere and stop a typist mid-word.
 */
export function keepingFocus(update: () => void): void {
  const active = document.activeElement;
  const field = active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement ? active : null;
  const selection = field ? selectionOf(field) : null;
  update();
  if (!(active instanceof HTMLElement) || !active.isConnected || document.activeElement === active) return;
  active.focus({ preventScroll: true });
  if (field && selection) field.setSelectionRange(selection.start, selection.end, selection.direction);
}

function selectionOf(field: HTMLInputElement | HTMLTextAreaElement) {
  try {
    if (field.selectionStart === null || field.selectionEnd === null) return null;
    return { start: field.selectionStart, end: field.selectionEnd, direction: field.selectionDirection ?? undefined };
  } catch {
    // Inputs without a selection (number) throw on some browsers.
    return null;
  }
}
