/**
 * The CLI's {@linkcode Runtime} on Node 20+, from `node:` built-ins. Loaded only on Node.
 *
 * @module
 */
import { constants } from "node:fs";
import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import process from "node:process";
import type { Runtime, Stream } from "./runtime.ts";

function stream(s: NodeJS.WriteStream): Stream {
  return {
    isTerminal: () => Boolean(s.isTTY),
    write: (bytes) =>
      new Promise((resolve, reject) => s.write(bytes, (err) => (err ? reject(err) : resolve()))),
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
    stdout: stream(process.stdout),
    stderr: stream(process.stderr),
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
    readTextFile: (path) => readFile(path, "utf8"),
    writeFile: async (path, data, mode) => {
      await writeFile(path, data, mode === undefined ? {} : { mode });
      if (mode !== undefined) await chmod(path, mode);
    },
    mkdir: async (path, mode) => void await mkdir(path, { recursive: true, mode }),
    rename: (from, to) => rename(from, to),
    remove: (path) => rm(path),
    age: async (path) => {
      try {
        return Date.now() - (await stat(path)).mtimeMs;
      } catch {
        return null;
      }
    },
    createNew: async (path, mode) => {
      try {
        await (await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode))
          .close();
        return true;
      } catch (err) {
        if (code(err) === "EEXIST") return false;
        throw err;
      }
    },
    isNotFound: (err) => code(err) === "ENOENT",
    isAddrInUse: (err) => code(err) === "EADDRINUSE",
  };
}
