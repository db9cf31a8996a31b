import { derived, readable, type Readable } from 'svelte/store';
import { ClockOffset } from './clock.ts';
import type { ApiError, MeetingId, Result, ViewKind } from '@yishi/protocol';
import { call, views, viewKey } from '$lib/live';

/**
 * The web's side of the agenda lane's wire contract (issue 10): the `agenda` live view and the
 * agenda events. Built against the interface agreed in the brief before the protocol file
 * landed: when `packages/protocol/src/agenda.ts` is in main, these types come from there and the
 * casts below go.
 */

export type ItemKind = 'information' | 'discussion' | 'decision';
export type ItemStage = 'pending' | 'discussing' | 'voting' | 'decided' | 'deferred';

export interface AgendaViewItem {
  id: string;
  title: string;
  details: string;
  kind: ItemKind;
  minutes: number;
  presenter: string;
  links: string[];
  stage: ItemStage;
  /** When discussion of the item started and ended (ISO, the server's clock). */
  startedAt: string | null;
  endedAt: string | null;
  /** Polls attached to the item when they were created. */
  pollIds: string[];
}

export interface AgendaProposal {
  id: string;
  title: string;
  details: string;
  proposerId: string;
  proposerName: string;
  state: 'pending' | 'accepted' | 'declined';
  reason: string | null;
}

export interface AgendaView {
  items: AgendaViewItem[];
  currentItemId: string | null;
  /** The server's clock when the view was computed (ms), to correct the local countdown. */
  serverNow?: number;
  /** Proposals this viewer may see (editors: all; a member: their own; residents: none). */
  proposals?: AgendaProposal[];
}

const AGENDA = 'agenda' as ViewKind;

/** The agenda view of a meeting, as the live store holds it (null until it arrives). */
export function agendaView(meetingId: MeetingId): Readable<AgendaView | null> {
  return derived(views, ($views) => {
    const snap = $views[viewKey(meetingId, AGENDA)];
    return snap ? (snap.data as unknown as AgendaView) : null;
  });
}

type Untyped = (event: string, payload: unknown) => Promise<Result<unknown>>;
const send = call as unknown as Untyped;

export type AgendaResult = Result<unknown>;
export const agendaCalls = {
  setCurrent: (meetingId: MeetingId, itemId: string | null) => send('agenda:current', { meetingId, itemId }),
  next: (meetingId: MeetingId) => send('agenda:next', { meetingId }),
  previous: (meetingId: MeetingId) => send('agenda:previous', { meetingId }),
  defer: (meetingId: MeetingId, itemId: string) => send('agenda:defer', { meetingId, itemId }),
  propose: (meetingId: MeetingId, title: string, details: string) => send('agenda:propose', { meetingId, title, details }),
  accept: (meetingId: MeetingId, proposalId: string) => send('agenda:proposal:accept', { meetingId, proposalId }),
  decline: (meetingId: MeetingId, proposalId: string, reason: string) => send('agenda:proposal:decline', { meetingId, proposalId, reason }),
};

export function errorOf(r: AgendaResult): ApiError | null {
  return r.ok ? null : r.error;
}

/**
 * Who may co-edit the agenda and the notes: `can(principal, 'agenda.edit', target)` once the
 * agenda lane adds the action to packages/domain/src/permissions.ts; until then the roles the
 * issue names (admin, facilitator, secretary).
 */
export function canEditAgenda(principal: { kind: string; role?: string; councilId?: string } | null, councilId: string): boolean {
  if (!principal || principal.kind !== 'member' || principal.councilId !== councilId) return false;
  return principal.role === 'admin' || principal.role === 'facilitator' || principal.role === 'secretary';
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

/**
 * The polls the room display shows in agenda mode: those attached to the current item, when it
 * has any (null: no filter, every poll as before).
 */
export function agendaPollFilter(map: Readonly<Record<string, { data: unknown } | undefined>>, meetingId: MeetingId): Set<string> | null {
  const view = map[viewKey(meetingId, AGENDA)]?.data as AgendaView | undefined;
  const current = view?.items.find((i) => i.id === view.currentItemId);
  return current && current.pollIds.length > 0 ? new Set(current.pollIds) : null;
}
