// Run by tests/emulator_ui_test.ts: the emulator's UI (argv[2]) in headless Chromium at
// argv[4] x argv[5] px. Opens account argv[3] and reads its code, advances the clock an hour through the
// page, reads the offset and the warning, goes back to real time, reads them again; screenshots
// of both states to argv[6] and argv[7]. Prints one JSON line.
import { launchChromium, openPage } from "./chromium.mjs";

const [url, username, width, height, shotAhead, shotBack] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const { page, errors } = await openPage(browser, {
    width: Number(width),
    height: Number(height),
  });
  const view = () =>
    page.evaluate((name) => {
      const shown = (sel) => {
        const el = document.querySelector(sel);
        return !!el && !el.hidden && el.getBoundingClientRect().width > 0;
      };
      const rect = (sel) => document.querySelector(sel)?.getBoundingClientRect();
      const code = document.querySelector(`[data-code="${name}"]`);
      return {
        code: code?.textContent ?? null,
        codeVisible: !!code && code.getBoundingClientRect().right <= innerWidth,
        offset: document.querySelector("#offset").textContent,
        warning: shown("#drift") ? document.querySelector("#drift").textContent : null,
        warningInView: shown("#drift") && rect("#drift").bottom <= innerHeight,
        backButton: shown("#realtime"),
        backButtonInView: shown("#realtime") && rect("#realtime").bottom <= innerHeight,
        overflow: document.documentElement.scrollWidth - innerWidth,
        secretShown: document.body.innerText.includes("hunter2"),
      };
    }, username);
  await page.goto(url);
  await page.waitForFunction(() => globalThis.__ready === true, null, { timeout: 15_000 });
  await page.click(`#accounts tr:has-text("${username}")`);
  await page.waitForSelector("#tree li", { timeout: 10_000 });
  const before = await view();
  await page.fill("#seconds", "3600");
  await page.click("#advance button");
  await page.waitForSelector("#drift", { state: "visible", timeout: 10_000 });
  await page.waitForFunction(
    ([name, old]) => document.querySelector(`[data-code="${name}"]`)?.textContent !== old,
    [username, before.code],
    { timeout: 10_000 },
  );
  const ahead = await view();
  await page.screenshot({ path: shotAhead, fullPage: true });
  await page.click("#realtime");
  await page.waitForSelector("#drift", { state: "hidden", timeout: 10_000 });
  await page.waitForFunction(
    ([name, old]) => document.querySelector(`[data-code="${name}"]`)?.textContent !== old,
    [username, ahead.code],
    { timeout: 10_000 },
  );
  const back = await view();
  await page.screenshot({ path: shotBack, fullPage: true });
  console.log(JSON.stringify({ before, ahead, back, errors }));
} finally {
  await browser.close();
}
