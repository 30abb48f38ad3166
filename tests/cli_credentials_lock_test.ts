// The credentials file's lock inside one process: a hold belongs to the call that holds it (and
// what that call starts), never to the store object, so a concurrent save of the same store waits
// for the holder; and a stale lock is broken without ever moving a live holder's lock aside.
import assert from "node:assert/strict";
import { CredentialsStore, readCredentials } from "../src/cli/credentials.ts";
import { FileLock } from "../src/cli/file_lock.ts";
import { sys } from "../src/cli/runtime.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function tempStore() {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/credentials.json`;
  const store = () => new CredentialsStore({ profile: "p", apiUrl: "http://x", path });
  return { dir, path, store };
}

Deno.test("saves of the same store while its lock is held wait for the holder; its own saves do not", async () => {
  const { dir, store: make } = await tempStore();
  const store = make();
  try {
    await store.save({ access_token: "a0", refresh_token: "r0" });
    let holding = false;
    const savedWhileHeld: string[] = [];
    const outside = (token: string) => async () => {
      await sleep(20); // once the holder has the lock
      await store.save({ access_token: token });
      if (holding) savedWhileHeld.push(token);
    };
    const seen: (string | undefined)[] = [];
    await Promise.all([
      store.lock(async () => {
        holding = true;
        for (let i = 0; i < 5; i++) {
          await sleep(40);
          seen.push((await store.get())?.access_token);
        }
        // The holder's own save (as the SDK's refresh makes inside the lock) runs at once.
        await store.save({ access_token: "a1", refresh_token: "r1" });
        seen.push((await store.get())?.access_token);
        holding = false;
      }),
      outside("x1")(),
      outside("x2")(),
      outside("x3")(),
    ]);
    assert.deepEqual(savedWhileHeld, [], "no save of another call wrote while the lock was held");
    assert.deepEqual(seen, ["a0", "a0", "a0", "a0", "a0", "a1"]);
    assert.match((await store.get())!.access_token, /^x[123]$/, "the waiting saves ran after");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a call started inside a hold and still running after it ends holds nothing", async () => {
  const { dir, store: make } = await tempStore();
  const store = make();
  try {
    const other = make();
    let late: Promise<void> | undefined;
    await store.lock(() => {
      // Started inside, run after the hold has ended: it must take the lock like anyone else.
      late = sleep(50).then(() => store.save({ access_token: "late" }));
      return Promise.resolve();
    });
    let lateDone = false;
    await Promise.all([
      other.lock(async () => {
        await sleep(150);
        assert.equal(lateDone, false, "the late save waited for the other holder");
      }),
      late!.then(() => (lateDone = true)),
    ]);
    assert.equal((await store.get())?.access_token, "late");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("breaking a stale lock: a live lock that took its place is never moved aside, so no third process can take the name", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/credentials.json.lock`;
  const host = sys.hostname();
  // Judged stale: its process is gone.
  const dead = JSON.stringify({ pid: 2 ** 22 + 17, host, token: "dead" });
  // What another breaker put there meanwhile (a live holder: this process, fresh).
  const live = JSON.stringify({ pid: sys.pid, host, token: "live" });
  const third = JSON.stringify({ pid: sys.pid, host, token: "third" });
  await Deno.writeTextFile(path, dead);
  const { age, rename } = sys;
  let replaced = false;
  let thirdTookIt = false;
  // The interleaving, forced: right after the breaker looked at the lock again under the break
  // lock, the live lock replaces the dead one; and whenever the lock's name is free after a
  // rename, a third process takes it at once.
  sys.age = async (p) => {
    const result = await age(p);
    if (p === path && !replaced && await age(`${path}.break`) !== null) {
      replaced = true;
      await Deno.remove(path);
      await Deno.writeTextFile(path, live, { createNew: true });
    }
    return result;
  };
  sys.rename = async (from, to) => {
    await rename(from, to);
    if (from === path) thirdTookIt = await sys.createNew(path, 0o600, third);
  };
  try {
    const lock = new FileLock(path);
    await assert.rejects(
      lock.hold(() => Promise.resolve(), { waitMs: 200 }),
      /has held .* for 0 s/,
      "the live lock is waited for",
    );
    assert.ok(replaced, "the interleaving happened");
    assert.equal(thirdTookIt, false, "the lock's name was never free");
    assert.equal(await Deno.readTextFile(path), live, "the live holder's lock is where it was");
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["credentials.json.lock"], "no probe or moved file is left");
  } finally {
    sys.age = age;
    sys.rename = rename;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("breaking a stale lock still works: a dead holder's lock is taken over at once", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/x.lock`;
  try {
    await Deno.writeTextFile(
      path,
      JSON.stringify({ pid: 2 ** 22 + 17, host: sys.hostname(), token: "dead" }),
    );
    const started = performance.now();
    const text = await new FileLock(path).hold(async () => await Deno.readTextFile(path));
    assert.ok(performance.now() - started < 1_000, "taken over without waiting for the lock's age");
    assert.equal(JSON.parse(text).pid, sys.pid);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(left, [], "released, and nothing left beside it");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a store's file stays a credentials file through concurrent saves of two profiles", async () => {
  const { dir, path } = await tempStore();
  try {
    const stores = ["a", "b"].map((profile) =>
      new CredentialsStore({ profile, apiUrl: "http://x", path })
    );
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => stores[i % 2].save({ access_token: `t${i}` })),
    );
    const data = await readCredentials(path);
    assert.deepEqual(Object.keys(data.profiles).sort(), ["a", "b"], "no save was lost");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
