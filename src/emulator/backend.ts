/**
 * The emulator's state and the logic every route shares: accounts, tokens, the second factor,
 * agents. Routes stay thin: parse, call one of these, shape the answer.
 *
 * @module
 */
import { base64urlnopad, hex } from "@scure/base";
import { createDidKey } from "../sdk/did.ts";
import { generateSecret, timingSafeEqual, Totp } from "../sdk/totp.ts";
import type { ClockState, EmulatorClock } from "./clock.ts";
import { hashPassword, type PasswordHash, verifyPassword } from "./password.ts";
import { MAX_ID_LENGTH, notFound, Problem, unauthorized } from "./problem.ts";
import type {
  AgentRecord,
  AssetRecord,
  RefreshRecord,
  SmsCodeRecord,
  TempTokenRecord,
  UserRecord,
} from "./records.ts";
import type { SmsSender } from "./sms.ts";
import {
  deleteValue,
  getValue,
  type Key,
  MemoryStore,
  readMany,
  setValue,
  type Store,
  transact,
  type Txn,
  updateValue,
} from "./store.ts";
import { AccessTokens } from "./access_tokens.ts";
import type { LoginThrottle } from "./throttle.ts";
import { accountIssues } from "./registration.ts";
import { MAX_EMAIL_LENGTH } from "../sdk/arguments.ts";

/** Access tokens live 30 minutes. */
export const ACCESS_TTL_S = 30 * 60;
const REFRESH_TTL_MS = 30 * 24 * 3600_000;
const TEMP_TTL_MS = 5 * 60_000;
const TEMP_MAX_FAILURES = 5;
/** SMS codes live 300 s. */
export const SMS_TTL_S = 300;
const BACKUP_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/** An access token issued more than this ahead of the clock was issued before it went back. */
const ISSUED_AHEAD_MS = 60_000;
const CLOCK_KEY = ["config", "clock"];
const MAX_ASSETS_PER_COMMIT = 400;
const BAD_LOGIN = "Incorrect username/email or password";
/** The same 401 for an unknown name on the memory store, which forgets accounts at exit. */
const BAD_LOGIN_IN_MEMORY = `${BAD_LOGIN} (this emulator keeps data in memory: ` +
  "accounts from before its last restart are gone)";

/** Settings the backend runs with. */
export interface BackendOptions {
  store: Store;
  clock: EmulatorClock;
  sms: SmsSender;
  throttle: LoginThrottle;
  pbkdf2Iterations: number;
  /** Shortest password registration accepts (the real backend's schema: 1). */
  minPasswordLength?: number;
  /** Proxies whose X-Forwarded-For is believed; default loopback. */
  trustedProxies?: string[];
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

/** The account's state and the operations on it. Each operation is one atomic step. */
export class Backend {
  readonly store: Store;
  readonly clock: EmulatorClock;
  readonly sms: SmsSender;
  readonly throttle: LoginThrottle;
  readonly pbkdf2Iterations: number;
  readonly minPasswordLength: number;
  readonly #trusted: Set<string>;
  readonly #jwtSecret?: string;
  #tokens?: AccessTokens;
  #dummyHash?: Promise<PasswordHash>;
  /** The master agent read with an account by {@linkcode Backend.authenticate}, per request. */
  readonly #masters = new WeakMap<UserRecord, AgentRecord | null>();
  /** The clock's state as last written to the store (writes queue up, in order). */
  #clockSaved: Promise<void> = Promise.resolve();

  constructor(options: BackendOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.sms = options.sms;
    this.throttle = options.throttle;
    this.pbkdf2Iterations = options.pbkdf2Iterations;
    this.minPasswordLength = options.minPasswordLength ?? 1;
    this.#trusted = new Set(options.trustedProxies ?? ["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
    this.#jwtSecret = options.jwtSecret;
    this.clock.onChange((state) => {
      // Windows that started ahead of real time would outlast it; forget them.
      if (state.offset_ms === 0) this.throttle.forgetFrom(this.clock.now());
      this.#clockSaved = this.#clockSaved.then(() => setValue(this.store, CLOCK_KEY, state))
        .catch((err) => console.error(`emulator: the clock could not be saved: ${err}`));
    });
  }

  now(): number {
    return this.clock.now();
  }

  /** Sets the clock to the state kept in the store, if any (an emulator restarted on its data). */
  async restoreClock(): Promise<void> {
    const state = await getValue<ClockState>(this.store, CLOCK_KEY);
    if (state) this.clock.restore(state);
  }

  /** Resolves once the clock's latest change is in the store. */
  async clockSaved(): Promise<void> {
    await this.#clockSaved;
  }

  /**
   * The client a request comes from: its address, or, when that is a trusted proxy, the nearest
   * address in `X-Forwarded-For` that is not one (the header's left part is the client's to forge).
   */
  clientOf(remote: string | undefined, forwardedFor: string | undefined): string {
    let client = remote ?? "local";
    if (forwardedFor && this.#trusted.has(client)) {
      const hops = forwardedFor.split(",").map((h) => h.trim()).filter(Boolean);
      while (hops.length && this.#trusted.has(client)) client = hops.pop()!;
    }
    return client;
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  // ---- users ------------------------------------------------------------------------------

  async getUser(id: string): Promise<UserRecord | null> {
    return await getValue<UserRecord>(this.store, ["users", id]);
  }

  /** The account a login names: an e-mail if it has an "@" (usernames never do), else a username. */
  async findUserByLogin(login: string): Promise<UserRecord | null> {
    const key = login.trim().toLowerCase();
    if (!key || key.length > MAX_EMAIL_LENGTH) return null;
    const id = await getValue<string>(this.store, [
      key.includes("@") ? "users_by_email" : "users_by_name",
      key,
    ]);
    return id ? await this.getUser(id) : null;
  }

  async updateUser(id: string, fn: (u: UserRecord) => UserRecord): Promise<UserRecord> {
    const { after } = await updateValue<UserRecord>(
      this.store,
      ["users", id],
      (u) => (u ? fn(u) : undefined),
    );
    if (!after) throw unauthorized("Could not validate credentials");
    return after;
  }

  /**
   * Creates an account and its master agent in one commit, with the name and the e-mail reserved
   * in the same commit: a crash or a refusal leaves either the whole account or nothing.
   * `twoFactor` false makes a legacy account without 2FA.
   */
  async createUser(input: {
    username: string;
    email: string;
    password: string;
    method: "totp" | "sms";
    twoFactor: boolean;
  }): Promise<{ user: UserRecord; backupCodes: string[] }> {
    const issues = accountIssues(input, this.minPasswordLength);
    if (issues.length) throw new Problem(422, issues);
    const id = crypto.randomUUID();
    const nameKey = ["users_by_name", input.username.toLowerCase()];
    const emailKey = ["users_by_email", input.email.toLowerCase()];
    // The slow work (the password hash, the agent's key) happens before the commit.
    const backupCodes = input.twoFactor ? generateBackupCodes() : [];
    const [password, codeHashes, master] = await Promise.all([
      hashPassword(input.password, this.pbkdf2Iterations),
      Promise.all(backupCodes.map(sha256)),
      this.#newAgent(id, { name: `${input.username}'s agent`, parentId: null }),
    ]);
    const user: UserRecord = {
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
      backup_codes: codeHashes,
      last_totp_step: -1,
      master_agent_id: master.id,
    };
    await transact(this.store, async (tx) => {
      if (await tx.get(nameKey)) throw new Problem(400, "Username already registered");
      if (await tx.get(emailKey)) throw new Problem(400, "Email already registered");
      tx.set(nameKey, id);
      tx.set(emailKey, id);
      tx.set(["users", id], user);
      this.#putAgent(tx, master);
    });
    return { user, backupCodes };
  }

  /**
   * Checks a login, with equal work whether or not the account exists; a 401 when it fails. On a
   * persistent store its message is the same for an unknown name and a wrong password. On the
   * memory store an unknown name gets a hint: every account made before the emulator last
   * started (or was reset) is gone, which is what a person who restarted it needs to know; it
   * tells no more than registration does (which says whether a name is taken), and on a store
   * that is thrown away at exit.
   */
  async checkPassword(login: string, password: string): Promise<UserRecord> {
    const user = await this.findUserByLogin(login);
    this.#dummyHash ??= hashPassword(randomToken(), this.pbkdf2Iterations);
    const ok = await verifyPassword(password, user?.password ?? await this.#dummyHash);
    if (user && ok) return user;
    throw unauthorized(
      !user && this.store instanceof MemoryStore ? BAD_LOGIN_IN_MEMORY : BAD_LOGIN,
    );
  }

  // ---- tokens -----------------------------------------------------------------------------

  /** The access-token signer: the configured key, or one kept in the store, imported once. */
  #accessTokens(): AccessTokens {
    this.#tokens ??= new AccessTokens(
      this.#jwtSecret ? Promise.resolve(this.#jwtSecret) : updateValue<string>(
        this.store,
        ["config", "jwt_secret"],
        (cur) => cur ?? randomToken(),
      ).then(({ after }) => after!).catch((err) => {
        this.#tokens = undefined; // a failed read is not remembered
        throw err;
      }),
    );
    return this.#tokens;
  }

  /** Forgets every account, token and counter, and restarts the clock (`/_emulator/reset`). */
  async reset(): Promise<void> {
    await this.#clockSaved;
    await this.store.clear();
    this.#tokens = undefined;
    this.throttle.clear();
    this.clock.reset();
    await this.#clockSaved;
  }

  /** New access and refresh tokens, queued in `tx` when given; a refresh keeps its family. */
  async issueTokens(
    user: UserRecord,
    family: string = crypto.randomUUID(),
    tx?: Txn,
  ): Promise<TokenBody> {
    const now = Math.floor(this.now() / 1000);
    const access = await this.#accessTokens().sign({
      sub: user.id,
      fam: family,
      iat: now,
      exp: now + ACCESS_TTL_S,
      jti: crypto.randomUUID(),
      mag: user.master_agent_id,
    });
    const refresh = randomToken();
    const record: RefreshRecord = {
      user_id: user.id,
      family,
      used: false,
      expires_at: this.now() + REFRESH_TTL_MS,
    };
    const key = ["refresh", await sha256(refresh)];
    if (tx) tx.set(key, record, { expireIn: REFRESH_TTL_MS });
    else await setValue(this.store, key, record, { expireIn: REFRESH_TTL_MS });
    return {
      access_token: access,
      token_type: "bearer",
      expires_in: ACCESS_TTL_S,
      refresh_token: refresh,
    };
  }

  /** The user behind an access token, or a 401. */
  async authenticate(token: string): Promise<UserRecord> {
    const claims = await this.#accessTokens().verify(token);
    const invalid = () => unauthorized("Could not validate credentials");
    if (!claims || typeof claims.fam !== "string" || typeof claims.sub !== "string") {
      throw invalid();
    }
    // Expiry against the emulator's clock, which tests move; never cached. A token from ahead of
    // the clock was issued before it went back to real time: it is refused, as its codes are.
    const now = this.now();
    if (typeof claims.exp !== "number" || claims.exp <= now / 1000) {
      throw unauthorized("Token has expired");
    }
    if (typeof claims.iat !== "number" || claims.iat * 1000 > now + ISSUED_AHEAD_MS) {
      throw unauthorized(
        "Token was issued ahead of the emulator's clock, which went back: log in again",
      );
    }
    // One round trip: the family's revocation, the account, and its master agent (whose id the
    // token carries), which GET /agents and credentials need: read together, not one by one.
    const keys: Key[] = [["revoked_families", claims.fam], ["users", claims.sub]];
    if (typeof claims.mag === "string") keys.push(["agents", claims.sub, claims.mag]);
    const [revoked, found, master] = await readMany(this.store, keys);
    if (revoked.value || !found.value) throw invalid();
    const user = found.value as UserRecord;
    // (The memory store hands every request the same frozen record: each one sets it afresh.)
    if (master && user.master_agent_id === claims.mag) {
      this.#masters.set(user, master.value as AgentRecord | null);
    } else this.#masters.delete(user);
    return user;
  }

  /** Rotates a refresh token in one commit; reuse of a spent one revokes its whole family. */
  async rotate(refreshToken: string): Promise<TokenBody> {
    const key = ["refresh", await sha256(refreshToken)];
    const invalid = () => unauthorized("Could not validate credentials");
    const outcome = await transact(this.store, async (tx) => {
      const rec = await tx.get<RefreshRecord>(key);
      if (!rec) return invalid();
      const left = rec.expires_at - this.now();
      if (rec.used) {
        tx.set(["revoked_families", rec.family], true, { expireIn: REFRESH_TTL_MS });
        return invalid();
      }
      if (await tx.get(["revoked_families", rec.family])) return invalid();
      if (left <= 0) return unauthorized("Token has expired");
      const user = await tx.get<UserRecord>(["users", rec.user_id]);
      if (!user) return invalid();
      // The spent token is kept, to recognise its reuse, as long as it could have been used.
      tx.set(key, { ...rec, used: true }, { expireIn: left });
      return await this.issueTokens(user, rec.family, tx);
    });
    if (outcome instanceof Problem) throw outcome;
    return outcome;
  }

  async createTempToken(user: UserRecord): Promise<string> {
    const token = randomToken();
    await setValue(
      this.store,
      ["temp", await sha256(token)],
      {
        user_id: user.id,
        expires_at: this.now() + TEMP_TTL_MS,
        failures: 0,
      } satisfies TempTokenRecord,
      { expireIn: TEMP_TTL_MS },
    );
    return token;
  }

  /** The user of a live temporary token, or null. */
  async tempTokenUser(token: string): Promise<UserRecord | null> {
    const rec = await getValue<TempTokenRecord>(this.store, ["temp", await sha256(token)]);
    return rec && rec.expires_at > this.now() ? await this.getUser(rec.user_id) : null;
  }

  /** verify-2fa: 5 minutes, 5 attempts, single use. */
  async completeTwoFactor(temporaryToken: string, code: string): Promise<TokenBody> {
    const key = ["temp", await sha256(temporaryToken)];
    const now = this.now();
    const expired = () => unauthorized("Invalid or expired temporary token");
    // The attempt is counted before the code is checked, in one atomic step: 40 parallel guesses
    // on one token still get at most 5 checks. An expired or spent token is removed.
    const live = (r: TempTokenRecord | null): r is TempTokenRecord =>
      r !== null && r.expires_at > now && r.failures < TEMP_MAX_FAILURES;
    const { before: rec } = await updateValue<TempTokenRecord>(
      this.store,
      key,
      (r) => (live(r) ? { ...r, failures: r.failures + 1 } : r && null),
      { expireIn: TEMP_TTL_MS },
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
    // Single use: the token is spent in the same commit that issues the tokens. A second factor
    // that logged in is enabled by that login: from then on an access token alone cannot replace
    // it (setup is refused until it is disabled with a code and the password).
    const outcome = await transact(this.store, async (tx) => {
      if (!(await tx.get(key))) return expired();
      tx.delete(key);
      if (!user.is_2fa_enabled) {
        const current = await tx.get<UserRecord>(["users", user.id]);
        if (current?.totp_secret && !current.is_2fa_enabled) {
          tx.set(["users", user.id], {
            ...current,
            is_2fa_enabled: true,
            pending_totp_secret: null,
            pending_backup_codes: null,
          });
        }
      }
      return await this.issueTokens(user, undefined, tx);
    });
    if (outcome instanceof Problem) throw outcome;
    return outcome;
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
      // Steps used ahead of real time are forgotten once the clock went back (see clock.ts),
      // down to the steps before it went back: those can no longer be in the window.
      const { epoch, wentBackAt } = this.clock;
      const floor = totp.counterAt(wentBackAt) - 2;
      const last = (u: UserRecord) =>
        (u.totp_epoch ?? 0) === epoch ? u.last_totp_step : Math.min(u.last_totp_step, floor);
      const take = (u: UserRecord | null) =>
        u && last(u) < step ? { ...u, last_totp_step: step, totp_epoch: epoch } : undefined;
      const { before } = await updateValue<UserRecord>(this.store, ["users", user.id], take);
      return before && last(before) < step ? true : "This 2FA code has already been used";
    }
    if (options.backup && /^[A-Z0-9]{8}$/i.test(code)) {
      const hash = await sha256(code.toUpperCase());
      const { before, after } = await updateValue<UserRecord>(
        this.store,
        ["users", user.id],
        (u) => {
          if (!u) return undefined;
          const left = u.backup_codes.filter((h) => !timingSafeEqual(h, hash));
          return left.length < u.backup_codes.length ? { ...u, backup_codes: left } : undefined;
        },
      );
      if (before && after && after.backup_codes.length < before.backup_codes.length) return true;
    }
    return invalid;
  }

  async #takeSmsCode(user: UserRecord, code: string): Promise<boolean> {
    const hash = await sha256(code);
    const now = this.now();
    let taken = false;
    await updateValue<SmsCodeRecord>(this.store, ["sms", user.id], (r) => {
      if (r && r.expires_at > now && timingSafeEqual(r.code_hash, hash)) {
        taken = true;
        return null;
      }
      return undefined;
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
    await setValue(
      this.store,
      ["sms", user.id],
      {
        code_hash: await sha256(code),
        expires_at: this.now() + SMS_TTL_S * 1000,
      } satisfies SmsCodeRecord,
      { expireIn: SMS_TTL_S * 1000 },
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
  // Keys: ["agents", user, id] the records; ["agent_dids", user, did] → id; ["children", user,
  // parent, child] and ["agent_assets", user, agent, asset] the indexes a deletion walks; every
  // child or asset added under an agent also rewrites that agent (its `rev`), so that a deletion
  // that read it conflicts with the addition instead of leaving an orphan behind.

  async #newAgent(
    userId: string,
    input: { name: string; parentId: string | null },
  ): Promise<AgentRecord> {
    const key = await createDidKey({ extractable: true });
    return {
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
  }

  #putAgent(tx: Txn, agent: AgentRecord): void {
    tx.set(["agents", agent.user_id, agent.id], agent);
    tx.set(["agent_dids", agent.user_id, agent.did], agent.id);
    if (agent.parent_id) tx.set(["children", agent.user_id, agent.parent_id, agent.id], true);
  }

  /** An agent of the user by id or DID, read within `tx`. */
  async #agentIn(tx: Pick<Txn, "get">, userId: string, idOrDid: string) {
    if (idOrDid.length > MAX_ID_LENGTH) return null; // longer than any id, and than KV's keys
    const id = idOrDid.startsWith("did:")
      ? await tx.get<string>(["agent_dids", userId, idOrDid])
      : idOrDid;
    return id ? await tx.get<AgentRecord>(["agents", userId, id]) : null;
  }

  /** One of the user's agents by id or DID; another user's is a 404 like a missing one. */
  async findAgent(userId: string, idOrDid: string): Promise<AgentRecord | null> {
    // The same look-up as inside a transaction, with plain reads.
    const reads = { get: <T>(key: Key) => getValue<T>(this.store, key) };
    return await this.#agentIn(reads, userId, idOrDid);
  }

  /** The user's master agent, read directly (null once it was deleted). */
  async masterAgent(user: UserRecord): Promise<AgentRecord | null> {
    // As read with the account when this request was authenticated, else now.
    if (this.#masters.has(user)) return this.#masters.get(user)!;
    return await getValue<AgentRecord>(this.store, ["agents", user.id, user.master_agent_id]);
  }

  /** Every agent of the user, oldest first (costs what the user has, never what the store has). */
  async listAgents(userId: string): Promise<AgentRecord[]> {
    return (await this.store.scan<AgentRecord>(["agents", userId])).map((e) => e.value)
      .sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** Creates a child under the user's agent `parentRef` (id or DID), checked in the same commit. */
  async createChild(userId: string, parentRef: string, name: string): Promise<AgentRecord> {
    // A child's record (no state of its own); its parent is set once read in the commit.
    const draft = await this.#newAgent(userId, { name, parentId: parentRef });
    const child = await transact(this.store, async (tx) => {
      const parent = await this.#agentIn(tx, userId, parentRef);
      if (!parent) throw notFound("Parent agent");
      tx.set(["agents", userId, parent.id], { ...parent, rev: (parent.rev ?? 0) + 1 });
      const made = { ...draft, parent_id: parent.id };
      this.#putAgent(tx, made);
      return made;
    });
    return child;
  }

  /** Replaces a child's permissions. */
  async setPermissions(
    userId: string,
    childRef: string,
    permissions: AgentRecord["permissions"],
  ): Promise<AgentRecord> {
    return await transact(this.store, async (tx) => {
      const child = await this.#agentIn(tx, userId, childRef);
      if (!child || child.parent_id === null) throw notFound("Child agent");
      const next = { ...child, permissions };
      tx.set(["agents", userId, child.id], next);
      return next;
    });
  }

  /** Adds an asset to a child agent, checked in the same commit. */
  async provisionAsset(
    userId: string,
    childRef: string,
    make: (agent: AgentRecord) => Omit<AssetRecord, "id" | "user_id" | "agent_id" | "created_at">,
  ): Promise<AssetRecord> {
    return await transact(this.store, async (tx) => {
      const agent = await this.#agentIn(tx, userId, childRef);
      if (!agent || agent.parent_id === null) throw notFound("Child agent");
      const asset: AssetRecord = {
        id: crypto.randomUUID(),
        user_id: userId,
        agent_id: agent.id,
        created_at: this.iso(),
        ...make(agent),
      };
      tx.set(["agents", userId, agent.id], { ...agent, rev: (agent.rev ?? 0) + 1 });
      tx.set(["assets", userId, asset.id], asset);
      tx.set(["agent_assets", userId, agent.id, asset.id], true);
      return asset;
    });
  }

  /**
   * Deletes an agent with its descendants and their assets, leaves first, one commit per agent:
   * each commit checks that its agent is unchanged (so has gained no child or asset), so no state
   * in between, or after a crash, has a child or an asset whose agent is gone.
   */
  async deleteAgent(agent: AgentRecord): Promise<void> {
    const userId = agent.user_id;
    for (;;) {
      const leaf = await this.#leafUnder(userId, agent.id);
      if (!leaf) return; // already gone
      const done = await transact(this.store, async (tx) => {
        const current = await tx.get<AgentRecord>(["agents", userId, leaf]);
        if (!current) return true; // deleted meanwhile
        if ((await tx.list(["children", userId, leaf])).length) return false; // not a leaf now
        // An asset is added only with a change of its agent (`rev`), which the read above
        // checks: the assets are read without a check each (Deno KV takes 100 checks a commit)
        // and deleted at most 400 a commit (it takes 1 000 writes).
        const assets = await this.store.scan(["agent_assets", userId, leaf]);
        for (const { key } of assets.slice(0, MAX_ASSETS_PER_COMMIT)) {
          tx.delete(["assets", userId, key[3]]);
          tx.delete(key);
        }
        if (assets.length > MAX_ASSETS_PER_COMMIT) return false; // the rest in the next commit
        tx.delete(["agents", userId, leaf]);
        tx.delete(["agent_dids", userId, current.did]);
        if (current.parent_id) tx.delete(["children", userId, current.parent_id, leaf]);
        return true;
      });
      if (done && leaf === agent.id) return;
    }
  }

  /** A descendant of `rootId` (or the agent itself) with no children, by the children index. */
  async #leafUnder(userId: string, rootId: string): Promise<string | null> {
    if (!(await getValue(this.store, ["agents", userId, rootId]))) return null;
    let at = rootId;
    for (;;) {
      const [first] = await this.store.scan(["children", userId, at] as Key);
      if (!first) return at;
      at = String(first.key[3]);
    }
  }

  /** Deletes an e-mail account (nothing happens when there is none). */
  async deleteEmailAccount(userId: string, id: string): Promise<void> {
    await deleteValue(this.store, ["email_accounts", userId, id]);
  }
}
