// What the real backend may send (docs/API.md, "Models: what the real backend may send"): every
// shape of the seed documents, both spellings, the Python SDK's test mocks and a null for every
// optional field are accepted by every method with nothing lost and nothing invented; a required
// field missing or of a type no document allows is a ResponseValidationError naming the field.
import assert from "node:assert/strict";
import { type AgentOrChild, CirtusAIClient, ResponseValidationError } from "../mod.ts";
import { json } from "./fake_fetch.ts";

type Call = (c: CirtusAIClient) => Promise<unknown>;

interface Case {
  name: string;
  call: Call;
  /** [label, reply, expected result (default: the reply itself)]. */
  accept: [string, unknown, unknown?][];
  /** A reply and its optional fields, each of which is sent as null in turn. */
  nulls?: { base: unknown; fields: string[] };
  /** [label, reply, the field the error must name]. */
  refuse: [string, unknown, string][];
  /** The method returns a Token, whose token_type has the one documented default. */
  token?: true;
}

const TOKEN = { access_token: "at", token_type: "bearer", expires_in: 3600, refresh_token: "rt" };
const TECH_SETUP = {
  secret: "JBSWY3DPEHPK3PXP",
  qr_code_uri: "otpauth://totp/CirtusAI:a@b.co?secret=JBSWY3DPEHPK3PXP&issuer=CirtusAI",
  qr_code_image: "iVBORw0KGgoAAAANSUhEUgAAAQEAAAEBCAYAAA...",
  backup_codes: ["CODE1", "CODE2", "CODE3", "CODE4", "CODE5", "CODE6", "CODE7", "CODE8"],
};
const GUIDE_SETUP = {
  secret_key: "JBSWY3DPEHPK3PXP",
  qr_code_url: "otpauth://totp/CirtusAI:a@b.co?secret=JBSWY3DPEHPK3PXP&issuer=CirtusAI",
  backup_codes: ["code1", "code2"],
  manual_entry_key: "JBSW Y3DP EHPK 3PXP",
};
const SETUP_SHAPES: Case["accept"] = [
  ["technical doc (Python SDK mock)", TECH_SETUP],
  ["user guide", GUIDE_SETUP, {
    ...GUIDE_SETUP,
    secret: "JBSWY3DPEHPK3PXP",
    qr_code_uri: GUIDE_SETUP.qr_code_url,
  }],
  ["guide, manual_entry_key only", {
    manual_entry_key: "JBSW Y3DP EHPK 3PXP",
    qr_code_url: "otpauth://x",
    backup_codes: [],
  }, {
    manual_entry_key: "JBSW Y3DP EHPK 3PXP",
    qr_code_url: "otpauth://x",
    backup_codes: [],
    secret: "JBSWY3DPEHPK3PXP",
    qr_code_uri: "otpauth://x",
  }],
  ["Python mock with two backup codes", { ...TECH_SETUP, backup_codes: ["ABCD1234", "EFGH5678"] }],
  ["both spellings", { ...TECH_SETUP, ...GUIDE_SETUP }],
  ["extra fields", { ...TECH_SETUP, issuer: "CirtusAI" }],
];
const SETUP_REFUSALS: Case["refuse"] = [
  ["no secret", { qr_code_uri: "otpauth://x", backup_codes: [] }, "secret"],
  ["no URI", { secret: "S", backup_codes: [] }, "qr_code_uri"],
  ["no backup codes", { secret: "S", qr_code_uri: "otpauth://x" }, "backup_codes"],
  [
    "secret_key of a wrong type",
    { secret_key: 5, qr_code_uri: "u", backup_codes: [] },
    "secret_key",
  ],
  ["backup codes not strings", { ...TECH_SETUP, backup_codes: [1, 2] }, "backup_codes"],
];
const TOKEN_SHAPES: Case["accept"] = [
  ["user guide's Token", TOKEN],
  ["Python mock without refresh_token or expiry", { access_token: "eyJ.x", token_type: "bearer" }],
  ["only access_token: token_type is the documented default", { access_token: "at" }, {
    access_token: "at",
    token_type: "bearer",
  }],
  ["extra fields", { ...TOKEN, scope: "all" }],
];
const TOKEN_REFUSALS: Case["refuse"] = [
  ["no access_token", { token_type: "bearer" }, "access_token"],
  ["access_token a number", { access_token: 5 }, "access_token"],
  ["access_token null", { access_token: null }, "access_token"],
  ["expires_in a string", { ...TOKEN, expires_in: "soon" }, "expires_in"],
];
const AGENT_SEED = { id: "a1", name: "Test Agent", did: "did:key:z6MkA", state: { s: 1 } };
const CHILD_SEED = {
  id: "c1",
  parent_id: "a1",
  name: "kid",
  permissions: { read: true },
  state: null,
};
const ASSET_SEED = { id: "s1", type: "wallet", details: { chain: "base", address: "0xabc" } };
const ACCOUNT = { id: "e1", provider: "gmail", email_address: "a@b.co", config: { p: "***" } };
const MESSAGE_SHAPES: Case["accept"] = [
  ["{message} (Python SDK mock)", { message: "2FA has been successfully enabled" }],
  ["{success}", { success: true }],
  ["empty", {}],
  ["extra fields", { message: "ok", at: "2026-01-01" }],
];
const MESSAGE_REFUSALS: Case["refuse"] = [
  ["message a number", { message: 5 }, "message"],
  ["an array", [], "(body)"],
];

const CASES: Case[] = [
  {
    name: "login",
    token: true,
    call: (c) => c.auth.login("ada", "pw"),
    accept: [
      ...TOKEN_SHAPES,
      ["guide's TwoFactorRequiredResponse (no preferred_method)", {
        requires_2fa: true,
        temporary_token: "tt",
        message: "2FA verification required",
      }],
      ["Python mock", {
        requires_2fa: true,
        temporary_token: "eyJ.temp",
        preferred_method: "totp",
        message: "2FA verification required.",
      }],
      ["another method", { requires_2fa: true, temporary_token: "tt", preferred_method: "email" }],
      ["bare", { requires_2fa: true, temporary_token: "tt" }],
    ],
    nulls: {
      base: { requires_2fa: true, temporary_token: "tt", preferred_method: "sms", message: "m" },
      fields: ["preferred_method", "message"],
    },
    refuse: [
      ...TOKEN_REFUSALS,
      ["2FA without a temporary token", { requires_2fa: true }, "temporary_token"],
      [
        "method a number",
        { requires_2fa: true, temporary_token: "t", preferred_method: 1 },
        "preferred_method",
      ],
    ],
  },
  {
    name: "verify2fa",
    token: true,
    call: (c) => c.auth.verify2fa("tt", "123456"),
    accept: TOKEN_SHAPES,
    nulls: { base: TOKEN, fields: ["expires_in", "refresh_token"] },
    refuse: TOKEN_REFUSALS,
  },
  {
    name: "refresh",
    token: true,
    call: (c) => c.auth.refresh("rt0"),
    accept: TOKEN_SHAPES,
    nulls: { base: TOKEN, fields: ["expires_in", "refresh_token"] },
    refuse: TOKEN_REFUSALS,
  },
  {
    name: "register",
    call: (c) => c.auth.register({ username: "ada", email: "a@b.co", password: "pw" }),
    accept: SETUP_SHAPES,
    nulls: { base: TECH_SETUP, fields: ["qr_code_image"] },
    refuse: SETUP_REFUSALS,
  },
  {
    name: "setup2fa",
    call: (c) => c.auth.setup2fa(),
    accept: SETUP_SHAPES,
    nulls: { base: { ...TECH_SETUP, manual_entry_key: "X" }, fields: ["qr_code_image"] },
    refuse: SETUP_REFUSALS,
  },
  {
    name: "get2faStatus",
    call: (c) => c.auth.get2faStatus(),
    accept: [
      ["technical doc (Python SDK mock)", {
        is_2fa_enabled: true,
        preferred_2fa_method: "totp",
        is_sms_enabled: false,
      }],
      ["Python mock with no method", {
        is_2fa_enabled: false,
        preferred_2fa_method: null,
        is_sms_enabled: true,
      }],
      ["user guide", { enabled: true, method: "totp", backup_codes_remaining: 8 }, {
        enabled: true,
        method: "totp",
        backup_codes_remaining: 8,
        is_2fa_enabled: true,
        preferred_2fa_method: "totp",
      }],
      ["empty", {}],
    ],
    nulls: {
      base: {
        is_2fa_enabled: true,
        preferred_2fa_method: "totp",
        is_sms_enabled: false,
        backup_codes_remaining: 3,
      },
      fields: [
        "is_2fa_enabled",
        "preferred_2fa_method",
        "is_sms_enabled",
        "backup_codes_remaining",
      ],
    },
    refuse: [
      ["enabled a string", { enabled: "yes" }, "enabled"],
      ["is_2fa_enabled a string", { is_2fa_enabled: "yes" }, "is_2fa_enabled"],
      ["not an object", "ok", "(body)"],
    ],
  },
  {
    name: "debug2fa",
    call: (c) => c.auth.debug2fa(),
    accept: [
      ["Python SDK mock (sync)", {
        totp_secret_exists: true,
        user_email: "user@example.com",
        current_server_time: 1720742400,
        valid_codes: {
          "time_step_-1": "987654",
          "time_step_+0": "123456",
          "time_step_+1": "456789",
        },
        message: "Try the code shown for 'time_step_+0' first.",
      }],
      ["Python SDK mock (async, smallest)", {
        totp_secret_exists: true,
        valid_codes: { "time_step_+0": "123456" },
      }],
      ["user guide: server_time ISO, codes as a list", {
        valid_codes: ["987654", "123456", "456789"],
        server_time: "2024-07-12T00:00:00Z",
        time_window: 1,
      }, {
        valid_codes: ["987654", "123456", "456789"],
        server_time: "2024-07-12T00:00:00Z",
        time_window: 1,
        current_server_time: 1720742400,
      }],
      ["user guide: server_time in seconds", { server_time: 1720742400 }, {
        server_time: 1720742400,
        current_server_time: 1720742400,
      }],
      ["empty", {}],
    ],
    nulls: {
      base: {
        totp_secret_exists: true,
        is_2fa_enabled: true,
        preferred_2fa_method: "totp",
        user_email: "a@b.co",
        current_server_time: 1,
        valid_codes: {},
        time_window: 1,
        period: 30,
        usage_note: "n",
        message: "m",
      },
      fields: [
        "totp_secret_exists",
        "is_2fa_enabled",
        "preferred_2fa_method",
        "user_email",
        "current_server_time",
        "valid_codes",
        "time_window",
        "period",
        "usage_note",
        "message",
      ],
    },
    refuse: [
      [
        "a code not a string",
        { valid_codes: { "time_step_+0": 123456 } },
        "valid_codes.time_step_+0",
      ],
      ["a listed code not a string", { valid_codes: ["1", 2] }, "valid_codes[1]"],
      ["valid_codes a string", { valid_codes: "123456" }, "valid_codes"],
      ["server_time not a time", { server_time: "noon" }, "server_time"],
      ["current_server_time a string", { current_server_time: "1" }, "current_server_time"],
    ],
  },
  {
    name: "confirm2fa",
    call: (c) => c.auth.confirm2fa("123456"),
    accept: MESSAGE_SHAPES,
    nulls: { base: { message: "m", success: true }, fields: ["message", "success"] },
    refuse: MESSAGE_REFUSALS,
  },
  {
    name: "disable2fa",
    call: (c) => c.auth.disable2fa("123456", "pw"),
    accept: MESSAGE_SHAPES,
    nulls: { base: { message: "m", success: true }, fields: ["message", "success"] },
    refuse: MESSAGE_REFUSALS,
  },
  {
    name: "requestSmsCode",
    call: (c) => c.auth.requestSmsCode(),
    accept: [
      ["Python SDK mock", { message: "SMS code sent successfully", expires_in: 300 }],
      ...MESSAGE_SHAPES,
    ],
    nulls: { base: { message: "m", expires_in: 300 }, fields: ["message", "expires_in"] },
    refuse: [...MESSAGE_REFUSALS, ["expires_in a string", { expires_in: "5m" }, "expires_in"]],
  },
  {
    name: "listAgents",
    call: (c) => c.agents.listAgents(),
    accept: [
      ["seed Agent", [AGENT_SEED]],
      ["Python mock: ids only", [{ id: "agent1" }, { id: "agent2" }]],
      ["Python mock: id and name", [{ id: "agent1", name: "Test Agent" }]],
      ["emulator's, with created_at", [{ ...AGENT_SEED, created_at: "2026-01-01T00:00:00Z" }]],
      ["a numeric id becomes a string", [{ id: 7 }], [{ id: "7" }]],
      ["empty", []],
    ],
    nulls: {
      base: [{ ...AGENT_SEED, created_at: "t" }],
      fields: ["name", "did", "state", "created_at"],
    },
    refuse: [
      ["no id", [{ name: "x" }], "[0].id"],
      ["state a string", [{ id: "a", state: "active" }], "[0].state"],
      ["not a list", { agents: [] }, "(body)"],
      ["an item not an object", ["a1"], "[0]"],
    ],
  },
  {
    name: "getAgent",
    call: (c) => c.agents.getAgent("a1"),
    accept: [
      ["seed Agent", AGENT_SEED],
      ["Python mock", { id: "a1" }],
      ["seed ChildAgent", CHILD_SEED],
    ],
    nulls: { base: AGENT_SEED, fields: ["name", "did", "state"] },
    refuse: [
      ["no id", { name: "x" }, "id"],
      ["child with bad permissions", { ...CHILD_SEED, permissions: [] }, "permissions"],
    ],
  },
  {
    name: "getChildren",
    call: (c) => c.agents.getChildren(),
    accept: [
      ["seed ChildAgent (no did)", [CHILD_SEED]],
      ["Python mock", [{ id: "c1" }, { id: "c2" }]],
      ["emulator's", [{ ...CHILD_SEED, did: "did:key:z", created_at: "t" }]],
      ["numeric ids", [{ id: 1, parent_id: 2 }], [{ id: "1", parent_id: "2" }]],
    ],
    nulls: {
      base: [{ ...CHILD_SEED, state: {}, did: "d", created_at: "t" }],
      fields: ["parent_id", "name", "permissions", "state", "did", "created_at"],
    },
    refuse: [
      ["no id", [{ parent_id: "a1" }], "[0].id"],
      ["permissions a list", [{ id: "c", permissions: ["read"] }], "[0].permissions"],
    ],
  },
  {
    name: "createChildAgent",
    call: (c) => c.agents.createChildAgent("a1", "child"),
    accept: [["Python mock", { id: "child1" }], ["seed ChildAgent", CHILD_SEED]],
    nulls: { base: CHILD_SEED, fields: ["parent_id", "name", "permissions"] },
    refuse: [["no id", { name: "child" }, "id"]],
  },
  {
    name: "updateChildPermissions",
    call: (c) => c.agents.updateChildPermissions("c1", { read: true }),
    accept: [
      ["Python mock", { permissions: { read: true } }],
      ["the updated child", CHILD_SEED],
      ["{success}", { success: true }],
      ["empty", {}],
    ],
    nulls: { base: CHILD_SEED, fields: ["id", "parent_id", "name", "permissions", "state"] },
    refuse: [["permissions a string", { permissions: "read" }, "permissions"]],
  },
  {
    name: "provisionEmail",
    call: (c) => c.agents.provisionEmail("c1"),
    accept: [
      ["Python mock", { email: "u@example.com" }],
      ["seed Asset", { id: "s1", type: "email", details: { email_address: "x@y.z" } }],
      ["flat fields", { email_address: "x@y.z", provider: "cirtus", status: "active" }],
      ["both", {
        id: "s1",
        type: "email",
        details: { email_address: "x@y.z" },
        email_address: "x@y.z",
      }],
    ],
    nulls: {
      base: {
        id: "s1",
        type: "email",
        details: {},
        email_address: "e",
        provider: "p",
        status: "s",
      },
      fields: ["id", "type", "details", "email_address", "provider", "status"],
    },
    refuse: [
      ["details a string", { details: "x" }, "details"],
      ["email_address a number", { email_address: 1 }, "email_address"],
    ],
  },
  {
    name: "provisionWallet",
    call: (c) => c.agents.provisionWallet("c1", "ethereum"),
    accept: [
      ["Python mock", { wallet: "w1" }],
      ["seed Asset", ASSET_SEED],
      ["flat fields, balance a string", { address: "0xabc", chain: "ethereum", balance: "0.0" }],
      ["flat fields, balance a number", { address: "0xabc", chain: "ethereum", balance: 0 }],
      ["both, with agent_id", { ...ASSET_SEED, agent_id: "c1", address: "0xabc", chain: "base" }],
    ],
    nulls: {
      base: {
        ...ASSET_SEED,
        agent_id: "c1",
        created_at: "t",
        address: "a",
        chain: "c",
        balance: 1,
      },
      fields: ["id", "type", "details", "agent_id", "created_at", "address", "chain", "balance"],
    },
    refuse: [["balance a boolean", { balance: true }, "balance"]],
  },
  {
    name: "listAssets",
    call: (c) => c.wallets.listAssets(),
    accept: [
      ["Python mock (strings)", { assets: ["a", "b"] }],
      ["seed Assets", { assets: [ASSET_SEED] }],
      ["emulator's", { assets: [{ ...ASSET_SEED, agent_id: "c1", created_at: "t" }] }],
      ["a bare list", [ASSET_SEED], { assets: [ASSET_SEED] }],
      ["empty", {}],
      ["extra fields", { assets: [], total: 0 }],
    ],
    nulls: {
      base: { assets: [{ ...ASSET_SEED, agent_id: "c1", created_at: "t" }] },
      fields: ["assets"],
    },
    refuse: [
      ["an asset without type", { assets: [{ id: "s", details: {} }] }, "assets[0].type"],
      ["an asset without details", { assets: [{ id: "s", type: "wallet" }] }, "assets[0].details"],
      ["assets a string", { assets: "none" }, "assets"],
      ["an asset a number", { assets: [5] }, "assets[0]"],
    ],
  },
  {
    name: "listEmailAccounts",
    call: (c) => c.wallets.listEmailAccounts(),
    accept: [
      ["seed EmailAccount", [ACCOUNT]],
      ["numeric id", [{ ...ACCOUNT, id: 3 }], [{ ...ACCOUNT, id: "3" }]],
    ],
    refuse: [
      ["no config", [{ id: "e", provider: "p", email_address: "a@b.co" }], "[0].config"],
      ["no provider", [{ id: "e", email_address: "a@b.co", config: {} }], "[0].provider"],
    ],
  },
  {
    name: "getEmailAccount",
    call: (c) => c.wallets.getEmailAccount("e1"),
    accept: [["seed EmailAccount", ACCOUNT], ["extra fields", { ...ACCOUNT, verified: true }]],
    refuse: [["no email_address", { id: "e", provider: "p", config: {} }, "email_address"]],
  },
  {
    name: "createEmailAccount",
    call: (c) =>
      c.wallets.createEmailAccount({ provider: "p", email_address: "a@b.co", config: {} }),
    accept: [["seed EmailAccount", ACCOUNT]],
    refuse: [["no id", { provider: "p", email_address: "a@b.co", config: {} }, "id"]],
  },
  {
    name: "updateEmailAccount",
    call: (c) =>
      c.wallets.updateEmailAccount("e1", { provider: "p", email_address: "a@b.co", config: {} }),
    accept: [["seed EmailAccount", ACCOUNT]],
    refuse: [["config a list", { ...ACCOUNT, config: [] }, "config"]],
  },
  {
    name: "refreshEmailToken",
    call: (c) => c.wallets.refreshEmailToken("e1"),
    accept: [
      ["ours", { access_token: "x", token_type: "Bearer", expires_in: 3600 }],
      ["the docs' {success}", { success: true }],
      ["empty", {}],
    ],
    nulls: {
      base: { access_token: "x", expires_in: 1, success: true },
      fields: ["access_token", "expires_in", "success"],
    },
    refuse: [["expires_in a string", { expires_in: "1h" }, "expires_in"]],
  },
  {
    name: "getDid",
    call: (c) => c.identity.getDid("a1"),
    accept: [
      ["seed DID", { did: "did:key:z6Mk", info: { id: "did:key:z6Mk" } }],
      ["with public_key", { did: "did:key:z6Mk", info: {}, public_key: "z6Mk" }],
    ],
    refuse: [
      ["no info", { did: "did:key:z6Mk" }, "info"],
      ["no did", { info: {} }, "did"],
    ],
  },
  {
    name: "issueCredential",
    call: (c) => c.identity.issueCredential({ subject_id: "s", types: ["T"], claim: {} }),
    accept: [
      ["Python mock (a string)", { credential: "abc" }],
      ["seed: an object", { credential: { "@context": [], type: ["VerifiableCredential"] } }],
    ],
    refuse: [
      ["no credential", {}, "credential"],
      ["credential a number", { credential: 5 }, "credential"],
    ],
  },
  {
    name: "verifyCredential",
    call: (c) => c.identity.verifyCredential("a.b.c"),
    accept: [
      ["ours, verified", { verified: true, payload: { iss: "did:key:z" } }],
      ["ours, refused", { verified: false, error: "invalid signature" }],
      ["the docs' {valid, claims}", { valid: true, claims: { a: 1 } }, {
        valid: true,
        claims: { a: 1 },
        verified: true,
      }],
      ["empty", {}],
    ],
    nulls: {
      base: { verified: true, payload: {}, error: "e", claims: {} },
      fields: ["verified", "payload", "error", "claims"],
    },
    refuse: [
      ["valid a string", { valid: "yes" }, "valid"],
      ["verified a string", { verified: "yes" }, "verified"],
    ],
  },
];

function client(reply: unknown): CirtusAIClient {
  return new CirtusAIClient("https://api.test", {
    token: "t",
    refreshToken: "r",
    maxRetries: 0,
    fetch: () => Promise.resolve(json(reply)),
  });
}

function withNull(base: unknown, field: string): unknown {
  const copy = structuredClone(base);
  const target = Array.isArray(copy)
    ? copy[0]
    : (copy as Record<string, unknown>).assets && field !== "assets"
    ? ((copy as Record<string, unknown[]>).assets[0])
    : copy;
  (target as Record<string, unknown>)[field] = null;
  return copy;
}

for (const c of CASES) {
  Deno.test(`${c.name}: every documented shape is accepted, with nothing lost or invented`, async () => {
    const shapes = [...c.accept];
    for (const field of c.nulls?.fields ?? []) {
      shapes.push([`${field} null`, withNull(c.nulls!.base, field)]);
    }
    for (const [label, reply, expected] of shapes) {
      const want = structuredClone(expected ?? reply) as Record<string, unknown>;
      // The one documented default: a Token's token_type.
      if (c.token && typeof want.access_token === "string" && want.token_type == null) {
        want.token_type = "bearer";
      }
      const got = await c.call(client(structuredClone(reply)));
      assert.deepEqual(got, want, `${c.name}, ${label}`);
    }
  });

  Deno.test(`${c.name}: a missing or mistyped required field names the field`, async () => {
    for (const [label, reply, field] of c.refuse) {
      await assert.rejects(
        () => c.call(client(reply)),
        (err: unknown) => {
          assert.ok(err instanceof ResponseValidationError, `${c.name}, ${label}: ${err}`);
          assert.equal(err.field, field, `${c.name}, ${label}`);
          assert.ok(err.message.includes(`"${field}"`), err.message);
          return true;
        },
        `${c.name}, ${label}`,
      );
    }
  });
}

Deno.test("getAgent's result narrows on parent_id: a child has one, a master has none", async () => {
  const master: AgentOrChild = await client(AGENT_SEED).agents.getAgent("a1");
  const child: AgentOrChild = await client(CHILD_SEED).agents.getAgent("c1");
  for (const agent of [master, child]) {
    if (agent.parent_id) {
      const parent: string = agent.parent_id; // narrowed to a child: parent_id is a string
      assert.equal(parent, "a1");
      assert.deepEqual(agent.permissions, { read: true });
    } else {
      assert.equal(agent.id, "a1");
    }
  }
});

Deno.test("login narrows on requires_2fa without needing preferred_method", async () => {
  const result = await client({ requires_2fa: true, temporary_token: "tt" }).auth.login("a", "p");
  assert.equal(result.requires_2fa, true);
  if (result.requires_2fa === true) {
    assert.equal(result.temporary_token, "tt");
    assert.ok(!("preferred_method" in result), "no method is invented");
    assert.ok(!("message" in result), "no message is invented");
  }
});
