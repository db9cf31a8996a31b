import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

export class DataDirLockedError extends Error {
  constructor(dir: string, pid: number, host?: string) {
    super(
      `The data folder ${dir} is in use by another Yishi process (pid ${pid}${host ? ` on ${host}` : ''}). ` +
        `PGlite allows one process per folder: stop the other one, or set DATA_DIR to another folder, ` +
        `or set DATABASE_URL to share PostgreSQL between instances.`,
    );
    this.name = 'DataDirLockedError';
  }
}

/** What a lock file says about its holder. Old lock files hold the bare pid. */
interface Holder {
  pid: number;
  host: string;
  /**
   * The holder's pid namespace: two containers on one host (or with one hostname) may both be
   * PID 1, and a pid means nothing outside its namespace.
   */
  ns: string | null;
  /** The holder's start time as the kernel counts it (/proc/<pid>/stat), to tell a reused pid apart. */
  started: string | null;
}

export interface LockOptions {
  /** How often the holder touches the file, so that a holder on another host can be seen alive. */
  heartbeatMs?: number;
  /** A lock from another host whose heartbeat has not moved for this long belongs to a dead process. */
  staleAfterMs?: number;
}

const HEARTBEAT_MS = 5_000;
const STALE_AFTER_MS = 20_000;

/** Folders this process holds: a second open in the same process is refused by this, not by pid. */
const heldHere = new Set<string>();

function pidNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

function startTimeOf(pid: number): string | null {
  try {
    // Field 22 (starttime); the command name (field 2) may hold spaces, so count after its ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): Holder | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text), host: hostname(), ns: pidNamespace(), started: null };
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string')
      return {
        pid: h.pid,
        host: h.host,
        ns: typeof h.ns === 'string' ? h.ns : pidNamespace(),
        started: typeof h.started === 'string' ? h.started : null,
      };
  } catch {
    // unreadable: a write cut short by a crash
  }
  return { pid: 0, host: hostname(), ns: pidNamespace(), started: null };
}

/**
 * Whether the holder on this host is a running process other than this one. This process's own
 * pid in a lock it does not hold is stale: in a container node is PID 1, and after kill -9 or an
 * OOM kill the restarted process is PID 1 again. A live pid whose start time differs from the one
 * recorded was reused by an unrelated process.
 */
function holderRunsHere(h: Holder): boolean {
  if (!Number.isInteger(h.pid) || h.pid <= 0 || h.pid === process.pid || !isAlive(h.pid)) return false;
  if (h.started === null) return true;
  const now = startTimeOf(h.pid);
  return now === null || now === h.started;
}

/**
 * A holder on another host (a container sharing the volume) cannot be asked whether it runs:
 * watch its heartbeat. If the file is not touched for staleAfterMs, its holder is dead.
 */
async function holderBeatsElsewhere(file: string, staleAfterMs: number): Promise<boolean> {
  const mtime = () => {
    try {
      return statSync(file).mtimeMs;
    } catch {
      return null;
    }
  };
  const first = mtime();
  if (first === null) return false;
  for (;;) {
    const m = mtime();
    if (m === null) return false;
    if (m !== first) return true;
    if (Date.now() - m > staleAfterMs) return false;
    await new Promise((r) => setTimeout(r, Math.min(250, staleAfterMs / 4)));
  }
}

/**
 * PGlite corrupts its files if two processes open one folder, so take a lock file first. A lock
 * whose holder is not running (or is this very process, see holderRunsHere) is taken over; one
 * held by a live process is refused. Returns the release function.
 */
export async function acquireDataDirLock(dir: string, options: LockOptions = {}): Promise<() => void> {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const staleAfterMs = options.staleAfterMs ?? STALE_AFTER_MS;
  const key = path.resolve(dir);
  const file = path.join(key, 'yishi.lock');
  if (heldHere.has(key)) throw new DataDirLockedError(dir, process.pid);
  const me: Holder = { pid: process.pid, host: hostname(), ns: pidNamespace(), started: startTimeOf(process.pid) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(file);
      if (holder === null) continue; // released meanwhile: try again
      // Its pid can be asked only within our own pid namespace on this host; elsewhere, watch its heartbeat.
      const here = holder.host === me.host && holder.ns === me.ns;
      const alive = here ? holderRunsHere(holder) : await holderBeatsElsewhere(file, staleAfterMs);
      if (alive) throw new DataDirLockedError(dir, holder.pid, here ? undefined : holder.host);
      // Stale. Replace it in one rename, so that two processes taking over at once cannot both
      // believe they won: the one whose content is in the file afterwards holds it.
      const tmp = `${file}.${process.pid}.${Date.now()}`;
      writeFileSync(tmp, JSON.stringify(me));
      renameSync(tmp, file);
    }
    const now = readHolder(file);
    if (!now || now.pid !== me.pid || now.host !== me.host || now.ns !== me.ns || now.started !== me.started) continue;
    heldHere.add(key);
    const beat = setInterval(() => {
      try {
        utimesSync(file, new Date(), new Date());
      } catch {
        // the folder went away; nothing to keep alive
      }
    }, heartbeatMs);
    beat.unref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      clearInterval(beat);
      heldHere.delete(key);
      const h = readHolder(file);
      if (h && h.pid === me.pid && h.host === me.host && h.ns === me.ns) rmSync(file, { force: true });
    };
  }
  throw new Error(`Could not lock the data folder ${dir}`);
}
