// Run by tests/runtimes_test.ts: the emulator's /docs (argv[2]) in headless Chromium: the reference
// renders every operation of /openapi.json. Saves a screenshot to argv[3].
import { launchChromium, openPage } from "./chromium.mjs";

const [url, screenshot] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const { page, errors } = await openPage(browser, { width: 1200, height: 900 });
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(url);
  await page.waitForSelector(".opblock", { timeout: 20_000 });
  const operations = await page.$$eval(
    ".opblock-summary-path",
    (els) => els.map((e) => e.textContent),
  );
  const title = await page.textContent(".title");
  await page.screenshot({ path: screenshot });
  const foreign = requests.filter((u) => !u.startsWith(new URL(url).origin));
  console.log(JSON.stringify({ operations, title, errors, foreign }));
} finally {
  await browser.close();
}
