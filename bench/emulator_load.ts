// The emulator's costs as history grows, served and in process (run by `deno task bench`, which
// runs it with --v8-flags=--expose-gc; prints tables, asserts nothing). Time it alone:
// `flock /tmp/cirtusai-timing.lock deno run -A --v8-flags=--expose-gc bench/emulator_load.ts`.
//
// 1. A one-agent user's GET /agents: at first, after 20 000 logins and 10 000 refreshes by other
//    users, and after another user gets 10 000 children (goal: at most 1.2x the first figure).
// 2. The heap after a forced GC, before and after 50 000 unverified logins once their temporary
//    tokens expired and 1 000 requests swept them (goal: flat, within 5 %).
// 3. Requests per second of GET /agents, login (1 000 PBKDF2 iterations) and register, on the
//    memory store and on Deno KV, in process (goal: KV at 0.5x memory for GET /agents), and
//    GET /agents for a user with 10 000 children.
// 4. Served over HTTP, GET /agents under load, rounds taking turns, each a ratio to its floor:
//    `deno task emulator --quiet` and `--log` (to a file) against the bare app (its fetch under a
//    plain Deno.serve, no relay, no log; goal 0.8x), and `--db` (Deno KV) against memory.
// 5. The tail: p99 of GET /agents served, fresh and after 50 000 users who each logged in (a
//    30-day refresh token each; goal at most 1.5x fresh), two processes in rounds that take turns,
//    and the RSS and heap they take, per 10 000 users, against the floor of the bytes their
//    records hold.
//
// 6. What each request costs on Deno KV: reads (a get, a getMany or a list, each one round trip)
//    and commits (one atomic commit each), counted, not timed.
//
//   deno run -A --v8-flags=--expose-gc bench/emulator_load.ts [--only 1,2,3,4,5,6] [--users 50000]
import { parseArgs } from "node:util";
import { serialize } from "node:v8";
import { createEmulator, type Emulator, KvStore, serveEmulator } from "../src/emulator/mod.ts";
import { Backend } from "../src/emulator/backend.ts";
import { LoginThrottle } from "../src/emulator/throttle.ts";
import { Totp } from "../src/sdk/totp.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    only: { type: "string", default: "1,2,3,4,5,6" },
    users: { type: "string", default: "50000" },
    rounds: { type: "string", default: "9" },
    "serve-bare": { type: "boolean", default: false },
    "serve-seeded": { type: "string" },
    port: { type: "string", default: "0" },
  },
});
const ROOT = new URL("..", import.meta.url).pathname;

const gc = (globalThis as { gc?: () => void }).gc;
const BASE = "http://emulator.bench";

async function call(
  emulator: Emulator,
  method: string,
  path: string,
  init: { token?: string; json?: unknown; form?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(init.json);
  } else if (init.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(init.form).toString();
  }
  return await emulator.fetch(`${BASE}${path}`, { method, headers, body });
}

let users = 0;
async function account(emulator: Emulator) {
  const username = `bench${++users}`;
  const res = await call(emulator, "POST", "/auth/register", {
    json: { username, email: `${username}@example.com`, password: "pw" },
  });
  const setup = await res.json();
  const totp = await Totp.fromSecret(setup.secret);
  const login = await (await call(emulator, "POST", "/auth/login", {
    form: { username, password: "pw" },
  })).json();
  const token = await (await call(emulator, "POST", "/auth/verify-2fa", {
    json: {
      temporary_token: login.temporary_token,
      totp_code: await totp.generate(emulator.clock.now()),
    },
  })).json();
  return {
    username,
    totp,
    token: token.access_token as string,
    refresh: token.refresh_token as string,
  };
}

/** Median latency of `n` sequential calls, in µs. */
async function median(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)] * 1000;
}

/** Requests per second of `fn` with `concurrency` loops for `ms`. */
async function rps(fn: () => Promise<unknown>, ms = 1500, concurrency = 8): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      await fn();
      done++;
    }
  }));
  return done / (ms / 1000);
}

const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`);

async function childrenFor(emulator: Emulator, token: string, n: number): Promise<void> {
  const [master] = await (await call(emulator, "GET", "/agents", { token })).json();
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from(
        { length: Math.min(50, n - i) },
        (_, j) =>
          call(emulator, "POST", "/agents/children", {
            token,
            json: { parent_id: master.id, name: `child ${i + j}` },
          }).then((r) => r.body?.cancel()),
      ),
    );
  }
}

// ---- 1. GET /agents as history grows ------------------------------------------------------
// (Each part is a function, so that nothing of it is kept alive once it is done.)
async function history(): Promise<void> {
  const emulator = createEmulator({ pbkdf2Iterations: 1 });
  const me = await account(emulator);
  const agents = () => call(emulator, "GET", "/agents", { token: me.token }).then((r) => r.text());
  for (let i = 0; i < 20_000; i++) await agents(); // compiled and warm before the first figure
  const first = await median(3000, agents);
  const other = await account(emulator);
  for (let i = 0; i < 20_000; i++) {
    await call(emulator, "POST", "/auth/login", {
      form: { username: other.username, password: "pw" },
    })
      .then((r) => r.body?.cancel());
  }
  let refresh = other.refresh;
  for (let i = 0; i < 10_000; i++) {
    const t =
      await (await call(emulator, "POST", "/auth/refresh", { json: { refresh_token: refresh } }))
        .json();
    refresh = t.refresh_token;
  }
  const afterLogins = await median(3000, agents);
  const big = await account(emulator);
  await childrenFor(emulator, big.token, 10_000);
  const afterChildren = await median(3000, agents);
  console.log(
    "\nGET /agents of a one-agent user, memory store, median of 3000 (goal: at most 1.2x)\n",
  );
  console.log("| state | latency | ratio |");
  console.log("|---|---|---|");
  console.log(`| fresh | ${fmt(first)} | 1.00x |`);
  console.log(
    `| after 20 000 logins and 10 000 refreshes | ${fmt(afterLogins)} | ${
      (afterLogins / first).toFixed(2)
    }x |`,
  );
  console.log(
    `| after another user's 10 000 children | ${fmt(afterChildren)} | ${
      (afterChildren / first).toFixed(2)
    }x |`,
  );
}

// ---- 2. The heap and unverified logins ----------------------------------------------------
async function heapFlat(): Promise<void> {
  if (!gc) return console.log("\n(heap: run with --v8-flags=--expose-gc to measure it)");
  const emulator = createEmulator({ pbkdf2Iterations: 1 });
  const me = await account(emulator);
  const heap = () => {
    gc();
    gc();
    return Deno.memoryUsage().heapUsed;
  };
  for (let i = 0; i < 2000; i++) {
    await call(emulator, "POST", "/auth/login", { form: { username: me.username, password: "pw" } })
      .then((r) => r.body?.cancel());
  }
  emulator.clock.advance(6 * 60_000);
  const { token } = await account(emulator);
  const requests = async () => {
    for (let i = 0; i < 1000; i++) {
      await call(emulator, "GET", "/agents", { token }).then((r) => r.body?.cancel());
    }
  };
  await requests(); // the same requests as after, so that the same code is compiled
  const before = heap();
  for (let i = 0; i < 50_000; i++) {
    await call(emulator, "POST", "/auth/login", { form: { username: me.username, password: "pw" } })
      .then((r) => r.body?.cancel());
  }
  const during = heap();
  emulator.clock.advance(6 * 60_000); // the temporary tokens expire...
  await requests(); // ...and go, a slice at a time, with the reads of the requests that follow
  const after = heap();
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  console.log("\nHeap after a forced GC, 50 000 unverified logins (goal: flat within 5 %)\n");
  console.log("| before | with their tokens live | once they expired | change |");
  console.log("|---|---|---|---|");
  console.log(
    `| ${mb(before)} | ${mb(during)} | ${mb(after)} | ${
      ((after / before - 1) * 100).toFixed(1)
    } % |`,
  );
}

// ---- 3. Requests per second ---------------------------------------------------------------
async function throughput(): Promise<void> {
  const stores = [
    { name: "memory", store: undefined as KvStore | undefined },
    { name: "Deno KV", store: await KvStore.open(":memory:") },
  ].map((s) => ({ ...s, emulator: createEmulator({ pbkdf2Iterations: 1000, store: s.store }) }));
  const accounts = await Promise.all(stores.map((s) => account(s.emulator)));
  const agents = stores.map((s, i) => () =>
    call(s.emulator, "GET", "/agents", { token: accounts[i].token }).then((r) => r.text())
  );
  // GET /agents on both stores in rounds that take turns, so that a slow spell slows both.
  const n = Number(args.rounds);
  const rates: number[][] = [[], []];
  for (const fn of agents) await rps(fn, 500);
  for (let round = 0; round < n; round++) {
    for (let k = 0; k < 2; k++) {
      const i = (round + k) % 2;
      rates[i].push(await rps(agents[i], 500));
    }
  }
  const ratios = rates[1].map((r, i) => r / rates[0][i]);
  console.log(
    `\nRequests per second, in process, 8 concurrent callers; GET /agents: ${n} rounds of 0.5 s ` +
      "taking turns (median), the rest 1.5 s each\n",
  );
  console.log(
    "| store | GET /agents | login (1 000 iterations) | register | GET /agents, 10 000 children |",
  );
  console.log("|---|---|---|---|---|");
  for (const [i, { name, emulator, store }] of stores.entries()) {
    const me = accounts[i];
    const login = await rps(() =>
      call(emulator, "POST", "/auth/login", { form: { username: me.username, password: "pw" } })
        .then((r) => r.text())
    );
    let k = 0;
    const register = await rps(() =>
      call(emulator, "POST", "/auth/register", {
        json: {
          username: `r${name.length}_${++k}`,
          email: `r${name.length}_${k}@example.com`,
          password: "pw",
        },
      }).then((r) => r.text())
    );
    const big = await account(emulator);
    await childrenFor(emulator, big.token, 10_000);
    const bigAgents = await rps(() =>
      call(emulator, "GET", "/agents", { token: big.token }).then((r) => r.text())
    );
    const f = (x: number) => Math.round(x).toLocaleString("en-US");
    const ratio = store
      ? ` (${mid(ratios).toFixed(2)}x memory, rounds ${Math.min(...ratios).toFixed(2)}–${
        Math.max(...ratios).toFixed(2)
      }; goal 0.5x)`
      : "";
    console.log(
      `| ${name} | ${f(mid(rates[i]))}${ratio} | ${f(login)} | ${f(register)} | ${f(bigAgents)} |`,
    );
    store?.close();
  }
}

// ---- 4. Served: the log, the relay, Deno KV ----------------------------------------------

/** A free port on loopback (closed again at once). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

interface Served {
  name: string;
  url: string;
  token: string;
  stop: () => Promise<void>;
  rates: number[];
  p99s: number[];
}

/** Starts `args` as a child process listening on a free port; ready once `GET /` answers. */
async function spawnServer(name: string, cmd: string[]): Promise<Served> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [...cmd, "--port", String(port)],
    cwd: ROOT,
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0;; i++) {
    const ok = await fetch(`${url}/`).then((r) => r.body?.cancel().then(() => true), () => false);
    if (ok) break;
    if (i > 200) throw new Error(`${name} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return await servedBy(name, url, child);
}

/** A target served by `child` at `url`, with a user logged in there. */
async function servedBy(name: string, url: string, child: Deno.ChildProcess): Promise<Served> {
  return {
    name,
    url,
    token: await tokenOver(url),
    stop: async () => {
      child.kill();
      await child.status;
    },
    rates: [],
    p99s: [],
  };
}

/** Registers a user over HTTP and logs in with 2FA; its access token. */
async function tokenOver(url: string): Promise<string> {
  const username = `bench${crypto.randomUUID().slice(0, 8)}`;
  const post = (path: string, body: BodyInit, type: string) =>
    fetch(`${url}${path}`, { method: "POST", headers: { "content-type": type }, body }).then((r) =>
      r.json()
    );
  const setup = await post(
    "/auth/register",
    JSON.stringify({ username, email: `${username}@example.com`, password: "pw" }),
    "application/json",
  );
  const login = await post(
    "/auth/login",
    new URLSearchParams({ username, password: "pw" }).toString(),
    "application/x-www-form-urlencoded",
  );
  const totp = await Totp.fromSecret(setup.secret);
  const token = await post(
    "/auth/verify-2fa",
    JSON.stringify({ temporary_token: login.temporary_token, totp_code: await totp.generate() }),
    "application/json",
  );
  return token.access_token;
}

const hasWrk = await new Deno.Command("wrk", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then(() => true, () => false);

/** Requests per second and p99 (ms) of GET /agents on `s` for `ms`, with `connections`. */
async function loadOnce(s: Served, ms: number, connections: number): Promise<[number, number]> {
  if (hasWrk) {
    const out = await new Deno.Command("wrk", {
      args: [
        "-t1",
        `-c${connections}`,
        `-d${ms / 1000}s`,
        "--latency",
        "-H",
        `Authorization: Bearer ${s.token}`,
        `${s.url}/agents`,
      ],
      stdout: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
    const [, value, unit] = /99%\s+([\d.]+)(us|ms|s)/.exec(text) ?? [];
    const p99 = Number(value) * (unit === "us" ? 1e-3 : unit === "s" ? 1e3 : 1);
    if (/Non-2xx/.test(text) || !rate) throw new Error(`${s.name}: ${text}`);
    return [rate, p99];
  }
  // Without wrk: fetch from this process (costs this process's CPU alike for every target).
  const times: number[] = [];
  const end = performance.now() + ms;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const res = await fetch(`${s.url}/agents`, {
        headers: { authorization: `Bearer ${s.token}` },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${s.name}: ${res.status}`);
      times.push(performance.now() - t);
    }
  }));
  times.sort((a, b) => a - b);
  return [times.length / (ms / 1000), times[Math.floor(times.length * 0.99)]];
}

/** Rounds of `ms` on each target in turn (a different one first each round). */
async function rounds(targets: Served[], n: number, ms: number, connections: number) {
  for (const t of targets) await loadOnce(t, 1000, connections); // warm
  for (let round = 0; round < n; round++) {
    for (let k = 0; k < targets.length; k++) {
      const t = targets[(round + k) % targets.length];
      const [rate, p99] = await loadOnce(t, ms, connections);
      t.rates.push(rate);
      t.p99s.push(p99);
    }
  }
}

function ratioText(t: Served, floor: Served): string {
  const ratios = t.rates.map((rate, i) => rate / floor.rates[i]);
  return `${mid(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}–${
    Math.max(...ratios).toFixed(2)
  })`;
}

async function served(): Promise<void> {
  const dir = await Deno.makeTempDir();
  const cli = ["run", "-A", `${ROOT}cli.ts`, "emulator", "--pbkdf2-iterations", "1000"];
  const bare = await spawnServer("bare app (Deno.serve, no relay, no log)", [
    "run",
    "-A",
    new URL(import.meta.url).pathname,
    "--serve-bare",
  ]);
  const quiet = await spawnServer("deno task emulator --quiet", [...cli, "--quiet"]);
  const logged = await spawnServer("deno task emulator --log (to a file)", [...cli, "--log"]);
  const kv = await spawnServer("deno task emulator --quiet --db", [
    ...cli,
    "--quiet",
    "--db",
    `${dir}/bench.kv`,
  ]);
  const targets = [bare, quiet, logged, kv];
  const n = Number(args.rounds);
  try {
    await rounds(targets, n, 1000, 32);
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
    await Deno.remove(dir, { recursive: true });
  }
  console.log(
    `\nServed: GET /agents, ${n} rounds of 1 s each, 32 connections (${
      hasWrk ? "wrk" : "fetch from this process"
    }), medians and the range of each round's ratio\n`,
  );
  console.log("| target | req/s | p99 | ratio | to |");
  console.log("|---|---|---|---|---|");
  const row = (t: Served, floor: Served | null, to: string) =>
    console.log(
      `| ${t.name} | ${Math.round(mid(t.rates))} | ${mid(t.p99s).toFixed(2)} ms | ${
        floor ? ratioText(t, floor) : "1.00x"
      } | ${to} |`,
    );
  row(bare, null, "");
  row(quiet, bare, "bare app (goal 0.8x)");
  row(logged, bare, "bare app");
  row(logged, quiet, "--quiet");
  row(kv, quiet, "memory, --quiet (goal 0.5x)");
}

// ---- 5. The tail and the memory of 50 000 users -------------------------------------------

/** Serves an emulator with `users` seeded users (the child process of section 5). */
async function serveSeeded(users: number, port: number): Promise<void> {
  const s = await serveEmulator({
    port,
    hostname: "127.0.0.1",
    pbkdf2Iterations: 1000,
    quiet: true,
  });
  const { store, clock, outbox } = s.emulator;
  // Users made as registration makes them, and logged in once (a 30-day refresh token each),
  // straight through the backend: over HTTP, 50 000 registrations take minutes.
  const backend = new Backend({
    store,
    clock,
    sms: outbox,
    throttle: new LoginThrottle(),
    pbkdf2Iterations: 1000,
  });
  const memory = () => {
    gc?.();
    gc?.();
    const m = Deno.memoryUsage();
    return { rss: m.rss, heap: m.heapUsed };
  };
  const marks = [{ users: 0, ...memory() }];
  for (let i = 1; i <= users; i++) {
    const { user } = await backend.createUser({
      username: `seed${i}`,
      email: `seed${i}@example.com`,
      password: "pw",
      method: "totp",
      twoFactor: true,
    });
    await backend.issueTokens(user);
    if (i % 10_000 === 0) marks.push({ users: i, ...memory() });
  }
  // The floor: the bytes the records themselves take (V8's serialization, as Deno KV keeps them,
  // keys included), per user.
  let bytes = 0;
  for (const e of await store.scan([])) {
    bytes += serialize(e.value).length + JSON.stringify(e.key).length;
  }
  console.log(JSON.stringify({ marks, perUser: users ? bytes / users : 0 }));
}

/** Starts a seeded emulator (this file, `--serve-seeded N`); its report once it is ready. */
async function spawnSeeded(name: string, users: number) {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      "--serve-seeded",
      String(users),
      "--port",
      String(port),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`${name} did not start`);
    text += value;
  }
  (async () => {
    while (!(await lines.read()).done);
  })();
  const report = JSON.parse(text.split("\n")[0]) as {
    marks: { users: number; rss: number; heap: number }[];
    perUser: number;
  };
  return { served: await servedBy(name, `http://127.0.0.1:${port}`, child), report };
}

async function tail(): Promise<void> {
  const users = Number(args.users);
  // Two processes, each with its own heap, measured in rounds that take turns.
  const [fresh, seeded] = await Promise.all([
    spawnSeeded("fresh", 0),
    spawnSeeded(`after ${users} users`, users),
  ]);
  try {
    await rounds([fresh.served, seeded.served], 7, 2000, 64);
  } finally {
    await Promise.all([fresh.served.stop(), seeded.served.stop()]);
  }
  const ratios = seeded.served.p99s.map((p, i) => p / fresh.served.p99s[i]);
  console.log(
    `\nThe tail: GET /agents, serveEmulator (quiet) in two processes, 7 rounds of 2 s taking turns, ` +
      `64 connections (${hasWrk ? "wrk" : "fetch"})\n`,
  );
  console.log("| state | req/s | p99 | p99 ratio (goal ≤ 1.5x) |");
  console.log("|---|---|---|---|");
  for (const t of [fresh.served, seeded.served]) {
    console.log(
      `| ${t.name} | ${Math.round(mid(t.rates))} | ${mid(t.p99s).toFixed(2)} ms | ${
        t === fresh.served
          ? "1.00x"
          : `${mid(ratios).toFixed(2)}x (rounds ${Math.min(...ratios).toFixed(2)}–${
            Math.max(...ratios).toFixed(2)
          })`
      } |`,
    );
  }
  const { marks, perUser } = seeded.report;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  console.log(
    "\nMemory per 10 000 users (each registered and logged in once; heap after a forced GC)\n",
  );
  console.log("| users | RSS | heap | RSS since the last | heap since the last |");
  console.log("|---|---|---|---|---|");
  for (const [i, m] of marks.entries()) {
    const prev = marks[i - 1];
    console.log(
      `| ${m.users} | ${mb(m.rss)} | ${mb(m.heap)} | ${prev ? mb(m.rss - prev.rss) : ""} | ${
        prev ? mb(m.heap - prev.heap) : ""
      } |`,
    );
  }
  const last = marks.at(-1)!, first = marks[1] ?? marks[0];
  const span = (last.users - first.users) / 10_000 || 1;
  const rssPer = (last.rss - first.rss) / span, heapPer = (last.heap - first.heap) / span;
  const floor = perUser * 10_000;
  console.log(
    `\nPer 10 000 users (from ${first.users} to ${last.users}): RSS ${mb(rssPer)}, heap ${
      mb(heapPer)
    }; their records hold ${mb(floor)} (the floor): RSS ${(rssPer / floor).toFixed(2)}x, heap ${
      (heapPer / floor).toFixed(2)
    }x the floor`,
  );
}

// ---- 6. Deno KV round trips per request ---------------------------------------------------

async function kvCosts(): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  const counts = { reads: 0, commits: 0 };
  const counting = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      if (prop === "get" || prop === "getMany" || prop === "list") {
        return (...a: unknown[]) => (counts.reads++, value.apply(target, a));
      }
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          const commit = op.commit.bind(op);
          op.commit = () => (counts.commits++, commit());
          return op;
        };
      }
      return value.bind(target);
    },
  });
  const emulator = createEmulator({ pbkdf2Iterations: 1, store: new KvStore(counting) });
  const rows: [string, number, number][] = [];
  const count = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    counts.reads = counts.commits = 0;
    const out = await fn();
    rows.push([name, counts.reads, counts.commits]);
    return out;
  };
  const json = async (res: Response) => {
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    return res.status === 204 ? null : await res.json();
  };
  const form = (body: Record<string, string>) =>
    call(emulator, "POST", "/auth/login", { form: body }).then(json);
  await account(emulator); // the signing key is read once, here
  const name = "kvcost";
  const setup = await count(
    "POST /auth/register",
    () =>
      call(emulator, "POST", "/auth/register", {
        json: { username: name, email: `${name}@example.com`, password: "pw" },
      }).then(json),
  );
  const totp = await Totp.fromSecret(setup.secret);
  const login = await count(
    "POST /auth/login (the password)",
    () => form({ username: name, password: "pw" }),
  );
  const verify = (temporary: string, code: string) =>
    call(emulator, "POST", "/auth/verify-2fa", {
      json: { temporary_token: temporary, totp_code: code },
    });
  await count(
    "POST /auth/verify-2fa, a wrong code",
    () => verify(login.temporary_token, "000000").then((r) => r.body?.cancel()),
  );
  await count(
    "POST /auth/verify-2fa, the first login (enables 2FA)",
    async () =>
      json(await verify(login.temporary_token, await totp.generate(emulator.clock.now()))),
  );
  emulator.clock.advance(30_000);
  const again = await form({ username: name, password: "pw" });
  const code = await totp.generate(emulator.clock.now());
  const t = await count(
    "POST /auth/verify-2fa, a later login",
    async () => json(await verify(again.temporary_token, code)),
  );
  const auth = t.access_token as string;
  const get = (path: string) => call(emulator, "GET", path, { token: auth }).then(json);
  await count(
    "POST /auth/refresh",
    () =>
      call(emulator, "POST", "/auth/refresh", { json: { refresh_token: t.refresh_token } }).then(
        json,
      ),
  );
  await count("GET /auth/2fa/status", () => get("/auth/2fa/status"));
  const [master] = await count("GET /agents", () => get("/agents"));
  const child = await count(
    "POST /agents/children",
    () =>
      call(emulator, "POST", "/agents/children", {
        token: auth,
        json: { parent_id: master.id, name: "scout" },
      }).then(json),
  );
  await count("GET /agents/children", () => get("/agents/children"));
  await count("GET /agents/{id}", () => get(`/agents/${child.id}`));
  await count(
    "PUT /agents/children/{id}/permissions",
    () =>
      call(emulator, "PUT", `/agents/children/${child.id}/permissions`, {
        token: auth,
        json: { permissions: { send_email: true } },
      }).then(json),
  );
  await count(
    "POST …/provision/wallet",
    () =>
      call(emulator, "POST", `/agents/children/${child.id}/assets/provision/wallet?chain=base`, {
        token: auth,
      }).then(json),
  );
  await count("GET /wallets", () => get("/wallets"));
  await count(
    "POST /wallets/email_accounts",
    () =>
      call(emulator, "POST", "/wallets/email_accounts", {
        token: auth,
        json: { provider: "imap", email_address: "a@example.com", config: {} },
      }).then(json),
  );
  await count("GET /wallets/email_accounts", () => get("/wallets/email_accounts"));
  const issued = await count(
    "POST /identity/credentials/issue",
    () =>
      call(emulator, "POST", "/identity/credentials/issue", {
        token: auth,
        json: { subject_id: child.id, type: ["AgentCapability"], claim: {} },
      }).then(json),
  );
  await count(
    "POST /identity/credentials/verify",
    () =>
      call(emulator, "POST", "/identity/credentials/verify", {
        token: auth,
        json: { credential: issued.credential },
      }).then(json),
  );
  await count(
    "DELETE /agents/{id} (a child with a wallet)",
    () => call(emulator, "DELETE", `/agents/${child.id}`, { token: auth }).then(json),
  );
  console.log("\nDeno KV round trips per request (a read: a get, a getMany or a list)\n");
  console.log("| request | reads | commits |");
  console.log("|---|---|---|");
  for (const [request, reads, commits] of rows) {
    console.log(`| ${request} | ${reads} | ${commits} |`);
  }
  kv.close();
}

if (args["serve-seeded"] !== undefined) {
  await serveSeeded(Number(args["serve-seeded"]), Number(args.port));
} else if (args["serve-bare"]) {
  // The floor of section 4: the app's own fetch under a plain Deno.serve.
  const port = Number(args.port);
  const emulator = createEmulator({ pbkdf2Iterations: 1000 });
  Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, emulator.app.fetch);
} else {
  const only = new Set(args.only.split(",").map((x) => x.trim()));
  if (only.has("1")) await history();
  if (only.has("2")) await heapFlat();
  if (only.has("3")) await throughput();
  if (only.has("4")) await served();
  if (only.has("5")) await tail();
  if (only.has("6")) await kvCosts();
}
