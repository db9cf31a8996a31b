import { derived, readable, writable, type Readable } from 'svelte/store';
import type { AgendaItemKind, AgendaView, ApiError, MeetingId, Proposal, ProposalId, Result } from '@yishi/protocol';
import type { OUTCOME_KINDS } from '@yishi/protocol/constants';

type OutcomeKind = (typeof OUTCOME_KINDS)[number];
import { call, onLive, views, viewKey } from '$lib/live';
import { t } from '$lib/i18n';
import { ClockOffset } from './clock.ts';

/**
 * The web's side of the agenda feature (protocol agenda.ts, issue 10): the `agenda` live view,
 * the run events and proposals. No Yjs here: this is what residents' phones load.
 */

export type { AgendaItemView, AgendaView, Proposal } from '@yishi/protocol';

function viewOf(map: Readonly<Record<string, { kind: string; data: unknown } | undefined>>, meetingId: MeetingId): AgendaView | null {
  const snap = map[viewKey(meetingId, 'agenda')];
  return snap?.kind === 'agenda' ? (snap.data as AgendaView) : null;
}

/** The agenda view of a meeting, as the live store holds it (null until it arrives). */
export function agendaView(meetingId: MeetingId): Readable<AgendaView | null> {
  return derived(views, ($views) => viewOf($views, meetingId));
}

export type AgendaResult = Result<unknown>;
export const agendaCalls = {
  goto: (meetingId: MeetingId, itemId: string | null, expectedVersion: number) => call('agenda:goto', { meetingId, itemId, expectedVersion }),
  next: (meetingId: MeetingId, expectedVersion: number) => call('agenda:next', { meetingId, expectedVersion }),
  previous: (meetingId: MeetingId, expectedVersion: number) => call('agenda:previous', { meetingId, expectedVersion }),
  defer: (meetingId: MeetingId, itemId: string, expectedVersion: number) => call('agenda:defer', { meetingId, itemId, expectedVersion }),
  propose: (meetingId: MeetingId, body: { title: string; details: string; kind: AgendaItemKind; minutes: number }) =>
    call('agenda:propose', { meetingId, ...body }),
  accept: (proposalId: ProposalId) => call('agenda:accept', { proposalId }),
  decline: (proposalId: ProposalId, reason: string) => call('agenda:decline', { proposalId, reason }),
};

/**
 * The proposals this person may see (an editor: all; a member: their own), asked for again
 * whenever the server says they changed (`agenda:proposals-changed`) and after a reconnect.
 */
export function proposalsOf(meetingId: MeetingId): Readable<{ proposals: Proposal[]; error: ApiError | null }> {
  const store = writable<{ proposals: Proposal[]; error: ApiError | null }>({ proposals: [], error: null });
  return {
    subscribe(run) {
      let stopped = false;
      const load = async () => {
        const r = await call('agenda:proposals', { meetingId });
        if (stopped) return;
        store.set(r.ok ? { proposals: r.data.proposals, error: null } : { proposals: [], error: r.error });
      };
      void load();
      const off = onLive('agenda:proposals-changed', (e) => {
        if ((e as { meetingId?: string } | undefined)?.meetingId === meetingId) void load();
      });
      const offConnect = onLive('connect', () => void load());
      const unsub = store.subscribe(run);
      return () => {
        stopped = true;
        off();
        offConnect();
        unsub();
      };
    },
  };
}

export function errorOf(r: AgendaResult): ApiError | null {
  return r.ok ? null : r.error;
}

/** The polls the room display shows in agenda mode: the current item's, when it has any (null: all). */
export function agendaPollFilter(
  map: Readonly<Record<string, { kind: string; data: unknown } | undefined>>,
  meetingId: MeetingId,
): Set<string> | null {
  const view = viewOf(map, meetingId);
  const current = view?.items.find((i) => i.id === view.currentItemId);
  return current && current.polls.length > 0 ? new Set(current.polls.map((p) => p.pollId)) : null;
}

/** A closed poll's outcome in a line: "Passed", "Winner: B"… */
export function outcomeWords(o: { kind: OutcomeKind; labels: readonly string[] }): string {
  if (o.kind === 'winner') return t('outcome.winner', { label: o.labels.join(t('outcome.sep')) });
  if (o.kind === 'tie') return t('outcome.tie', { labels: o.labels.join(t('outcome.sep')) });
  return t(`outcome.${o.kind}`);
}

/** The server's clock, shared by every timer on the page: sampled from each agenda view. */
export const serverClock = new ClockOffset();
let lastSampled: AgendaView | null = null;
export function sampleClock(view: AgendaView | null): void {
  if (!view || view === lastSampled || typeof view.serverNow !== 'number') return;
  lastSampled = view;
  serverClock.sample(view.serverNow);
}

/** The server's time, ticking once a second while anything shows a timer. */
export const serverNow: Readable<number> = readable(Date.now(), (set) => {
  set(serverClock.now());
  const timer = setInterval(() => set(serverClock.now()), 1000);
  return () => clearInterval(timer);
});
