// The floors for `pnpm bench:agenda`, each on a free port in its own process; prints
// "listening <port>" once it listens.
//  - Without arguments: the stock @y/websocket-server (y-websocket's reference server: no
//    authentication, no validation, no storage, no relay), the anchor.
//  - With `--store`: the same with the one thing issue 10 asks of every accepted update added,
//    done plainly: each sync update is appended to an embedded PGlite database (a fresh folder,
//    one INSERT a message, no batching) before the stock handler applies and relays it. Against
//    this floor, editP95 tells what Yishi's own work costs beyond the durable write the issue
//    requires before a relay.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as decoding from 'lib0/decoding';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';

const MESSAGE_SYNC = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

const storing = process.argv.includes('--store');
const dir = storing ? mkdtempSync(path.join(tmpdir(), 'yishi-anchor-storing-')) : null;
let db = null;
if (dir) {
  const { PGlite } = await import('@electric-sql/pglite');
  // Yishi's own setting for its embedded database (server/src/storage/pglite-cluster.ts).
  db = await PGlite.create(path.join(dir, 'pglite'), { postgresqlconf: ['shared_buffers = 8MB'] });
  await db.exec('CREATE TABLE updates (room text NOT NULL, seq bigserial PRIMARY KEY, "update" bytea NOT NULL)');
}

/** A sync update (step 2 or update) carries document content: that is what is stored first. */
function isContent(bytes) {
  try {
    const dec = decoding.createDecoder(bytes);
    if (decoding.readVarUint(dec) !== MESSAGE_SYNC) return false;
    const step = decoding.readVarUint(dec);
    return step === SYNC_STEP2 || step === SYNC_UPDATE;
  } catch {
    return false;
  }
}

/** Runs the stock handler of each message once the one before it, on this connection, is stored. */
function storeBeforeRelaying(conn, room) {
  const stock = conn.listeners('message');
  for (const l of stock) conn.off('message', l);
  let chain = Promise.resolve();
  conn.on('message', (message, isBinary) => {
    const bytes = new Uint8Array(message);
    chain = chain
      .then(() => (isContent(bytes) ? db.query('INSERT INTO updates (room, "update") VALUES ($1, $2)', [room, bytes]) : null))
      .then(() => {
        for (const l of stock) l.call(conn, message, isBinary);
      })
      .catch((err) => console.error('anchor: could not store', err));
  });
}

const server = http.createServer((_req, res) => {
  res.writeHead(200);
  res.end('anchor');
});
const wss = new WebSocketServer({ noServer: true });
wss.on('connection', (conn, req) => {
  const room = req.url.slice(1).split('?')[0];
  setupWSConnection(conn, req, { docName: room, gc: true });
  if (db) storeBeforeRelaying(conn, room);
});
server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => {
  void Promise.resolve(db?.close()).finally(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});
