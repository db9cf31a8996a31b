import { AttendanceStore } from './attendance.ts';
import { CouncilStore } from './councils.ts';
import { DeadlineStore } from './deadlines.ts';
import type { Database, Db } from './database.ts';
import { MeetingStore } from './meetings.ts';
import { PollStore } from './polls.ts';
import { SessionStore } from './sessions.ts';
import { ViewVersions } from './view-versions.ts';

/** Everything the server keeps, over either driver. Built once at start-up and passed down. */
export interface Store {
  kind: Database['kind'];
  /** The raw database, for tests and one-off checks; features go through the stores below. */
  db: Db;
  councils: CouncilStore;
  meetings: MeetingStore;
  sessions: SessionStore;
  polls: PollStore;
  attendance: AttendanceStore;
  deadlines: DeadlineStore;
  viewVersions: ViewVersions;
  close(): Promise<void>;
}

export function createStore(database: Database): Store {
  return {
    kind: database.kind,
    db: database.db,
    councils: new CouncilStore(database.db),
    meetings: new MeetingStore(database.db),
    sessions: new SessionStore(database.db),
    polls: new PollStore(database.db),
    attendance: new AttendanceStore(database.db),
    deadlines: new DeadlineStore(database.db),
    viewVersions: new ViewVersions(database.db),
    close: () => database.close(),
  };
}
