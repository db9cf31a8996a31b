// Shared by start.mjs and test.mjs: runs on a fresh clone with only Node.js and npm.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = ['-y', 'pnpm@10.34.9'];

export function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    console.error(`Yishi needs Node.js 20.19 or newer; this is ${process.versions.node}.`);
    process.exit(1);
  }
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status ?? 1);
  }
}

export function pnpm(args, opts) {
  run('npx', [...PNPM, ...args], opts);
}

/** Install dependencies (quick when nothing changed); pnpm comes through npx, no global install. */
export function install() {
  pnpm(['install', '--frozen-lockfile', '--prefer-offline']);
}

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Build the web app when its sources (or the shared packages) changed since the last build. */
export function buildWebIfStale() {
  const marker = path.join(ROOT, 'web', 'build', 'handler.js');
  const built = existsSync(marker) ? statSync(marker).mtimeMs : 0;
  const sources = Math.max(
    newest(path.join(ROOT, 'web', 'src')),
    newest(path.join(ROOT, 'web', 'static')),
    newest(path.join(ROOT, 'packages')),
    statSync(path.join(ROOT, 'web', 'svelte.config.js')).mtimeMs,
  );
  if (sources > built) pnpm(['--filter', '@yishi/web', 'build']);
}
