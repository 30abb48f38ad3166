// Issue 8: the SDK and the proxy proven on the runtimes they claim. The bundles are built, the
// emulator is served by Deno on loopback, and Node, Bun, headless Chromium and workerd run
// against it.
// A missing runtime fails the test with the command that installs it; nothing is skipped.
import assert from "node:assert/strict";
import { CirtusAIClient, Totp } from "../mod.ts";
import { build } from "../scripts/build.ts";
import { createEmulator, serveEmulator } from "../src/emulator/mod.ts";
import { createProxy } from "../src/proxy/mod.ts";
import { SessionSealer } from "../src/proxy/session_cookie.ts";
import { bunPath } from "../scripts/tools.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RUNTIMES = `${ROOT}tests/runtimes/`;
const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const SECRET = "dmjnjj5nG5xUcYBzy8cPjKjZjSowjYZv6ASM4UAzLGY="; // openssl rand -base64 32

let built: Promise<unknown> | null = null;
function bundles(): Promise<unknown> {
  built ??= build();
  return built;
}

async function requireFile(path: string, install: string): Promise<void> {
  try {
    await Deno.stat(path);
  } catch {
    throw new Error(`${path} is missing. Install it with: ${install}`);
  }
}

/** Debian's Chromium and playwright-core, which drive the browser tests. */
async function requireChromium(): Promise<void> {
  await requireFile(CHROMIUM, "apt-get install -y chromium");
  await requireFile(`${RUNTIMES}node_modules/playwright-core/package.json`, NPM_CI);
}

async function node(
  script: string,
  args: string[],
  runtime = "node",
): Promise<Record<string, unknown>> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(runtime, {
      args: [`${RUNTIMES}${script}`, ...args],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error("Node.js is missing. Install Node 20 or newer (apt-get install -y nodejs)");
    }
    throw err;
  }
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `${runtime} ${script} failed:\n${stderr}\n${stdout}`);
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

const NPM_CI = `npm ci --prefix tests/runtimes`;

for (const runtime of ["Node", "Bun"]) {
  Deno.test(`${runtime} runs the SDK bundle: register, login, verify, agents, credential`, async () => {
    await bundles();
    const program = runtime === "Bun" ? await bunPath() : "node";
    const emulator = await serveEmulator({ port: 0, pbkdf2Iterations: 1_000 });
    try {
      const result = await node("sdk_flow.mjs", [emulator.url], program);
      assert.match(String(result.runtime), runtime === "Bun" ? /^bun \d/ : /^node v\d+/);
      assert.match(String(result.master_did), /^did:key:z6Mk/);
      assert.equal(result.child_parent, true);
      assert.equal(result.server_verified, true);
      assert.equal(result.offline_verified, true);
      assert.equal(
        result.error_class,
        "NotFoundError",
        "error classes keep their names in the bundle",
      );
    } finally {
      await emulator.close();
    }
  });
}

function serveFiles(
  routes: Record<string, string>,
  fallback?: (req: Request) => Response | Promise<Response>,
) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const file = routes[path];
    if (file) {
      const type = file.endsWith(".html")
        ? "text/html; charset=utf-8"
        : "text/javascript; charset=utf-8";
      return new Response(await Deno.readFile(file), { headers: { "content-type": type } });
    }
    return fallback ? await fallback(req) : new Response("not found", { status: 404 });
  });
}

Deno.test("Chromium: two tabs sharing a LocalStorageTokenStore refresh once (Web Locks)", async () => {
  await requireChromium();
  await bundles();
  const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  let refreshes = 0;
  const api = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    // POSTs only: the browser's CORS preflight (OPTIONS) spends no token.
    if (req.method === "POST" && new URL(req.url).pathname === "/auth/refresh") refreshes++;
    return await emulator.app.fetch(req);
  });
  const pages = serveFiles({
    "/tabs.html": `${RUNTIMES}shared_tabs.html`,
    "/dist/cirtusai.js": `${ROOT}dist/cirtusai.js`,
  });
  try {
    const apiUrl = `http://127.0.0.1:${api.addr.port}`;
    const pageUrl = `http://127.0.0.1:${pages.addr.port}/tabs.html?api=${
      encodeURIComponent(apiUrl)
    }`;
    const result = await node("shared_tabs.mjs", [pageUrl, apiUrl]) as {
      ready: { ok: boolean; locks: boolean; error?: string }[];
      advanced: number;
      tabs: { ok: boolean; token?: string; error?: string }[];
      again: { ok: boolean; error?: string };
    };
    for (const r of result.ready) assert.equal(r.ok, true, String(r.error));
    assert.ok(result.ready.every((r) => r.locks), "Chromium has Web Locks");
    assert.equal(result.advanced, 200);
    for (const tab of result.tabs) assert.equal(tab.ok, true, String(tab.error));
    assert.equal(result.tabs[0].token, result.tabs[1].token, "both tabs hold the new token");
    assert.equal(refreshes, 1, "one refresh for both tabs");
    assert.equal(result.again.ok, true, "the session was not revoked");
  } finally {
    await api.shutdown();
    await pages.shutdown();
  }
});

Deno.test("Chromium: the SDK across origins, and a session-mode login through the edge proxy", async () => {
  await requireChromium();
  await bundles();
  const emulator = await serveEmulator({ port: 0, pbkdf2Iterations: 1_000 });
  const pages = serveFiles({
    "/flow.html": `${RUNTIMES}flow.html`,
    "/dist/cirtusai.js": `${ROOT}dist/cirtusai.js`,
    "/dist/cirtusai-did.js": `${ROOT}dist/cirtusai-did.js`,
  });
  // Its handler below passes no connection info: one client key for the one browser.
  const proxy = createProxy({
    upstream: emulator.url,
    cookieSecret: SECRET,
    clientKey: () => "browser",
  });
  const proxyServer = serveFiles(
    {
      "/login.html": `${RUNTIMES}proxy_login.html`,
      "/dist/cirtusai.js": `${ROOT}dist/cirtusai.js`,
    },
    (req) => proxy.fetch(req),
  );
  try {
    const pageUrl = `http://127.0.0.1:${pages.addr.port}/flow.html?api=${
      encodeURIComponent(emulator.url)
    }`;
    const proxyUrl = `http://127.0.0.1:${proxyServer.addr.port}/login.html`;
    const { flow, proxy: bff, cookies, cookies_after_logout } = await node("browser_flow.mjs", [
      pageUrl,
      proxyUrl,
    ]) as {
      flow: Record<string, unknown>;
      proxy: Record<string, unknown> & { after: Record<string, unknown> };
      cookies: {
        name: string;
        value: string;
        httpOnly: boolean;
        secure: boolean;
        sameSite: string;
      }[];
      cookies_after_logout: { name: string }[];
    };
    assert.equal(flow.ok, true, String(flow.error));
    assert.notEqual(
      new URL(String(flow.origin)).origin,
      new URL(String(flow.api)).origin,
      "cross-origin",
    );
    assert.match(String(flow.master_did), /^did:key:z6Mk/);
    assert.equal(flow.server_verified, true);
    assert.equal(flow.offline_verified, true);
    assert.equal(flow.token_stored, true, "LocalStorageTokenStore kept the tokens");

    assert.equal(bff.ok, true, String(bff.error));
    assert.equal(bff.requires_2fa, true);
    assert.deepEqual(bff.verified, { authenticated: true, expires_in: 1800 });
    assert.equal(bff.agents_status, 200);
    assert.equal(bff.agents, 1);
    assert.ok(
      !String(bff.document_cookie).includes("cirtusai_session"),
      "the session cookie is HttpOnly",
    );

    // The browser really holds the session cookie, with the promised attributes...
    const cookie = cookies.find((c) => c.name === "cirtusai_session");
    assert.ok(cookie, "the browser kept the session cookie");
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, "Strict");
    // ...and what it holds never reached the page.
    const session = await new SessionSealer(SECRET, "cirtusai_session").open(cookie.value);
    assert.ok(session?.access_token && session.refresh_token);
    const bodies = (bff.bodies as string[]).join("\n");
    assert.ok(!bodies.includes(session.access_token) && !bodies.includes(session.refresh_token!));
    assert.ok(
      !/access_token|refresh_token/.test(bodies),
      "no token field in any response the page saw",
    );

    assert.deepEqual(bff.after.logout, { authenticated: false });
    assert.equal(bff.after.after_logout_status, 401);
    assert.ok(
      !cookies_after_logout.some((c) => c.name === "cirtusai_session"),
      "logout removed the cookie",
    );
  } finally {
    await pages.shutdown();
    await proxyServer.shutdown();
    await emulator.close();
  }
});

Deno.test("Chromium: the emulator's UI (accounts with their current code, the agent tree, SMS, the clock) and /docs", async () => {
  await requireChromium();
  const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req, info) => emulator.app.fetch(req, info),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const ada = new CirtusAIClient(base);
    const setup = await ada.auth.register({
      username: "ada",
      email: "ada@example.com",
      password: "pw",
    });
    await ada.auth.loginWith2fa("ada", "pw", { totpSecret: setup.secret });
    const [master] = await ada.agents.listAgents();
    const scout = await ada.agents.createChildAgent(master.id, "scout");
    await ada.agents.updateChildPermissions(scout.id, { send_email: true });
    await ada.agents.provisionWallet(scout.id, "base");
    await ada.identity.issueCredential({
      subject_id: scout.id,
      types: ["AgentCapability"],
      claim: {},
    });
    const sam = new CirtusAIClient(base);
    await sam.auth.register({
      username: "sam",
      email: "sam@example.com",
      password: "pw",
      preferred_2fa_method: "sms",
    });
    await sam.auth.login("sam", "pw"); // sends an SMS code
    await Deno.mkdir(`${ROOT}tests/output`, { recursive: true });
    const shot = `${ROOT}tests/output/emulator_ui.png`;
    const result = await node("emulator_ui.mjs", [`${base}/_emulator/ui`, "ada", shot]) as {
      code: string;
      left: string;
      tree: string;
      sms: string;
      clockBefore: string;
      clockAfter: string;
      errors: string[];
    };
    assert.deepEqual(result.errors, []);
    const totp = await Totp.fromSecret(setup.secret);
    const now = emulator.clock.now() - 3600_000; // before the page advanced it
    const valid = await Promise.all([-1, 0, 1].map((k) => totp.generate(now + k * 30_000)));
    assert.ok(valid.includes(result.code), `the page shows ${result.code}, TOTP says ${valid}`);
    const left = Number(/^(\d+) s$/.exec(result.left)?.[1]);
    assert.ok(left >= 0 && left <= 30, `the code's seconds left: ${result.left}`);
    assert.match(result.tree, /ada's agent[\s\S]*scout/);
    assert.match(result.tree, /send_email/);
    const smsCode = emulator.outbox.messages.at(-1)!.code;
    assert.ok(result.sms.includes(smsCode) && result.sms.includes("sam"), result.sms);
    const hours = (Date.parse(result.clockAfter.replace(" UTC", "Z").replace(" ", "T")) -
      Date.parse(result.clockBefore.replace(" UTC", "Z").replace(" ", "T"))) / 3600_000;
    assert.ok(hours > 0.99 && hours < 1.01, `the clock moved ${hours} h`);
    assert.ok((await Deno.stat(shot)).size > 10_000, "a screenshot was taken");
    // /docs renders the reference from /openapi.json, from this origin only.
    const docs = await node("docs_page.mjs", [
      `${base}/docs`,
      `${ROOT}tests/output/emulator_docs.png`,
    ]) as {
      operations: string[];
      title: string;
      errors: string[];
      foreign: string[];
    };
    assert.deepEqual(docs.errors, []);
    assert.deepEqual(docs.foreign, [], "no request leaves the emulator's origin");
    assert.match(docs.title, /CirtusAI API/);
    for (const path of ["/auth/login", "/agents/children", "/identity/credentials/verify"]) {
      assert.ok(
        docs.operations.some((o) => o.replace(/\u200b/g, "") === path),
        `${path} is listed`,
      );
    }
    assert.ok(docs.operations.length >= 30, `${docs.operations.length} operations`);
    // Off with devRoutes: false.
    const off = createEmulator({ devRoutes: false });
    assert.equal((await off.fetch("http://e/_emulator/ui")).status, 404);
  } finally {
    await server.shutdown();
  }
});

Deno.test("Chromium: the example web app's whole flow through the proxy, with no token the page can read", async () => {
  await requireChromium();
  await bundles();
  const emulator = await serveEmulator({ port: 0, pbkdf2Iterations: 1_000 });
  const { webApp } = await import("../examples/web/serve.ts");
  const web = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    webApp({ upstream: emulator.url, cookieSecret: SECRET }),
  );
  try {
    await Deno.mkdir(`${ROOT}tests/output`, { recursive: true });
    const result = await node("web_app.mjs", [
      `http://127.0.0.1:${web.addr.port}/`,
      `${ROOT}tests/output/web_app.png`,
    ]) as Record<string, unknown> & {
      readable: Record<string, string>;
      session_cookie: { httpOnly: boolean } | null;
    };
    assert.deepEqual(result.errors, []);
    assert.equal(result.error, "");
    assert.equal(result.backup, 8, "the backup codes are shown");
    assert.equal(result.qr, "data:image/png;base64,");
    assert.match(String(result.master), /'s agent$/);
    assert.match(String(result.child), /Child "researcher" .* may: \{"send_email":true\}/);
    assert.match(String(result.wallet), /^Wallet on base: 0x[0-9a-fA-F]{40}$/);
    assert.match(String(result.credential), /verified by the server: true$/);
    assert.equal(result.session_cookie?.httpOnly, true, "the session is an HttpOnly cookie");
    assert.ok(!result.readable.cookie.includes("cirtusai_session"), "no cookie the page can read");
    for (const where of [result.readable.local, result.readable.session]) {
      assert.equal(where, "{}", "nothing in storage");
    }
  } finally {
    await web.shutdown();
    await emulator.close();
  }
});

Deno.test("workerd: the proxy's Worker bundle logs in and calls the emulator", async () => {
  await requireFile(`${RUNTIMES}node_modules/miniflare/package.json`, NPM_CI);
  await bundles();
  const emulator = await serveEmulator({ port: 0, pbkdf2Iterations: 1_000 });
  try {
    const result = await node("workerd_flow.mjs", [emulator.url, SECRET]);
    assert.equal(result.register, 201);
    assert.equal(result.requires_2fa, true);
    assert.deepEqual(result.verified, { authenticated: true, expires_in: 1800 });
    assert.match(String(result.set_cookie), /HttpOnly/i);
    assert.equal(result.agents_status, 200);
    assert.equal(result.agents, 1);
    assert.equal(result.emulator_refused, 404);
    const session = await new SessionSealer(SECRET, "cirtusai_session").open(
      String(result.cookie).split("=")[1],
    );
    assert.ok(session?.access_token, "the Worker sealed a cookie this key opens");
  } finally {
    await emulator.close();
  }
});

Deno.test("workerd: with its Durable Object store, one refresh for 8 parallel calls, logout everywhere, one rate limit", async () => {
  await requireFile(`${RUNTIMES}node_modules/miniflare/package.json`, NPM_CI);
  await bundles();
  const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  let refreshes = 0;
  const api = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req, info) => {
    if (req.method === "POST" && new URL(req.url).pathname === "/auth/refresh") refreshes++;
    return emulator.app.fetch(req, info);
  });
  try {
    const result = await node("workerd_instances.mjs", [
      `http://127.0.0.1:${api.addr.port}`,
      SECRET,
    ]);
    assert.equal(result.verified, 200);
    assert.deepEqual(result.parallel, Array(8).fill(200));
    // One refresh for the 8 calls, then the logout's two uses of the latest refresh token.
    assert.equal(refreshes, 3, "one refresh upstream for the 8 calls");
    assert.equal(result.rotated, true);
    assert.equal(result.stale, 200, "the stale cookie gets the current session");
    assert.equal(result.logout, 200);
    assert.equal(result.after_logout, 401);
    assert.equal(result.stale_after_logout, 401);
    assert.deepEqual(result.limits, [401, 401, 401, 429, 429]);
    assert.equal(
      Math.max(...(result.counted as number[])),
      6,
      "the rate limit was counted in the Durable Object",
    );
    assert.equal(refreshes, 3);
  } finally {
    await api.shutdown();
  }
});

Deno.test("workerd: overlapping requests each time out, in the proxy and in the SDK", async () => {
  await requireFile(`${RUNTIMES}node_modules/miniflare/package.json`, NPM_CI);
  await bundles();
  const result = await node("workerd_timeouts.mjs", []);
  const timedOut = `504 ${JSON.stringify({ detail: "Upstream timed out" })}`;
  assert.deepEqual(result.proxy, [timedOut, timedOut]);
  assert.deepEqual(result.sdk, ["200 APIConnectionTimeoutError", "200 APIConnectionTimeoutError"]);
});
