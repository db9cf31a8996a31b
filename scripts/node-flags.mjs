/**
 * Node flags for the server process, shared by `npm start`, the Dockerfile and the tests.
 *
 * A larger young generation: a vote in a big meeting allocates many short-lived objects
 * (messages, acks, snapshots); with the default 16 MB semi-space the scavenger runs so often
 * that ballot acks wait on it (measured: 5,000-ballot ack p50 1.08 s -> 0.68 s). It is a ceiling,
 * not a reservation: an idle server's young generation is the same size without it.
 *
 * One V8 worker thread instead of four: each worker that compiles PGlite's WebAssembly (9 MB)
 * at startup keeps its own malloc arena of freed compiler memory, never given back (measured:
 * V8's peak compiler memory 65-75 MB -> 37 MB; an idle later start 250-275 MB -> 235-243 MB
 * together with PGlite's smaller shared buffers). The machines Yishi runs on have two cores, so
 * a second and third helper thread had little to run on anyway.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=64', '--v8-pool-size=1'];
