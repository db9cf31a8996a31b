// Values from the protocol's constants only: the web bundles this file, and must not bundle zod.
import type { FLOOR_KINDS } from '@yishi/protocol/constants';

export type FloorKind = (typeof FLOOR_KINDS)[number];

/** Speaking time per kind, in seconds (set per meeting). */
export type FloorLimits = Record<FloorKind, number>;

/** A raised hand as the queue orders it. */
export interface QueueEntry {
  id: string;
  kind: FloorKind;
  /**
   * Where the facilitator put it: a new hand's rank is its request time in ms, so it comes after
   * every hand the facilitator has placed (their ranks are small positions, see orderRanks).
   */
  rank: number;
  requestedAt: number;
}

/** 0 for a point of order (程序问题): it is heard before any other hand. */
export function floorPriority(kind: FloorKind): number {
  return kind === 'point_of_order' ? 0 : 1;
}

/** The rank a hand raised at `requestedAt` (ms) gets: after everything already placed. */
export function rankForNewHand(requestedAt: number): number {
  return requestedAt;
}

function compare(a: QueueEntry, b: QueueEntry): number {
  return (
    floorPriority(a.kind) - floorPriority(b.kind) || a.rank - b.rank || a.requestedAt - b.requestedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * The speaking order: points of order first, then by the facilitator's placing, then by the time
 * the hand went up (the id breaks exact ties, so every instance and screen agrees).
 */
export function queueOrder<T extends QueueEntry>(entries: readonly T[]): T[] {
  return [...entries].sort(compare);
}

/** Who is called by "next": the head of the queue. */
export function nextInQueue<T extends QueueEntry>(entries: readonly T[]): T | undefined {
  return queueOrder(entries)[0];
}

/**
 * The facilitator's reorder: `order` must name every waiting hand exactly once (else null: the
 * list changed under them, and nothing is changed). Points of order stay at the top (in the
 * facilitator's order among themselves); the others follow in the order given. Returns each
 * hand's new rank, its position.
 */
export function orderRanks(entries: readonly QueueEntry[], order: readonly string[]): Map<string, number> | null {
  const byId = new Map(entries.map((e) => [e.id, e]));
  if (order.length !== entries.length || new Set(order).size !== order.length || order.some((id) => !byId.has(id))) return null;
  const placed = [...order].sort((a, b) => floorPriority(byId.get(a)!.kind) - floorPriority(byId.get(b)!.kind)); // stable
  return new Map(placed.map((id, i) => [id, i]));
}

/** Moves one id up (delta -1) or down (+1) in a list of ids; the list unchanged at either end. */
export function moveInOrder(ids: readonly string[], id: string, delta: -1 | 1): string[] {
  const out = [...ids];
  const i = out.indexOf(id);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= out.length) return out;
  [out[i], out[j]] = [out[j]!, out[i]!];
  return out;
}

/** A speech's time limit for its kind. */
export function speechLimit(kind: FloorKind, limits: FloorLimits): number {
  return limits[kind];
}
