// Types only from the protocol, values from its constants: the web bundles this file (bundle.test.ts).
import type { AgendaStage, PollState } from '@yishi/protocol';

/**
 * The part of an item's stage the facilitator's moves set, stored with the run state. voting and
 * decided are never stored: they follow the polls attached to the item (itemStage), so a poll
 * closed by time, with its meeting or on another instance moves its item without anyone telling
 * the agenda.
 */
export type StoredStage = 'pending' | 'discussing' | 'deferred';

/** What the facilitator does to an item: make it current (start or resume its discussion), or put it off. */
export type AgendaMove = 'start' | 'defer';

/**
 * The allowed moves: from the stage everyone sees to the stage stored after the move, or null
 * where the move is refused (stage_not_allowed). Going back to a voted or decided item is
 * allowed (its polls keep it voting or decided); deferring one is not (close or reopen its poll
 * instead), nor deferring what is deferred already.
 */
export const AGENDA_MOVES: Record<AgendaMove, Record<AgendaStage, StoredStage | null>> = {
  start: { pending: 'discussing', discussing: 'discussing', deferred: 'discussing', voting: 'discussing', decided: 'discussing' },
  defer: { pending: 'deferred', discussing: 'deferred', deferred: null, voting: null, decided: null },
};

/** The stored stage after `move` from `stage`, or null when the move is not allowed. */
export function afterMove(stage: AgendaStage, move: AgendaMove): StoredStage | null {
  return AGENDA_MOVES[move][stage];
}

/**
 * The stage everyone sees: voting while any poll attached to the item is open, decided once one
 * has closed (and none is open), else what the facilitator's moves stored. Draft polls change nothing.
 */
export function itemStage(stored: StoredStage, polls: readonly { state: PollState }[]): AgendaStage {
  if (polls.some((p) => p.state === 'open')) return 'voting';
  if (polls.some((p) => p.state === 'closed')) return 'decided';
  return stored;
}
