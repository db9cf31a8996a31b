import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient } from './client.ts';
import { waitFor } from './ports.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

/** Creates a council through the setup link, a facilitator and a member; returns signed-in clients. */
export async function setUpCouncil(base: string, setupUrl: string, origin: string = base) {
  const token = new URL(setupUrl).searchParams.get('token')!;
  const admin = new ApiClient(base, origin);
  const session = await admin.ok('POST', '/api/setup', { token, councilName: '幸福里社区议事会', adminName: '王主任' });
  const council = session.council;
  const groupId = council.groups[1].id;
  const fac = await admin.ok('POST', '/api/council/members', { name: '李主持', groupId, role: 'facilitator' });
  const mem = await admin.ok('POST', '/api/council/members', { name: '张业主', groupId: council.groups[2].id, role: 'member' });
  const facilitator = new ApiClient(base, origin);
  await facilitator.ok('POST', '/api/auth/link', { token: fac.link.url.split('/signin/')[1] });
  const member = new ApiClient(base, origin);
  await member.ok('POST', '/api/auth/link', { token: mem.link.url.split('/signin/')[1] });
  return { admin, facilitator, member, council: mem.council, facilitatorId: fac.link.memberId, memberId: mem.link.memberId };
}

/**
 * For browser tests: the council of setUpCouncil on a server process (read its setup link from
 * the log), plus a second member, 赵委员, and fresh personal sign-in tokens for the facilitator,
 * 张业主 and 赵委员, to open in browsers as a member would from their slip.
 */
export async function setUpCouncilWithLinks(server: ServerProcess) {
  // The setup link is printed just after the "listening" line: read it once it is there.
  let setupUrl = server.setupUrl;
  await waitFor(() => !!(setupUrl ??= /setup link[^\n]*\n\s*(\S+)/.exec(server.output())?.[1] ?? null), 10_000, 'the setup link');
  const c = await setUpCouncil(server.url, setupUrl!);
  const zhao = await c.admin.ok('POST', '/api/council/members', { name: '赵委员', groupId: c.council.groups[0].id, role: 'member' });
  const token = (url: string) => url.split('/signin/')[1]!;
  const facLink = await c.admin.ok('POST', `/api/council/members/${c.facilitatorId}/link`);
  const m1Link = await c.admin.ok('POST', `/api/council/members/${c.memberId}/link`);
  return { c, links: { fac: token(facLink.url), m1: token(m1Link.url), m2: token(zhao.link.url) } };
}

/**
 * What most browser tests start from: a server process on a fresh data directory (`env` on top),
 * the council of setUpCouncilWithLinks, and a hybrid meeting its facilitator made. The server is
 * stopped again if the rest fails.
 */
export async function startServerWithMeeting(name: string, meeting: { title: string; startsAt: string }, env: Record<string, string> = {}) {
  const server = await startServerProcess({ DATA_DIR: mkdtempSync(path.join(tmpdir(), `yishi-e2e-${name}-`)), ...env });
  try {
    const set = await setUpCouncilWithLinks(server);
    const m = await set.c.facilitator.ok('POST', '/api/meetings', { ...meeting, mode: 'hybrid' });
    return { server, set, meetingId: m.id as string, joinCode: m.joinCode as string };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
