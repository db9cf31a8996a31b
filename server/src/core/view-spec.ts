import type { Action } from '@yishi/domain';
import type { MeetingId, ViewData, ViewKind } from '@yishi/protocol';
import type { YishiServer } from '../realtime/types.ts';
import type { Store } from '../storage/store.ts';
import type { DeliveryPace } from '../realtime/room-delivery.ts';

// Apart from feature.ts so that LiveViews, which Services holds, can name these without an import cycle.

/** What a view's computation may read. */
export interface ViewContext {
  store: Store;
  io: YishiServer;
  /**
   * A version for a derived view (one not versioned by a row of its own), taken before the
   * computation so that a newer computation always carries a higher one. How versions are made
   * is LiveViews' business (one function there); a promise so that it may come from the database.
   */
  nextVersion(): Promise<number>;
}

export interface ViewSpec<K extends ViewKind = ViewKind> {
  kind: K;
  /** Who may see it: checked with can() on meeting:join (which returns every unkeyed kind the caller may see) and view:get. */
  action: Action;
  /**
   * A keyed view is one of many per meeting, one per key (an agenda item's id...), so a change to
   * one item recomputes and resends that item's view only. Every invalidate, view:get and snapshot
   * of it names a key; meeting:join does not return it (the client asks with view:get, or gets
   * it pushed when it changes). Unkeyed views never take a key.
   */
  keyed?: boolean;
  /**
   * The view shows the council's set-up as it is now: its stakeholder groups (their names, which
   * there are), its members (names, how many), its quorum. An admin's edit in the council
   * settings then recomputes it for every meeting of the council not closed
   * (LiveViews#councilChanged, called by the councils feature, which names no view): the views say
   * what they read, so that no edit leaves a room showing old names until something else changes.
   */
  showsCouncil?: boolean;
  /**
   * How often at most one instance pushes this view of one meeting (default 250 ms, live-views.ts).
   * A view that changes with every arrival (presence) and goes to every phone in the room may
   * ask for less: 5,000 phones joining within a minute are otherwise 4 x 5,000 sends a second.
   */
  minIntervalMs?: number;
  /**
   * How a snapshot of this view goes to a big room: sockets written per turn of the event loop and
   * what the next slice waits for (default DEFAULT_PACE, realtime/room-delivery.ts). TYPING_PACE
   * for a view that changes while people do something that must not queue behind the write (the
   * agenda, while its editors type).
   */
  deliveryPace?: DeliveryPace;
  /**
   * The snapshot of one meeting's view (or of one key's, for a keyed view: `key` is then set),
   * with its version (the row's, or ctx.nextVersion()).
   */
  compute(ctx: ViewContext, meetingId: MeetingId, key: string | undefined): Promise<{ version: number; data: ViewData<K> }>;
}

/** Declares a view with its kind's data type checked. */
export function defineView<K extends ViewKind>(spec: ViewSpec<K>): ViewSpec<K> {
  return spec;
}

/** Every registered view, by kind, in registration order (the order a join returns them in). */
export type ViewRegistry = ReadonlyMap<ViewKind, ViewSpec>;
