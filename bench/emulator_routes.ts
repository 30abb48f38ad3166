// What declaring the emulator's routes costs (issue #26: measured before and after the routes were
// declared with their schemas). Prints tables, asserts nothing; run it under the timing lock:
//
//   flock /tmp/cirtusai-timing.lock deno run -A bench/emulator_routes.ts
//
// 1. Start-up, in fresh processes (median of 15): importing the emulator's module, then
//    createEmulator() to its first answer (a refused refresh: validation, the error path), and the
//    first GET /openapi.json.
// 2. Per request, in process through the app's fetch (median of 5 000 after 500 warm-up calls):
//    a read, a validated body (200 and 422), a credential verified, and a wrong method.
// No static import of the emulator: the child process times its import.
import type { Emulator } from "../src/emulator/mod.ts";

const BASE = "http://emulator.bench";

if (Deno.args[0] === "--child") {
  const t0 = performance.now();
  const mod = await import("../src/emulator/mod.ts");
  const t1 = performance.now();
  const emulator = mod.createEmulator({ pbkdf2Iterations: 1 });
  const first = await emulator.fetch(`${BASE}/auth/refresh`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refresh_token: "x" }),
  });
  await first.text();
  const t2 = performance.now();
  await (await emulator.fetch(`${BASE}/openapi.json`)).text();
  const t3 = performance.now();
  console.log(JSON.stringify({ import: t1 - t0, first: t2 - t1, openapi: t3 - t2 }));
  Deno.exit(0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function startup(): Promise<void> {
  const runs: { import: number; first: number; openapi: number }[] = [];
  // One run first so that Deno's module cache is warm for every counted one.
  for (let i = 0; i < 16; i++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, "--child"],
      stdout: "piped",
    }).output();
    if (i > 0) runs.push(JSON.parse(new TextDecoder().decode(out.stdout)));
  }
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log("\nStart-up, fresh processes, median of 15\n");
  console.log("| import the module | createEmulator → first answer | first /openapi.json |");
  console.log("|---|---|---|");
  console.log(
    `| ${ms(median(runs.map((r) => r.import)))} | ${ms(median(runs.map((r) => r.first)))} | ${
      ms(median(runs.map((r) => r.openapi)))
    } |`,
  );
}

/** A request in process: JSON when `json` is given, a form when `form` is. */
function call(
  emulator: Emulator,
  method: string,
  path: string,
  init: { token?: string; json?: unknown; form?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers(init.token ? { authorization: `Bearer ${init.token}` } : {});
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const body = init.form
    ? new URLSearchParams(init.form)
    : init.json === undefined
    ? undefined
    : JSON.stringify(init.json);
  return emulator.fetch(`${BASE}${path}`, { method, headers, body });
}

async function perRequest(): Promise<void> {
  const { createEmulator } = await import("../src/emulator/mod.ts");
  const { Totp } = await import("../src/sdk/totp.ts");
  const emulator = createEmulator({ pbkdf2Iterations: 1 });
  const setup = await (await call(emulator, "POST", "/auth/register", {
    json: { username: "bench", email: "bench@example.com", password: "pw" },
  })).json();
  const totp = await Totp.fromSecret(setup.secret);
  const login = await (await call(emulator, "POST", "/auth/login", {
    form: { username: "bench", password: "pw" },
  })).json();
  const { access_token: token } = await (await call(emulator, "POST", "/auth/verify-2fa", {
    json: {
      temporary_token: login.temporary_token,
      totp_code: await totp.generate(emulator.clock.now()),
    },
  })).json();
  const [master] = await (await call(emulator, "GET", "/agents", { token })).json();
  const child = await (await call(emulator, "POST", "/agents/children", {
    token,
    json: { parent_id: master.id, name: "bench child" },
  })).json();
  const { credential } = await (await call(emulator, "POST", "/identity/credentials/issue", {
    token,
    json: { subject_id: child.id, type: ["BenchCredential"], claim: { n: 1 } },
  })).json();

  const cases: [string, () => Promise<Response>][] = [
    ["GET /agents", () => call(emulator, "GET", "/agents", { token })],
    [
      "PUT permissions (200)",
      () =>
        call(emulator, "PUT", `/agents/children/${child.id}/permissions`, {
          token,
          json: { permissions: { pay: true, limit: 10 } },
        }),
    ],
    [
      "POST /agents/children, bad body (422)",
      () => call(emulator, "POST", "/agents/children", { token, json: { parent_id: 5 } }),
    ],
    [
      "POST /identity/credentials/verify",
      () => call(emulator, "POST", "/identity/credentials/verify", { token, json: { credential } }),
    ],
    ["GET /auth/register (wrong method)", () => call(emulator, "GET", "/auth/register")],
  ];
  console.log("\nPer request, in process, median of 5 000\n");
  console.log("| request | status | latency |");
  console.log("|---|---|---|");
  for (const [name, fn] of cases) {
    let status = 0;
    for (let i = 0; i < 500; i++) await (await fn()).text();
    const times: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const t = performance.now();
      const res = await fn();
      await res.text();
      times.push(performance.now() - t);
      status = res.status;
    }
    console.log(`| ${name} | ${status} | ${(median(times) * 1000).toFixed(0)} µs |`);
  }
}

await startup();
await perRequest();
