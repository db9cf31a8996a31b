import { readable } from 'svelte/store';
import { api } from '$lib/api';

/**
 * The origin join links and QR codes are built on, as the server sees it: PUBLIC_ORIGIN, else
 * the address this browser used, unless that is localhost (the laptop running Yishi), which no
 * phone can open: then the server's LAN address. Until the server answers, this page's origin.
 */
export const linkOrigin = readable(typeof location === 'undefined' ? '' : location.origin, (set) => {
  void api.linkOrigin().then((r) => {
    if (r.ok) set(r.data.origin);
  });
});

/** The host and port of a link origin, as people type it ("192.168.1.5:3000"). */
export function hostOf(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return origin;
  }
}
