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
  /** Writes bytes at once, before anything written after it (the spinner, between lines). */
  writeSync(bytes: Uint8Array): void;
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
  /** The terminal's width in columns, when one of the standard streams is a terminal. */
  columns(): number | undefined;
  /** This process's id. */
  pid: number;
  /** The machine's host name. */
  hostname(): string;
  /** Whether a process with this id runs on this machine (one of another user's counts). */
  processAlive(pid: number): boolean;
  readTextFile(path: string): Promise<string>;
  mkdir(path: string, mode: number): Promise<void>;
  /** Renames; a link at `to` is replaced, never followed. */
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** A second name for a file; false if `to` exists already. */
  link(from: string, to: string): Promise<boolean>;
  /** Sets a file's modification time to now. */
  touch(path: string): Promise<void>;
  /** Milliseconds since the file changed, or null if it does not exist. */
  age(path: string): Promise<number | null>;
  /**
   * Creates a file that must not exist yet (never through a link), with `mode` and `data`;
   * false if the name is taken.
   */
  createNew(path: string, mode: number, data?: Uint8Array | string): Promise<boolean>;
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
    writeSync: (bytes) => {
      let done = 0;
      while (done < bytes.length) done += s.writeSync(bytes.subarray(done));
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
    columns: () => {
      try {
        return Deno.consoleSize().columns || undefined;
      } catch {
        return undefined; // no terminal
      }
    },
    pid: Deno.pid,
    hostname: () => {
      try {
        return Deno.hostname();
      } catch {
        return ""; // without --allow-sys: locks then go by their age alone
      }
    },
    processAlive: (pid) => {
      try {
        Deno.kill(pid, 0 as unknown as Deno.Signal); // signal 0: only asks whether it exists
        return true;
      } catch (err) {
        return !(err instanceof Deno.errors.NotFound);
      }
    },
    readTextFile: (path) => Deno.readTextFile(path),
    mkdir: (path, mode) => Deno.mkdir(path, { recursive: true, mode }),
    rename: (from, to) => Deno.rename(from, to),
    remove: (path) => Deno.remove(path),
    link: async (from, to) => {
      try {
        await Deno.link(from, to);
        return true;
      } catch (err) {
        if (err instanceof Deno.errors.AlreadyExists) return false;
        throw err;
      }
    },
    touch: async (path) => {
      const now = new Date();
      await Deno.utime(path, now, now);
    },
    age: async (path) => {
      try {
        return Date.now() - ((await Deno.stat(path)).mtime?.getTime() ?? 0);
      } catch {
        return null;
      }
    },
    createNew: async (path, mode, data) => {
      let file: Deno.FsFile;
      try {
        // O_CREAT | O_EXCL: a planted link at `path` is refused, not followed.
        file = await Deno.open(path, { createNew: true, write: true, mode });
      } catch (err) {
        if (err instanceof Deno.errors.AlreadyExists) return false;
        throw err;
      }
      try {
        const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
        for (let done = 0; bytes && done < bytes.length;) {
          done += await file.write(bytes.subarray(done));
        }
      } finally {
        file.close();
      }
      return true;
    },
    isNotFound: (err) => err instanceof Deno.errors.NotFound,
    isAddrInUse: (err) => err instanceof Deno.errors.AddrInUse,
  };
}

/** The runtime the CLI runs on. */
export const sys: Runtime = "Deno" in globalThis
  ? denoRuntime()
  : (await import("./runtime_node.ts")).nodeRuntime();
