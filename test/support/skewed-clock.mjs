// Preloaded into a server process (NODE_OPTIONS=--import) to give it a clock that is wrong by
// YISHI_TEST_CLOCK_SKEW_MS, as an instance on a badly synchronised machine would have.
const skew = Number(process.env.YISHI_TEST_CLOCK_SKEW_MS ?? 0);
const realNow = Date.now;
Date.now = () => realNow() + skew;
