/**
 * The kinds of view a meeting:join returns, sorted: every unkeyed view of every feature. Written
 * out, not read from the server, so that a view added or lost fails the tests that compare to it.
 */
export const JOIN_VIEW_KINDS = [
  'agenda',
  'consensus',
  'consensus_live',
  'floor',
  'meeting',
  'moderation',
  'opinions',
  'polls',
  'presence',
  'tallies',
];
