import { Hono } from "hono";
import type { Backend } from "../backend.ts";
import type { AppEnv } from "../env.ts";
import { Problem, readJson } from "../problem.ts";
import type { SmsOutbox } from "../sms.ts";

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

  app.post("/clock/advance", async (c) => {
    const { seconds } = await readJson<{ seconds: number }>(c, {});
    if (typeof seconds !== "number" || !(seconds >= 0)) {
      throw new Problem(422, [{
        loc: ["body", "seconds"],
        msg: "seconds must be a non-negative number",
        type: "value_error",
      }]);
    }
    return c.json({ now: backend.clock.advance(seconds * 1000) / 1000 });
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
