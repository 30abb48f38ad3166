// Run by tests/runtimes_test.ts: headless Chromium opens two tabs of one origin sharing a session
// (argv[2]: the page; argv[3]: the emulator, whose clock it moves past the access token's life),
// then makes both tabs call the API at the same moment.
import { launchChromium } from "./chromium.mjs";

const [pageUrl, api] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const context = await browser.newContext();
  const open = async (mode) => {
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
    await page.goto(`${pageUrl}&mode=${mode}`);
    const ready = await page.waitForFunction(() => globalThis.__ready, null, { timeout: 30_000 });
    return { page, ready: await ready.jsonValue() };
  };
  const first = await open("login");
  const second = await open("join");
  const advanced = await fetch(`${api}/_emulator/clock/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seconds: 31 * 60 }),
  });
  const tabs = await Promise.all(
    [first, second].map(({ page }) => page.evaluate(() => globalThis.__go())),
  );
  const again = await second.page.evaluate(() => globalThis.__go());
  console.log(JSON.stringify({
    ready: [first.ready, second.ready],
    advanced: advanced.status,
    tabs,
    again,
  }));
} finally {
  await browser.close();
}
