// Run by tests/proxy_origin_test.ts: headless Chromium against the proxy served on Node. argv[2]
// is JSON: `logins`, pages of the proxy's origin (under several names) that log in as a person's
// page does; then `attacker`, a page on another port of the same host, in the same browser (the
// victim's cookies are sent to every port of a host), which tries to read and change the victim's
// account through the proxy with request targets such as `//127.0.0.1:PORT/api/...`.
// `resolve` maps a host name to 127.0.0.1 (the machine's name, whatever this machine resolves).
import { launchChromium } from "./chromium.mjs";

const { logins, attacker, resolve } = JSON.parse(process.argv[2]);
const browser = await launchChromium(
  resolve ? [`--host-resolver-rules=MAP ${resolve} 127.0.0.1`] : [],
);
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const results = [];
  for (const login of logins) {
    await page.goto(login.url);
    results.push(
      await page.evaluate(async ({ username, password, code }) => {
        const first = await fetch("/api/auth/login", {
          method: "POST",
          body: new URLSearchParams({ username, password }),
        });
        const started = await first.json().catch(() => null);
        const verify = await fetch("/api/auth/verify-2fa", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ temporary_token: started?.temporary_token, totp_code: code }),
        });
        const agents = await fetch("/api/agents");
        return {
          origin: location.origin,
          login: first.status,
          verify: verify.status,
          agents: agents.status,
        };
      }, login),
    );
  }
  await page.goto(attacker.url);
  const attack = await page.evaluate(async (proxy) => {
    const read = async (url, init = {}) => {
      try {
        const res = await fetch(url, { credentials: "include", ...init });
        return { status: res.status, body: await res.text() };
      } catch (err) {
        return { error: err.name };
      }
    };
    const mine = `//${location.host}`;
    const agents = await read(`${proxy}${mine}/api/agents`);
    let parent = "unknown";
    try {
      parent = JSON.parse(agents.body)[0].id;
    } catch {
      // not readable
    }
    return {
      origin: location.origin,
      debug: await read(`${proxy}${mine}/api/auth/debug-2fa`),
      direct: await read(`${proxy}/api/auth/debug-2fa`),
      agents,
      create: await read(`${proxy}${mine}/api/agents/children`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ parent_id: parent, name: "planted" }),
      }),
    };
  }, attacker.proxy);
  console.log(JSON.stringify({ results, attack, cookies: await context.cookies() }));
} finally {
  await browser.close();
}
