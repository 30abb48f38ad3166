// The proxy's upstream timeouts by the window: calls of one window share a signal, each still gets
// its whole timeout, and a timer left armed never holds a process open.
import assert from "node:assert/strict";
import { TimeoutWindows } from "../src/proxy/timeout_windows.ts";

// The windows' timers are unref'd (a fetch in flight holds the process); here a timer stands in.
const aborted = (signal: AbortSignal | undefined) =>
  new Promise<number>((resolve) => {
    assert.ok(signal, "a finite timeout has a signal");
    const inFlight = setInterval(() => {}, 1000);
    signal.addEventListener("abort", () => {
      clearInterval(inFlight);
      resolve(performance.now());
    }, { once: true });
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("calls of one window share its signal; a later call opens the next window", async () => {
  // The windows' clock is the test's: a loaded machine cannot push a call into the next window.
  let now = 1_000;
  const windows = new TimeoutWindows(100, { now: () => now }); // windows of 10 ms
  const first = windows.current();
  now += 9.9;
  assert.equal(windows.current(), first, "a call within the window joins it");
  assert.equal(first.expired, false);
  now += 0.1;
  const next = windows.current();
  assert.notEqual(next, first);
  assert.notEqual(next.signal, first.signal);
  await Promise.all([aborted(first.signal), aborted(next.signal)]);
});

Deno.test("every call gets at least its timeout, and the signal says it timed out", async () => {
  const windows = new TimeoutWindows(80); // windows of 8 ms
  let window = windows.current();
  let lastStart = performance.now();
  // Calls keep joining the window until it closes; the last of them must still get 80 ms.
  while (windows.current() === window) {
    lastStart = performance.now();
    await sleep(1);
  }
  assert.equal(window.expired, false);
  const firedAt = await aborted(window.signal);
  assert.ok(firedAt - lastStart >= 79, `cut ${firedAt - lastStart} ms after the last call began`);
  assert.equal(window.expired, true);
  assert.ok(window.signal!.reason instanceof DOMException);
  assert.equal(window.signal!.reason.name, "TimeoutError");
  window = windows.current();
  assert.equal(window.expired, false, "a new window has its own time");
  await aborted(window.signal);
});

Deno.test("where signals are request-scoped, every call has a signal of its own", async () => {
  const windows = new TimeoutWindows(40, { perCall: true });
  const start = performance.now();
  const first = windows.current();
  const second = windows.current();
  assert.notEqual(first.signal, second.signal, "no signal serves two calls");
  assert.equal(first.expired, false);
  const firedAt = await aborted(first.signal);
  assert.ok(firedAt - start >= 39, `cut after ${firedAt - start} ms`);
  assert.equal(first.expired, true);
  assert.equal(first.signal!.reason.name, "TimeoutError");
  await aborted(second.signal);
  assert.equal(new TimeoutWindows(Infinity, { perCall: true }).current().signal, undefined);
});

Deno.test("Infinity, and timeouts beyond setTimeout's range, mean no timeout and no signal", () => {
  for (const timeout of [Infinity, 2 ** 31, 1e12]) {
    const window = new TimeoutWindows(timeout).current();
    assert.equal(window.signal, undefined, `${timeout}: a signal shared forever would only grow`);
    assert.equal(window.expired, false);
  }
});

Deno.test("a proxy with a long timeout lets the process exit right after its last call", async () => {
  const script = `
    import { createProxy } from ${
    JSON.stringify(new URL("../src/proxy/mod.ts", import.meta.url).href)
  };
    const proxy = createProxy({
      upstream: "http://api.test",
      cookieSecret: "VBbwyGQnD60n58JnL++enuRkGkrI3QRNmOXlotWH/Kg=",
      timeout: 120_000,
      fetch: () => Promise.resolve(Response.json([])),
    });
    const res = await proxy.fetch(new Request("http://app.test/api/agents"), {
      remoteAddr: { hostname: "192.0.2.1" },
    });
    console.log(res.status, await res.text());
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", `--config=${new URL("../deno.json", import.meta.url).pathname}`, script],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A timer still holding the process would keep it for two minutes; give it far less.
  const guard = setTimeout(() => child.kill(), 20_000);
  const { code, stdout, stderr } = await child.output();
  clearTimeout(guard);
  assert.equal(code, 0, `the process had to be killed: ${new TextDecoder().decode(stderr)}`);
  assert.equal(new TextDecoder().decode(stdout).trim(), "200 []");
});
