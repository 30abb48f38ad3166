import { createRoute, OpenAPIHono, type RouteHandler, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type Backend, randomToken } from "../backend.ts";
import { type AppEnv, requireUser } from "../env.ts";
import { notFound } from "../problem.ts";
import type { AssetRecord, EmailAccountRecord } from "../records.ts";
import { idParams, jsonObject, name } from "../schemas/fields.ts";
import { AssetList, EmailAccount, EmailTokenRefresh } from "../schemas/models.ts";
import {
  alias,
  AUTH_FAILURES,
  BEARER,
  BODY_FAILURES,
  error,
  json,
  jsonRequest,
  routesOn,
} from "../schemas/operation.ts";
import { getValue, setValue } from "../store.ts";
import { validationHook } from "../validation.ts";
import { assetBody } from "./agents.ts";
import { maskSecrets } from "../../sdk/mask_secrets.ts";

function accountBody(a: EmailAccountRecord) {
  return {
    id: a.id,
    provider: a.provider,
    email_address: a.email_address,
    config: maskSecrets(a.config) as Record<string, unknown>,
  };
}

/** `EmailAccountInput`: provider and address 1 to 256 characters, stored trimmed. */
const EmailAccountInput = z.object({
  provider: name("provider"),
  email_address: name("email_address"),
  config: jsonObject,
}).openapi("EmailAccountInput");

/** `/wallets`: assets and linked e-mail accounts. */
export function walletRoutes(backend: Backend): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const serve = routesOn(app, requireUser(backend));
  const tags = ["wallets"];
  const security = BEARER;
  const params = idParams("Email account");

  async function account(userId: string, id: string): Promise<EmailAccountRecord> {
    const found = await getValue<EmailAccountRecord>(backend.store, ["email_accounts", userId, id]);
    if (!found) throw notFound("Email account");
    return found;
  }

  serve(
    createRoute({
      method: "get",
      path: "/",
      operationId: "listAssets",
      tags,
      security,
      summary: "Every asset of your agents, oldest first",
      responses: { 200: json(AssetList, "`{assets: Asset[]}`"), ...AUTH_FAILURES },
    }),
    async (c) => {
      const assets = await backend.store.scan<AssetRecord>(["assets", c.get("user").id]);
      const sorted = assets.map((e) => e.value).sort((a, b) =>
        a.created_at.localeCompare(b.created_at)
      );
      return c.json({ assets: sorted.map(assetBody) }, 200);
    },
  );

  // One documented path for the list; the same handlers also answer it with a trailing slash
  // (docs/API.md: the SDKs call both spellings).
  const ALIAS = "The path is also served with a trailing slash (`/wallets/email_accounts/`).";
  const list = createRoute({
    method: "get",
    path: "/email_accounts",
    operationId: "listEmailAccounts",
    tags,
    security,
    summary: "Your linked e-mail accounts",
    description: ALIAS,
    responses: { 200: json(z.array(EmailAccount), "The accounts"), ...AUTH_FAILURES },
  });
  const listAccounts = async (c: Context<AppEnv>) => {
    const accounts = await backend.store.scan<EmailAccountRecord>([
      "email_accounts",
      c.get("user").id,
    ]);
    return c.json(accounts.map((e) => accountBody(e.value)), 200);
  };
  serve(list, listAccounts);
  serve(alias(list, "/email_accounts/"), listAccounts);

  const create = createRoute({
    method: "post",
    path: "/email_accounts",
    operationId: "createEmailAccount",
    tags,
    security,
    summary: "Link an e-mail account",
    description: ALIAS,
    request: { body: jsonRequest(EmailAccountInput) },
    responses: {
      201: json(EmailAccount, "The linked account (secrets masked)"),
      ...AUTH_FAILURES,
      ...BODY_FAILURES,
    },
  });
  const createAccount: RouteHandler<typeof create, AppEnv> = async (c) => {
    const body = c.req.valid("json");
    const record: EmailAccountRecord = {
      id: crypto.randomUUID(),
      user_id: c.get("user").id,
      provider: body.provider,
      email_address: body.email_address,
      config: body.config,
    };
    await setValue(backend.store, ["email_accounts", record.user_id, record.id], record);
    return c.json(accountBody(record), 201);
  };
  serve(create, createAccount);
  serve(alias(create, "/email_accounts/"), createAccount);

  serve(
    createRoute({
      method: "get",
      path: "/email_accounts/{id}",
      operationId: "getEmailAccount",
      tags,
      security,
      summary: "One linked e-mail account",
      request: { params },
      responses: {
        200: json(EmailAccount, "The account (secrets masked)"),
        ...AUTH_FAILURES,
        404: error("Email account not found"),
      },
    }),
    async (c) => c.json(accountBody(await account(c.get("user").id, c.req.valid("param").id)), 200),
  );

  serve(
    createRoute({
      method: "put",
      path: "/email_accounts/{id}",
      operationId: "updateEmailAccount",
      tags,
      security,
      summary: "Replace a linked e-mail account",
      request: { params, body: jsonRequest(EmailAccountInput) },
      responses: {
        200: json(EmailAccount, "The account (secrets masked)"),
        ...AUTH_FAILURES,
        ...BODY_FAILURES,
        404: error("Email account not found"),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const current = await account(c.get("user").id, c.req.valid("param").id);
      const next = {
        ...current,
        provider: body.provider,
        email_address: body.email_address,
        config: body.config,
      };
      await setValue(backend.store, ["email_accounts", current.user_id, current.id], next);
      return c.json(accountBody(next), 200);
    },
  );

  serve(
    createRoute({
      method: "delete",
      path: "/email_accounts/{id}",
      operationId: "deleteEmailAccount",
      tags,
      security,
      summary: "Unlink an e-mail account",
      request: { params },
      responses: {
        204: { description: "Unlinked" },
        ...AUTH_FAILURES,
        404: error("Email account not found"),
      },
    }),
    async (c) => {
      const current = await account(c.get("user").id, c.req.valid("param").id);
      await backend.deleteEmailAccount(current.user_id, current.id);
      return c.body(null, 204);
    },
  );

  serve(
    createRoute({
      method: "post",
      path: "/email_accounts/{id}/refresh",
      operationId: "refreshEmailToken",
      tags,
      security,
      summary: "A new provider access token (no body)",
      request: { params },
      responses: {
        200: json(EmailTokenRefresh, "`{access_token, token_type, expires_in}`"),
        ...AUTH_FAILURES,
        404: error("Email account not found"),
      },
    }),
    async (c) => {
      await account(c.get("user").id, c.req.valid("param").id);
      return c.json({
        access_token: `emu.${randomToken(24)}`,
        token_type: "Bearer",
        expires_in: 3600,
      }, 200);
    },
  );

  return app;
}
