/**
 * The CLI's {@linkcode Runtime} on Node 20+, from `node:` built-ins. Loaded only on Node.
 *
 * @module
 */
import { constants, writeSync } from "node:fs";
import { link, mkdir, open, readFile, rename, rm, stat, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import process from "node:process";
import type { Runtime, Stream } from "./runtime.ts";

function stream(s: NodeJS.WriteStream, fd: number): Stream {
  return {
    isTerminal: () => Boolean(s.isTTY),
    write: (bytes) =>
      new Promise((resolve, reject) => s.write(bytes, (err) => (err ? reject(err) : resolve()))),
    writeSync: (bytes) => {
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done);
    },
  };
}

function code(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

/** The Node runtime. */
export function nodeRuntime(): Runtime {
  let chunks: AsyncIterator<Uint8Array> | undefined;
  return {
    // Bun runs this too (the single binary): say which runtime it is.
    version: process.versions.bun ? `Bun ${process.versions.bun}` : `Node ${process.version}`,
    env: (name) => process.env[name] || undefined,
    stdout: stream(process.stdout, 1),
    stderr: stream(process.stderr, 2),
    stdin: {
      isTerminal: () => Boolean(process.stdin.isTTY),
      setRaw: (raw) => {
        process.stdin.setRawMode?.(raw);
        if (!raw) process.stdin.pause();
      },
      read: async () => {
        chunks ??= (process.stdin as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
        const next = await chunks.next();
        return next.done ? null : new Uint8Array(next.value);
      },
    },
    get exitCode() {
      const c = process.exitCode;
      return typeof c === "number" && c !== 0 ? c : undefined;
    },
    set exitCode(c) {
      process.exitCode = c ?? 0;
    },
    exit: (c) => process.exit(c),
    columns: () => process.stdout.columns || process.stderr.columns || undefined,
    pid: process.pid,
    hostname: () => hostname(),
    processAlive: (pid) => {
      try {
        process.kill(pid, 0); // signal 0: only asks whether it exists
        return true;
      } catch (err) {
        return code(err) !== "ESRCH";
      }
    },
    readTextFile: (path) => readFile(path, "utf8"),
    mkdir: async (path, mode) => void await mkdir(path, { recursive: true, mode }),
    rename: (from, to) => rename(from, to),
    remove: (path) => rm(path),
    link: async (from, to) => {
      try {
        await link(from, to);
        return true;
      } catch (err) {
        if (code(err) === "EEXIST") return false;
        throw err;
      }
    },
    touch: async (path) => {
      const now = new Date();
      await utimes(path, now, now);
    },
    age: async (path) => {
      try {
        return Date.now() - (await stat(path)).mtimeMs;
      } catch {
        return null;
      }
    },
    createNew: async (path, mode, data) => {
      let file;
      try {
        // O_CREAT | O_EXCL: a planted link at `path` is refused, not followed.
        file = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
      } catch (err) {
        if (code(err) === "EEXIST") return false;
        throw err;
      }
      try {
        if (data !== undefined) await file.writeFile(data);
      } finally {
        await file.close();
      }
      return true;
    },
    isNotFound: (err) => code(err) === "ENOENT",
    isAddrInUse: (err) => code(err) === "EADDRINUSE",
  };
}
