/**
 * The emulator's state and the logic every route shares: accounts, tokens, the second factor,
 * agents. Routes stay thin: parse, call one of these, shape the answer.
 *
 * @module
 */
import { base64urlnopad, hex } from "@scure/base";
import { sign, verify } from "hono/jwt";
import { createDidKey } from "../did.ts";
import { generateSecret, timingSafeEqual, Totp } from "../totp.ts";
import type { EmulatorClock } from "./clock.ts";
import { hashPassword, type PasswordHash, verifyPassword } from "./password.ts";
import { MAX_ID_LENGTH, Problem, unauthorized } from "./problem.ts";
import type {
  AgentRecord,
  RefreshRecord,
  SmsCodeRecord,
  TempTokenRecord,
  UserRecord,
} from "./records.ts";
import type { SmsSender } from "./sms.ts";
import type { Store } from "./store.ts";
import type { LoginThrottle } from "./throttle.ts";
import { accountIssues } from "./registration.ts";
import { MAX_EMAIL_LENGTH } from "../arguments.ts";

/** Access tokens live 30 minutes. */
export const ACCESS_TTL_S = 30 * 60;
const REFRESH_TTL_MS = 30 * 24 * 3600_000;
const TEMP_TTL_MS = 5 * 60_000;
const TEMP_MAX_FAILURES = 5;
/** SMS codes live 300 s. */
export const SMS_TTL_S = 300;
const BACKUP_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Settings the backend runs with. */
export interface BackendOptions {
  store: Store;
  clock: EmulatorClock;
  sms: SmsSender;
  throttle: LoginThrottle;
  pbkdf2Iterations: number;
  /** Shortest password registration accepts (the real backend's schema: 1). */
  minPasswordLength?: number;
  /** HS256 key for access tokens; default a random one kept in the store. */
  jwtSecret?: string;
}

/** A token answer as the API sends it. */
export interface TokenBody {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  refresh_token: string;
}

/** SHA-256 of `text`, hex. */
export async function sha256(text: string): Promise<string> {
  return hex.encode(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
  );
}

/** A random URL-safe token of `bytes` bytes. */
export function randomToken(bytes = 32): string {
  return base64urlnopad.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Eight backup codes of eight upper-case letters and digits (unbiased). */
export function generateBackupCodes(): string[] {
  const codes: string[] = [];
  while (codes.length < 8) {
    let code = "";
    while (code.length < 8) {
      const [byte] = crypto.getRandomValues(new Uint8Array(1));
      if (byte < 252) code += BACKUP_ALPHABET[byte % 36]; // 252 = 7 * 36
    }
    codes.push(code);
  }
  return codes;
}

/** The account's state and the operations on it. */
export class Backend {
  readonly store: Store;
  readonly clock: EmulatorClock;
  readonly sms: SmsSender;
  readonly throttle: LoginThrottle;
  readonly pbkdf2Iterations: number;
  readonly minPasswordLength: number;
  readonly #jwtSecret?: string;
  #storedSecret?: Promise<string>;
  #dummyHash?: Promise<PasswordHash>;

  constructor(options: BackendOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.sms = options.sms;
    this.throttle = options.throttle;
    this.pbkdf2Iterations = options.pbkdf2Iterations;
    this.minPasswordLength = options.minPasswordLength ?? 1;
    this.#jwtSecret = options.jwtSecret;
  }

  now(): number {
    return this.clock.now();
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  // ---- users ------------------------------------------------------------------------------

  async getUser(id: string): Promise<UserRecord | null> {
    return await this.store.get<UserRecord>(["users", id]);
  }

  /** The account a login names: an e-mail if it has an "@" (usernames never do), else a username. */
  async findUserByLogin(login: string): Promise<UserRecord | null> {
    const key = login.trim().toLowerCase();
    if (!key || key.length > MAX_EMAIL_LENGTH) return null;
    const id = await this.store.get<string>([
      key.includes("@") ? "users_by_email" : "users_by_name",
      key,
    ]);
    return id ? await this.getUser(id) : null;
  }

  async updateUser(id: string, fn: (u: UserRecord) => UserRecord): Promise<UserRecord> {
    const { after } = await this.store.update<UserRecord>(["users", id], (u) => (u ? fn(u) : null));
    if (!after) throw unauthorized("Could not validate credentials");
    return after;
  }

  /** Creates an account. `twoFactor` false makes a legacy account without 2FA. */
  async createUser(input: {
    username: string;
    email: string;
    password: string;
    method: "totp" | "sms";
    twoFactor: boolean;
  }): Promise<{ user: UserRecord; backupCodes: string[] }> {
    // Every check before the first write: a refused registration leaves nothing behind.
    const issues = accountIssues(input, this.minPasswordLength);
    if (issues.length) throw new Problem(422, issues);
    const id = crypto.randomUUID();
    const nameKey = ["users_by_name", input.username.toLowerCase()];
    const emailKey = ["users_by_email", input.email.toLowerCase()];
    const passwordHash = await hashPassword(input.password, this.pbkdf2Iterations);
    if ((await this.store.update<string>(nameKey, (cur) => cur ?? id)).before !== null) {
      throw new Problem(400, "Username already registered");
    }
    let master: AgentRecord | undefined;
    try {
      if ((await this.store.update<string>(emailKey, (cur) => cur ?? id)).before !== null) {
        await this.store.delete(nameKey);
        throw new Problem(400, "Email already registered");
      }
      const backupCodes = input.twoFactor ? generateBackupCodes() : [];
      master = await this.createAgent(id, { name: `${input.username}'s agent`, parentId: null });
      const user = await this.#newUser(id, input, passwordHash, backupCodes, master.id);
      await this.store.set(["users", id], user);
      return { user, backupCodes };
    } catch (err) {
      if (!(err instanceof Problem)) {
        // A write that failed half-way is undone, so the name and e-mail stay free.
        if (master) await this.deleteAgent(master).catch(() => {});
        await this.store.delete(emailKey).catch(() => {});
        await this.store.delete(nameKey).catch(() => {});
      }
      throw err;
    }
  }

  async #newUser(
    id: string,
    input: { username: string; email: string; method: "totp" | "sms"; twoFactor: boolean },
    password: PasswordHash,
    backupCodes: string[],
    masterId: string,
  ): Promise<UserRecord> {
    return {
      id,
      username: input.username,
      email: input.email,
      password,
      created_at: this.iso(),
      totp_secret: input.twoFactor ? generateSecret() : null,
      is_2fa_enabled: false,
      preferred_2fa_method: input.twoFactor ? input.method : null,
      is_sms_enabled: input.twoFactor && input.method === "sms",
      pending_totp_secret: null,
      pending_backup_codes: null,
      backup_codes: await Promise.all(backupCodes.map(sha256)),
      last_totp_step: -1,
      master_agent_id: masterId,
    };
  }

  /** Checks a login; equal work whether or not the account exists. */
  async checkPassword(login: string, password: string): Promise<UserRecord | null> {
    const user = await this.findUserByLogin(login);
    this.#dummyHash ??= hashPassword(randomToken(), this.pbkdf2Iterations);
    const ok = await verifyPassword(password, user?.password ?? await this.#dummyHash);
    return user && ok ? user : null;
  }

  // ---- tokens -----------------------------------------------------------------------------

  /** The HS256 key: the configured one, or one kept in the store, read (or made) once. */
  #secret(): Promise<string> {
    if (this.#jwtSecret) return Promise.resolve(this.#jwtSecret);
    this.#storedSecret ??= this.store.update<string>(
      ["config", "jwt_secret"],
      (cur) => cur ?? randomToken(),
    )
      .then(({ after }) => after!)
      .catch((err) => {
        this.#storedSecret = undefined; // a failed read is not remembered
        throw err;
      });
    return this.#storedSecret;
  }

  /** Forgets every account, token and counter, and restarts the clock (`/_emulator/reset`). */
  async reset(): Promise<void> {
    await this.store.clear();
    this.#storedSecret = undefined;
    this.throttle.clear();
    this.clock.reset();
  }

  /** New access and refresh tokens; a refresh keeps its family. */
  async issueTokens(user: UserRecord, family: string = crypto.randomUUID()): Promise<TokenBody> {
    const now = Math.floor(this.now() / 1000);
    const access = await sign(
      { sub: user.id, fam: family, iat: now, exp: now + ACCESS_TTL_S, jti: crypto.randomUUID() },
      await this.#secret(),
      "HS256",
    );
    const refresh = randomToken();
    await this.store.set(
      ["refresh", await sha256(refresh)],
      {
        user_id: user.id,
        family,
        used: false,
        expires_at: this.now() + REFRESH_TTL_MS,
      } satisfies RefreshRecord,
    );
    return {
      access_token: access,
      token_type: "bearer",
      expires_in: ACCESS_TTL_S,
      refresh_token: refresh,
    };
  }

  /** The user behind an access token, or a 401. */
  async authenticate(token: string): Promise<UserRecord> {
    let payload: Record<string, unknown>;
    try {
      // Expiry is checked below against the emulator's clock, which tests move.
      payload = await verify(token, await this.#secret(), {
        alg: "HS256",
        exp: false,
        iat: false,
        nbf: false,
      });
    } catch {
      throw unauthorized("Could not validate credentials");
    }
    if (typeof payload.exp !== "number" || payload.exp <= this.now() / 1000) {
      throw unauthorized("Token has expired");
    }
    if (
      typeof payload.fam !== "string" || await this.store.get(["revoked_families", payload.fam])
    ) {
      throw unauthorized("Could not validate credentials");
    }
    const user = typeof payload.sub === "string" ? await this.getUser(payload.sub) : null;
    if (!user) throw unauthorized("Could not validate credentials");
    return user;
  }

  /** Rotates a refresh token; reuse of a spent one revokes its whole family. */
  async rotate(refreshToken: string): Promise<TokenBody> {
    const key = ["refresh", await sha256(refreshToken)];
    const { before } = await this.store.update<RefreshRecord>(
      key,
      (r) => (r ? { ...r, used: true } : null),
    );
    if (!before) throw unauthorized("Could not validate credentials");
    if (before.used) {
      await this.store.set(["revoked_families", before.family], true);
      throw unauthorized("Could not validate credentials");
    }
    if (await this.store.get(["revoked_families", before.family])) {
      throw unauthorized("Could not validate credentials");
    }
    if (before.expires_at <= this.now()) throw unauthorized("Token has expired");
    const user = await this.getUser(before.user_id);
    if (!user) throw unauthorized("Could not validate credentials");
    return await this.issueTokens(user, before.family);
  }

  async createTempToken(user: UserRecord): Promise<string> {
    const token = randomToken();
    await this.store.set(
      ["temp", await sha256(token)],
      {
        user_id: user.id,
        expires_at: this.now() + TEMP_TTL_MS,
        failures: 0,
      } satisfies TempTokenRecord,
    );
    return token;
  }

  /** The user of a live temporary token, or null. */
  async tempTokenUser(token: string): Promise<UserRecord | null> {
    const rec = await this.store.get<TempTokenRecord>(["temp", await sha256(token)]);
    return rec && rec.expires_at > this.now() ? await this.getUser(rec.user_id) : null;
  }

  /** verify-2fa: 5 minutes, 5 wrong codes, single use. */
  async completeTwoFactor(temporaryToken: string, code: string): Promise<TokenBody> {
    const key = ["temp", await sha256(temporaryToken)];
    const now = this.now();
    const expired = () => unauthorized("Invalid or expired temporary token");
    // The attempt is counted before the code is checked, in one atomic step: 40 parallel guesses
    // on one token still get at most 5 checks. An expired or spent token is removed.
    const live = (r: TempTokenRecord | null): r is TempTokenRecord =>
      r !== null && r.expires_at > now && r.failures < TEMP_MAX_FAILURES;
    const { before: rec } = await this.store.update<TempTokenRecord>(
      key,
      (r) => (live(r) ? { ...r, failures: r.failures + 1 } : null),
    );
    if (!live(rec)) throw expired();
    const user = await this.getUser(rec.user_id);
    if (!user) throw expired();
    // Per account too, over any number of temporary tokens: 10 wrong codes lock the second
    // factor for the window, whatever the code.
    const attempt = this.throttle.secondFactor(user.id, now);
    if (attempt.wait !== null) {
      throw new Problem(429, "Too many wrong 2FA codes. Try again later.", {
        "retry-after": String(attempt.wait),
      });
    }
    const result = await this.checkSecondFactor(user, code, { sms: true, backup: true });
    if (result !== true) throw unauthorized(result);
    attempt.refund();
    const { before } = await this.store.update<TempTokenRecord>(key, () => null);
    if (!before) throw expired();
    return await this.issueTokens(user);
  }

  // ---- second factor ----------------------------------------------------------------------

  /**
   * Accepts a TOTP code (±1 step, each step once), an SMS code, or a backup code (once).
   * Returns true, or the reason for a 401; reasons never reveal a valid code.
   */
  async checkSecondFactor(
    user: UserRecord,
    rawCode: string,
    options: { sms?: boolean; backup?: boolean; secret?: string | null } = {},
  ): Promise<true | string> {
    const code = rawCode.replace(/[\s-]/g, "");
    const invalid = "Invalid 2FA code";
    if (/^\d{6}$/.test(code)) {
      if (options.sms && user.is_sms_enabled && await this.#takeSmsCode(user, code)) return true;
      const secret = options.secret === undefined ? user.totp_secret : options.secret;
      if (!secret) return invalid;
      const totp = await Totp.fromSecret(secret);
      const now = this.now();
      const offset = await totp.verify(code, { time: now, window: 1 });
      if (offset === null) return invalid;
      const step = totp.counterAt(now) + offset;
      const { before } = await this.store.update<UserRecord>(
        ["users", user.id],
        (u) => (u && u.last_totp_step < step ? { ...u, last_totp_step: step } : u),
      );
      return before && before.last_totp_step < step ? true : "This 2FA code has already been used";
    }
    if (options.backup && /^[A-Z0-9]{8}$/i.test(code)) {
      const hash = await sha256(code.toUpperCase());
      const { before, after } = await this.store.update<UserRecord>(
        ["users", user.id],
        (
          u,
        ) => (u
          ? { ...u, backup_codes: u.backup_codes.filter((h) => !timingSafeEqual(h, hash)) }
          : null),
      );
      if (before && after && after.backup_codes.length < before.backup_codes.length) return true;
    }
    return invalid;
  }

  async #takeSmsCode(user: UserRecord, code: string): Promise<boolean> {
    const hash = await sha256(code);
    const now = this.now();
    let taken = false;
    await this.store.update<SmsCodeRecord>(["sms", user.id], (r) => {
      if (r && r.expires_at > now && timingSafeEqual(r.code_hash, hash)) {
        taken = true;
        return null;
      }
      return r;
    });
    return taken;
  }

  /** Sends a new 6-digit SMS code (replacing any earlier one). */
  async sendSmsCode(user: UserRecord): Promise<void> {
    const attempt = this.throttle.sms(user.id, this.now());
    if (attempt.wait !== null) {
      throw new Problem(429, "Too many SMS codes requested. Try again later.", {
        "retry-after": String(attempt.wait),
      });
    }
    const [n] = crypto.getRandomValues(new Uint32Array(1));
    const code = String(n % 1_000_000).padStart(6, "0");
    await this.store.set(
      ["sms", user.id],
      {
        code_hash: await sha256(code),
        expires_at: this.now() + SMS_TTL_S * 1000,
      } satisfies SmsCodeRecord,
    );
    await this.sms.send({
      user_id: user.id,
      to: user.username,
      text: `Your CirtusAI verification code is ${code}. It expires in 5 minutes.`,
      code,
      sent_at: this.now(),
    });
  }

  // ---- agents -----------------------------------------------------------------------------

  async createAgent(
    userId: string,
    input: { name: string; parentId: string | null },
  ): Promise<AgentRecord> {
    const key = await createDidKey({ extractable: true });
    const agent: AgentRecord = {
      id: crypto.randomUUID(),
      user_id: userId,
      parent_id: input.parentId,
      name: input.name,
      did: key.did,
      state: input.parentId ? null : { status: "active" },
      permissions: {},
      created_at: this.iso(),
      private_jwk: await crypto.subtle.exportKey("jwk", key.privateKey),
    };
    await this.store.set(["agents", userId, agent.id], agent);
    await this.store.set(["agent_dids", userId, agent.did], agent.id);
    return agent;
  }

  /** One of the user's agents by id or DID; another user's is a 404 like a missing one. */
  async findAgent(userId: string, idOrDid: string): Promise<AgentRecord | null> {
    if (idOrDid.length > MAX_ID_LENGTH) return null; // longer than any id, and than KV's keys
    const id = idOrDid.startsWith("did:")
      ? await this.store.get<string>(["agent_dids", userId, idOrDid])
      : idOrDid;
    return id ? await this.store.get<AgentRecord>(["agents", userId, id]) : null;
  }

  async listAgents(userId: string): Promise<AgentRecord[]> {
    return (await this.store.list<AgentRecord>(["agents", userId])).map((e) => e.value)
      .sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** Deletes an agent, its descendants and their assets. */
  async deleteAgent(agent: AgentRecord): Promise<void> {
    const all = await this.listAgents(agent.user_id);
    const doomed = new Set([agent.id]);
    for (let grew = true; grew;) {
      grew = false;
      for (const a of all) {
        if (a.parent_id && doomed.has(a.parent_id) && !doomed.has(a.id)) {
          doomed.add(a.id);
          grew = true;
        }
      }
    }
    for (const a of all.filter((a) => doomed.has(a.id))) {
      await this.store.delete(["agents", a.user_id, a.id]);
      await this.store.delete(["agent_dids", a.user_id, a.did]);
    }
    for (
      const { key, value } of await this.store.list<{ agent_id: string }>(["assets", agent.user_id])
    ) {
      if (doomed.has(value.agent_id)) await this.store.delete(key);
    }
  }
}
