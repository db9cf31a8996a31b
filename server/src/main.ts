import { startApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createLogger, redactText } from './log.ts';

/** The process entry point: config from the environment, clean shutdown on SIGINT/SIGTERM/SIGHUP. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.LOG_LEVEL);
  if (!config.DATABASE_URL || !config.REDIS_URL) {
    log.info(
      'running on the embedded default: ' +
        `${config.DATABASE_URL ? 'PostgreSQL' : `PGlite in ${config.DATA_DIR}`}, ` +
        `${config.REDIS_URL ? 'Redis fan-out' : 'in-memory fan-out'}; ` +
        'set DATABASE_URL and REDIS_URL to run several instances',
    );
  }
  // A promise nobody awaited or an exception nobody caught (a driver's error, say) is logged
  // through the same redaction, not printed by Node with its parameters.
  // A last line of defence, not the fix: every known source handles its own rejections (the
  // Redis fan-out above all). One that slips through is logged rather than ending every meeting
  // on this instance; test/integration/redis-outage.test.ts fails if this line ever appears.
  process.on('unhandledRejection', (reason) => log.error('unhandled rejection', { err: reason }));
  process.on('uncaughtException', (err) => {
    log.error('uncaught exception', { err });
    process.exit(1);
  });
  const started = Date.now();
  const app = await startApp(config, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: Error) => {
        log.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  // SIGHUP: the terminal it was started from closed; close PGlite cleanly then too. Listened for
  // before the lines below say it is running: whoever reads them may signal at once, and a
  // signal with no listener yet ends the process uncleanly (seen in CI: Ctrl-C right after the
  // listening line, the server preempted between that line and these listeners).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));

  // Plain lines for a person reading the terminal, in one write (tests wait for this line and
  // must find the setup link with it), then the JSON line for log collectors.
  const setup = app.setupUrl ? `First start: open this one-time setup link to create your council:\n  ${app.setupUrl}\n\n` : '';
  const where = app.lanUrls.length > 0 ? `Phones on the same network can open: ${app.lanUrls.join('  ')}\nOn this computer: ${app.localUrl}\n` : '';
  process.stdout.write(`\nYishi is running at ${app.url}\n${where}${setup}`);
  log.info('yishi listening', { url: app.url, lanUrls: app.lanUrls, storage: app.services.store.kind, startupMs: Date.now() - started });
}

main().catch((err: Error) => {
  process.stderr.write(`yishi failed to start: ${redactText(err.message)}\n`);
  process.exit(1);
});
