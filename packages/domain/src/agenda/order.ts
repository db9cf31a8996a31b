import type { AgendaStage } from '@yishi/protocol';

/** An item as the order moves see it: its id and stage, in the agenda document's order. */
export interface OrderedItem {
  id: string;
  stage: AgendaStage;
}

/** Stages a plain "next" from no current item lands on: not yet handled. */
const OPEN_STAGES: readonly AgendaStage[] = ['pending', 'discussing'];

/**
 * The item "next" makes current. From an item: the one after it, whatever its stage (the
 * facilitator follows the agenda as printed), or none after the last one (the agenda is done:
 * no item is current). From none, or from an item no longer in the agenda: the first item not yet
 * handled (pending or discussing); undefined when there is none (nothing to move to).
 */
export function nextItem(items: readonly OrderedItem[], current: string | null): string | null | undefined {
  const at = current === null ? -1 : items.findIndex((i) => i.id === current);
  if (at >= 0) return items[at + 1]?.id ?? null;
  return items.find((i) => OPEN_STAGES.includes(i.stage))?.id;
}

/**
 * The item "previous" makes current: the one before the current item; from none, the last item
 * whose discussion has started (`started`), else the last item. Undefined when there is none
 * (the first item is current, or the agenda is empty).
 */
export function previousItem(items: readonly OrderedItem[], current: string | null, started: ReadonlySet<string> = new Set()): string | undefined {
  const at = current === null ? -1 : items.findIndex((i) => i.id === current);
  if (at > 0) return items[at - 1]!.id;
  if (at === 0) return undefined;
  const startedOnes = items.filter((i) => started.has(i.id));
  return (startedOnes.at(-1) ?? items.at(-1))?.id;
}
