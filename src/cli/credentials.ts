/**
 * The CLI's credentials file, `$XDG_CONFIG_HOME/cirtusai/credentials.json` (mode 0600): tokens
 * per profile and API URL, each profile's last API URL, and the profile in use. Each
 * {@linkcode CredentialsStore} is the {@linkcode TokenStore} of one profile and API URL, with a
 * lock shared by every process (a {@linkcode FileLock} beside the file), so that commands (and
 * anything else on the same file, such as an MCP server) refresh one at a time and adopt tokens
 * another process already rotated. A file it cannot read is an error naming the file; it is never
 * replaced silently.
 *
 * @module
 */
import { sys } from "./runtime.ts";
import type { StoredTokens, TokenStore } from "../sdk/token_store.ts";
import { CliUsageError } from "./errors.ts";
import { FileLock, type LockHolder } from "./file_lock.ts";
import { writePrivateFile } from "./private_file.ts";

/** What is kept per profile and API URL. */
export interface SavedLogin extends StoredTokens {
  /** The account, when the login named it. */
  username?: string;
  /** When the tokens were written. */
  saved_at?: string;
}

/** The file's contents. */
export interface CredentialsFile {
  /** Saved logins by profile, then by API URL ({@linkcode urlKey}). */
  profiles: Record<string, Record<string, SavedLogin>>;
  /** Each profile's API URL: the last one it logged in to. */
  api_urls?: Record<string, string>;
  /** The profile commands use when neither `--profile` nor `CIRTUSAI_PROFILE` names one. */
  current_profile?: string;
}

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

function directory(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

async function writeCredentials(path: string, data: CredentialsFile): Promise<void> {
  await sys.mkdir(directory(path), 0o700);
  await writePrivateFile(path, JSON.stringify(data, null, 2) + "\n");
}

/** The lock of the credentials file at `path`. */
function fileLock(path: string): FileLock {
  return new FileLock(`${path}.lock`);
}

/**
 * Changes the file under its lock: `change` gets what is there and edits it in place.
 */
export async function updateCredentials(
  change: (data: CredentialsFile) => void,
  options: { path?: string } = {},
): Promise<void> {
  const path = options.path ?? credentialsPath();
  await sys.mkdir(directory(path), 0o700);
  await fileLock(path).hold(async () => {
    const data = await readCredentials(path);
    change(data);
    await writeCredentials(path, data);
  });
}

/** Options of {@linkcode CredentialsStore}. */
export interface CredentialsStoreOptions {
  /** The profile. */
  profile: string;
  /** The API URL (its loopback spellings are one server: {@linkcode urlKey}). */
  apiUrl: string;
  /** The file (default {@linkcode credentialsPath}). */
  path?: string;
  /** Called when another process holds the lock and this one starts to wait; returns "done". */
  onLockWait?: (holder: LockHolder) => () => void;
}

/**
 * The tokens of one profile and API URL, in the credentials file: a {@linkcode TokenStore} whose
 * `lock` is shared by every process on the file.
 *
 * @example
 * ```ts
 * import { CirtusAIClient } from "../sdk/client.ts";
 * import { CredentialsStore } from "./credentials.ts";
 * const tokenStore = new CredentialsStore({ profile: "default", apiUrl: "http://localhost:8000" });
 * const client = new CirtusAIClient("http://localhost:8000", { tokenStore });
 * ```
 */
export class CredentialsStore implements TokenStore {
  /** The file. */
  readonly path: string;
  /** The profile. */
  readonly profile: string;
  /** The API URL. */
  readonly apiUrl: string;
  readonly #lock: FileLock;
  readonly #onLockWait?: (holder: LockHolder) => () => void;
  #username?: string | null;

  /** A store for `profile` at `apiUrl`. */
  constructor(options: CredentialsStoreOptions) {
    this.path = options.path ?? credentialsPath();
    this.profile = options.profile;
    this.apiUrl = options.apiUrl;
    this.#lock = fileLock(this.path);
    this.#onLockWait = options.onLockWait;
  }

  /** The account the next saved tokens belong to; null when it is not known. */
  setUsername(username: string | null): void {
    this.#username = username;
  }

  /** What is saved for this profile and URL. */
  async get(): Promise<SavedLogin | null> {
    return (await readCredentials(this.path)).profiles[this.profile]?.[urlKey(this.apiUrl)] ??
      null;
  }

  /** The saved tokens. */
  async load(): Promise<StoredTokens | null> {
    return await this.get();
  }

  /**
   * Saves tokens (null forgets them), under the file's lock; a login also makes this URL the
   * profile's own.
   */
  async save(tokens: StoredTokens | null): Promise<void> {
    await this.lock(() => this.#write(tokens));
  }

  async #write(tokens: StoredTokens | null): Promise<void> {
    const data = await readCredentials(this.path);
    const key = urlKey(this.apiUrl);
    const profile = (data.profiles[this.profile] ??= {});
    if (tokens) {
      const username = this.#username === undefined
        ? profile[key]?.username
        : this.#username ?? undefined;
      profile[key] = {
        ...tokens,
        ...(username ? { username } : {}),
        saved_at: new Date().toISOString(),
      };
      if (this.#username !== undefined) (data.api_urls ??= {})[this.profile] = this.apiUrl;
    } else {
      delete profile[key];
      if (Object.keys(profile).length === 0) delete data.profiles[this.profile];
    }
    await writeCredentials(this.path, data);
  }

  /**
   * Runs `fn` holding the file's lock (`credentials.json.lock`), shared by every process: others
   * wait for it (a minute at most, while its holder lives), then refresh with what it wrote. A
   * dead holder's lock is taken over at once ({@linkcode FileLock}). Saves made inside `fn` run
   * in its hold; any other save (another call of this process included) waits for it.
   */
  async lock<T>(fn: () => Promise<T>): Promise<T> {
    await sys.mkdir(directory(this.path), 0o700);
    return await this.#lock.hold(fn, { onWait: this.#onLockWait });
  }
}

/** Every saved login: profile, API URL key, and what is saved. */
export async function savedLogins(
  options: { path?: string } = {},
): Promise<{ profile: string; url: string; login: SavedLogin }[]> {
  const data = await readCredentials(options.path ?? credentialsPath());
  return Object.entries(data.profiles).flatMap(([profile, urls]) =>
    Object.entries(urls).map(([url, login]) => ({ profile, url, login }))
  );
}

/** What the file says a command should use: the current profile, and each profile's URL. */
export async function savedSettings(): Promise<
  Pick<CredentialsFile, "api_urls" | "current_profile">
> {
  try {
    const { api_urls, current_profile } = await readCredentials(credentialsPath());
    return { api_urls, current_profile };
  } catch {
    return {}; // reported when the file is used
  }
}
