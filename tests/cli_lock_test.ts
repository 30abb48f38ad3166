// The credentials file's lock between processes: commands at once with a stale lock file left
// behind, a holder killed with kill -9 in the middle of a refresh, a holder that takes long, and
// mutual exclusion itself.
import assert from "node:assert/strict";
import { createEmulator } from "../src/emulator/mod.ts";
import { cliCommand, cliEnv, runPiped } from "./cli_process.ts";

const PASSWORD = "correct horse battery";

function cli(args: string[], env: Record<string, string>, stdin = "") {
  return runPiped(cliCommand(args), { env, stdin });
}

/** The emulator behind a server that counts refreshes and can hold them unanswered. */
function countingServer() {
  const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  const state = {
    refreshes: 0,
    /** When set, a refresh waits for this before it reaches the emulator. */
    hold: null as Promise<void> | null,
    arrived: Promise.withResolvers<void>(),
    /** When set, this many calls of GET /agents are answered together, once all have come. */
    barrier: null as { size: number; waiting: (() => void)[] } | null,
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const { pathname } = new URL(req.url);
    const barrier = state.barrier;
    if (pathname === "/agents" && barrier) {
      const { promise, resolve } = Promise.withResolvers<void>();
      barrier.waiting.push(resolve);
      if (barrier.waiting.length === barrier.size) {
        state.barrier = null;
        for (const go of barrier.waiting) go();
      }
      await promise;
    }
    if (pathname === "/auth/refresh") {
      state.arrived.resolve();
      if (state.hold) {
        await state.hold;
        return new Response(null, { status: 503 }); // never reaches the emulator
      }
      state.refreshes++;
    }
    return emulator.app.fetch(req);
  });
  return { emulator, state, server, url: `http://127.0.0.1:${server.addr.port}` };
}

async function loggedIn(url: string) {
  const config = await Deno.makeTempDir();
  const env = cliEnv(config, url);
  const reg = await cli(
    ["auth", "register", "locker", "locker@example.com", "--password-stdin", "--json"],
    env,
    `${PASSWORD}\n`,
  );
  assert.equal(reg.code, 0, reg.stderr);
  const { secret } = JSON.parse(reg.stdout);
  const login = await cli(
    ["login", "locker", "--password-stdin"],
    { ...env, CIRTUSAI_TOTP_SECRET: secret },
    `${PASSWORD}\n`,
  );
  assert.equal(login.code, 0, login.stderr);
  return { config, env, lock: `${config}/cirtusai/credentials.json.lock` };
}

/** A lock file as an older CLI (or a crashed one) left it: empty, and a minute old. */
async function plantStaleLock(path: string, content = "") {
  await Deno.writeTextFile(path, content);
  const old = new Date(Date.now() - 60_000);
  await Deno.utime(path, old, old);
}

Deno.test("8 commands at once, with a stale lock file left behind: one refresh a round, the session lives", async () => {
  const { emulator, state, server, url } = countingServer();
  const { config, env, lock } = await loggedIn(url);
  try {
    for (let round = 1; round <= 5; round++) {
      await plantStaleLock(lock, round % 2 ? "" : JSON.stringify({ pid: 999_999_999 }));
      emulator.clock.advance(31 * 60_000); // every access token has expired on the server
      // All 8 get their 401 at once, so all 8 come for the lock at once.
      state.barrier = { size: 8, waiting: [] };
      const before = state.refreshes;
      const runs = await Promise.all(
        Array.from({ length: 8 }, () => cli(["agents", "list"], env)),
      );
      for (const run of runs) assert.equal(run.code, 0, `round ${round}: ${run.stderr}`);
      assert.equal(state.refreshes - before, 1, `round ${round}: one refresh upstream`);
      // A refresh token spent twice would have revoked the whole session.
      const after = await cli(["agents", "list"], env);
      assert.equal(after.code, 0, `round ${round}, the session lives: ${after.stderr}`);
    }
    await assert.rejects(Deno.stat(lock), Deno.errors.NotFound, "no lock is left behind");
  } finally {
    await server.shutdown();
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("a holder killed with kill -9 in the middle of a refresh: the next command takes over at once", async () => {
  const { emulator, state, server, url } = countingServer();
  const { config, env, lock } = await loggedIn(url);
  const release = Promise.withResolvers<void>();
  try {
    emulator.clock.advance(31 * 60_000);
    state.hold = release.promise;
    state.arrived = Promise.withResolvers<void>();
    const holder = new Deno.Command(cliCommand(["agents", "list"])[0], {
      args: cliCommand(["agents", "list"]).slice(1),
      env,
      clearEnv: true,
      stdout: "null",
      stderr: "null",
    }).spawn();
    await state.arrived.promise; // it holds the lock and waits for the refresh's answer
    assert.ok((await Deno.stat(lock)).isFile, "the holder has the lock");
    holder.kill("SIGKILL");
    await holder.status;
    state.hold = null;
    const started = performance.now();
    const next = await cli(["agents", "list"], env);
    const ms = performance.now() - started;
    assert.equal(next.code, 0, next.stderr);
    assert.equal(JSON.parse(next.stdout).length, 1);
    // The old lock waited 10 s for the dead holder, then failed; a cold `deno run` under
    // --parallel on a loaded machine takes seconds by itself, so the bound is what tells them apart.
    assert.ok(ms < 9_000, `took ${ms.toFixed(0)} ms (waiting for the dead holder takes 10 s)`);
  } finally {
    release.resolve();
    await server.shutdown();
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("a live holder slower than the staleness bound keeps its lock: the other command waits and adopts", async () => {
  const { emulator, state, server, url } = countingServer();
  const { config, env } = await loggedIn(url);
  const release = Promise.withResolvers<void>();
  try {
    emulator.clock.advance(31 * 60_000);
    // The first refresh is held for 7 s, longer than the 5 s staleness bound.
    state.hold = release.promise;
    state.arrived = Promise.withResolvers<void>();
    const slow = cli(["agents", "list"], env);
    await state.arrived.promise;
    state.hold = null;
    const other = cli(["agents", "list"], env);
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    release.resolve();
    const [first, second] = await Promise.all([slow, other]);
    // The held refresh got a 503 and was tried again, still under the lock. Had the other command
    // broken in meanwhile, both would have spent the refresh token: two refreshes, a revoked
    // session, a failure.
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(state.refreshes, 1, "one refresh reached the emulator");
  } finally {
    release.resolve();
    await server.shutdown();
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("the credentials lock excludes: 6 processes each add 1 to a counter 15 times, from a stale lock", async () => {
  const dir = await Deno.makeTempDir();
  const store = new URL("../src/cli/credentials.ts", import.meta.url).href;
  const worker = `${dir}/worker.ts`;
  // Read, wait, write: without mutual exclusion, increments are lost.
  await Deno.writeTextFile(
    worker,
    `import { CredentialsStore } from ${JSON.stringify(store)};
const s = new CredentialsStore({ profile: "p", apiUrl: "http://x", path: "${dir}/credentials.json" });
for (let i = 0; i < 15; i++) {
  await s.lock(async () => {
    const n = Number(await Deno.readTextFile("${dir}/counter"));
    await new Promise((r) => setTimeout(r, 2));
    await Deno.writeTextFile("${dir}/counter", String(n + 1));
  });
}
`,
  );
  try {
    await Deno.writeTextFile(`${dir}/counter`, "0");
    await plantStaleLock(`${dir}/credentials.json.lock`);
    const runs = await Promise.all(
      Array.from({ length: 6 }, () =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "--quiet", "-A", worker],
          stdout: "null",
          stderr: "piped",
        }).output()),
    );
    for (const run of runs) assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.equal(await Deno.readTextFile(`${dir}/counter`), "90");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
