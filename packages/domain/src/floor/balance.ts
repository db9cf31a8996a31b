/**
 * Who has been heard on an item. Members count under their stakeholder group (its id), residents
 * under RESIDENTS, guests the facilitator added by name under GUESTS.
 */
export const RESIDENTS = 'residents';
export const GUESTS = 'guests';

export interface BalanceRow {
  /** A group's id, RESIDENTS or GUESTS. */
  group: string;
  /** Speeches on this item so far (the one under way included). */
  spoken: number;
  /** Hands waiting now. */
  waiting: number;
  /** Has a hand waiting and has not spoken yet on this item: the facilitator may want to call it. */
  unheard: boolean;
}

/**
 * One row per council group (in the council's order) and one for residents, plus guests when any
 * spoke or wait. `spoken` and `waiting` list the group key of each speech and each waiting hand.
 */
export function floorBalance(groupIds: readonly string[], spoken: readonly string[], waiting: readonly string[]): BalanceRow[] {
  const count = (list: readonly string[], g: string) => list.filter((x) => x === g).length;
  const keys = [...groupIds, RESIDENTS];
  if (spoken.includes(GUESTS) || waiting.includes(GUESTS)) keys.push(GUESTS);
  // A group that has since been deleted still counts: shown under its id at the end.
  for (const g of [...spoken, ...waiting]) if (!keys.includes(g)) keys.push(g);
  return keys.map((group) => {
    const s = count(spoken, group);
    const w = count(waiting, group);
    return { group, spoken: s, waiting: w, unheard: w > 0 && s === 0 };
  });
}
