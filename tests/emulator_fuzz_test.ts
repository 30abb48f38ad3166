// Random and malformed requests to every route of the emulator, on both stores: never a 5xx, never
// a stack trace, never an answer slower than 1 s (the bound), and the account still works
// afterwards. Seeded, so a failure replays.
import assert from "node:assert/strict";
import { KvStore, type Store } from "../src/emulator/mod.ts";
import { seededRandom, signUp, testEmulator } from "./helpers.ts";

/** Every route the emulator serves, as Hono registered them (so none is left out). */
function routesOf(app: unknown): [string, string][] {
  const routes = (app as { routes: { method: string; path: string }[] }).routes;
  const unique = new Set(
    routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`),
  );
  // Resetting the emulator or moving its clock is what those two do to any JSON: left out, so
  // that the account the run checks at the end survives.
  const destructive = new Set(["POST /_emulator/reset", "POST /_emulator/clock/advance"]);
  return [...unique].filter((r) => !destructive.has(r)).map((r) =>
    r.split(" ") as [string, string]
  );
}
const FIELDS = [
  "username",
  "email",
  "password",
  "preferred_2fa_method",
  "temporary_token",
  "totp_code",
  "refresh_token",
  "parent_id",
  "name",
  "permissions",
  "provider",
  "email_address",
  "config",
  "subject_id",
  "type",
  "claim",
  "credential",
  "chain",
  "seconds",
];
const TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=zz",
  "text/plain",
  "application/octet-stream",
  "",
];

for (
  const [name, open] of [
    ["memory", () => Promise.resolve(undefined)],
    ["kv", () => KvStore.open(":memory:")],
  ] as [string, () => Promise<Store | undefined>][]
) {
  Deno.test(`[${name}] fuzz: random bodies, content types, ids and nesting on every route`, async () => {
    const emulator = testEmulator({ store: await open() });
    const ROUTES = routesOf(emulator.app);
    assert.ok(ROUTES.length > 35, `${ROUTES.length} routes`);
    const account = await signUp(emulator);
    const token = account.client.token!;
    const [master] = await account.client.agents.listAgents();
    const next = seededRandom(name === "kv" ? 7 : 11);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
    const text = (): string => {
      const n = pick([0, 1, 8, 64, 300, 3000, 70_000]);
      const alphabet = pick(["a", ".", "@", "did:key:z6", "%", "\u0000", "é", "{", "🙂", " "]);
      return alphabet.repeat(Math.ceil(n / alphabet.length)).slice(0, n).toWellFormed();
    };
    const value = (depth = 0): unknown => {
      const r = next();
      if (r < 0.3) return text();
      if (r < 0.4) return Math.floor(next() * 1e9) * (next() < 0.5 ? -1 : 1);
      if (r < 0.45) return null;
      if (r < 0.5) return next() < 0.5;
      if (r < 0.6) {
        let v: unknown = "x";
        for (let i = 0, n = pick([2, 33, 40, 3000]); i < n; i++) v = next() < 0.5 ? [v] : { a: v };
        return v;
      }
      if (r < 0.8 && depth < 2) return Array.from({ length: 3 }, () => value(depth + 1));
      if (depth < 1) return Object.fromEntries(FIELDS.map((f) => [f, value(depth + 1)]));
      return "leaf";
    };
    const ids = () => pick([master.id, text(), `did:key:${text()}`, "%2F..%2F", "a".repeat(3000)]);
    for (let i = 0; i < 600; i++) {
      const [method, template] = pick(ROUTES);
      const path = template.replace(/:\w+(\{[^}]*\})?/g, () => encodeURIComponent(ids()));
      const type = pick(TYPES);
      const bodyKind = next();
      const body = method === "GET" || method === "DELETE"
        ? undefined
        : bodyKind < 0.4
        ? JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, value()])))
        : bodyKind < 0.6
        ? JSON.stringify(value())
        : bodyKind < 0.8
        ? new URLSearchParams(Object.fromEntries(FIELDS.map((f) => [f, text()]))).toString()
        : text();
      const headers: Record<string, string> = {};
      if (type) headers["content-type"] = type;
      if (next() < 0.8) {
        headers.authorization = `Bearer ${next() < 0.8 ? token : encodeURIComponent(text())}`;
      }
      const started = performance.now();
      const res = await emulator.fetch(`http://emulator.test${path}`, { method, headers, body });
      const answer = await res.text();
      const took = performance.now() - started;
      const where = `${method} ${template} (${type || "no type"}), round ${i}`;
      assert.ok(res.status < 500, `${where}: ${res.status} ${answer.slice(0, 200)}`);
      assert.ok(
        !/\n\s+at |Error:/.test(answer),
        `${where}: a stack trace: ${answer.slice(0, 200)}`,
      );
      assert.ok(took < 1000, `${where}: ${took.toFixed(0)} ms`);
    }
    // The account survived it all.
    assert.ok((await account.client.agents.listAgents()).length <= 1);
    assert.equal((await account.client.auth.get2faStatus()).is_2fa_enabled, true);
  });
}
