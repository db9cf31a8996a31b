import { afterMove, itemStage, nextItem, previousItem, type OrderedItem, type StoredStage } from '@yishi/domain';
import type { AgendaItemView, AgendaView, MeetingId, MemberId, Poll, PollId, Proposal, ProposalId, ClientPayload } from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { LiveViews } from '../../realtime/live-views.ts';
import type { Store } from '../../storage/store.ts';
import { publicDecisions } from '../meetings/decisions.ts';
import type { AgendaDocItem, AgendaDocs } from './docs.ts';
import type { MoveDecision, RunState } from './store.ts';

/** What a move returns: the new version and current item. */
export interface RunResult {
  version: number;
  currentItemId: string | null;
}

/**
 * The agenda's server side (services.agenda): the room run by the agenda (current item, moves,
 * stages, discussion times: rows in SQL, see store.ts), polls attached to items, members'
 * proposals, and the `agenda` view derived from the document, the run state and the polls.
 * Other features ask it `currentItem` and `itemExists` (opinions and consensus per item).
 */
/** The room moved from one item to another (either may be null: no item current). */
export interface CurrentItemChange {
  meetingId: MeetingId;
  from: string | null;
  to: string | null;
}

export class AgendaService {
  private readonly currentListeners = new Set<(change: CurrentItemChange) => void>();

  constructor(
    private readonly store: Store,
    private readonly live: LiveViews,
    private readonly docs: AgendaDocs,
    private readonly log: Logger,
  ) {}

  /** The item the room is on, or null (none yet, or the facilitator cleared it). */
  currentItem(meetingId: MeetingId): Promise<string | null> {
    return this.store.agenda.currentItem(meetingId);
  }

  /** Whether the meeting's agenda document holds an item with this id now. */
  async itemExists(meetingId: MeetingId, itemId: string): Promise<boolean> {
    return (await this.docs.items(meetingId)).some((i) => i.id === itemId);
  }

  /** Calls back when a meeting's agenda document changes (an edit on any instance); returns an unsubscribe. */
  onDocumentChange(listener: (meetingId: MeetingId, here: boolean) => void): () => void {
    return this.docs.onAgendaChange(listener);
  }

  /** Every agenda item gets its notes container, made by the server (AgendaDocs.ensureNotes). */
  ensureNotes(meetingId: MeetingId): Promise<void> {
    return this.docs.ensureNotes(meetingId);
  }

  /**
   * Calls back after a move (on this instance) that changed the current item, so features that
   * follow the current item (the floor) push their views and close their records without the agenda naming them.
   * Returns an unsubscribe. A listener's failure is logged, never the move's.
   */
  onCurrentItemChange(listener: (change: CurrentItemChange) => void): () => void {
    this.currentListeners.add(listener);
    return () => this.currentListeners.delete(listener);
  }

  /** The agenda changed (document, run state or an attached poll): the view is recomputed, coalesced. */
  changed(meetingId: MeetingId): void {
    this.live.invalidate(meetingId, 'agenda');
  }

  // ---- running the room ----

  /** Refused before anything else (the move's transaction checks it again, holding the meeting's row). */
  private async requireLive(meetingId: MeetingId): Promise<void> {
    const { state } = await this.store.meetings.get(meetingId);
    if (state === 'closed') throw new AppError('meeting_closed');
    if (state !== 'live') throw new AppError('meeting_not_live', `the meeting is ${state}`);
  }

  private async requireItem(meetingId: MeetingId, itemId: string, items?: AgendaDocItem[]): Promise<void> {
    const list = items ?? (await this.docs.items(meetingId));
    if (!list.some((i) => i.id === itemId)) throw new AppError('unknown_item', 'no such item in this agenda');
  }

  /** The document's items with the stage everyone sees (stored stage + attached polls). */
  private ordered(items: AgendaDocItem[], run: RunState, polls: Poll[]): OrderedItem[] {
    return items.map((i) => ({ id: i.id, stage: this.stageOf(i.id, run, polls) }));
  }

  private stageOf(itemId: string, run: RunState, polls: Poll[]) {
    return itemStage(
      run.items.get(itemId)?.stage ?? 'pending',
      polls.filter((p) => p.agendaItemId === itemId),
    );
  }

  private async moved(
    meetingId: MeetingId,
    expectedVersion: number,
    actor: MemberId,
    decide: (run: RunState, items: AgendaDocItem[], polls: Poll[]) => MoveDecision,
  ): Promise<RunResult> {
    // Read before the transaction (the document and the polls are not locked by it); the version check makes the move itself safe.
    const [items, polls] = await Promise.all([this.docs.items(meetingId), this.store.polls.listForMeeting(meetingId)]);
    let from: string | null = null;
    const run = await this.store.agenda.move(meetingId, expectedVersion, actor, (r) => {
      from = r.currentItemId;
      return decide(r, items, polls);
    });
    this.changed(meetingId);
    if (from !== run.currentItemId) {
      const change: CurrentItemChange = { meetingId, from, to: run.currentItemId };
      for (const listener of this.currentListeners) {
        try {
          listener(change);
        } catch (err) {
          this.log.warn('agenda: a current-item listener failed', { err });
        }
      }
    }
    return { version: run.version, currentItemId: run.currentItemId };
  }

  private start(itemId: string, run: RunState, polls: Poll[]): Map<string, StoredStage> {
    return new Map([[itemId, afterMove(this.stageOf(itemId, run, polls), 'start')!]]);
  }

  /**
   * The meeting is closing: the room leaves its current item (its discussion ends, its floor
   * record is written into the notes by the listeners), as a move to none. Only a live meeting
   * has a running item; a move made meanwhile wins (the close goes on either way).
   */
  async leaveAtClose(meetingId: MeetingId, actor: MemberId): Promise<void> {
    const run = await this.store.agenda.run(meetingId);
    if (run.currentItemId === null) return;
    try {
      await this.goto(meetingId, null, run.version, actor);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      this.log.info('agenda: the current item was not left at the close', { meetingId, code: err.code });
    }
  }

  /** Make an item current (a jump), or none. */
  async goto(meetingId: MeetingId, itemId: string | null, expectedVersion: number, actor: MemberId): Promise<RunResult> {
    await this.requireLive(meetingId);
    if (itemId !== null) await this.requireItem(meetingId, itemId);
    return this.moved(meetingId, expectedVersion, actor, (run, _items, polls) => ({
      current: itemId,
      stages: itemId === null ? new Map() : this.start(itemId, run, polls),
      log: { action: 'goto' },
    }));
  }

  async next(meetingId: MeetingId, expectedVersion: number, actor: MemberId): Promise<RunResult> {
    return this.moved(meetingId, expectedVersion, actor, (run, items, polls) => {
      const to = nextItem(this.ordered(items, run, polls), run.currentItemId);
      if (to === undefined) throw new AppError('unknown_item', 'no item left to move to');
      return { current: to, stages: to === null ? new Map() : this.start(to, run, polls), log: { action: 'next' } };
    });
  }

  async previous(meetingId: MeetingId, expectedVersion: number, actor: MemberId): Promise<RunResult> {
    return this.moved(meetingId, expectedVersion, actor, (run, items, polls) => {
      const started = new Set([...run.items.values()].filter((i) => i.startedAt !== null).map((i) => i.itemId));
      const to = previousItem(this.ordered(items, run, polls), run.currentItemId, started);
      if (to === undefined) throw new AppError('unknown_item', 'no item before this one');
      return { current: to, stages: this.start(to, run, polls), log: { action: 'previous' } };
    });
  }

  /** Put an item off; if it is current, its discussion ends and no item is current. */
  async defer(meetingId: MeetingId, itemId: string, expectedVersion: number, actor: MemberId): Promise<RunResult> {
    await this.requireLive(meetingId);
    await this.requireItem(meetingId, itemId);
    return this.moved(meetingId, expectedVersion, actor, (run, _items, polls) => {
      const stage = this.stageOf(itemId, run, polls);
      const after = afterMove(stage, 'defer');
      if (after === null) throw new AppError('stage_not_allowed', `a ${stage} item cannot be deferred`);
      return {
        current: run.currentItemId === itemId ? null : run.currentItemId,
        stages: new Map([[itemId, after]]),
        log: { action: 'defer', detail: { itemId } },
      };
    });
  }

  // ---- polls attached to items ----

  /** poll:create with an item: the item must be in the agenda now. */
  async checkPollItem(meetingId: MeetingId, itemId: string | null): Promise<void> {
    if (itemId !== null) await this.requireItem(meetingId, itemId);
  }

  /**
   * A poll changed (created, opened, closed, on this instance, by any path: by hand, by time,
   * with its meeting). Its item's stage follows by itself (itemStage); the view is recomputed;
   * a closed poll on an item gets its outcome line in that item's notes (idempotent: once per poll).
   */
  async pollChanged(poll: Poll): Promise<void> {
    if (poll.agendaItemId === null) return;
    this.changed(poll.meetingId);
    if (poll.state !== 'closed') return;
    const decision = (await publicDecisions(this.store, poll.meetingId)).find((d) => d.pollId === poll.definition.id);
    if (!decision) return;
    await this.docs.appendOutcome(poll.meetingId, poll.agendaItemId, {
      pollId: poll.definition.id as PollId,
      title: decision.title,
      outcomes: decision.outcomes,
    });
  }

  // ---- proposals ----

  async propose(proposerId: MemberId, body: ClientPayload<'agenda:propose'>): Promise<Proposal> {
    return this.store.agenda.propose({ ...body, proposerId });
  }

  /** All of a meeting's proposals for an editor; one's own for anyone else. */
  proposals(meetingId: MeetingId, who: { memberId: MemberId; editor: boolean }): Promise<Proposal[]> {
    return this.store.agenda.proposals(meetingId, who.editor ? undefined : who.memberId);
  }

  /**
   * Accepts a proposal: its item (id: the proposal's) goes to the end of the agenda document,
   * then the proposal is marked accepted. Adding is idempotent by id, so a retry after a failure
   * between the two adds nothing twice; if another editor declined it meanwhile, the item is taken out again.
   */
  async accept(proposalId: ProposalId, by: MemberId): Promise<Proposal> {
    const p = await this.store.agenda.proposal(proposalId);
    // Checked before the document is touched (decide checks both again, in its transaction).
    if ((await this.store.meetings.get(p.meetingId)).state === 'closed') throw new AppError('meeting_closed');
    if (p.state !== 'pending') throw new AppError('proposal_decided', p.state);
    const itemId = p.id as string;
    await this.docs.appendItem(p.meetingId, {
      id: itemId,
      title: p.title,
      details: p.details,
      kind: p.kind,
      minutes: p.minutes,
      presenter: p.proposer.name,
      links: [],
    });
    try {
      const accepted = await this.store.agenda.decide(proposalId, by, { state: 'accepted', itemId });
      this.changed(p.meetingId);
      return accepted;
    } catch (err) {
      const now = await this.store.agenda.proposal(proposalId).catch(() => null);
      if (now?.state !== 'accepted')
        await this.docs.removeItem(p.meetingId, itemId).catch((e) => this.log.warn('an accepted item left in the agenda', { err: e }));
      throw err;
    }
  }

  decline(proposalId: ProposalId, by: MemberId, reason: string): Promise<Proposal> {
    return this.store.agenda.decide(proposalId, by, { state: 'declined', reason });
  }

  // ---- the view ----

  /** The `agenda` view's data: the document's items in order, each with its run state and polls. */
  async view(meetingId: MeetingId): Promise<AgendaView> {
    const [items, run, polls, serverNow] = await Promise.all([
      this.docs.items(meetingId),
      this.store.agenda.run(meetingId),
      this.store.polls.listForMeeting(meetingId),
      this.store.agenda.now(),
    ]);
    const decisions = polls.some((p) => p.state === 'closed' && p.agendaItemId !== null) ? await publicDecisions(this.store, meetingId, polls) : [];
    const views: AgendaItemView[] = items.map((i) => {
      const r = run.items.get(i.id);
      const attached = polls.filter((p) => p.agendaItemId === i.id);
      const ids = new Set(attached.map((p) => p.definition.id as string));
      return {
        ...i,
        stage: this.stageOf(i.id, run, polls),
        startedAt: r?.startedAt ?? null,
        endedAt: r?.endedAt ?? null,
        spentMs: r?.spentMs ?? 0,
        resumedAt: run.currentItemId === i.id ? (r?.resumedAt ?? null) : null,
        polls: attached.map((p) => ({ pollId: p.definition.id, title: p.definition.title, state: p.state })),
        decisions: decisions
          .filter((d) => d.pollId !== null && ids.has(d.pollId))
          .map((d) => ({ pollId: d.pollId!, title: d.title, outcomes: d.outcomes })),
      };
    });
    return { serverNow, runVersion: run.version, currentItemId: run.currentItemId, items: views };
  }
}
