/**
 * A wrong method on a known path answers 405 with `Allow`, as FastAPI (Starlette) does, instead of
 * a 404: `GET /auth/register` is `405 {"detail": "Method Not Allowed"}`, `Allow: POST`.
 *
 * @module
 */

interface Route {
  method: string;
  path: string;
}

/** The methods `path` is served with (GET implying HEAD), or null for an unknown path. */
export function allowedMethods(routes: readonly Route[]): (path: string) => string | null {
  let patterns: [RegExp, Set<string>][] | null = null;
  const compile = () => {
    const byPath = new Map<string, Set<string>>();
    for (const { method, path } of routes) {
      if (method === "ALL") continue; // middleware
      const methods = byPath.get(path) ?? new Set();
      methods.add(method);
      if (method === "GET") methods.add("HEAD");
      byPath.set(path, methods);
    }
    return [...byPath].map(([path, methods]): [RegExp, Set<string>] => {
      const source = path.split("/").map((part) =>
        part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      ).join("/");
      return [new RegExp(`^${source}$`), methods];
    });
  };
  return (path) => {
    patterns ??= compile(); // once every route is registered
    const allowed = new Set<string>();
    for (const [pattern, methods] of patterns) {
      if (pattern.test(path)) { for (const m of methods) allowed.add(m); }
    }
    return allowed.size ? [...allowed].sort().join(", ") : null;
  };
}
