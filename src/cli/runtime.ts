/**
 * The little the CLI needs from its runtime (files, environment, standard streams, raw mode, exit
 * status), on Deno and on Node 20+. On Deno it is Deno's own API; on Node, `node:` built-ins,
 * loaded only there (in Deno they would cost about 30 ms of start-up for nothing).
 *
 * @module
 */

/** A standard stream. */
export interface Stream {
  /** Whether it is a terminal. */
  isTerminal(): boolean;
  /** Writes bytes. */
  write(bytes: Uint8Array): Promise<void>;
}

/** What the CLI uses of its runtime. */
export interface Runtime {
  /** `"Deno 2.x"` or `"Node v20.x"`. */
  version: string;
  /** An environment variable (empty counts as unset). */
  env(name: string): string | undefined;
  stdout: Stream;
  stderr: Stream;
  stdin: {
    isTerminal(): boolean;
    /** Raw mode, for hidden prompts. */
    setRaw(raw: boolean): void;
    /** The next chunk of bytes, or null at the end. */
    read(): Promise<Uint8Array | null>;
  };
  /** The exit status to leave with, when a command sets one. */
  exitCode: number | undefined;
  exit(code: number): never;
  readTextFile(path: string): Promise<string>;
  /** Writes a file; `mode` applies when it is created, and is then set again. */
  writeFile(path: string, data: Uint8Array | string, mode?: number): Promise<void>;
  mkdir(path: string, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Milliseconds since the file changed, or null if it does not exist. */
  age(path: string): Promise<number | null>;
  /** Creates a file that must not exist yet; false if it does. */
  createNew(path: string, mode: number): Promise<boolean>;
  /** Whether `err` says that a file does not exist. */
  isNotFound(err: unknown): boolean;
  /** Whether `err` says that an address is in use. */
  isAddrInUse(err: unknown): boolean;
}

function denoRuntime(): Runtime {
  const stream = (s: typeof Deno.stdout): Stream => ({
    isTerminal: () => s.isTerminal(),
    write: async (bytes) => {
      let done = 0;
      while (done < bytes.length) done += await s.write(bytes.subarray(done));
    },
  });
  const buf = new Uint8Array(1024);
  return {
    version: `Deno ${Deno.version.deno}`,
    env: (name) => Deno.env.get(name) || undefined,
    stdout: stream(Deno.stdout),
    stderr: stream(Deno.stderr),
    stdin: {
      isTerminal: () => Deno.stdin.isTerminal(),
      setRaw: (raw) => Deno.stdin.setRaw(raw),
      read: async () => {
        const n = await Deno.stdin.read(buf);
        return n === null ? null : buf.slice(0, n);
      },
    },
    get exitCode() {
      return typeof Deno.exitCode === "number" && Deno.exitCode !== 0 ? Deno.exitCode : undefined;
    },
    set exitCode(code) {
      Deno.exitCode = code ?? 0;
    },
    exit: (code) => Deno.exit(code),
    readTextFile: (path) => Deno.readTextFile(path),
    writeFile: async (path, data, mode) => {
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      await Deno.writeFile(path, bytes, mode === undefined ? {} : { mode });
      if (mode !== undefined) await Deno.chmod(path, mode);
    },
    mkdir: (path, mode) => Deno.mkdir(path, { recursive: true, mode }),
    rename: (from, to) => Deno.rename(from, to),
    remove: (path) => Deno.remove(path),
    age: async (path) => {
      try {
        return Date.now() - ((await Deno.stat(path)).mtime?.getTime() ?? 0);
      } catch {
        return null;
      }
    },
    createNew: async (path, mode) => {
      try {
        (await Deno.open(path, { createNew: true, write: true, mode })).close();
        return true;
      } catch (err) {
        if (err instanceof Deno.errors.AlreadyExists) return false;
        throw err;
      }
    },
    isNotFound: (err) => err instanceof Deno.errors.NotFound,
    isAddrInUse: (err) => err instanceof Deno.errors.AddrInUse,
  };
}

/** The runtime the CLI runs on. */
export const sys: Runtime = "Deno" in globalThis
  ? denoRuntime()
  : (await import("./runtime_node.ts")).nodeRuntime();
