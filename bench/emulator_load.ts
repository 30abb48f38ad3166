// The emulator's costs as history grows (run by `deno task bench`; prints tables, asserts
// nothing). In process, through the app's fetch, so that only the emulator's own work is timed.
//
// 1. A one-agent user's GET /agents: at first, after 20 000 logins and 10 000 refreshes by other
//    users, and after another user gets 10 000 children (goal: at most 1.2x the first figure).
// 2. The heap after a forced GC, before and after 50 000 unverified logins once their temporary
//    tokens expired (goal: flat, within 5 %). Needs --v8-flags=--expose-gc.
// 3. Requests per second of GET /agents, login (1 000 PBKDF2 iterations) and register, on the
//    memory store and on Deno KV, and GET /agents for a user with 10 000 children.
import { createEmulator, type Emulator, KvStore } from "../src/emulator/mod.ts";
import { Totp } from "../src/sdk/totp.ts";

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
  await call(emulator, "GET", "/agents", { token: (await account(emulator)).token });
  const before = heap();
  for (let i = 0; i < 50_000; i++) {
    await call(emulator, "POST", "/auth/login", { form: { username: me.username, password: "pw" } })
      .then((r) => r.body?.cancel());
  }
  const during = heap();
  emulator.clock.advance(6 * 60_000); // the temporary tokens expire...
  await call(emulator, "GET", "/agents", { token: (await account(emulator)).token }); // ...and go
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
  console.log("\nRequests per second, in process, 8 concurrent callers, 1.5 s each\n");
  console.log(
    "| store | GET /agents | login (1 000 iterations) | register | GET /agents, 10 000 children |",
  );
  console.log("|---|---|---|---|---|");
  for (
    const [name, store] of [["memory", undefined], [
      "Deno KV",
      await KvStore.open(":memory:"),
    ]] as const
  ) {
    const emulator = createEmulator({ pbkdf2Iterations: 1000, store });
    const me = await account(emulator);
    const agents = await rps(() =>
      call(emulator, "GET", "/agents", { token: me.token }).then((r) => r.text())
    );
    const login = await rps(() =>
      call(emulator, "POST", "/auth/login", { form: { username: me.username, password: "pw" } })
        .then(
          (r) => r.text(),
        )
    );
    let n = 0;
    const register = await rps(() =>
      call(emulator, "POST", "/auth/register", {
        json: {
          username: `r${name.length}_${++n}`,
          email: `r${name.length}_${n}@example.com`,
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
    console.log(`| ${name} | ${f(agents)} | ${f(login)} | ${f(register)} | ${f(bigAgents)} |`);
    store?.close();
  }
}

await history();
await heapFlat();
await throughput();
