/**
 * Copies `text`; false when the browser would not. navigator.clipboard exists only in secure
 * contexts (HTTPS, or localhost): at http://192.168.x.x, as Yishi runs on a fresh install, the
 * older execCommand('copy') on a hidden text field still works (and in WeChat's browser).
 */
export async function copyText(text: string): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // refused (permissions): try the older way
    }
  }
  const back = document.activeElement as HTMLElement | null;
  const field = document.createElement('textarea');
  field.value = text;
  field.setAttribute('readonly', '');
  field.setAttribute('aria-hidden', 'true');
  field.style.cssText = 'position:fixed;top:0;left:0;width:1px;height:1px;opacity:0';
  document.body.appendChild(field);
  field.select();
  field.setSelectionRange(0, text.length);
  let ok: boolean;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  field.remove();
  back?.focus(); // keyboard users stay on the button they pressed
  return ok;
}
