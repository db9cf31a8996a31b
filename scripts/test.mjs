// `npm test`: the whole suite, as CI runs it: install, lint (ESLint and Prettier's check), build,
// type-check, then every vitest project (unit, integration with real Redis and PostgreSQL,
// end-to-end in Chromium).
import { buildWebIfStale, checkNode, install, pnpm, run } from './lib.mjs';

checkNode();
install();
pnpm(['lint']);
buildWebIfStale();
pnpm(['-r', 'check']);
run('npx', ['vitest', 'run', ...process.argv.slice(2)]);
