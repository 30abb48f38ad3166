/**
 * The CLI's credentials file, `$XDG_CONFIG_HOME/cirtusai/credentials.json` (mode 0600): tokens
 * per profile and API URL, and each profile's last API URL. It is a {@linkcode TokenStore} with a
 * lock (a lock file beside it), so that commands run at once refresh one at a time and adopt
 * tokens another process already rotated. A file it cannot read is an error naming the file; it
 * is never replaced silently.
 *
 * @module
 */
import { sys } from "./runtime.ts";
import type { StoredTokens, TokenStore } from "../sdk/token_store.ts";
import { CliUsageError } from "./errors.ts";

/** What is kept per profile and API URL. */
export interface SavedLogin extends StoredTokens {
  /** The account, when the login named it. */
  username?: string;
  /** When the tokens were written. */
  saved_at?: string;
}

interface CredentialsFile {
  profiles: Record<string, Record<string, SavedLogin>>;
  /** Each profile's API URL: the last one it logged in to. */
  api_urls?: Record<string, string>;
}

/** How long a command waits for another's lock before giving up. */
const LOCK_WAIT_MS = 10_000;
/** A lock file older than this was left by a process that died. */
const STALE_LOCK_MS = 30_000;

/** The credentials file's path. */
export function credentialsPath(): string {
  const base = sys.env("XDG_CONFIG_HOME") ?? `${sys.env("HOME") ?? "."}/.config`;
  return `${base}/cirtusai/credentials.json`;
}

/** One key per server: the loopback names of one port are one server. */
export function urlKey(apiUrl: string): string {
  return apiUrl.replace(/^(https?:\/\/)(127\.0\.0\.1|\[::1\]|localhost)(?=[:/]|$)/i, "$1localhost");
}

/** Reads the file: missing is empty; unreadable or malformed is an error, the file untouched. */
export async function readCredentials(path: string): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await sys.readTextFile(path);
  } catch (err) {
    if (sys.isNotFound(err)) return { profiles: {} };
    throw err;
  }
  const broken = (why: string) =>
    new CliUsageError(
      `${path} is ${why}; it was left as it is. Fix it, or move it away to start afresh ` +
        `(mv ${path} ${path}.bak)`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw broken("not valid JSON");
  }
  const profiles = (parsed as CredentialsFile | null)?.profiles;
  if (
    typeof parsed !== "object" || parsed === null || Array.isArray(parsed) ||
    typeof profiles !== "object" || profiles === null || Array.isArray(profiles) ||
    Object.values(profiles).some((p) => typeof p !== "object" || p === null || Array.isArray(p))
  ) {
    throw broken('not a credentials file (expected {"profiles": {...}})');
  }
  return parsed as CredentialsFile;
}

async function writeCredentials(path: string, data: CredentialsFile): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  await sys.mkdir(dir, 0o700);
  // Written to a private temporary file, then renamed: never readable by others, never half-written.
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await sys.writeFile(temp, JSON.stringify(data, null, 2) + "\n", 0o600);
  await sys.rename(temp, path);
}

/** The tokens of one profile and API URL, in the credentials file. */
export class CredentialsStore implements TokenStore {
  /** The file. */
  readonly path: string;
  readonly #profile: string;
  readonly #apiUrl: string;
  #username?: string | null;

  /** A store for `profile` at `apiUrl`. */
  constructor(options: { profile: string; apiUrl: string; path?: string }) {
    this.path = options.path ?? credentialsPath();
    this.#profile = options.profile;
    this.#apiUrl = options.apiUrl;
  }

  /** The account the next saved tokens belong to; null when it is not known. */
  setUsername(username: string | null): void {
    this.#username = username;
  }

  /** What is saved for this profile and URL. */
  async get(): Promise<SavedLogin | null> {
    return (await readCredentials(this.path)).profiles[this.#profile]?.[urlKey(this.#apiUrl)] ??
      null;
  }

  /** The URLs this profile has tokens for. */
  async loggedInUrls(): Promise<string[]> {
    return Object.keys((await readCredentials(this.path)).profiles[this.#profile] ?? {});
  }

  /** The saved tokens. */
  async load(): Promise<StoredTokens | null> {
    return await this.get();
  }

  /** Saves tokens (null forgets them); a login also makes this URL the profile's own. */
  async save(tokens: StoredTokens | null): Promise<void> {
    const data = await readCredentials(this.path);
    const key = urlKey(this.#apiUrl);
    const profile = (data.profiles[this.#profile] ??= {});
    if (tokens) {
      const username = this.#username === undefined
        ? profile[key]?.username
        : this.#username ?? undefined;
      profile[key] = {
        ...tokens,
        ...(username ? { username } : {}),
        saved_at: new Date().toISOString(),
      };
      if (this.#username !== undefined) (data.api_urls ??= {})[this.#profile] = this.#apiUrl;
    } else {
      delete profile[key];
      if (Object.keys(profile).length === 0) delete data.profiles[this.#profile];
    }
    await writeCredentials(this.path, data);
  }

  /**
   * Runs `fn` holding the file's lock (`credentials.json.lock`, created exclusively): other
   * commands wait for it, at most 10 s, then refresh with what the holder wrote.
   */
  async lock<T>(fn: () => Promise<T>): Promise<T> {
    const lockPath = `${this.path}.lock`;
    await sys.mkdir(this.path.slice(0, this.path.lastIndexOf("/")), 0o700);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      if (await sys.createNew(lockPath, 0o600)) break;
      const age = (await sys.age(lockPath)) ?? 0;
      if (age > STALE_LOCK_MS) await sys.remove(lockPath).catch(() => {});
      else if (Date.now() > deadline) {
        throw new CliUsageError(
          `another cirtusai command has held ${lockPath} for 10 s; if none is running, remove it`,
        );
      } else await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
    }
    try {
      return await fn();
    } finally {
      await sys.remove(lockPath).catch(() => {});
    }
  }
}

/** The API URL a profile last logged in to, if any. */
export async function profileApiUrl(profile: string): Promise<string | undefined> {
  try {
    return (await readCredentials(credentialsPath())).api_urls?.[profile];
  } catch {
    return undefined; // reported when the file is used
  }
}
