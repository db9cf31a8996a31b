import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

// Interfaces of containers, VMs and VPNs: reachable from this machine, rarely from a phone.
const VIRTUAL = /^(docker|br-|veth|virbr|vmnet|vboxnet|lxc|lxd|cni|flannel|podman|tailscale|zt|utun|tun|tap|wg)/i;

/**
 * This machine's IPv4 addresses that another device on its network could open: not loopback,
 * not link-local (169.254/16, no DHCP), virtual bridges last. IPv4 only: a phone in the room
 * (and WeChat's scanner) reaches http://192.168.x.x:3000 on any Wi-Fi, while IPv6 addresses
 * are often not routed there.
 */
export function lanAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string[] {
  const real: string[] = [];
  const virtual: string[] = [];
  for (const [name, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family !== 'IPv4' || info.internal || info.address.startsWith('169.254.')) continue;
      (VIRTUAL.test(name) ? virtual : real).push(info.address);
    }
  }
  return [...real, ...virtual];
}

/** A name or address that only this machine can open (or the unspecified address). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127\./.test(h) || h === '::1' || h === '0.0.0.0' || h === '::';
}

/** HOST values that make the server listen on every interface. */
export function listensEverywhere(listenHost: string): boolean {
  return listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '';
}

export interface LinkOriginInput {
  /** The first PUBLIC_ORIGIN, if configured. */
  publicOrigin?: string;
  /** The origin the browser asking used (scheme and Host header), if a browser is asking. */
  requestOrigin?: string;
  /** HOST, the interface the server listens on. */
  listenHost: string;
  /** The port the server listens on. */
  port: number;
  /** lanAddresses(), best first. */
  lan: readonly string[];
}

/**
 * The origin every link and QR code is built on. PUBLIC_ORIGIN when set. Else the address the
 * browser used, unless it is this computer's own (localhost): then an address a phone on the
 * same network can open, the first LAN address (or HOST, when bound to one). localhost only when
 * that is all there is.
 */
export function linkOrigin({ publicOrigin, requestOrigin, listenHost, port, lan }: LinkOriginInput): string {
  if (publicOrigin) return publicOrigin;
  const asked = requestOrigin ? hostnameOf(requestOrigin) : null;
  if (asked === null)
    requestOrigin = undefined; // a malformed Host header: ignore it
  else if (!isLoopbackHost(asked)) return requestOrigin!;
  if (listensEverywhere(listenHost)) {
    if (lan[0]) return httpOrigin(lan[0], port);
  } else if (!isLoopbackHost(listenHost)) {
    return httpOrigin(listenHost, port);
  }
  return requestOrigin ?? localOrigin(listenHost, port);
}

/** http://host:port, with an IPv6 address in brackets. */
export function httpOrigin(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The address on this machine itself: localhost when listening everywhere, else HOST. */
export function localOrigin(listenHost: string, port: number): string {
  return httpOrigin(listensEverywhere(listenHost) ? 'localhost' : listenHost, port);
}

function hostnameOf(origin: string): string | null {
  try {
    return new URL(origin).hostname;
  } catch {
    return null;
  }
}
