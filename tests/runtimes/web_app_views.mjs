// Run by tests/web_app_test.ts: the example web app (argv[2]) in headless Chromium at a width of
// argv[4] px, as a person meets it: the state on load, a wrong password, a registration whose
// passwords differ, the enrolment with a wrong code then a right one, a reload that keeps the
// session, permissions that are not JSON, a button busy while it waits, and a logout that leaves
// nothing behind. Each error must be in view (inside the viewport) next to its form. Screenshots
// go to argv[3]-*.png; argv[5] is a module exporting Totp (the SDK bundle), which plays the
// person's authenticator app.
import { launchChromium, openPage } from "./chromium.mjs";

const [url, shots, widthText, totpModule] = process.argv.slice(2);
const { Totp } = await import(totpModule);
const width = Number(widthText);
const viewport = { width, height: width < 600 ? 844 : 900 };
const browser = await launchChromium();
const out = { width, errors: null, steps: {} };
try {
  const { page, errors } = await openPage(browser, viewport);
  const sent = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/api/")) {
      sent.push(`${r.method()} ${new URL(r.url()).pathname}`);
    }
  });
  const ready = async () => {
    await page.waitForFunction(() => globalThis.__ready === true);
  };
  /** What a person sees of `selector`: its text, and whether it lies inside the viewport. */
  const seen = async (selector) => {
    const el = page.locator(selector);
    const box = await el.boundingBox();
    return {
      text: (await el.textContent())?.trim() ?? "",
      inView: Boolean(
        box && box.y >= 0 && box.y + box.height <= viewport.height && box.x >= 0 &&
          box.x + box.width <= viewport.width,
      ),
    };
  };
  const shot = (name) => page.screenshot({ path: `${shots}-${name}.png` });
  const visible = (selector) => page.isVisible(selector);

  await page.goto(url);
  await ready();
  out.steps.load = { status: (await seen("#status")).text };

  // A wrong password: the error right under the login form, in view.
  const username = `v${width}_${crypto.randomUUID().slice(0, 6)}`;
  const password = "correct horse battery";
  await page.fill('#login [name="username"]', username);
  await page.fill('#login [name="password"]', "wrong password");
  await page.click("#login button");
  await page.waitForFunction(() => document.querySelector("#login-error").textContent !== "");
  out.steps.wrongPassword = await seen("#login-error");
  await shot("wrong-password");

  // Passwords that differ: refused on the page, nothing sent.
  const before = sent.length;
  await page.fill('#register [name="username"]', username);
  await page.fill('#register [name="email"]', `${username}@example.com`);
  await page.fill('#register [name="password"]', password);
  await page.fill('#register [name="password2"]', "something else");
  await page.click("#register button");
  out.steps.mismatch = { ...(await seen("#register-error")), sent: sent.slice(before) };

  // Registration, then the enrolment: a wrong code, then the app's.
  await page.fill('#register [name="password2"]', password);
  await page.click("#register button");
  await page.waitForFunction(() =>
    !document.querySelector("#setup").hidden ||
    (document.querySelector("#register-error").textContent !== "" &&
      !document.querySelector("#register").dataset.busy)
  );
  if (await page.isHidden("#setup")) {
    throw new Error(`registration refused: ${await page.textContent("#register-error")}`);
  }
  const secret = await page.textContent("#secret");
  const totp = await Totp.fromSecret(secret);
  out.steps.setup = {
    qr: Boolean(await page.getAttribute("#qr", "src")),
    backup: (await page.$$("#backup span")).length,
  };
  const right = await totp.generate();
  const wrong = right === "000000" ? "111111" : "000000";
  await page.fill('#enrol [name="code"]', wrong);
  await page.click("#enrol button");
  await page.waitForFunction(() => document.querySelector("#enrol-error").textContent !== "");
  out.steps.wrongCode = {
    ...(await seen("#enrol-error")),
    asksAgain: await visible("#enrol [name=code]"),
    cleared: (await page.inputValue('#enrol [name="code"]')) === "",
  };
  await shot("wrong-code");
  await page.fill('#enrol [name="code"]', right);
  await page.click("#enrol button");
  await page.waitForFunction(() =>
    !document.querySelector("#agents-section").hidden ||
    /One more step/.test(document.querySelector("#enrol-prompt").textContent)
  );
  out.steps.confirmAsked = await page.isHidden("#agents-section");
  if (out.steps.confirmAsked) {
    await page.fill('#enrol [name="code"]', await totp.generate(Date.now() + 30_000));
    await page.click("#enrol button");
  }
  await page.waitForSelector("#agents-section:not([hidden])");
  out.steps.enrolled = (await seen("#status")).text;

  // A reload keeps the session: the page asks the proxy.
  await page.reload();
  await ready();
  await page.waitForSelector("#agents-section:not([hidden])");
  out.steps.reload = {
    status: (await seen("#status")).text,
    master: await page.textContent("#master"),
    loginHidden: await page.isHidden("#login-section"),
  };
  await shot("logged-in");

  // Permissions that are not JSON: refused before anything is sent.
  const beforeChild = sent.length;
  await page.fill('#child [name="name"]', "scout");
  await page.fill('#child [name="permissions"]', "{send_email: true");
  await page.click("#child button");
  out.steps.badJson = {
    ...(await seen("#child-error")),
    sent: sent.slice(beforeChild),
    invalid: await page.getAttribute('#child [name="permissions"]', "aria-invalid"),
  };
  await shot("bad-json");

  // Busy while waiting: the answer is held back for a moment.
  await page.route("**/api/agents/children", async (route) => {
    await new Promise((r) => setTimeout(r, 700));
    await route.continue();
  });
  await page.fill('#child [name="permissions"]', '{"send_email": true}');
  await page.click("#child button");
  await page.waitForTimeout(150);
  out.steps.busy = await page.evaluate(() => {
    const button = document.querySelector("#child button");
    return { busy: button.getAttribute("aria-busy"), disabled: button.disabled };
  });
  await page.waitForFunction(() => document.querySelector("#child-result").textContent !== "");
  await page.unroute("**/api/agents/children");
  out.steps.child = {
    result: await page.textContent("#child-result"),
    error: await page.textContent("#child-error"),
    busyAfter: await page.getAttribute("#child button", "aria-busy"),
    chains: await page.$$eval('#wallet [name="chain"] option', (o) => o.map((e) => e.value)),
  };

  // Logout: nothing of the person stays on the page, and a reload says so too.
  await page.click("#logout button");
  await page.waitForSelector("#agents-section", { state: "hidden" });
  out.steps.logout = await page.evaluate(() => ({
    status: document.querySelector("#status").textContent,
    values: [...document.querySelectorAll("input")].filter((i) => i.name !== "permissions")
      .map((i) => i.value).filter(Boolean),
    secret: document.querySelector("#secret").textContent,
    master: document.querySelector("#master").textContent,
    results: [...document.querySelectorAll(".result, .error")].map((e) => e.textContent.trim())
      .filter(Boolean),
  }));
  await page.reload();
  await ready();
  out.steps.afterLogout = (await seen("#status")).text;
  out.errors = errors;
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
