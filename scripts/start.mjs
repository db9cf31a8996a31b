// `npm start`: install, build the web app if needed, and run Yishi on the embedded default
// (PGlite in ./data, in-memory fan-out) unless DATABASE_URL / REDIS_URL say otherwise.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { buildWebIfStale, checkNode, install, ROOT } from './lib.mjs';
import { SERVER_NODE_FLAGS } from './node-flags.mjs';

// Under `npm start` our parent is the shell npm runs the script in. npm passes SIGTERM/SIGINT
// on to that shell only, and Debian's sh (dash) dies of it without passing it on: we would
// never hear the signal and the server would keep running, holding the data folder. So when
// the parent goes away, we stop as if we had been sent SIGTERM.
const parent = process.ppid;

/** True once the process that started us has exited (we have been handed to another parent). */
function orphaned() {
  try {
    // Linux: our current parent, from the kernel (process.ppid is read once, at startup).
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent;
  } catch {
    try {
      process.kill(parent, 0);
      return false;
    } catch (err) {
      return err.code === 'ESRCH';
    }
  }
}

checkNode();
install();
buildWebIfStale();
if (orphaned()) process.exit(1); // stopped while installing or building: do not start

const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', 'server/src/main.ts'], { cwd: ROOT, stdio: 'inherit' });
const stop = (sig) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(sig);
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => stop(sig));
const watch = setInterval(() => {
  if (!orphaned()) return;
  clearInterval(watch);
  stop('SIGTERM');
}, 250);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
