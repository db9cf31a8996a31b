// Diagnostics for bench-votes.ts (not used by it): preload into the server with
// NODE_OPTIONS='--import ./test/load/pglite-trace.mjs' to see which statements occupy PGlite,
// a single-threaded engine every query waits for. Every second, writes the statements that ran
// in that second (count, total ms inside the engine, rows returned) to PGLITE_TRACE_FILE.
import { createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(path.resolve('server/package.json'));
const entry = require.resolve('@electric-sql/pglite').replace(/index\.cjs$/, 'index.js');
const { PGlite } = await import(pathToFileURL(entry).href);
const out = process.env.PGLITE_TRACE_FILE ?? `/tmp/pglite-trace-${process.pid}.log`;

let stats = new Map();
const add = (key, ms, rows = 0) => {
  const s = stats.get(key) ?? { n: 0, ms: 0, rows: 0 };
  s.n++;
  s.ms += ms;
  s.rows += rows;
  stats.set(key, s);
};
const shorten = (sql) =>
  String(sql)
    .replace(/\s+/g, ' ')
    .replace(/\(\$\d+(, \$\d+)*\)(, \(\$\d+(, \$\d+)*\))*/g, '(…)')
    .slice(0, 110);

// query() carries the SQL text; its time includes waiting for the engine's turn.
const proto = Object.getPrototypeOf(PGlite.prototype);
const wrapQuery = (orig) =>
  async function (sql, ...rest) {
    const t = performance.now();
    let rows = 0;
    try {
      const result = await orig.call(this, sql, ...rest);
      rows = result?.rows?.length ?? 0;
      return result;
    } finally {
      add('Q ' + shorten(typeof sql === 'string' ? sql : (sql?.sql ?? sql)), performance.now() - t, rows);
    }
  };
for (const p of [PGlite.prototype, proto]) if (Object.prototype.hasOwnProperty.call(p, 'query')) p.query = wrapQuery(p.query);
for (const name of ['_runExclusiveQuery', '_runExclusiveTransaction']) {
  const orig = PGlite.prototype[name];
  if (!orig) continue;
  PGlite.prototype[name] = async function (fn) {
    return orig.call(this, async () => {
      const t = performance.now();
      try {
        return await fn();
      } finally {
        add('HOLD ' + name, performance.now() - t);
      }
    });
  };
}
setInterval(() => {
  if (stats.size === 0) return;
  const lines = [...stats]
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(([k, s]) => `  ${String(s.n).padStart(6)} ${s.ms.toFixed(0).padStart(7)} ms ${String(s.rows).padStart(7)} rows  ${k}`);
  appendFileSync(out, `${new Date().toISOString()}\n${lines.join('\n')}\n`);
  stats = new Map();
}, 1000).unref();
