// Diagnostics for bench-votes.ts: preload into the server with
//   BENCH_SERVER_NODE_OPTIONS="--import $PWD/test/load/cpu-profile.mjs" pnpm bench:votes -- …
// (Node 20 refuses --cpu-prof in NODE_OPTIONS). The path must be absolute: a fresh data folder's
// PGlite cluster is made by a child process in server/, which inherits NODE_OPTIONS and cannot
// find a relative path, so the server never starts. Profiles from start to exit, or, with
// CPU_PROFILE_ON_SIGNAL=1, only between two SIGUSR2 (the bench sends them around the voting
// when BENCH_PROFILE_VOTES=1). Writes server-<pid>-<n>.cpuprofile to CPU_PROFILE_DIR, n counting the profiles.
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.CPU_PROFILE_DIR ?? '/tmp/yishi-prof';
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 500 });
let running = false;
let profiles = 0;
const start = () => {
  session.post('Profiler.start');
  running = true;
};
const stop = () => {
  if (!running) return;
  running = false;
  session.post('Profiler.stop', (err, res) => {
    if (err || !res) return;
    mkdirSync(dir, { recursive: true });
    // One file per start/stop pair: a bench may profile two phases of one run.
    writeFileSync(path.join(dir, `server-${process.pid}-${++profiles}.cpuprofile`), JSON.stringify(res.profile));
  });
};
if (process.env.CPU_PROFILE_ON_SIGNAL === '1') process.on('SIGUSR2', () => (running ? stop() : start()));
else start();
process.on('exit', stop);
