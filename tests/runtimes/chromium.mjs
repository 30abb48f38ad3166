// Debian's headless Chromium through playwright-core, started as this machine needs it: no
// sandbox as root, and no background networking (its connections are refused here).
import { chromium } from "playwright-core";

/** Launches the browser, with `args` besides these (e.g. `--host-resolver-rules=...`). */
export function launchChromium(args = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...args,
    ],
  });
}

/** A page in a new context of `viewport`, with the errors it throws collected in `errors`. */
export async function openPage(browser, viewport) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return { context, page, errors };
}
