/**
 * The CLI's credentials file: `$XDG_CONFIG_HOME/cirtusai/credentials.json` (default
 * `~/.config/cirtusai/credentials.json`), tokens per profile and API URL, mode 0600.
 *
 * @module
 */
import type { StoredTokens, TokenStore } from "../token_store.ts";

/** What is kept for one profile and API URL. */
export interface SavedLogin extends StoredTokens {
  /** Who logged in, for `auth whoami`. */
  username?: string;
  /** When it was saved, ISO 8601. */
  saved_at?: string;
}

interface CredentialsFile {
  profiles: Record<string, Record<string, SavedLogin>>;
}

/** The credentials file's path, from XDG_CONFIG_HOME or HOME. */
export function credentialsPath(): string {
  const base = Deno.env.get("XDG_CONFIG_HOME") || `${Deno.env.get("HOME") ?? "."}/.config`;
  return `${base}/cirtusai/credentials.json`;
}

async function readFile(path: string): Promise<CredentialsFile> {
  try {
    const parsed = JSON.parse(await Deno.readTextFile(path));
    if (parsed && typeof parsed.profiles === "object") return parsed;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound) && !(err instanceof SyntaxError)) throw err;
  }
  return { profiles: {} };
}

async function writeFile(path: string, data: CredentialsFile): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  // Written to a private temporary file, then renamed: never readable by others, never half-written.
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeTextFile(temp, JSON.stringify(data, null, 2) + "\n", { mode: 0o600 });
  await Deno.chmod(temp, 0o600);
  await Deno.rename(temp, path);
}

/**
 * A {@linkcode TokenStore} over the credentials file, so tokens the SDK refreshes are written back.
 *
 * @example
 * ```ts
 * const store = new CredentialsStore({ profile: "default", apiUrl: "http://localhost:8000" });
 * ```
 */
export class CredentialsStore implements TokenStore {
  readonly path: string;
  readonly #profile: string;
  readonly #apiUrl: string;
  #username?: string;

  constructor(options: { profile: string; apiUrl: string; path?: string }) {
    this.path = options.path ?? credentialsPath();
    this.#profile = options.profile;
    this.#apiUrl = options.apiUrl;
  }

  /** Records who is logging in; saved with the next tokens. */
  setUsername(username: string): void {
    this.#username = username;
  }

  /** The saved login, or null. */
  async get(): Promise<SavedLogin | null> {
    return (await readFile(this.path)).profiles[this.#profile]?.[this.#apiUrl] ?? null;
  }

  async load(): Promise<StoredTokens | null> {
    return await this.get();
  }

  async save(tokens: StoredTokens | null): Promise<void> {
    const data = await readFile(this.path);
    const profile = (data.profiles[this.#profile] ??= {});
    if (tokens) {
      const username = this.#username ?? profile[this.#apiUrl]?.username;
      profile[this.#apiUrl] = {
        ...tokens,
        ...(username ? { username } : {}),
        saved_at: new Date().toISOString(),
      };
    } else {
      delete profile[this.#apiUrl];
      if (Object.keys(profile).length === 0) delete data.profiles[this.#profile];
    }
    await writeFile(this.path, data);
  }
}
