import { AgendaStore } from '../features/agenda/store.ts';
import { AttendanceStore } from '../features/attendance/store.ts';
import { SessionStore } from '../features/auth/store.ts';
import { ConsensusStore } from '../features/consensus/store.ts';
import { CouncilStore } from '../features/councils/store.ts';
import { MeetingStore } from '../features/meetings/store.ts';
import { OpinionStore } from '../features/opinions/store.ts';
import { PollStore } from '../features/polls/store.ts';
import { FloorStore } from '../features/floor/store.ts';
import { YjsStore } from '../features/agenda/yjs/store.ts';
import { DeadlineStore } from './deadlines.ts';
import type { Database, Db } from './database.ts';
import { ViewVersions } from './view-versions.ts';

/**
 * Everything the server keeps, over either driver, assembled from each feature's store
 * (features/<feature>/store.ts) and the shared ones here (deadlines, view versions).
 * Built once at start-up and passed down.
 */
export interface Store {
  kind: Database['kind'];
  /** The raw database, for tests and one-off checks; features go through the stores below. */
  db: Db;
  councils: CouncilStore;
  meetings: MeetingStore;
  sessions: SessionStore;
  polls: PollStore;
  attendance: AttendanceStore;
  floor: FloorStore;
  agenda: AgendaStore;
  opinions: OpinionStore;
  consensus: ConsensusStore;
  deadlines: DeadlineStore;
  /** The agenda and notes documents' updates and snapshots (features/agenda/yjs/). */
  yjs: YjsStore;
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
    floor: new FloorStore(database.db),
    agenda: new AgendaStore(database.db),
    opinions: new OpinionStore(database.db),
    consensus: new ConsensusStore(database.db),
    deadlines: new DeadlineStore(database.db),
    yjs: new YjsStore(database),
    viewVersions: new ViewVersions(database.db),
    close: () => database.close(),
  };
}
