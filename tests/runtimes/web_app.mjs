// Run by tests/runtimes_test.ts: the example web app (argv[2]) in headless Chromium, its whole flow
// as a person does it: register, finish the enrolment with a code from the app, a child with
// permissions, a wallet, a credential issued and verified, then a look for tokens the page could
// read. Saves a screenshot to argv[3]. (tests/web_app_test.ts drives the rest: errors, reloads,
// a narrow screen.)
import { launchChromium, openPage } from "./chromium.mjs";
import { Totp } from "../../dist/cirtusai.js";

const [url, screenshot] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const { context, page, errors } = await openPage(browser, { width: 1100, height: 600 });
  await page.goto(url);
  await page.waitForFunction(() => globalThis.__ready === true);
  const username = `web_${crypto.randomUUID().slice(0, 8)}`;
  await page.fill('#register [name="username"]', username);
  await page.fill('#register [name="email"]', `${username}@example.com`);
  await page.fill('#register [name="password"]', "correct horse battery");
  await page.fill('#register [name="password2"]', "correct horse battery");
  await page.click("#register button");
  await page.waitForSelector("#setup:not([hidden])");
  const secret = await page.textContent("#secret");
  const backup = await page.$$eval("#backup span", (s) => s.map((e) => e.textContent));
  const qr = await page.getAttribute("#qr", "src");
  const totp = await Totp.fromSecret(secret);
  await page.fill('#enrol [name="code"]', await totp.generate());
  await page.click("#enrol button");
  // A server that enables 2FA only on confirm asks for the next code (the next step's).
  await page.waitForFunction(() =>
    !document.querySelector("#agents-section").hidden ||
    /One more step/.test(document.querySelector("#enrol-prompt").textContent)
  );
  if (await page.isHidden("#agents-section")) {
    await page.fill('#enrol [name="code"]', await totp.generate(Date.now() + 30_000));
    await page.click("#enrol button");
  }
  await page.waitForSelector("#agents-section:not([hidden])");
  await page.fill('#child [name="name"]', "researcher");
  await page.click("#child button");
  await page.waitForSelector("#wallet:not([hidden])");
  const child = await page.textContent("#child-result");
  await page.selectOption('#wallet [name="chain"]', "base");
  await page.click("#wallet button");
  await page.waitForFunction(() => document.querySelector("#wallet-result").textContent !== "");
  const wallet = await page.textContent("#wallet-result");
  await page.click("#credential button");
  await page.waitForFunction(() => document.querySelector("#credential-result").textContent !== "");
  const credential = await page.textContent("#credential-result");
  const readable = await page.evaluate(() => ({
    cookie: document.cookie,
    local: JSON.stringify(localStorage),
    session: JSON.stringify(sessionStorage),
  }));
  await page.screenshot({ path: screenshot, fullPage: true });
  const cookies = await context.cookies();
  console.log(JSON.stringify({
    errors,
    backup: backup.length,
    qr: qr?.slice(0, 22),
    master: await page.textContent("#master"),
    child,
    wallet,
    credential,
    readable,
    session_cookie: cookies.find((c) => c.name === "cirtusai_session") ?? null,
    // Every error message on the page, joined: none is expected.
    error: (await page.$$eval(".error", (els) => els.map((e) => e.textContent))).join(""),
  }));
} finally {
  await browser.close();
}
