import { ApiClient } from './client.ts';

/** Creates a council through the setup link, a facilitator and a member; returns signed-in clients. */
export async function setUpCouncil(base: string, setupUrl: string) {
  const token = new URL(setupUrl).searchParams.get('token')!;
  const admin = new ApiClient(base);
  const session = await admin.ok('POST', '/api/setup', { token, councilName: '幸福里社区议事会', adminName: '王主任' });
  const council = session.council;
  const groupId = council.groups[1].id;
  const fac = await admin.ok('POST', '/api/council/members', { name: '李主持', groupId, role: 'facilitator' });
  const mem = await admin.ok('POST', '/api/council/members', { name: '张业主', groupId: council.groups[2].id, role: 'member' });
  const facilitator = new ApiClient(base);
  await facilitator.ok('POST', '/api/auth/link', { token: fac.link.url.split('/signin/')[1] });
  const member = new ApiClient(base);
  await member.ok('POST', '/api/auth/link', { token: mem.link.url.split('/signin/')[1] });
  return { admin, facilitator, member, council: mem.council, facilitatorId: fac.link.memberId, memberId: mem.link.memberId };
}
