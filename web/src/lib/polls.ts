import type { OptionKey, PollDefinition, PollOutcome, PollRule, Minimum } from '@yishi/protocol';
import { optionKeys } from '@yishi/domain';
import { t, tn } from '$lib/i18n';

// Only types come from @yishi/protocol here, as in api.ts: the residents' bundle stays light.

/** The label of a tally row: a motion's fixed choice or an option's text. */
export function optionLabel(def: PollDefinition, key: OptionKey | string): string {
  if (def.kind === 'motion') {
    const k = key as string;
    return k === 'yes' || k === 'no' || k === 'abstain' ? t(`motion.${k}`) : k;
  }
  return def.options.find((o) => o.id === key)?.label ?? '?';
}

/** The keys a poll is voted on, in ballot order, with their labels. */
export function optionRows(def: PollDefinition): { key: string; label: string }[] {
  return optionKeys(def).map((key) => ({ key, label: optionLabel(def, key) }));
}

function minimumText(
  min: Minimum,
  count: 'rule.quorumBallotsCount' | 'rule.quorumMembersCount', // plural bases (.one, .other)
  share: 'rule.quorumBallotsShare' | 'rule.quorumMembersShare',
) {
  return min.kind === 'count' ? tn(count, min.count, { n: min.count }) : t(share, { percent: min.percent });
}

/** The quorum and threshold in plain words, abstentions stated. */
export function ruleText(def: Pick<PollDefinition, 'kind'> & { rule: PollRule }): string[] {
  const out: string[] = [];
  const q = def.rule.quorum;
  if (q.kind === 'none') out.push(t('rule.quorumNone'));
  else if (q.kind === 'ballots_cast') out.push(minimumText(q.min, 'rule.quorumBallotsCount', 'rule.quorumBallotsShare'));
  else out.push(minimumText(q.min, 'rule.quorumMembersCount', 'rule.quorumMembersShare'));

  const th = def.rule.threshold;
  if (def.kind === 'score') out.push(t('rule.score'));
  else if (!th) out.push(def.kind === 'ranked' ? t('rule.rankedPlurality') : t('rule.plurality'));
  else {
    const share = th.share.kind === 'percent' ? t('rule.share.percent', { percent: th.share.percent }) : t(`rule.share.${th.share.kind}`);
    out.push(t('rule.threshold', { share, base: t(`rule.base.${th.base}`) }));
    if (def.kind === 'motion') out.push(t(`rule.abstentions.${th.abstentions}`));
  }
  return out;
}

const CODE_KEY = (meetingId: string) => `yishi.votingCode.${meetingId}`;
const RECEIPT_KEY = (pollId: string) => `yishi.receipt.${pollId}`;

function read(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    return null;
  }
}
function write(storage: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // Storage blocked (private mode): it only lasts for this page then.
  }
}

/** A resident's voting code, kept for this meeting in this tab so it is typed once. */
export const votingCodes = {
  get: (meetingId: string) => read(() => sessionStorage, CODE_KEY(meetingId)),
  set: (meetingId: string, code: string | null) => write(() => sessionStorage, CODE_KEY(meetingId), code),
};

/** A secret ballot's private receipt, kept in this browser to change the vote until close. */
export const receipts = {
  get: (pollId: string) => read(() => localStorage, RECEIPT_KEY(pollId)),
  set: (pollId: string, receipt: string | null) => write(() => localStorage, RECEIPT_KEY(pollId), receipt),
};

/** Whole percent for a bar's text, never NaN. */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 100) : 0;
}

/** The outcome in words: "Passed", "Winner: 甲公司" (what a screen reader and the room hear). */
export function outcomeHeadline(def: PollDefinition, outcome: PollOutcome): string {
  if (outcome.kind === 'winner') return t('outcome.winner', { label: optionLabel(def, outcome.optionId) });
  if (outcome.kind === 'tie') return t('outcome.tie', { labels: outcome.optionIds.map((id) => optionLabel(def, id)).join(' / ') });
  return t(`outcome.${outcome.kind}`);
}
