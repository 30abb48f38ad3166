/**
 * The OpenAPI 3.1 document of the wire contract (docs/API.md), served at `/openapi.json` as
 * FastAPI, on which the real backend is built, serves its own. Component schemas mark as required
 * only what the seed documents require; a test holds the document's paths and the emulator's
 * routes to be the same.
 *
 * @module
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = { type: "string" };
const num = { type: "number" };
const bool = { type: "boolean" };
const obj = { type: "object", additionalProperties: true };
const strings = { type: "array", items: str };
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: "null" }] });

function model(required: string[], properties: Record<string, Schema>, open = true): Schema {
  const props = Object.fromEntries(
    Object.entries(properties).map(([k, v]) => [k, required.includes(k) ? v : nullable(v)]),
  );
  return { type: "object", required, properties: props, additionalProperties: open };
}

/** The component schemas: the seeds' models, with the optional fields of the seeds so marked. */
const SCHEMAS: Record<string, Schema> = {
  Token: model(["access_token"], {
    access_token: str,
    token_type: str,
    expires_in: num,
    refresh_token: str,
  }),
  TwoFactorRequired: model(["requires_2fa", "temporary_token"], {
    requires_2fa: { const: true },
    temporary_token: str,
    preferred_method: str,
    message: str,
  }),
  TwoFactorSetup: model(["secret", "qr_code_uri", "backup_codes"], {
    secret: str,
    secret_key: str,
    qr_code_uri: str,
    qr_code_url: str,
    qr_code_image: { type: "string", contentEncoding: "base64", contentMediaType: "image/png" },
    manual_entry_key: str,
    backup_codes: strings,
  }),
  TwoFactorStatus: model([], {
    is_2fa_enabled: bool,
    preferred_2fa_method: str,
    is_sms_enabled: bool,
    enabled: bool,
    method: str,
    backup_codes_remaining: num,
  }),
  TwoFactorDebug: model([], {
    totp_secret_exists: bool,
    is_2fa_enabled: bool,
    preferred_2fa_method: str,
    user_email: str,
    current_server_time: num,
    server_time: str,
    valid_codes: { anyOf: [{ type: "object", additionalProperties: str }, strings] },
    time_window: num,
    period: num,
    usage_note: str,
    message: str,
  }),
  Message: model([], { message: str, success: bool, expires_in: num }),
  Agent: model(["id"], { id: str, name: str, did: str, state: obj, created_at: str }),
  ChildAgent: model(["id"], {
    id: str,
    parent_id: str,
    name: str,
    permissions: obj,
    state: obj,
    did: str,
    created_at: str,
  }),
  Asset: model(["id", "type", "details"], {
    id: str,
    type: str,
    details: obj,
    agent_id: str,
    created_at: str,
  }),
  AssetList: model([], { assets: { type: "array", items: ref("Asset") } }),
  EmailAccount: model(["id", "provider", "email_address", "config"], {
    id: str,
    provider: str,
    email_address: str,
    config: obj,
  }),
  EmailAccountInput: model(["provider", "email_address", "config"], {
    provider: str,
    email_address: str,
    config: obj,
  }, false),
  EmailTokenRefresh: model([], { access_token: str, expires_in: num, success: bool }),
  DID: model(["did", "info"], { did: str, info: obj }),
  CredentialResponse: model(["credential"], { credential: { anyOf: [str, obj] } }),
  CredentialVerification: model([], {
    verified: bool,
    valid: bool,
    payload: obj,
    claims: obj,
    error: str,
  }),
  HTTPError: model(["detail"], { detail: str }),
  HTTPValidationError: model(["detail"], {
    detail: {
      type: "array",
      items: model(["loc", "msg", "type"], {
        loc: { type: "array", items: { anyOf: [str, { type: "integer" }] } },
        msg: str,
        type: str,
      }),
    },
  }),
};

interface Operation {
  summary: string;
  tag: "auth" | "agents" | "wallets" | "identity";
  /** Needs a bearer token. */
  auth?: boolean;
  /** A JSON body: a schema name, or inline properties (all required unless listed optional). */
  json?: string | { required: string[]; properties: Record<string, Schema> };
  /** A form body (login). */
  form?: string[];
  query?: { name: string; schema: Schema }[];
  /** Success status and its schema name (null: no body; "png": image/png). */
  ok: [status: number, body: string | null];
}

const ID = "The agent's id or DID (did:key:z6Mk...), at most 256 characters";

/** The operations, by path and method. Paths are the emulator's, in OpenAPI's `{param}` form. */
export const OPERATIONS: Record<string, Record<string, Operation>> = {
  "/auth/register": {
    post: {
      summary: "Register (TOTP 2FA is set up at once)",
      tag: "auth",
      json: {
        required: ["username", "email", "password"],
        properties: {
          username: { type: "string", minLength: 1, maxLength: 64, pattern: "^[^@\\s]+$" },
          email: { type: "string", format: "email", maxLength: 254 },
          password: { type: "string", minLength: 1, maxLength: 1024 },
          preferred_2fa_method: { enum: ["totp", "sms"] },
        },
      },
      ok: [201, "TwoFactorSetup"],
    },
  },
  "/auth/login": {
    post: {
      summary: "Log in (form-encoded): tokens, or a request for the second factor",
      tag: "auth",
      form: ["username", "password"],
      ok: [200, "Token|TwoFactorRequired"],
    },
  },
  "/auth/verify-2fa": {
    post: {
      summary: "Finish a login with the temporary token and a code",
      tag: "auth",
      json: {
        required: ["temporary_token", "totp_code"],
        properties: { temporary_token: str, totp_code: str },
      },
      ok: [200, "Token"],
    },
  },
  "/auth/refresh": {
    post: {
      summary: "Rotate the refresh token",
      tag: "auth",
      json: { required: ["refresh_token"], properties: { refresh_token: str } },
      ok: [200, "Token"],
    },
  },
  "/auth/2fa/status": {
    get: { summary: "2FA status", tag: "auth", auth: true, ok: [200, "TwoFactorStatus"] },
  },
  "/auth/2fa/setup": {
    get: {
      summary: "A new pending TOTP secret (400 once 2FA is enabled)",
      tag: "auth",
      auth: true,
      ok: [200, "TwoFactorSetup"],
    },
  },
  "/auth/2fa/confirm": {
    post: {
      summary: "Confirm 2FA with a code",
      tag: "auth",
      auth: true,
      json: { required: ["totp_code"], properties: { totp_code: str } },
      ok: [200, "Message"],
    },
  },
  "/auth/2fa/disable": {
    post: {
      summary: "Disable 2FA (a code and the password)",
      tag: "auth",
      auth: true,
      json: { required: ["totp_code", "password"], properties: { totp_code: str, password: str } },
      ok: [200, "Message"],
    },
  },
  "/auth/2fa/qr": {
    get: { summary: "The TOTP QR code", tag: "auth", auth: true, ok: [200, "png"] },
  },
  "/auth/2fa/request-sms": {
    post: {
      summary: "Send an SMS code (bearer: an access token or a login's temporary token)",
      tag: "auth",
      auth: true,
      ok: [200, "Message"],
    },
  },
  "/auth/debug-2fa": {
    get: { summary: "TOTP diagnostics", tag: "auth", auth: true, ok: [200, "TwoFactorDebug"] },
  },
  "/agents": {
    get: { summary: "Your master agents", tag: "agents", auth: true, ok: [200, "Agent[]"] },
  },
  "/agents/children": {
    get: { summary: "Your child agents", tag: "agents", auth: true, ok: [200, "ChildAgent[]"] },
    post: {
      summary: "Create a child agent",
      tag: "agents",
      auth: true,
      json: {
        required: ["parent_id", "name"],
        properties: { parent_id: str, name: { type: "string", minLength: 1, maxLength: 256 } },
      },
      ok: [201, "ChildAgent"],
    },
  },
  "/agents/{id}": {
    get: { summary: "One agent (master or child)", tag: "agents", auth: true, ok: [200, "Agent"] },
    delete: {
      summary: "Delete an agent, master or child, with its subtree and assets",
      tag: "agents",
      auth: true,
      ok: [204, null],
    },
  },
  "/agents/children/{id}": {
    delete: { summary: "Unlink a child agent", tag: "agents", auth: true, ok: [204, null] },
  },
  "/agents/children/{id}/permissions": {
    put: {
      summary: "Replace a child's permissions",
      tag: "agents",
      auth: true,
      json: { required: ["permissions"], properties: { permissions: obj } },
      ok: [200, "ChildAgent"],
    },
  },
  "/agents/children/{id}/assets/provision/email": {
    post: { summary: "Provision an e-mail address", tag: "agents", auth: true, ok: [200, "Asset"] },
  },
  "/agents/children/{id}/assets/provision/wallet": {
    post: {
      summary: "Provision a wallet (chain in the query, or a JSON body {chain})",
      tag: "agents",
      auth: true,
      query: [{
        name: "chain",
        schema: {
          enum: ["ethereum", "polygon", "arbitrum", "base", "solana"],
          default: "ethereum",
        },
      }],
      ok: [200, "Asset"],
    },
  },
  "/wallets": {
    get: {
      summary: "Every asset of your agents",
      tag: "wallets",
      auth: true,
      ok: [200, "AssetList"],
    },
  },
  "/wallets/email_accounts": {
    get: {
      summary: "Linked e-mail accounts",
      tag: "wallets",
      auth: true,
      ok: [200, "EmailAccount[]"],
    },
    post: {
      summary: "Link an e-mail account",
      tag: "wallets",
      auth: true,
      json: "EmailAccountInput",
      ok: [201, "EmailAccount"],
    },
  },
  "/wallets/email_accounts/": {
    get: {
      summary: "The same, with a trailing slash",
      tag: "wallets",
      auth: true,
      ok: [200, "EmailAccount[]"],
    },
    post: {
      summary: "The same, with a trailing slash",
      tag: "wallets",
      auth: true,
      json: "EmailAccountInput",
      ok: [201, "EmailAccount"],
    },
  },
  "/wallets/email_accounts/{id}": {
    get: { summary: "One e-mail account", tag: "wallets", auth: true, ok: [200, "EmailAccount"] },
    put: {
      summary: "Replace an e-mail account",
      tag: "wallets",
      auth: true,
      json: "EmailAccountInput",
      ok: [200, "EmailAccount"],
    },
    delete: { summary: "Unlink an e-mail account", tag: "wallets", auth: true, ok: [204, null] },
  },
  "/wallets/email_accounts/{id}/refresh": {
    post: {
      summary: "A new provider access token",
      tag: "wallets",
      auth: true,
      ok: [200, "EmailTokenRefresh"],
    },
  },
  "/identity/dids/{id}": {
    get: { summary: "An agent's DID document", tag: "identity", auth: true, ok: [200, "DID"] },
  },
  "/identity/credentials/issue": {
    post: {
      summary: "Issue a VC-JWT signed by your master agent",
      tag: "identity",
      auth: true,
      json: {
        required: ["subject_id", "type", "claim"],
        properties: { subject_id: str, type: strings, claim: obj },
      },
      ok: [200, "CredentialResponse"],
    },
  },
  "/identity/credentials/verify": {
    post: {
      summary: "Verify a credential",
      tag: "identity",
      auth: true,
      json: { required: ["credential"], properties: { credential: { anyOf: [str, obj] } } },
      ok: [200, "CredentialVerification"],
    },
  },
};

function body(name: string | null): Schema | undefined {
  if (name === null) return undefined;
  if (name === "png") return { "image/png": { schema: { type: "string", format: "binary" } } };
  const schema = name.endsWith("[]")
    ? { type: "array", items: ref(name.slice(0, -2)) }
    : name.includes("|")
    ? { oneOf: name.split("|").map(ref) }
    : ref(name);
  return { "application/json": { schema } };
}

function operation(path: string, op: Operation): Schema {
  const errors: Record<string, Schema> = {
    "422": {
      description: "Validation error",
      content: { "application/json": { schema: ref("HTTPValidationError") } },
    },
  };
  for (const status of ["400", "401", "404", "413", "429"]) {
    errors[status] = {
      description: "Error",
      content: { "application/json": { schema: ref("HTTPError") } },
    };
  }
  const parameters = [
    ...(path.includes("{id}")
      ? [{
        name: "id",
        in: "path",
        required: true,
        description: ID,
        schema: { type: "string", maxLength: 256 },
      }]
      : []),
    ...(op.query ?? []).map((q) => ({
      name: q.name,
      in: "query",
      required: false,
      schema: q.schema,
    })),
  ];
  const requestBody = op.form
    ? {
      required: true,
      content: {
        "application/x-www-form-urlencoded": {
          schema: model(op.form, Object.fromEntries(op.form.map((f) => [f, str])), false),
        },
      },
    }
    : op.json
    ? {
      required: true,
      content: {
        "application/json": {
          schema: typeof op.json === "string"
            ? ref(op.json)
            : model(op.json.required, op.json.properties, false),
        },
      },
    }
    : undefined;
  return {
    tags: [op.tag],
    summary: op.summary,
    ...(op.auth ? { security: [{ bearer: [] }] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      [String(op.ok[0])]: {
        description: op.ok[1] === null ? "Done (no body)" : "Success",
        ...(body(op.ok[1]) ? { content: body(op.ok[1]) } : {}),
      },
      ...errors,
    },
  };
}

/** The OpenAPI 3.1 document of the API. */
export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "CirtusAI API (emulator)",
      version,
      description: "The wire contract of docs/API.md, as the emulator serves it.",
    },
    tags: ["auth", "agents", "wallets", "identity"].map((name) => ({ name })),
    paths: Object.fromEntries(
      Object.entries(OPERATIONS).map(([path, ops]) => [
        path,
        Object.fromEntries(
          Object.entries(ops).map(([method, op]) => [method, operation(path, op)]),
        ),
      ]),
    ),
    components: {
      schemas: SCHEMAS,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
    },
  };
}
