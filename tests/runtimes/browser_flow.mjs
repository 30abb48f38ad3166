// Run by tests/runtimes_test.ts: headless Chromium (Debian's, driven by playwright-core) loads
//   argv[2]: a page that runs the SDK bundle against the emulator on another origin (CORS), and
//   argv[3]: a page served by the edge proxy that logs in through it in session mode.
import { launchChromium } from "./chromium.mjs";

const [flowUrl, proxyPageUrl] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const context = await browser.newContext();
  const open = async (url) => {
    const page = await context.newPage();
    page.on("console", (m) => console.error(`[page ${new URL(url).pathname}] ${m.text()}`));
    page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
    await page.goto(url);
    const handle = await page.waitForFunction(() => globalThis.__result, null, { timeout: 30_000 });
    return { page, result: await handle.jsonValue() };
  };
  const flow = (await open(flowUrl)).result;
  const { page, result: proxy } = await open(proxyPageUrl);
  const cookies = await context.cookies(); // while logged in
  if (proxy.ok) proxy.after = await page.evaluate(() => globalThis.__logout());
  console.log(
    JSON.stringify({ flow, proxy, cookies, cookies_after_logout: await context.cookies() }),
  );
} finally {
  await browser.close();
}
