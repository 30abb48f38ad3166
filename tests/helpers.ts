// Shared set-up for end-to-end tests: an emulator in-process and SDK clients on it.
import { CirtusAIClient, Totp, type TwoFactorSetup } from "../mod.ts";
import { createEmulator, type Emulator, type EmulatorOptions } from "../src/emulator/mod.ts";

/** A fast emulator (few PBKDF2 iterations) for tests. */
export function testEmulator(options: EmulatorOptions = {}): Emulator {
  return createEmulator({ pbkdf2Iterations: 1_000, ...options });
}

/** A client that calls `emulator` in-process. */
export function clientFor(
  emulator: Emulator,
  options: ConstructorParameters<typeof CirtusAIClient>[1] = {},
) {
  return new CirtusAIClient("http://emulator.test", {
    fetch: emulator.fetch,
    maxRetries: 0,
    ...options,
  });
}

/** A registered user, logged in with 2FA. */
export interface Account {
  client: CirtusAIClient;
  setup: TwoFactorSetup;
  totp: Totp;
  username: string;
  password: string;
}

let counter = 0;

/** Registers a fresh user and logs in with a code computed from the secret. */
export async function signUp(
  emulator: Emulator,
  options: { method?: "totp" | "sms"; confirm?: boolean } = {},
): Promise<Account> {
  const username = `user${++counter}_${crypto.randomUUID().slice(0, 6)}`;
  const password = "correct horse battery";
  const client = clientFor(emulator);
  const setup = await client.auth.register({
    username,
    email: `${username}@example.com`,
    password,
    preferred_2fa_method: options.method ?? "totp",
  });
  const totp = await Totp.fromSecret(setup.secret);
  if (options.method !== "sms") {
    await client.auth.loginWith2fa(username, password, await codeAt(emulator, totp));
    if (options.confirm) await client.auth.confirm2fa(await codeAt(emulator, totp, 1));
  }
  return { client, setup, totp, username, password };
}

/** The TOTP code at the emulator's time, `steps` steps ahead (codes are single use per step). */
export async function codeAt(emulator: Emulator, totp: Totp, steps = 0): Promise<string> {
  return await totp.generate(emulator.clock.now() + steps * 30_000);
}

/** Raw JSON request against the emulator. */
export async function raw(
  emulator: Emulator,
  method: string,
  path: string,
  init: { json?: unknown; token?: string; headers?: Record<string, string>; body?: BodyInit } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const res = await emulator.fetch(`http://emulator.test${path}`, {
    method,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

/** A small seeded generator (mulberry32), so that a failing random test replays. */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
