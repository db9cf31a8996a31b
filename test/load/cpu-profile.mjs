// Diagnostics for bench-votes.ts: preload with NODE_OPTIONS='--import ./test/load/cpu-profile.mjs'
// (Node 20 refuses --cpu-prof in NODE_OPTIONS). Writes a .cpuprofile to CPU_PROFILE_DIR on exit.
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.CPU_PROFILE_DIR ?? '/tmp/yishi-prof';
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');
process.on('exit', () => {
  session.post('Profiler.stop', (err, res) => {
    if (err || !res) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `server-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
  });
});
