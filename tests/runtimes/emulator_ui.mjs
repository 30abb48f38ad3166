// Run by tests/runtimes_test.ts: the emulator's UI (argv[2]) in headless Chromium. Reads the
// current code of the account argv[3] and its seconds left, opens it for its agent tree, reads the SMS outbox, advances
// the clock through the page, and saves a screenshot to argv[4].
import { launchChromium, openPage } from "./chromium.mjs";

const [url, username, screenshot] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const { page, errors } = await openPage(browser, { width: 1200, height: 900 });
  await page.goto(url);
  await page.waitForFunction(() => globalThis.__ready === true, null, { timeout: 15_000 });
  const code = await page.textContent(`[data-code="${username}"]`);
  const left = await page.textContent(`[data-code="${username}"] + [data-left]`);
  await page.click(`#accounts tr:has-text("${username}")`);
  await page.waitForSelector("#tree li", { timeout: 10_000 });
  const tree = await page.textContent("#tree");
  const sms = await page.textContent("#sms tbody");
  const clockBefore = await page.textContent("#clock");
  await page.fill("#seconds", "3600");
  await page.click("#advance button");
  await page.waitForFunction(
    (before) => document.querySelector("#clock").textContent !== before,
    clockBefore,
  );
  const clockAfter = await page.textContent("#clock");
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ code, left, tree, sms, clockBefore, clockAfter, errors }));
} finally {
  await browser.close();
}
