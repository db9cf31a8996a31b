// `npm start`: install, build the web app if needed, and run Yishi on the embedded default
// (PGlite in ./data, in-memory fan-out) unless DATABASE_URL / REDIS_URL say otherwise.
import { spawn } from 'node:child_process';
import { buildWebIfStale, checkNode, install, ROOT } from './lib.mjs';
import { SERVER_NODE_FLAGS } from './node-flags.mjs';

checkNode();
install();
buildWebIfStale();

const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', 'server/src/main.ts'], { cwd: ROOT, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
