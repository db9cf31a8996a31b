import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, lanAddresses, linkOrigin } from './link-origin.ts';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '02:00:00:00:00:01',
  internal,
  cidr: `${address}/24`,
});
const v6 = (address: string): NetworkInterfaceInfo => ({
  address,
  netmask: 'ffff:ffff:ffff:ffff::',
  family: 'IPv6',
  mac: '02:00:00:00:00:01',
  internal: false,
  cidr: `${address}/64`,
  scopeid: 0,
});

describe('lanAddresses', () => {
  it('lists the IPv4 addresses other devices can reach: no loopback, no link-local, virtual bridges last', () => {
    const list = lanAddresses({
      lo: [v4('127.0.0.1', true), { ...v6('::1'), internal: true }],
      docker0: [v4('172.17.0.1')],
      wlan0: [v4('192.168.1.23'), v6('fe80::1')],
      eth1: [v4('169.254.10.2')],
    });
    expect(list).toEqual(['192.168.1.23', '172.17.0.1']);
  });

  it('is empty on a machine with only loopback', () => {
    expect(lanAddresses({ lo: [v4('127.0.0.1', true)] })).toEqual([]);
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', 'yishi.localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1', '0.0.0.0'])('%s is loopback', (h) => {
    expect(isLoopbackHost(h)).toBe(true);
  });
  it.each(['192.168.1.23', 'yishi.test', 'example.org', '[fd00::2]', '10.0.0.1'])('%s is not', (h) => {
    expect(isLoopbackHost(h)).toBe(false);
  });
});

describe('linkOrigin', () => {
  const lan = ['192.168.1.23'];
  it('uses PUBLIC_ORIGIN when it is set', () => {
    expect(
      linkOrigin({ publicOrigin: 'https://yishi.example.org', requestOrigin: 'http://localhost:3000', listenHost: '0.0.0.0', port: 3000, lan }),
    ).toBe('https://yishi.example.org');
  });

  it('uses the address the browser used when a phone could use it too', () => {
    expect(linkOrigin({ requestOrigin: 'http://192.168.1.23:3000', listenHost: '0.0.0.0', port: 3000, lan })).toBe('http://192.168.1.23:3000');
    expect(linkOrigin({ requestOrigin: 'http://yishi.test:3000', listenHost: '0.0.0.0', port: 3000, lan })).toBe('http://yishi.test:3000');
  });

  it('replaces localhost with the first LAN address when listening on all interfaces', () => {
    expect(linkOrigin({ requestOrigin: 'http://localhost:3000', listenHost: '0.0.0.0', port: 3000, lan })).toBe('http://192.168.1.23:3000');
    expect(linkOrigin({ requestOrigin: 'http://127.0.0.1:3000', listenHost: '::', port: 3000, lan })).toBe('http://192.168.1.23:3000');
    expect(linkOrigin({ listenHost: '0.0.0.0', port: 4000, lan })).toBe('http://192.168.1.23:4000');
  });

  it('uses the one address it listens on when that is not loopback', () => {
    expect(linkOrigin({ requestOrigin: 'http://localhost:3000', listenHost: '10.0.0.5', port: 3000, lan })).toBe('http://10.0.0.5:3000');
    expect(linkOrigin({ listenHost: 'fd00::5', port: 3000, lan })).toBe('http://[fd00::5]:3000');
  });

  it('keeps localhost only when that is all there is', () => {
    expect(linkOrigin({ requestOrigin: 'http://localhost:3000', listenHost: '0.0.0.0', port: 3000, lan: [] })).toBe('http://localhost:3000');
    expect(linkOrigin({ requestOrigin: 'http://127.0.0.1:3000', listenHost: '127.0.0.1', port: 3000, lan })).toBe('http://127.0.0.1:3000');
    expect(linkOrigin({ listenHost: '0.0.0.0', port: 3000, lan: [] })).toBe('http://localhost:3000');
    // A malformed Host header is ignored, never an error.
    expect(linkOrigin({ requestOrigin: 'http://a b', listenHost: '0.0.0.0', port: 3000, lan })).toBe('http://192.168.1.23:3000');
  });
});
