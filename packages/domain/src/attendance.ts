/**
 * Attendance as a record (DESIGN.md 11): who is present is computed from rows, never from the
 * sockets connected at one moment. Each live connection of a member to a meeting is a row with
 * its arrival, its departure once it ends, and the last time its instance confirmed it was
 * still open (a heartbeat). Every instance reads the same rows, so a slow or dead instance
 * cannot change a binding outcome.
 */
export interface ConnectionRecord {
  memberId: string;
  arrivedAt: number;
  /** Null while the connection is open. */
  departedAt: number | null;
  /** Left on purpose (left the meeting, closed the app's connection): no grace. */
  deliberate?: boolean;
  /** The last heartbeat of the instance holding the connection. */
  seenAt: number;
}

export interface AttendanceRules {
  /** A member whose phone dropped is still present this long after the connection ended. */
  graceMs: number;
  /** An open connection not confirmed for this long belongs to a dead instance: gone. */
  staleMs: number;
}

/** A dropped phone reconnects within seconds; half a minute covers a lift or a patch of bad signal. */
export const ATTENDANCE_RULES: AttendanceRules = { graceMs: 30_000, staleMs: 60_000 };
/** How often an instance confirms its open connections; well inside staleMs. */
export const ATTENDANCE_HEARTBEAT_MS = 15_000;

/** Whether one connection makes its member present at `now`. */
export function connectionPresent(c: ConnectionRecord, now: number, rules: AttendanceRules = ATTENDANCE_RULES): boolean {
  if (c.arrivedAt > now) return false;
  if (c.departedAt !== null) return !c.deliberate && now - c.departedAt <= rules.graceMs;
  // Open, but its instance has stopped confirming it: counted until the grace after the last heartbeat.
  return now - c.seenAt <= rules.staleMs + rules.graceMs;
}

/**
 * Members present at `now`: connected (within the grace), or marked present in the room by the
 * facilitator. A member counts once however they are present.
 */
export function membersPresent(
  connections: readonly ConnectionRecord[],
  inRoomMemberIds: ReadonlySet<string>,
  now: number,
  rules: AttendanceRules = ATTENDANCE_RULES,
): { online: Set<string>; present: Set<string> } {
  const online = new Set<string>();
  for (const c of connections) if (connectionPresent(c, now, rules)) online.add(c.memberId);
  return { online, present: new Set([...online, ...inRoomMemberIds]) };
}
