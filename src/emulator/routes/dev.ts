import { Hono } from "hono";
import type { Backend } from "../backend.ts";
import type { AppEnv } from "../env.ts";
import { MAX_ID_LENGTH, Problem, readJson } from "../problem.ts";
import type { SmsOutbox } from "../sms.ts";
import type { AssetRecord, EmailAccountRecord, UserRecord } from "../records.ts";
import { Totp } from "../../sdk/totp.ts";
import { agentBody, assetBody } from "./agents.ts";
import { maskSecrets } from "../../sdk/mask_secrets.ts";
import { EMULATOR_UI } from "../ui.ts";
import { MAX_CLOCK_OFFSET_MS } from "../clock.ts";

/** The clock as the dev routes show it: now, and how far ahead of real time. */
function clockBody(backend: Backend) {
  return { now: backend.now() / 1000, offset_seconds: backend.clock.offset / 1000 };
}

/**
 * `/_emulator`: helpers for tests and development (never part of the real API). They change
 * state with no credentials, so they refuse what a foreign web page could send: a request with an
 * `Origin` other than the emulator's own or an allowed local one (403), and any state-changing
 * request whose body is not JSON (415; a cross-site form or `text/plain` POST needs no preflight).
 */
export function devRoutes(
  backend: Backend,
  outbox: SmsOutbox,
  allowedOrigin: (origin: string) => boolean,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    const own = origin !== undefined && origin === new URL(c.req.url).origin;
    if (
      (origin !== undefined && !own && !allowedOrigin(origin)) ||
      (site === "cross-site" && !(origin && allowedOrigin(origin)))
    ) {
      throw new Problem(403, "Cross-site requests to /_emulator are refused");
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && c.req.method !== "OPTIONS") {
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        throw new Problem(415, "Send JSON (Content-Type: application/json)");
      }
    }
    await next();
  });

  app.get("/sms", (c) => c.json({ messages: outbox.messages }));

  app.get("/ui", (c) =>
    c.html(EMULATOR_UI, 200, {
      // The page talks to this origin only.
      "content-security-policy":
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
    }));

  app.get("/clock", (c) => c.json(clockBody(backend)));

  // Every account, with the TOTP code its authenticator shows now (the emulator's clock).
  app.get("/accounts", async (c) => {
    const now = backend.now();
    const users = (await backend.store.scan<UserRecord>(["users"])).map((e) => e.value);
    const accounts = await Promise.all(users.map(async (u) => {
      const secret = u.pending_totp_secret ?? u.totp_secret;
      const totp = secret ? await Totp.fromSecret(secret) : null;
      return {
        id: u.id,
        username: u.username,
        email: u.email,
        legacy: !u.totp_secret && !u.pending_totp_secret,
        is_2fa_enabled: u.is_2fa_enabled,
        method: u.preferred_2fa_method,
        backup_codes_left: u.backup_codes.length,
        code: totp ? await totp.generate(now) : null,
        seconds_left: totp ? totp.secondsRemaining(now) : null,
        created_at: u.created_at,
      };
    }));
    return c.json({ now: now / 1000, accounts });
  });

  // One account's agents, assets, e-mail accounts (secrets masked) and issued credentials.
  app.get("/accounts/:id", async (c) => {
    const id = c.req.param("id");
    const user = id.length > MAX_ID_LENGTH ? null : await backend.getUser(id);
    if (!user) throw new Problem(404, "Account not found");
    const scan = async <T>(prefix: string) =>
      (await backend.store.scan<T>([prefix, user.id])).map((e) => e.value);
    return c.json({
      agents: (await backend.listAgents(user.id)).map(agentBody),
      assets: (await scan<AssetRecord>("assets")).map(assetBody),
      email_accounts: (await scan<EmailAccountRecord>("email_accounts")).map((a) => ({
        id: a.id,
        provider: a.provider,
        email_address: a.email_address,
        config: maskSecrets(a.config),
      })),
      credentials: await scan("credentials"),
    });
  });

  app.post("/clock/advance", async (c) => {
    const { seconds } = await readJson<{ seconds: number }>(c, {});
    const room = (MAX_CLOCK_OFFSET_MS - backend.clock.offset) / 1000;
    if (typeof seconds !== "number" || !(seconds >= 0 && seconds <= room)) {
      throw new Problem(422, [{
        loc: ["body", "seconds"],
        msg: `seconds must be a number from 0 to ${Math.floor(room)} ` +
          "(the clock runs at most 100 years ahead of real time)",
        type: "value_error",
      }]);
    }
    backend.clock.advance(seconds * 1000);
    await backend.clockSaved();
    return c.json(clockBody(backend));
  });

  // Back to real time, where authenticator apps are (the data stays).
  app.post("/clock/reset", async (c) => {
    backend.clock.reset();
    await backend.clockSaved();
    return c.json(clockBody(backend));
  });

  app.post("/reset", async (c) => {
    await backend.reset();
    outbox.clear();
    return c.json({ message: "Emulator reset" });
  });

  app.post("/legacy-users", async (c) => {
    const body = await readJson<{ username: string; email: string; password: string }>(c, {
      username: "string",
      email: "string",
      password: "string",
    });
    const { user } = await backend.createUser({ ...body, method: "totp", twoFactor: false });
    return c.json({ id: user.id, username: user.username, email: user.email }, 201);
  });

  return app;
}
