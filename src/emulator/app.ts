/**
 * `createEmulator()`: the CirtusAI API as a Hono app, with the real semantics (2FA, tokens,
 * DIDs, credentials), for tests, examples and local development.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { Backend } from "./backend.ts";
import { limitBody } from "../server/body_limit.ts";
import { requestLog } from "../server/request_log.ts";
import { EmulatorClock } from "./clock.ts";
import type { AppEnv } from "./env.ts";
import type { FetchApp } from "../server/fetch_app.ts";
import { OWASP_PBKDF2_ITERATIONS } from "./password.ts";
import { Problem } from "./problem.ts";
import { openApiDocument } from "./openapi.ts";
import { allowedMethods } from "./method_not_allowed.ts";
import { docsRoutes } from "./docs.ts";
import { VERSION } from "../sdk/version.ts";
import { agentRoutes } from "./routes/agents.ts";
import { authRoutes } from "./routes/auth.ts";
import { devRoutes } from "./routes/dev.ts";
import { identityRoutes } from "./routes/identity.ts";
import { walletRoutes } from "./routes/wallets.ts";
import { SmsOutbox, type SmsSender } from "./sms.ts";
import { MemoryStore, RecordTooLargeError, type Store, StoreBusyError } from "./store.ts";
import { hostCheck, loopbackOnly } from "./host_check.ts";
import { homePage } from "./home.ts";
import { KvStore } from "./kv_store.ts";
import { LoginThrottle, type ThrottleOptions } from "./throttle.ts";

/** An account made without 2FA, as accounts from before 2FA was mandatory. */
export interface LegacyUser {
  /** User name. */
  username: string;
  /** E-mail address. */
  email: string;
  /** Password (hashed when stored). */
  password: string;
}

/** Options of {@linkcode createEmulator}. */
export interface EmulatorOptions {
  /** Storage; default in memory. Use `KvStore` for data that survives restarts. */
  store?: Store;
  /** Clock; default real time (tests move it forward). */
  clock?: EmulatorClock;
  /** SMS delivery; default an in-memory outbox (also readable at `/_emulator/sms`). */
  smsSender?: SmsSender;
  /** PBKDF2 iterations for passwords; default 600 000 (OWASP). Tests may lower it. */
  pbkdf2Iterations?: number;
  /** Shortest password registration accepts; default 1, as the real backend's schema. */
  minPasswordLength?: number;
  /** HS256 key for access tokens; default random, kept in the store. */
  jwtSecret?: string;
  /** Login throttling limits. */
  throttle?: ThrottleOptions;
  /**
   * Addresses of proxies whose `X-Forwarded-For` is believed, so that the per-client login
   * limit sees the real client behind them (the edge proxy sends it); default loopback only.
   */
  trustedProxies?: string[];
  /** Origins allowed by CORS; default any localhost origin. `"*"` allows every origin. */
  corsOrigins?: string[] | "*";
  /** Serve `/_emulator/*` helpers; default true. */
  devRoutes?: boolean;
  /**
   * Serve `/_emulator/*` (and its UI) to clients on other machines too; default false: they
   * answer loopback connections only (they show every account's current code).
   */
  exposeDevRoutes?: boolean;
  /**
   * Host names answered besides loopback ones (`localhost`, `*.localhost`, `127.0.0.0/8`,
   * `[::1]`): exact names, `.example.test` for a name and its subdomains, `"*"` for any. A
   * request whose `Host` is another name is a 403, so that a DNS-rebinding page cannot reach the
   * emulator; requests without `Host` (in process) pass.
   */
  allowedHosts?: string[];
  /** Accounts without 2FA created at start. */
  legacyUsers?: LegacyUser[];
  /** Called with one line per request (method, path, status, duration). */
  log?: (line: string) => void;
  /** Largest accepted request body in bytes; default 1 MiB. */
  maxBodyBytes?: number;
}

/** A running emulator: the app and its parts, for tests. */
export interface Emulator {
  /** The app: `Deno.serve(emulator.app.fetch)`, `export default emulator.app` on Workers. */
  app: FetchApp;
  /** A `fetch` that calls the app in-process: pass it as the SDK client's `fetch`. */
  fetch: (input: Request | URL | string, init?: RequestInit) => Promise<Response>;
  /** The storage. */
  store: Store;
  /** The clock. */
  clock: EmulatorClock;
  /** Sent SMS messages (when no other sender was given). */
  outbox: SmsOutbox;
  /** Resolves once start-up work (legacy users) is done. */
  ready: Promise<void>;
  /** Creates an account without 2FA. */
  createLegacyUser(user: LegacyUser): Promise<void>;
}

const LOCALHOST = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * Creates the emulator.
 *
 * @example
 * ```ts
 * import { CirtusAIClient } from "@cirtusai/sdk";
 * import { createEmulator } from "@cirtusai/sdk/emulator";
 * const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
 * const client = new CirtusAIClient("http://emulator.local", { fetch: emulator.fetch });
 * await client.auth.register({ username: "ada", email: "ada@example.com", password: "long password" });
 * ```
 */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const clock = options.clock ?? new EmulatorClock();
  // The memory store expires entries on the emulator's clock, which tests move.
  const store = options.store ?? new MemoryStore({ now: () => clock.now() });
  const outbox = new SmsOutbox();
  const backend = new Backend({
    store,
    clock,
    sms: options.smsSender ?? outbox,
    throttle: new LoginThrottle(options.throttle),
    pbkdf2Iterations: options.pbkdf2Iterations ?? OWASP_PBKDF2_ITERATIONS,
    minPasswordLength: options.minPasswordLength,
    trustedProxies: options.trustedProxies,
    jwtSecret: options.jwtSecret,
  });
  const createLegacyUser = async (user: LegacyUser) => {
    await backend.createUser({ ...user, method: "totp", twoFactor: false });
  };
  // The clock first: it is part of the stored state (an emulator restarted on its data).
  const ready = backend.restoreClock()
    .then(() => Promise.all((options.legacyUsers ?? []).map(createLegacyUser))).then(() => {});
  // A failed start (the store closed or unreadable) is reported to the requests that wait for it
  // and to `emulator.ready`'s own callers, never as an unhandled rejection of its own.
  ready.catch(() => {});

  const app = new OpenAPIHono<AppEnv>();
  // ---- the emulator's own front (request log, Host check, GET /): not part of the API ----
  if (options.log) app.use("*", requestLog(options.log));
  app.use("*", hostCheck(options.allowedHosts));
  const devRoutesOn = options.devRoutes ?? true;
  app.get(
    "/",
    homePage({
      store: store instanceof MemoryStore ? "memory" : store instanceof KvStore ? "kv" : "custom",
      devRoutes: devRoutesOn,
    }),
  );
  // ---- end of the emulator's own front ----
  const allowed = options.corsOrigins ?? [];
  const allowedOrigin = (origin: string) =>
    allowed === "*" || allowed.includes(origin) ||
    (!options.corsOrigins && LOCALHOST.test(origin));
  app.use(
    "*",
    cors({
      origin: (origin) => (allowedOrigin(origin) ? origin : null),
      allowHeaders: ["Authorization", "Content-Type"],
      allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
      maxAge: 600,
    }),
  );
  app.use("*", async (_c, next) => {
    await ready;
    await next();
  });
  app.use("*", limitBody(options.maxBodyBytes ?? 1024 * 1024));

  // The wire contract as OpenAPI 3.1, where FastAPI serves its own: made from the routes.
  let document: Record<string, unknown> | undefined;
  // The document names the origin it was fetched from as its server, so that /docs' "Try it out"
  // calls this emulator whatever its port (the Host check has already vetted that origin).
  app.get("/openapi.json", (c) => {
    document ??= openApiDocument(app, VERSION) as Record<string, unknown>;
    const servers = [{ url: new URL(c.req.url).origin, description: "this emulator" }];
    return c.json({ ...document, servers });
  });
  app.route("/docs", docsRoutes());
  app.route("/auth", authRoutes(backend));
  app.route("/agents", agentRoutes(backend));
  app.route("/wallets", walletRoutes(backend));
  app.route("/identity", identityRoutes(backend));
  if (devRoutesOn) {
    // Never "*": a page from anywhere must not reset or fill a developer's emulator.
    const local = (origin: string) => allowed !== "*" && allowedOrigin(origin);
    if (!options.exposeDevRoutes) {
      app.use("/_emulator/*", loopbackOnly("The /_emulator routes", "--expose-dev-routes"));
    }
    app.route("/_emulator", devRoutes(backend, outbox, local));
  }

  const methodsOf = allowedMethods(app.routes);
  app.notFound((c) => {
    const methods = methodsOf(c.req.path);
    return methods
      ? c.json({ detail: "Method Not Allowed" }, 405, { allow: methods })
      : c.json({ detail: "Not Found" }, 404);
  });
  app.onError((err, c) => {
    if (err instanceof Problem) {
      return c.json({ detail: err.detail }, err.status as 400, err.headers);
    }
    if (err instanceof RecordTooLargeError) {
      // Refused before anything was written, by the store, whichever route wrote it.
      return c.json({ detail: err.message }, 413);
    }
    if (err instanceof StoreBusyError) {
      // The operation kept conflicting with concurrent writes: nothing was written; try again.
      return c.json({ detail: err.message }, 503, { "retry-after": "1" });
    }
    if (err instanceof HTTPException) {
      return c.json({ detail: err.message || "Bad Request" }, err.status);
    }
    // Never a stack trace (or anything from the request) in a response.
    console.error(`emulator: unexpected error on ${c.req.method} ${c.req.path}: ${err.name}`);
    return c.json({ detail: "Internal Server Error" }, 500);
  });

  return {
    app,
    fetch: (input, init) => Promise.resolve(app.fetch(new Request(input, init))),
    store,
    clock,
    outbox,
    ready,
    createLegacyUser,
  };
}
