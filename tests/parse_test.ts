// The validators' own properties: the hand-written fast paths of the list models agree with the
// field tables on every input.
import assert from "node:assert/strict";
import { ResponseValidationError } from "../mod.ts";
import {
  FAST_PATH_MODELS,
  parseAgents,
  parseAsset,
  parseChildAgent,
  parseEmailAccount,
  readByTable,
} from "../src/sdk/parse.ts";
import { seededRandom } from "./helpers.ts";

// Every kind of JSON value a field might hold, and absence.
const VALUES: unknown[] = [
  undefined,
  null,
  "",
  "text",
  "7",
  0,
  42,
  -1.5,
  true,
  false,
  {},
  { nested: 1 },
  [],
  ["a", "b"],
  [1],
];
const FIELDS = {
  agent: ["id", "name", "did", "state", "created_at"],
  child: ["id", "name", "did", "state", "created_at", "parent_id", "permissions"],
  asset: ["id", "type", "agent_id", "details", "created_at"],
  email_account: ["id", "provider", "email_address", "config"],
} as const;
// A well-formed value for each field, so that most generated objects are nearly valid.
const GOOD: Record<string, unknown> = {
  id: "a1",
  name: "n",
  did: "did:key:z6Mk",
  state: { status: "active" },
  created_at: "2026-01-01T00:00:00Z",
  parent_id: "p1",
  permissions: { read: true },
  type: "wallet",
  agent_id: "a1",
  details: { chain: "eth" },
  provider: "gmail",
  email_address: "a@example.com",
  config: {},
};
// The public parsers, which take the fast path; errors name the same field either way.
const PARSE: Record<keyof typeof FIELDS, (o: unknown) => unknown> = {
  agent: (o) => parseAgents([o], "test")[0],
  child: (o) => parseChildAgent(o, "test"),
  asset: (o) => parseAsset(o, "test"),
  email_account: (o) => parseEmailAccount(o, "test"),
};

function outcome(read: () => unknown): { ok: unknown } | { field: string } {
  try {
    return { ok: read() };
  } catch (err) {
    assert.ok(err instanceof ResponseValidationError, `unexpected ${err}`);
    return { field: err.field.replace(/^\[0\]\./, "") };
  }
}

Deno.test("list models: the fast path and the field table agree on every input", () => {
  const next = seededRandom(20261123);
  for (const model of Object.keys(FIELDS) as (keyof typeof FIELDS)[]) {
    let fast = 0;
    for (let i = 0; i < 4000; i++) {
      const o: Record<string, unknown> = {};
      for (const field of FIELDS[model]) {
        // Three times in four the good value, else any value (or none).
        const value = next() < 0.75 ? GOOD[field] : VALUES[Math.floor(next() * VALUES.length)];
        if (value !== undefined) o[field] = structuredClone(value);
      }
      if (next() < 0.2) o.extra = "kept";
      if (FAST_PATH_MODELS[model].canonical?.(structuredClone(o))) fast++;
      const viaParser = outcome(() => PARSE[model](structuredClone(o)));
      const viaTable = outcome(() => readByTable(structuredClone(o), FAST_PATH_MODELS[model]));
      assert.deepEqual(viaParser, viaTable, `${model}: ${JSON.stringify(o)}`);
    }
    // Both paths were exercised: many objects took the fast path, many did not.
    assert.ok(fast > 400 && fast < 3600, `${model}: ${fast} of 4000 took the fast path`);
  }
});
