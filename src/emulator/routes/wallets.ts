import { type Context, Hono } from "hono";
import { type Backend, randomToken } from "../backend.ts";
import { type AppEnv, requireUser } from "../env.ts";
import { MAX_ID_LENGTH, notFound, Problem, readJson } from "../problem.ts";
import type { AssetRecord, EmailAccountRecord } from "../records.ts";
import { getValue, setValue } from "../store.ts";
import { assetBody } from "./agents.ts";
import { maskSecrets } from "../mask_secrets.ts";

function accountBody(a: EmailAccountRecord) {
  return {
    id: a.id,
    provider: a.provider,
    email_address: a.email_address,
    config: maskSecrets(a.config),
  };
}

const SHAPE = { provider: "string", email_address: "string", config: "object" } as const;

/** An e-mail account's fields from the body: provider and address at most 256 characters. */
async function readAccount(c: Context) {
  const body = await readJson<Omit<EmailAccountRecord, "id" | "user_id">>(c, SHAPE);
  const issues = (["provider", "email_address"] as const)
    .filter((f) => !body[f].trim() || body[f].length > 256)
    .map((f) => ({
      loc: ["body", f],
      msg: `${f} must be 1 to 256 characters`,
      type: "value_error",
    }));
  if (issues.length) throw new Problem(422, issues);
  return body;
}

/** `/wallets`: assets and linked e-mail accounts. */
export function walletRoutes(backend: Backend): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", requireUser(backend));

  async function account(userId: string, id: string): Promise<EmailAccountRecord> {
    const found = id.length > MAX_ID_LENGTH
      ? null
      : await getValue<EmailAccountRecord>(backend.store, ["email_accounts", userId, id]);
    if (!found) throw notFound("Email account");
    return found;
  }

  app.get("/", async (c) => {
    const assets = await backend.store.scan<AssetRecord>(["assets", c.get("user").id]);
    const sorted = assets.map((e) => e.value).sort((a, b) =>
      a.created_at.localeCompare(b.created_at)
    );
    return c.json({ assets: sorted.map(assetBody) });
  });

  // The list path is served with and without its trailing slash.
  const collection = ["/email_accounts", "/email_accounts/"];

  app.on("GET", collection, async (c) => {
    const accounts = await backend.store.scan<EmailAccountRecord>([
      "email_accounts",
      c.get("user").id,
    ]);
    return c.json(accounts.map((e) => accountBody(e.value)));
  });

  app.on("POST", collection, async (c) => {
    const body = await readAccount(c);
    const record: EmailAccountRecord = {
      id: crypto.randomUUID(),
      user_id: c.get("user").id,
      provider: body.provider,
      email_address: body.email_address,
      config: body.config,
    };
    await setValue(backend.store, ["email_accounts", record.user_id, record.id], record);
    return c.json(accountBody(record), 201);
  });

  app.get(
    "/email_accounts/:id",
    async (c) => c.json(accountBody(await account(c.get("user").id, c.req.param("id")))),
  );

  app.put("/email_accounts/:id", async (c) => {
    const body = await readAccount(c);
    const current = await account(c.get("user").id, c.req.param("id"));
    const next = {
      ...current,
      provider: body.provider,
      email_address: body.email_address,
      config: body.config,
    };
    await setValue(backend.store, ["email_accounts", current.user_id, current.id], next);
    return c.json(accountBody(next));
  });

  app.delete("/email_accounts/:id", async (c) => {
    const current = await account(c.get("user").id, c.req.param("id"));
    await backend.deleteEmailAccount(current.user_id, current.id);
    return c.body(null, 204);
  });

  app.post("/email_accounts/:id/refresh", async (c) => {
    await account(c.get("user").id, c.req.param("id"));
    return c.json({
      access_token: `emu.${randomToken(24)}`,
      token_type: "Bearer",
      expires_in: 3600,
    });
  });

  return app;
}
