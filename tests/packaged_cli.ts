// Checks of the CLI as it is packaged (the npm package's bin, the single binary), shared by
// their tests.
import assert from "node:assert/strict";
import { runInTerminal } from "./cli_process.ts";

/**
 * Reads `reader` (a server's stdout) until it prints an http URL; resolves to its origin, on
 * 127.0.0.1 for `localhost`. Rejects with what it printed if it ends first.
 */
export async function servedUrl(reader: ReadableStreamDefaultReader<string>): Promise<string> {
  let seen = "";
  while (true) {
    const match = seen.match(/https?:\/\/[^\s/]+(?=[\s/])/);
    if (match) return new URL(match[0]).origin.replace("//localhost:", "//127.0.0.1:");
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server did not start; it printed: ${seen}`);
    seen += value;
  }
}

/**
 * `command auth register USERNAME` at a pseudo-terminal, against the API at `url`: the password
 * typed at the prompt (raw mode, UTF-8) is not echoed, and it logs in.
 */
export async function assertHiddenPasswordRegisters(
  command: string[],
  url: string,
  options: { username: string; env: Record<string, string>; cwd?: string; clearEnv?: boolean },
): Promise<void> {
  const password = "pässwörd-123";
  const { code, screen } = await runInTerminal(
    [...command, "auth", "register", options.username, `${options.username}@example.com`],
    {
      cwd: options.cwd,
      env: { ...options.env, CIRTUSAI_API_URL: url },
      clearEnv: options.clearEnv,
      answers: [
        ["Choose a password: ", `${password}\r`],
        ["Type it again: ", `${password}\r`],
        ["Code from the app: ", "\r"], // enrolment finished later
      ],
      typeDelayMs: 200,
    },
  );
  assert.equal(code, 0, screen);
  assert.ok(!screen.includes(password), "the password is not echoed");
  const login = await fetch(`${url}/auth/login`, {
    method: "POST",
    body: new URLSearchParams({ username: options.username, password }),
  });
  assert.equal(login.status, 200, "the typed password logs in");
  await login.body?.cancel();
}

/** `command emulator` on a free port, and how to stop it. */
export async function startEmulator(
  command: string[],
  options: { env?: Record<string, string>; cwd?: string; clearEnv?: boolean } = {},
): Promise<{ url: string; stop(): Promise<void> }> {
  const [program, ...args] = command;
  const emulator = new Deno.Command(program, {
    args: [...args, "emulator", "--port", "0", "--pbkdf2-iterations", "1000"],
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.clearEnv,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = emulator.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stop = async () => {
    emulator.kill("SIGTERM");
    await emulator.status;
    await reader.cancel().catch(() => {});
    await emulator.stderr.cancel().catch(() => {});
  };
  try {
    return { url: await servedUrl(reader), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `/docs` at `url`: the page, and Swagger UI's renderer, served by the emulator itself. */
export async function assertDocsServed(url: string): Promise<void> {
  const docs = await fetch(`${url}/docs`);
  assert.equal(docs.status, 200);
  assert.match(await docs.text(), /SwaggerUIBundle/);
  const renderer = await fetch(`${url}/docs/swagger-ui-bundle.js`);
  assert.equal(renderer.status, 200);
  const text = await renderer.text();
  assert.ok(text.length > 500_000 && text.includes("SwaggerUIBundle"), "the renderer is served");
}
