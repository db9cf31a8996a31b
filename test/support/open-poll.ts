import { emit, type YishiClientSocket } from './client.ts';

/**
 * The poll the two-instance vote tests run: secret, single choice among 甲, 乙, 丙, everyone
 * eligible (residents on an unverified join too), live results, no quorum or threshold. Created
 * and opened by `facilitator`; throws if either is refused.
 */
export async function openSecretPoll(
  facilitator: YishiClientSocket,
  meetingId: string,
  title: string,
): Promise<{ pollId: string; options: string[] }> {
  const r = await emit(facilitator, 'poll:create', {
    meetingId,
    title,
    kind: 'single',
    options: ['甲', '乙', '丙'],
    eligibility: 'everyone',
    secrecy: 'secret',
    results: 'live',
    rule: { quorum: { kind: 'none' }, threshold: null },
    residentAccess: 'open_unverified',
  });
  if (!r.ok) throw new Error(JSON.stringify(r));
  const def = r.data.poll.definition;
  const opened = await emit(facilitator, 'poll:open', { pollId: def.id });
  if (!opened.ok) throw new Error(JSON.stringify(opened));
  return { pollId: def.id, options: def.kind === 'single' ? def.options.map((o) => o.id) : [] };
}
