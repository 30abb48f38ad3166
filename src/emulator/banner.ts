/**
 * What a started emulator says: where the API, its UI, `/docs` and `/openapi.json` are, where
 * data is kept, whether requests are logged, and warnings when it listens beyond this machine.
 *
 * @module
 */
import { type EmulatorFacts, emulatorLinks, storeNote } from "./home.ts";
import { isLoopbackName, isWildcard } from "./host_check.ts";

/** What the banner describes. */
export interface BannerFacts extends EmulatorFacts {
  /** The base URL as a person on this machine opens it (`http://localhost:8000`). */
  url: string;
  /** The interface it listens on, as given (`127.0.0.1`, `0.0.0.0`). */
  hostname: string;
  /** The Deno KV file, if any. */
  db?: string;
  /** Whether requests are logged. */
  logging: boolean;
  /** Whether `/_emulator` answers other machines too. */
  exposeDevRoutes: boolean;
}

const LABELS: Record<string, string> = {
  api: "API",
  ui: "UI",
  docs: "Docs",
  openapi: "OpenAPI",
};

/** The banner's lines (stdout); the first one says `listening on URL`. */
export function bannerLines(facts: BannerFacts): string[] {
  const lines = [
    `CirtusAI emulator listening on ${facts.url}${facts.db ? ` (data in ${facts.db})` : ""}`,
  ];
  for (const [key, url] of Object.entries(emulatorLinks(facts.url, facts))) {
    lines.push(`  ${LABELS[key].padEnd(9)}${url}`);
  }
  const store = facts.db
    ? `Deno KV file ${facts.db}: data is kept across restarts`
    : facts.store === "memory"
    ? `${storeNote(facts)} (--db FILE keeps it)`
    : storeNote(facts);
  lines.push(`  ${"Store".padEnd(9)}${store}`);
  lines.push(
    `  ${"Log".padEnd(9)}${
      facts.logging ? "one line per request (--quiet turns it off)" : "off (--log turns it on)"
    }`,
  );
  return lines;
}

/** Warnings (stderr) for an emulator that other machines can reach. */
export function bannerWarnings(facts: BannerFacts): string[] {
  if (isLoopbackName(facts.hostname.replace(/^\[(.*)\]$/, "$1"))) return [];
  const names = isWildcard(facts.hostname) ? "localhost, 127.0.0.1" : facts.hostname;
  const warnings = [
    `warning: listening on ${facts.hostname}: the API is open to other machines. Requests must ` +
    `name ${names} or a name given with --allowed-host (others get a 403).`,
  ];
  if (!facts.devRoutes) return warnings;
  warnings.push(
    facts.exposeDevRoutes
      ? "warning: --expose-dev-routes: anyone who can reach this port sees every account's " +
        "current code in /_emulator and can reset the emulator or add accounts without 2FA."
      : "note: /_emulator and its UI answer this machine only (--expose-dev-routes serves them " +
        "to the network).",
  );
  return warnings;
}
