import { randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { canTransition, joinCodeFromBytes } from '@yishi/domain';
import type {
  CouncilId,
  CreateMeetingBody,
  Meeting,
  MeetingId,
  MeetingMode,
  MeetingState,
  MemberId,
  ResidentId,
  UpdateMeetingBody,
} from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import type { Db } from '../../storage/database.ts';
import { isUniqueViolation } from '../../storage/pg-errors.ts';
import { attendance, councils, meetingLog, meetings, residents } from '../../storage/schema.ts';

const meetingColumns = {
  id: meetings.id,
  councilId: meetings.councilId,
  councilName: councils.name,
  title: meetings.title,
  startsAt: meetings.startsAt,
  place: meetings.place,
  mode: meetings.mode,
  state: meetings.state,
  joinCode: meetings.joinCode,
  version: meetings.version,
};

type MeetingRow = { [K in keyof typeof meetingColumns]: (typeof meetingColumns)[K]['_']['data'] };

function toMeeting(r: MeetingRow): Meeting {
  return {
    id: r.id as MeetingId,
    councilId: r.councilId as CouncilId,
    councilName: r.councilName,
    title: r.title,
    startsAt: r.startsAt.toISOString(),
    place: r.place,
    mode: r.mode as MeetingMode,
    state: r.state as MeetingState,
    joinCode: r.joinCode,
    version: r.version,
  };
}

/** The unique constraint on meetings.join_code (schema.ts `.unique()`, named by drizzle). */
const JOIN_CODE_UNIQUE = 'meetings_join_code_unique';

function newJoinCode(): string {
  for (;;) {
    const code = joinCodeFromBytes(randomBytes(16));
    if (code) return code;
  }
}

export class MeetingStore {
  constructor(
    private readonly db: Db,
    /** Where join codes come from (random; a test passes a taken one to check the retry). */
    private readonly joinCodes: () => string = newJoinCode,
  ) {}

  private select() {
    return this.db.select(meetingColumns).from(meetings).innerJoin(councils, eq(councils.id, meetings.councilId));
  }

  async get(id: MeetingId): Promise<Meeting> {
    const [row] = await this.select().where(eq(meetings.id, id));
    if (!row) throw new AppError('not_found', 'meeting');
    return toMeeting(row);
  }

  async byJoinCode(code: string): Promise<Meeting | undefined> {
    const [row] = await this.select().where(eq(meetings.joinCode, code));
    return row ? toMeeting(row) : undefined;
  }

  async list(councilId: CouncilId): Promise<Meeting[]> {
    const rows = await this.select().where(eq(meetings.councilId, councilId)).orderBy(desc(meetings.startsAt));
    return rows.map(toMeeting);
  }

  async create(councilId: CouncilId, body: CreateMeetingBody, actor: MemberId): Promise<MeetingId> {
    const id = randomUUID() as MeetingId;
    // A join-code collision is rare (31^6 codes); retry on the unique constraint.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.transaction(async (tx) => {
          await tx.insert(meetings).values({
            id,
            councilId,
            title: body.title,
            startsAt: new Date(body.startsAt),
            place: body.place,
            mode: body.mode,
            state: 'draft',
            joinCode: this.joinCodes(),
          });
          await tx.insert(meetingLog).values({ meetingId: id, actorMemberId: actor, action: 'created' });
        });
        return id;
      } catch (err) {
        if (attempt < 5 && isUniqueViolation(err, JOIN_CODE_UNIQUE)) continue;
        throw err;
      }
    }
  }

  async update(id: MeetingId, body: UpdateMeetingBody): Promise<void> {
    const done = await this.db
      .update(meetings)
      .set({
        ...(body.title !== undefined ? { title: body.title } : {}),
        ...(body.startsAt !== undefined ? { startsAt: new Date(body.startsAt) } : {}),
        ...(body.place !== undefined ? { place: body.place } : {}),
        ...(body.mode !== undefined ? { mode: body.mode } : {}),
        version: sql`${meetings.version} + 1`,
      })
      .where(and(eq(meetings.id, id), sql`${meetings.state} <> 'closed'`))
      .returning({ id: meetings.id });
    if (done.length === 0) throw new AppError('meeting_closed');
  }

  /**
   * Moves a meeting along its life cycle. The row is locked so two facilitators pressing
   * at once cannot both succeed from the same state.
   */
  async transition(id: MeetingId, to: MeetingState, actor: MemberId, expectedVersion?: number): Promise<Meeting> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(meetings).where(eq(meetings.id, id)).for('update');
      if (!row) throw new AppError('not_found', 'meeting');
      if (expectedVersion !== undefined && row.version !== expectedVersion) throw new AppError('conflict', 'meeting changed meanwhile');
      if (!canTransition(row.state as MeetingState, to)) throw new AppError('invalid_transition', `${row.state} -> ${to}`);
      await tx
        .update(meetings)
        .set({ state: to, version: row.version + 1 })
        .where(eq(meetings.id, id));
      await tx.insert(meetingLog).values({ meetingId: id, actorMemberId: actor, action: 'state', detail: { from: row.state, to } });
    });
    return this.get(id);
  }

  async createResident(meetingId: MeetingId, displayName: string): Promise<ResidentId> {
    const id = randomUUID() as ResidentId;
    await this.db.insert(residents).values({ id, meetingId, displayName });
    return id;
  }

  async markAttendance(meetingId: MeetingId, memberId: MemberId, inRoom: boolean, by: MemberId): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx
        .insert(attendance)
        .values({ meetingId, memberId, inRoom, markedBy: by })
        .onConflictDoUpdate({
          target: [attendance.meetingId, attendance.memberId],
          set: { inRoom, markedBy: by, markedAt: new Date() },
        });
      await tx.insert(meetingLog).values({ meetingId, actorMemberId: by, action: 'attendance', detail: { memberId, inRoom } });
    });
  }

  async inRoomMemberIds(meetingId: MeetingId): Promise<Set<string>> {
    const rows = await this.db
      .select({ memberId: attendance.memberId })
      .from(attendance)
      .where(and(eq(attendance.meetingId, meetingId), eq(attendance.inRoom, true)));
    return new Set(rows.map((r) => r.memberId));
  }
}
