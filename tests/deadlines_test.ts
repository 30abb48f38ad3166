// The shared timeout timer: each attempt still gets its own deadline, and a timer left armed after
// the last call never holds a process open.
import assert from "node:assert/strict";
import { Deadlines } from "../src/sdk/deadlines.ts";

const aborted = (signal: AbortSignal) =>
  new Promise<number>((resolve) =>
    signal.addEventListener("abort", () => resolve(performance.now()), { once: true })
  );

Deno.test("each attempt times out at its own deadline, with one timer for all", async () => {
  const deadlines = new Deadlines();
  const t0 = performance.now();
  const first = deadlines.start(40);
  await new Promise((resolve) => setTimeout(resolve, 25));
  const secondStart = performance.now();
  const second = deadlines.start(40);
  const firstAt = await aborted(first.controller.signal);
  assert.equal(first.timedOut, true);
  assert.equal(second.controller.signal.aborted, false, "the later attempt outlived the first");
  const secondAt = await aborted(second.controller.signal);
  assert.equal(second.timedOut, true);
  assert.ok(firstAt - t0 >= 39, `first aborted after ${firstAt - t0} ms, before its 40 ms`);
  // Each waits its own full deadline, however late the machine ran the timers (no upper bound).
  assert.ok(secondAt - secondStart >= 39, `second aborted after ${secondAt - secondStart} ms`);
});

Deno.test("a finished attempt is never aborted; abortAll aborts the rest", async () => {
  const deadlines = new Deadlines();
  const done = deadlines.start(20);
  deadlines.finish(done);
  const open = deadlines.start(Infinity);
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.equal(done.controller.signal.aborted, false);
  assert.equal(open.controller.signal.aborted, false, "Infinity means no timeout");
  deadlines.abortAll();
  assert.equal(open.controller.signal.aborted, true);
  assert.equal(open.timedOut, false, "an abort by close() is not a timeout");
});

Deno.test("where timers are request-scoped, each attempt has its own timer, cleared when done", async () => {
  const deadlines = new Deadlines({ perAttempt: true });
  const first = deadlines.start(30);
  const second = deadlines.start(60);
  const done = deadlines.start(30);
  assert.ok(
    first.timer !== undefined && second.timer !== undefined && first.timer !== second.timer,
  );
  deadlines.finish(done);
  assert.equal(done.timer, undefined, "a finished attempt's timer is cleared");
  // The first attempt's timer fires alone: the second keeps its own, as it must where the
  // runtime cancels a timer once the request that set it is done.
  await aborted(first.controller.signal);
  assert.equal(first.timedOut, true);
  assert.equal(second.controller.signal.aborted, false);
  await aborted(second.controller.signal);
  assert.equal(second.timedOut, true);
  assert.equal(done.controller.signal.aborted, false);
  const open = deadlines.start(1_000);
  deadlines.abortAll();
  assert.equal(open.controller.signal.aborted, true);
  assert.equal(open.timedOut, false);
});

Deno.test("a client with a long timeout lets the process exit right after its last call", async () => {
  const script = `
    import { CirtusAIClient } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
    const client = new CirtusAIClient("http://api.test", {
      timeout: 120_000,
      fetch: () => Promise.resolve(Response.json([])),
    });
    console.log(JSON.stringify(await client.agents.listAgents()));
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", script],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A timer still holding the process would keep it for two minutes; give it far less.
  const guard = setTimeout(() => child.kill(), 20_000);
  const { code, stdout } = await child.output();
  clearTimeout(guard);
  assert.equal(code, 0, "the process had to be killed: a timer held it open");
  assert.equal(new TextDecoder().decode(stdout).trim(), "[]");
});
