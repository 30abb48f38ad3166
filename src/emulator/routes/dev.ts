import { Hono } from "hono";
import type { Backend } from "../backend.ts";
import type { AppEnv } from "../env.ts";
import { Problem, readJson } from "../problem.ts";
import type { SmsOutbox } from "../sms.ts";

/** `/_emulator`: helpers for tests and development (never part of the real API). */
export function devRoutes(backend: Backend, outbox: SmsOutbox): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

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
