import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import express, { type RequestHandler } from 'express';
import { ClientEvents, LIMITS, PROTOCOL_VERSION, type ClientEventName } from '@yishi/protocol';
import { newToken } from './auth/tokens.ts';
import type { Config } from './config.ts';
import { eventTable, viewRegistry, type Feature, type Stop } from './core/feature.ts';
import { AppError } from './errors.ts';
import { attachFanout } from './fanout/fanout.ts';
import { FEATURES, featureServices } from './features/index.ts';
import { errorMiddleware } from './http/context.ts';
import { httpOrigin, lanAddresses, linkOrigin, listensEverywhere, localOrigin } from './http/link-origin.ts';
import type { TrustFn } from './http/client-address.ts';
import { requestLog } from './http/request-log.ts';
import { sameOriginOnly } from './http/same-origin.ts';
import { createLogger, withRedaction, type LogSink, type Logger } from './log.ts';
import { LiveViews } from './realtime/live-views.ts';
import { SessionSockets } from './realtime/session-sockets.ts';
import { attachSocketHandlers, createSocketServer } from './realtime/socket-server.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import type { Services } from './services.ts';
import { openDatabase } from './storage/database.ts';
import { createStore } from './storage/store.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const SERVER_VERSION: string = JSON.parse(readFileSync(path.join(here, '..', 'package.json'), 'utf8')).version;

export interface RunningApp {
  http: HttpServer;
  /** Where to open Yishi: PUBLIC_ORIGIN, else an address phones on the network can open if there is one. */
  url: string;
  /** With no PUBLIC_ORIGIN and listening on all interfaces: one URL per LAN address, best first. */
  lanUrls: string[];
  /** The address on the machine itself (localhost when listening on all interfaces). */
  localUrl: string;
  services: Services;
  /** The one-time setup link while no council exists, else null. */
  setupUrl: string | null;
  close(): Promise<void>;
}

/**
 * Builds and starts one Yishi instance. Everything it needs comes from `config`. `features` are
 * Yishi's own (features/index.ts); a test may register others.
 */
export async function startApp(
  config: Config,
  given: LogSink = createLogger(config.LOG_LEVEL),
  features: readonly Feature[] = FEATURES,
): Promise<RunningApp> {
  // Whatever logger is given, nothing secret reaches it (log-redact.ts).
  const log = withRedaction(given);
  const database = await openDatabase(config, log);
  const store = createStore(database);
  try {
    // Checked before anything listens: every protocol event has one handler, every view one computation.
    const events = eventTable(features, Object.keys(ClientEvents) as ClientEventName[]);
    const views = viewRegistry(features);
    const app = express();
    app.disable('x-powered-by');
    // Only a configured proxy's X-Forwarded-For is believed (docker-compose sets TRUST_PROXY=1 for
    // nginx). Trusting private addresses by default would let every phone on a LAN name its own.
    app.set('trust proxy', trustProxy(config.TRUST_PROXY));
    app.use(securityHeaders);
    app.use('/api', requestLog(log));
    const http = createServer(app);
    const io = createSocketServer(http, config.PUBLIC_ORIGIN);
    const fanout = await attachFanout(io, config.REDIS_URL, log);
    const live = new LiveViews(io, store, log, fanout.relaysToOtherInstances, views);
    // Broadcasts made while the fan-out was away are lost: once it is back, each instance re-sends
    // fresh snapshots of the meetings its sockets follow.
    fanout.onReconnect(() => live.resendActive());
    const { votes, attendance, docs, agenda, opinions } = featureServices(store, live, log, fanout, config);
    const limits = {
      perAddress: fanout.limiter('address', { points: config.AUTH_RATE_PER_MINUTE, perSeconds: 60 }),
      perLogin: fanout.limiter('login', { points: 10, perSeconds: 60 }),
    };
    const services: Services = {
      config,
      log,
      store,
      live,
      votes,
      attendance,
      docs,
      agenda,
      opinions,
      sockets: new SessionSockets(io),
      limits,
      version: SERVER_VERSION,
    };

    app.get('/healthz', (_req, res) => {
      // Degraded still answers 200: the instance serves its own sockets, and a load balancer
      // that dropped every instance while Redis is away would take the whole meeting down.
      const { fanout: kind, ...fan } = fanout.health();
      res.json({ ...fan, storage: store.kind, fanout: kind, version: SERVER_VERSION, protocol: PROTOCOL_VERSION });
    });
    app.use(
      '/api',
      sameOriginOnly(() => config.PUBLIC_ORIGIN),
    );
    app.use('/api', express.json({ limit: LIMITS.httpBodyBytes, strict: true }));
    for (const feature of features) if (feature.routes) app.use('/api', feature.routes(services));
    app.use('/api', (_req, _res, next) => next(new AppError('not_found', 'no such endpoint')));
    app.use('/api', errorMiddleware(services));
    app.use(await webHandler(config, log));

    const stopSweeps = attachSocketHandlers(io, services, events, fanout.connectionCaps(), app.get('trust proxy fn') as TrustFn);
    const sessionSweep = setInterval(() => void store.sessions.deleteExpired().catch(() => {}), 3_600_000);
    sessionSweep.unref();
    // Deadlines (a poll's closing time...) are rows: they survive restarts, and one instance acts on each.
    const scheduler = new Scheduler(store.deadlines, log, { instanceId: attendance.instanceId });
    // Each feature's own start-up (deadline handlers, messages between instances, its sweeps).
    const stops: Stop[] = [];
    for (const feature of features) {
      const stop = await feature.start?.({ services, scheduler, io, http, relaysToOtherInstances: fanout.relaysToOtherInstances });
      if (stop) stops.push(stop);
    }
    scheduler.start();
    const viewSweep = setInterval(() => live.sweep(), 30_000);
    viewSweep.unref();

    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.PORT, config.HOST, () => resolve());
    });
    const { port } = http.address() as AddressInfo;
    // Phones cannot open localhost: with no PUBLIC_ORIGIN, print (and build the setup link on)
    // the addresses they can, when listening on all interfaces.
    const lan = !config.PUBLIC_ORIGIN[0] && listensEverywhere(config.HOST) ? lanAddresses() : [];
    const url = linkOrigin({ publicOrigin: config.PUBLIC_ORIGIN[0], listenHost: config.HOST, port, lan });
    const lanUrls = lan.map((a) => httpOrigin(a, port));
    const localUrl = localOrigin(config.HOST, port);

    const setupToken = await store.councils.ensureSetupToken(newToken());
    const setupUrl = setupToken ? `${url}/setup?token=${setupToken}` : null;

    let closed = false;
    return {
      http,
      url,
      lanUrls,
      localUrl,
      services,
      setupUrl,
      close: async () => {
        if (closed) return;
        closed = true;
        stopSweeps();
        clearInterval(sessionSweep);
        for (const stop of stops.reverse()) await stop();
        await scheduler.stop();
        clearInterval(viewSweep);
        await attendance.stop();
        io.disconnectSockets(true);
        await new Promise<void>((resolve) => io.close(() => resolve()));
        await fanout.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** express's `trust proxy` from TRUST_PROXY: a hop count, or a list of addresses and subnets; none when unset. */
export function trustProxy(setting: string | undefined): number | string | false {
  if (!setting) return false;
  return /^\d+$/.test(setting.trim()) ? Number(setting) : setting;
}

/**
 * For every response. No page of Yishi may be framed (clickjacking a vote or a sign-in link);
 * the web app's pages also carry a Content-Security-Policy, set by SvelteKit (web/svelte.config.js)
 * because its inline start-up script needs a nonce.
 */
const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  next();
};

/** The built SvelteKit app (adapter-node handler), served from this same port. */
async function webHandler(config: Config, log: Logger): Promise<RequestHandler> {
  const dir = path.resolve(config.WEB_BUILD_DIR ?? path.join(here, '..', '..', 'web', 'build'));
  const file = path.join(dir, 'handler.js');
  if (!existsSync(file)) {
    log.warn('web app not built; run `pnpm build` (the start command does it)', { dir });
    return (_req, res) => {
      res.status(503).type('text/plain').send('Yishi web app is not built. Run: npm start');
    };
  }
  const mod = (await import(pathToFileURL(file).href)) as { handler: RequestHandler };
  return mod.handler;
}
