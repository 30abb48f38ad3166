// Run by tests/runtimes_test.ts: the proxy's Worker bundle inside workerd (miniflare), in
// session mode, against the emulator at argv[2]: register, log in, call, all through the Worker.
import { Miniflare } from "miniflare";
import { Totp } from "../../dist/cirtusai.js";
import { workerCall } from "./worker_call.mjs";

const [upstream, secret] = process.argv.slice(2);
const mf = new Miniflare({
  modules: true,
  scriptPath: new URL("../../dist/cirtusai-proxy.js", import.meta.url).pathname,
  compatibilityDate: "2025-01-01",
  bindings: { CIRTUSAI_UPSTREAM: upstream, CIRTUSAI_COOKIE_SECRET: secret },
});
let cookie = "";
/** A call with the session cookie kept from the last answer that set one. */
async function call(method, path, options = {}) {
  const answer = await workerCall(mf, method, path, { ...options, cookie });
  if (answer.cookie) cookie = answer.cookie;
  return answer;
}
try {
  const username = `worker_${crypto.randomUUID().slice(0, 8)}`;
  const password = "correct horse battery";
  const reg = await call("POST", "/api/auth/register", {
    json: { username, email: `${username}@example.com`, password, preferred_2fa_method: "totp" },
  });
  const totp = await Totp.fromSecret(reg.body.secret);
  const login = await call("POST", "/api/auth/login", { form: { username, password } });
  const verified = await call("POST", "/api/auth/verify-2fa", {
    json: { temporary_token: login.body.temporary_token, totp_code: await totp.generate() },
  });
  const agents = await call("GET", "/api/agents");
  const refused = await call("GET", "/api/_emulator/sms");
  console.log(JSON.stringify({
    register: reg.status,
    requires_2fa: login.body.requires_2fa,
    verified: verified.body,
    set_cookie: verified.setCookie,
    agents_status: agents.status,
    agents: agents.body.length,
    emulator_refused: refused.status,
    cookie,
  }));
} finally {
  await mf.dispose();
}
