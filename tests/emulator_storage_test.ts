// The emulator's storage: every operation is one atomic step (a kill -9 in the middle of a burst
// leaves whole accounts or none, and no child or asset of a missing agent), a deletion racing
// creations under it leaves no orphan on either store, and what expires is removed.
import assert from "node:assert/strict";
import { CirtusAIClient } from "../mod.ts";
import { KvStore, MemoryStore, type Store } from "../src/emulator/mod.ts";
import type { AgentRecord, AssetRecord, UserRecord } from "../src/emulator/records.ts";
import { LoginThrottle } from "../src/emulator/throttle.ts";
import { raw, signUp, testEmulator } from "./helpers.ts";

type Obj = Record<string, unknown>;
const ROOT = new URL("..", import.meta.url).pathname;

/** No child whose parent is missing, no asset whose agent is missing, for one account. */
async function assertNoOrphans(client: CirtusAIClient, label: string): Promise<void> {
  const masters = await client.agents.listAgents();
  const children = await client.agents.getChildren();
  const ids = new Set([...masters, ...children].map((a) => a.id));
  for (const child of children) {
    assert.ok(ids.has(String(child.parent_id)), `${label}: child ${child.id} has no parent`);
  }
  for (const asset of (await client.wallets.listAssets()).assets ?? []) {
    if (typeof asset === "string") continue;
    assert.ok(ids.has(String(asset.agent_id)), `${label}: asset ${asset.id} has no agent`);
  }
}

for (
  const [name, open] of [
    ["memory", () => Promise.resolve(undefined)],
    ["kv", () => KvStore.open(":memory:")],
  ] as [string, () => Promise<Store | undefined>][]
) {
  Deno.test(`[${name}] deleting an agent while children and assets are added under it leaves no orphan`, async () => {
    const emulator = testEmulator({ store: await open() });
    const { client } = await signUp(emulator);
    const [master] = await client.agents.listAgents();
    for (let round = 0; round < 8; round++) {
      const parent = await client.agents.createChildAgent(master.id, `parent ${round}`);
      const grandchild = await client.agents.createChildAgent(parent.id, "grandchild");
      const outcomes = await Promise.allSettled([
        client.agents.deleteAgent(parent.id),
        ...Array.from({ length: 4 }, (_, i) => client.agents.createChildAgent(parent.id, `c${i}`)),
        ...Array.from({ length: 3 }, () => client.agents.provisionWallet(parent.id)),
        client.agents.provisionEmail(grandchild.id),
        client.agents.createChildAgent(grandchild.id, "great-grandchild"),
      ]);
      assert.equal(outcomes[0].status, "fulfilled", "the deletion itself succeeds");
      for (const o of outcomes) {
        if (o.status === "rejected") assert.match(String(o.reason), /404/, String(o.reason));
      }
      await assertNoOrphans(client, `round ${round}`);
      // Whatever won a race with the deletion was deleted with it, or never made.
      assert.ok(!(await client.agents.getChildren()).some((c) => c.parent_id === parent.id));
    }
  });

  Deno.test(`[${name}] registering one name twice at once makes one account`, async () => {
    const emulator = testEmulator({ store: await open() });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        raw(emulator, "POST", "/auth/register", {
          json: { username: "twin", email: `twin${i}@example.com`, password: "pw" },
        })),
    );
    assert.equal(results.filter((r) => r.status === 201).length, 1);
    assert.equal(results.filter((r) => r.status === 400).length, 9);
  });
}

Deno.test("what expires is removed from the memory store: temporary tokens, SMS codes", async () => {
  let now = Date.now();
  const clocked = new MemoryStore({ now: () => now });
  const emulator = testEmulator();
  const { username, password } = await signUp(emulator);
  const memory = emulator.store as MemoryStore;
  const before = memory.size;
  for (let i = 0; i < 50; i++) {
    await raw(emulator, "POST", "/auth/login", {
      body: new URLSearchParams({ username, password }),
    });
  }
  assert.equal(memory.size, before + 50, "one temporary token per unverified login");
  emulator.clock.advance(6 * 60_000); // (its offset is kept in the store: one entry)
  await raw(emulator, "GET", "/agents"); // any request lets the store sweep
  await memory.scan(["temp"]);
  assert.equal(memory.size, before + 1, "every expired temporary token is gone");
  // The store's own clock drives it.
  await clocked.commit([], [{ type: "set", key: ["k"], value: 1, expireIn: 1000 }]);
  assert.equal((await clocked.read(["k"])).value, 1);
  now += 1001;
  assert.equal((await clocked.read(["k"])).value, null);
  now += 1000;
  await clocked.scan([]);
  assert.equal(clocked.size, 0);
});

Deno.test("a kill -9 in a burst of registrations and tree changes leaves no torn state (KV)", async () => {
  const dir = await Deno.makeTempDir();
  const db = `${dir}/emulator.kv`;
  const start = async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        `${ROOT}cli.ts`,
        "emulator",
        "--port",
        "0",
        "--db",
        db,
        "--pbkdf2-iterations",
        "1000",
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!/listening on (\S+)/.test(out)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the emulator did not start: ${out}`);
      out += value;
    }
    // Keep reading its request log so that it never blocks on a full pipe.
    (async () => {
      while (!(await reader.read().catch(() => ({ done: true }))).done);
    })();
    return { child, url: out.match(/listening on (\S+)/)![1] };
  };

  let server = await start();
  const api = (url: string, from?: CirtusAIClient) =>
    new CirtusAIClient(url, {
      maxRetries: 0,
      timeout: 10_000,
      token: from?.token ?? undefined,
      refreshToken: from?.refreshToken ?? undefined,
    });
  // Accounts that exist for sure, logged in, to change trees of during the bursts.
  const known: { client: CirtusAIClient; username: string }[] = [];
  for (let i = 0; i < 6; i++) {
    const client = api(server.url);
    const username = `known${i}`;
    const setup = await client.auth.register({
      username,
      email: `${username}@example.com`,
      password: "pw",
    });
    await client.auth.loginWith2fa(username, "pw", { totpSecret: setup.secret });
    const [master] = await client.agents.listAgents();
    const kid = await client.agents.createChildAgent(master.id, "kid");
    await client.agents.provisionWallet(kid.id);
    known.push({ client, username });
  }
  // Three bursts of registrations, children, assets and deletions, each cut short by a kill -9
  // at another moment, and each followed by a restart on the same file and a check.
  try {
    for (const [round, delay] of [[0, 120], [1, 300], [2, 700]]) {
      const burst: Promise<unknown>[] = [];
      for (let i = 0; i < 30; i++) {
        burst.push(
          api(server.url).auth.register({
            username: `burst${round}_${i}`,
            email: `burst${round}_${i}@example.com`,
            password: "pw",
          }),
        );
      }
      for (const k of known) {
        k.client = api(server.url, k.client);
        const client = k.client;
        burst.push((async () => {
          const [master] = await client.agents.listAgents();
          for (let j = 0; j < 20; j++) {
            const child = await client.agents.createChildAgent(master.id, `c${j}`);
            await client.agents.provisionWallet(child.id);
            const grand = await client.agents.createChildAgent(child.id, "g");
            await client.agents.provisionEmail(grand.id);
            if (j % 2) await client.agents.deleteAgent(child.id);
          }
        })());
      }
      // Requests cut off by the kill fail: that is expected; they are settled, not left unhandled.
      const settled = Promise.allSettled(burst);
      await new Promise((resolve) => setTimeout(resolve, delay));
      server.child.kill("SIGKILL");
      await server.child.status;
      const cut = (await settled).filter((r) => r.status === "rejected").length;
      assert.ok(cut > 0, `round ${round}: the kill came in the middle of the burst`);

      server = await start();
      // Every name is either free or a whole account that logs in.
      for (let i = 0; i < 30; i++) {
        const username = `burst${round}_${i}`;
        const res = await fetch(`${server.url}/auth/register`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username, email: `${username}@example.com`, password: "pw" }),
        });
        const body = await res.json() as Obj;
        if (res.status === 201) continue; // it was absent: the name and address were free
        assert.equal(res.status, 400, JSON.stringify(body));
        const login = await fetch(`${server.url}/auth/login`, {
          method: "POST",
          body: new URLSearchParams({ username, password: "pw" }),
        });
        assert.equal(login.status, 200, `${username} is reserved but cannot log in`);
        assert.equal(((await login.json()) as Obj).requires_2fa, true);
      }
      // The known accounts' trees: no child or asset of a missing agent.
      for (const k of known) {
        k.client = api(server.url, k.client);
        assert.equal((await k.client.agents.listAgents()).length, 1, `${k.username}'s master`);
        await assertNoOrphans(k.client, `round ${round}, ${k.username}`);
      }
    }
  } finally {
    server.child.kill("SIGKILL");
    await server.child.status;
  }
  // And the raw records agree, read straight from the file.
  const kv = await Deno.openKv(db);
  try {
    const users = new Map<string, UserRecord>();
    for await (const e of kv.list<UserRecord>({ prefix: ["users"] })) {
      users.set(String(e.key[1]), e.value);
    }
    for (const index of ["users_by_name", "users_by_email"]) {
      for await (const e of kv.list<string>({ prefix: [index] })) {
        assert.ok(users.has(e.value), `${index} ${String(e.key[1])} names no account`);
      }
    }
    const agents = new Map<string, AgentRecord>();
    for await (const e of kv.list<AgentRecord>({ prefix: ["agents"] })) {
      agents.set(e.value.id, e.value);
      assert.ok(users.has(e.value.user_id), `agent ${e.value.id} of a missing user`);
    }
    for (const a of agents.values()) {
      if (a.parent_id) assert.ok(agents.has(a.parent_id), `agent ${a.id} of a missing parent`);
    }
    for (const u of users.values()) {
      assert.ok(agents.has(u.master_agent_id), `user ${u.username} has no master agent`);
    }
    for await (const e of kv.list<AssetRecord>({ prefix: ["assets"] })) {
      assert.ok(agents.has(e.value.agent_id), `asset ${e.value.id} of a missing agent`);
    }
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the login throttle forgets windows that ended", () => {
  const throttle = new LoginThrottle({ windowMs: 60_000 });
  for (let i = 0; i < 1000; i++) throttle.login(`user${i}`, `client${i}`, 0);
  assert.equal(throttle.size, 2000);
  throttle.login("late", "late", 61_000); // the next attempt after the window sweeps
  assert.equal(throttle.size, 2, "only the new attempt's windows are kept");
});
