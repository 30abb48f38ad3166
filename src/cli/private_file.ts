/**
 * Writing a file only its owner can read: through a new file and a rename, never through a name
 * that exists already (a planted link at the path is replaced, and its target left alone).
 *
 * @module
 */
import { sys } from "./runtime.ts";

/**
 * Writes `data` to `path`, mode 0600: into a new file beside it (created exclusively, so never
 * through a link), then renamed into place, so that it is never half-written or readable by
 * others, and an existing link at `path` is replaced rather than followed.
 */
export async function writePrivateFile(path: string, data: Uint8Array | string): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "." : path.slice(0, slash) || "/";
  const name = path.slice(slash + 1);
  for (;;) {
    const temp = `${dir}/.${name}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    if (!(await sys.createNew(temp, 0o600, data))) continue; // the name is taken: another
    try {
      await sys.rename(temp, path);
      return;
    } catch (err) {
      await sys.remove(temp).catch(() => {});
      throw err;
    }
  }
}
