// `deno task pack [--out DIR] [--allow-dirty]`: the three npm packages, built from the one tree
// into dist/ (or DIR):
//   @cirtusai/sdk    mod.ts, /totp, /did: the SDK core (src/sdk/), no dependencies at all
//   @cirtusai/proxy  the edge proxy and serve() (src/proxy/, src/server/): Hono, and the SDK
//   cirtusai         the CLI (bin `cirtusai`, cli.ts) and every other export of deno.json
//                    (/emulator, ...): the other two by name, and what its modules import
// `deno pack` writes the JavaScript and the .d.ts of every export (no source maps). Each package
// then takes what its entries reach, by the module graph of that output: a module of its own
// folders is a file of it; a module of a package it depends on is imported from that package by
// name when one of its entries exports all of it (so there is one copy of each error class), or
// else, a small helper with no class, copied in; an npm module is a dependency, at the range
// deno.json gives it; a text import (`with { type: "text" }`) becomes a JavaScript module of the
// text, so that every runtime can load it. Nothing else goes in: `files` lists exactly the
// package's files, and packing refuses a tree with uncommitted changes (--allow-dirty: allow).
import { exists, fail, main, repoRoot, run, runJson } from "./run.ts";

/** An npm package built from the tree. */
export interface NpmPackage {
  name: string;
  description: string;
  /** npm subpath to the repository file of its entry (`{ ".": "mod.ts" }`). */
  entries: Record<string, string>;
  /** The packages it may import by name, earliest first. */
  uses: string[];
  readme: string;
  bin?: Record<string, string>;
}

/** What `pack()` wrote: a tarball per package, with its contents. */
export interface Packed {
  name: string;
  tarball: string;
  files: string[];
  dependencies: Record<string, string>;
  /** Modules of another package copied in, as repository paths. */
  inlined: string[];
  size: number;
  unpackedSize: number;
}

const SDK = "@cirtusai/sdk";
const PROXY = "@cirtusai/proxy";
const CLI = "cirtusai";

/** Which package a repository file belongs to: the folders say it. */
export function ownerOf(path: string): string {
  if (path === "mod.ts" || path.startsWith("src/sdk/")) return SDK;
  if (path.startsWith("src/proxy/") || path.startsWith("src/server/")) return PROXY;
  return CLI;
}

/** The three packages, their entries from deno.json's exports. */
export function npmPackages(exports: Record<string, string>): NpmPackage[] {
  const entries: Record<string, Record<string, string>> = { [SDK]: {}, [PROXY]: {}, [CLI]: {} };
  // The npm name of each JSR subpath: the SDK's keep theirs, `./proxy` and `./cli` are the roots
  // of their own packages, and every other export (the emulator, ...) is a subpath of cirtusai.
  const renamed: Record<string, string> = { "./proxy": ".", "./cli": "." };
  for (const [key, file] of Object.entries(exports)) {
    const path = file.replace(/^\.\//, "");
    entries[ownerOf(path)][renamed[key] ?? key] = path;
  }
  return [
    {
      name: SDK,
      description: "The CirtusAI SDK for TypeScript: accounts with mandatory TOTP 2FA, agents, " +
        "wallets and verifiable credentials, on fetch and WebCrypto only (Node 20+, Deno, Bun, " +
        "browsers, edge workers). Also TOTP (/totp) and did:key with VC-JWT (/did).",
      entries: entries[SDK],
      uses: [],
      readme: "sdk.md",
    },
    {
      name: PROXY,
      description: "An edge proxy (Hono) in front of the CirtusAI API, so browser code never " +
        "holds its tokens: Deno Deploy, Cloudflare Workers, or self-hosted with serve().",
      entries: entries[PROXY],
      uses: [SDK],
      readme: "proxy.md",
    },
    {
      name: CLI,
      description: "The cirtusai command line (with cirtusai mcp, the API as tools for AI " +
        "agents, and /tools), and a local emulator of the CirtusAI API for development and " +
        "tests (/emulator).",
      entries: entries[CLI],
      uses: [SDK, PROXY],
      readme: "cirtusai.md",
      bin: { cirtusai: "bin/cirtusai.js" },
    },
  ];
}

// The Node entry of the bin (and of the single binary, scripts/compile.ts).
const BIN = `#!/usr/bin/env node
// The cirtusai command on Node 20+ (and Bun): the same CLI as \`deno run -A cli.ts\`.
import process from "node:process";
import { main } from "../cli.js";

process.on("SIGINT", () => process.exit(130));
const code = await main(process.argv.slice(2));
// Leave once the command is done (its output is written by then): Bun would otherwise wait on a
// standard input that a prompt read and the terminal keeps open.
process.exit(code);
`;

interface Dependency {
  specifier: string;
  /** Offsets of the quoted specifier in the file. */
  start: number;
  end: number;
  text: boolean;
}

interface InfoModule {
  specifier: string;
  dependencies?: {
    specifier: string;
    code?: { span: Span };
    type?: { span: Span };
    assertionType?: string;
  }[];
}
interface Span {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
interface DocSymbol {
  name: string;
  declarations: {
    location: { filename: string; line: number };
    declarationKind: string;
    kind: string;
    def?: { target?: { filename: string; line: number } };
  }[];
}

function offset(source: string, at: { line: number; character: number }): number {
  let index = 0;
  for (let line = 0; line < at.line; line++) index = source.indexOf("\n", index) + 1;
  return index + at.character;
}

/**
 * The import and export specifiers of a declaration file, with their offsets. Declaration files
 * hold no code, so comments and string literals are all that need skipping.
 */
export function declarationImports(source: string): Dependency[] {
  const found: Dependency[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === "/" && source[i + 1] === "/") {
      i = source.indexOf("\n", i);
      if (i < 0) break;
    } else if (c === "/" && source[i + 1] === "*") {
      i = source.indexOf("*/", i + 2);
      if (i < 0) break;
      i += 2;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === "\\" ? 2 : 1;
      if (/(?:\bfrom|\bimport|\bimport\s*\()\s*$/.test(source.slice(Math.max(0, i - 12), i))) {
        found.push({ specifier: source.slice(i + 1, j), start: i, end: j + 1, text: false });
      }
      i = j + 1;
    } else i++;
  }
  return found;
}

/**
 * Every import of `specifier` in a module's code: Deno's module graph gives only the first. (One
 * in a comment, such as an example, is found too, and rewritten alike.)
 */
function occurrences(source: string, specifier: string): { start: number; end: number }[] {
  const escaped = specifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const quoted = new RegExp(`(?<=(?:\\bfrom|\\bimport)\\s*\\(?\\s*)(["'])${escaped}\\1`, "g");
  return [...source.matchAll(quoted)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
  }));
}

/** The path `spec` names from `from`, both relative to the package root. */
function join(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const part of spec.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

function relative(from: string, to: string): string {
  const a = from.split("/").slice(0, -1);
  const b = to.split("/");
  let common = 0;
  while (common < a.length && common < b.length - 1 && a[common] === b[common]) common++;
  const up = a.length - common;
  return (up ? "../".repeat(up) : "./") + b.slice(common).join("/");
}

function npmName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The repository source of an emitted file: `src/x.js` or `src/x.d.ts` from `src/x.ts`. */
async function sourceOf(emitted: string): Promise<string> {
  const stem = emitted.replace(/\.d\.ts$|\.js$/, "");
  for (const ext of [".ts", ".tsx", ".mts", ".js", ".mjs"]) {
    if (await exists(`${repoRoot}${stem}${ext}`)) return `${stem}${ext}`;
  }
  fail(`${emitted} was emitted by deno pack, but it has no source in the repository`);
}

/** The files under `root`, relative to it. */
async function* walk(root: string, dir = ""): AsyncGenerator<string> {
  for await (const e of Deno.readDir(`${root}${dir}`)) {
    if (e.isDirectory) yield* walk(root, `${dir}${e.name}/`);
    else yield `${dir}${e.name}`;
  }
}

/** `deno pack`'s output, and what is known of it. */
interface Tree {
  /** Where it was unpacked, with a trailing slash. */
  emit: string;
  version: string;
  license: string;
  /** The range of each npm package deno.json imports. */
  ranges: Record<string, string>;
  /** Repository path of each export -> its emitted .js and .d.ts. */
  emitted: Map<string, { js: string; types?: string }>;
  /** Each emitted .js file's imports, dynamic ones included. */
  graph: Map<string, Dependency[]>;
  /** What a module of the SDK or the proxy exports, each export named by where it is declared. */
  exportsOf(path: string): { key: string; kind: string; declaredHere: boolean }[];
  /** Files git tracks. */
  tracked: Set<string>;
}

/** Packs every package into `outDir`; returns what each holds. */
export async function pack(
  options: { outDir?: string; allowDirty?: boolean } = {},
): Promise<Packed[]> {
  const outDir = options.outDir ?? `${repoRoot}dist`;
  const changed = (await run("git", ["status", "--porcelain", "--untracked-files=no"])).trim();
  if (changed && !options.allowDirty) {
    fail(
      `the working tree has uncommitted changes (${changed.split("\n").length} files): ` +
        "commit them first, or pass --allow-dirty",
    );
  }
  const config = JSON.parse(await Deno.readTextFile(`${repoRoot}deno.json`));
  const packages = npmPackages(config.exports);
  const work = await Deno.makeTempDir({ prefix: "cirtusai-pack-" });
  try {
    const tree = await emitTree(work, config);
    await Deno.mkdir(outDir, { recursive: true });
    const results: Packed[] = [];
    for (const pkg of packages) {
      const contents = await assemble(pkg, packages, tree, options.allowDirty ?? false);
      results.push(
        await writePackage(pkg, contents, tree, `${work}/${pkg.name.replace("/", "+")}/`, outDir),
      );
    }
    return results;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** Runs `deno pack` into `work` and reads its output's module graph and exports. */
async function emitTree(
  work: string,
  config: { version: string; license: string; exports: Record<string, string> },
): Promise<Tree> {
  await run(Deno.execPath(), [
    "pack",
    "--allow-dirty",
    "--quiet",
    "--no-source-maps",
    "-o",
    `${work}/deno.tgz`,
  ]);
  await run("tar", ["xzf", `${work}/deno.tgz`, "-C", work]);
  const emit = `${work}/package/`;
  const denoPackage = JSON.parse(await Deno.readTextFile(`${emit}package.json`));
  const emitted = new Map<string, { js: string; types?: string }>();
  for (const [key, file] of Object.entries(config.exports)) {
    const e = denoPackage.exports[key];
    emitted.set(file.replace(/^\.\//, ""), {
      js: String(e.default ?? e.import).replace(/^\.\//, ""),
      types: e.types?.replace(/^\.\//, ""),
    });
  }

  // The runtime graph of the output, from its entries (dynamic imports included).
  const graph = new Map<string, Dependency[]>();
  for (const { js } of emitted.values()) {
    const info = await runJson<{ modules: InfoModule[] }>(
      Deno.execPath(),
      ["info", "--json", "--no-config", `${emit}${js}`],
    );
    for (const m of info.modules) {
      if (!m.specifier.startsWith("file://")) continue;
      const path = decodeURIComponent(new URL(m.specifier).pathname).slice(emit.length);
      if (graph.has(path)) continue;
      const source = await Deno.readTextFile(`${emit}${path}`);
      graph.set(
        path,
        (m.dependencies ?? []).flatMap((d) => {
          const at = offset(source, (d.code ?? d.type)!.span.start);
          const all = occurrences(source, d.specifier);
          if (!all.some((o) => o.start === at)) fail(`could not find "${d.specifier}" in ${path}`);
          return all.map((o) => ({
            ...o,
            specifier: d.specifier,
            text: d.assertionType === "text",
          }));
        }),
      );
    }
  }

  // The exports of every module another package could import, to tell whether one of its
  // package's entries exports all of it.
  const reached = [...graph.keys()];
  for await (const e of walk(emit)) if (e.endsWith(".d.ts")) reached.push(e);
  const sources = new Set(await Promise.all(reached.map(sourceOf)));
  const modules = [...sources].filter((p) => /\.tsx?$/.test(p) && ownerOf(p) !== CLI);
  const docs = (await runJson<{ nodes: Record<string, { symbols: DocSymbol[] }> }>(
    Deno.execPath(),
    ["doc", "--json", ...modules],
  )).nodes;
  const exportsOf = (path: string) =>
    (docs[`file://${repoRoot}${path}`]?.symbols ?? []).flatMap((s) =>
      s.declarations.filter((d) => d.declarationKind === "export").map((d) => {
        const origin = d.kind === "reference" && d.def?.target ? d.def.target : d.location;
        return {
          key: `${s.name}@${origin.filename}:${origin.line}`,
          kind: d.kind,
          declaredHere: origin.filename === `file://${repoRoot}${path}`,
        };
      })
    );
  return {
    emit,
    version: config.version,
    license: config.license,
    ranges: denoPackage.dependencies ?? {},
    emitted,
    graph,
    exportsOf,
    tracked: new Set((await run("git", ["ls-files"])).split("\n").filter(Boolean)),
  };
}

/** The npm name an import of `path` (a module of `owner`) can use, if an entry exports it all. */
function publicVia(path: string, owner: NpmPackage, tree: Tree): string | undefined {
  const own = tree.exportsOf(path);
  if (!own.length) return undefined;
  for (const [sub, entry] of Object.entries(owner.entries)) {
    const keys = new Set(tree.exportsOf(entry).map((e) => e.key));
    if (own.every((e) => keys.has(e.key))) return subpathName(owner.name, sub);
  }
  return undefined;
}

function subpathName(name: string, sub: string): string {
  return sub === "." ? name : `${name}/${sub.slice(2)}`;
}

interface Contents {
  files: Map<string, string>;
  inlined: Set<string>;
  dependencies: Record<string, string>;
  exports: Record<string, { types?: string; default: string }>;
}

/** A package's files: what its entries reach, with their imports of other packages by name. */
async function assemble(
  pkg: NpmPackage,
  packages: NpmPackage[],
  tree: Tree,
  allowDirty: boolean,
): Promise<Contents> {
  const files = new Map<string, string>(); // package path -> contents
  const inlined = new Set<string>();
  const dependencies: Record<string, string> = {};
  const entryOf = new Map<string, string>(); // repository path -> `name/subpath`
  for (const other of packages) {
    for (const [sub, path] of Object.entries(other.entries)) {
      entryOf.set(path, subpathName(other.name, sub));
    }
  }
  const queue: string[] = [];
  const want = (path: string) => {
    if (!files.has(path) && !queue.includes(path)) queue.push(path);
  };
  const exports: Contents["exports"] = {};
  for (const sub of Object.keys(pkg.entries).sort()) {
    const e = tree.emitted.get(pkg.entries[sub])!;
    want(e.js);
    if (e.types) want(e.types);
    exports[sub] = e.types
      ? { types: `./${e.types}`, default: `./${e.js}` }
      : { default: `./${e.js}` };
  }

  while (queue.length) {
    const path = queue.shift()!;
    const from = await sourceOf(path);
    if (!tree.tracked.has(from) && !allowDirty) {
      fail(`${from} is not tracked by git: add it, or remove what imports it`);
    }
    const isTypes = path.endsWith(".d.ts");
    let source = await Deno.readTextFile(`${tree.emit}${path}`);
    const deps = isTypes ? declarationImports(source) : tree.graph.get(path) ?? [];
    const edits: [number, number, string][] = [];
    for (const dep of deps) {
      const spec = dep.specifier;
      if (spec.startsWith("node:")) continue;
      if (dep.text) {
        const vendored = await vendorText(path, spec);
        for (const [file, text] of vendored.files) files.set(file, text);
        edits.push([dep.start, dep.end, JSON.stringify(relative(path, vendored.module))]);
        edits.push(textAttribute(source, dep.end));
        continue;
      }
      if (!spec.startsWith(".")) {
        const name = npmName(spec);
        if (!(name in tree.ranges)) fail(`${from} imports "${spec}", which deno.json does not`);
        dependencies[name] = tree.ranges[name];
        continue;
      }
      let target = join(path, spec);
      if (isTypes) target = target.replace(/\.js$/, ".d.ts");
      const repoPath = await sourceOf(target);
      const owner = ownerOf(repoPath);
      if (owner === pkg.name || inlined.has(repoPath)) {
        want(target);
        continue;
      }
      if (!pkg.uses.includes(owner)) {
        fail(`${from} imports ${repoPath}: ${pkg.name} cannot depend on ${owner}`);
      }
      const byName = entryOf.get(repoPath) ??
        publicVia(repoPath, packages.find((p) => p.name === owner)!, tree);
      if (byName) {
        edits.push([dep.start, dep.end, JSON.stringify(byName)]);
        dependencies[owner] = tree.version;
        continue;
      }
      // A helper another package does not export: a copy, unless a copy would be a second class.
      const classes = tree.exportsOf(repoPath).filter((e) => e.declaredHere && e.kind === "class");
      if (classes.length) {
        fail(
          `${from} imports ${repoPath}, which ${owner} does not export whole, and which defines ` +
            `${classes.map((c) => c.key.split("@")[0]).join(", ")}: a copy in ${pkg.name} ` +
            `would be a second class. Import it from an entry of ${owner}, or move what is ` +
            "needed to a module of its own.",
        );
      }
      inlined.add(repoPath);
      want(target);
    }
    for (const [start, end, replacement] of edits.sort((a, b) => b[0] - a[0])) {
      source = source.slice(0, start) + replacement + source.slice(end);
    }
    files.set(path, source);
  }

  files.set("README.md", await Deno.readTextFile(`${repoRoot}scripts/npm/${pkg.readme}`));
  files.set("LICENSE", await Deno.readTextFile(`${repoRoot}LICENSE`));
  files.set("docs/API.md", await Deno.readTextFile(`${repoRoot}docs/API.md`));
  if (pkg.bin) files.set("bin/cirtusai.js", BIN);
  return { files, inlined, dependencies, exports };
}

/** Writes the package into `stage`, and its tarball with `npm pack` into `outDir`. */
async function writePackage(
  pkg: NpmPackage,
  contents: Contents,
  tree: Tree,
  stage: string,
  outDir: string,
): Promise<Packed> {
  const manifest = {
    name: pkg.name,
    version: tree.version,
    description: pkg.description,
    license: tree.license,
    type: "module",
    engines: { node: ">=20" },
    ...(pkg.name === SDK ? { sideEffects: false } : {}),
    ...(pkg.bin ? { bin: pkg.bin } : {}),
    exports: contents.exports,
    files: [...contents.files.keys()].sort(),
    dependencies: Object.fromEntries(Object.entries(contents.dependencies).sort()),
  };
  for (const [file, text] of contents.files) {
    await Deno.mkdir(`${stage}${file.split("/").slice(0, -1).join("/")}`, { recursive: true });
    await Deno.writeTextFile(`${stage}${file}`, text, {
      mode: file.startsWith("bin/") ? 0o755 : 0o644,
    });
  }
  await Deno.writeTextFile(`${stage}package.json`, JSON.stringify(manifest, null, 2) + "\n");
  const [npm] = await runJson<
    { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[]
  >("npm", ["pack", "--json", "--silent", "--pack-destination", outDir], stage);
  const packed = npm.files.map((f) => f.path).sort();
  const expected = [...manifest.files, "package.json"].sort();
  if (JSON.stringify(packed) !== JSON.stringify(expected)) {
    fail(`npm packed other files than ${pkg.name}'s own: ${packed.join(", ")}`);
  }
  return {
    name: pkg.name,
    tarball: `${outDir.replace(/\/$/, "")}/${npm.filename}`,
    files: packed,
    dependencies: manifest.dependencies,
    inlined: [...contents.inlined].sort(),
    size: npm.size,
    unpackedSize: npm.unpackedSize,
  };
}

/**
 * A text import made a JavaScript module of that text (`export default "..."`), in vendor/ for
 * an npm package's file (with the package's licence files beside it), or beside its importer.
 */
async function vendorText(
  from: string,
  spec: string,
): Promise<{ module: string; files: [string, string][] }> {
  if (spec.startsWith(".")) {
    const path = join(from, spec);
    const source = await sourceOf(from);
    const text = await Deno.readTextFile(`${repoRoot}${join(source, spec)}`);
    return { module: `${path}.js`, files: [[`${path}.js`, textModule(text)]] };
  }
  // The npm package in Deno's cache, as the source's own module graph resolves it.
  const source = await sourceOf(from);
  const info = await runJson<{ npmPackages: Record<string, { name: string; localPath?: string }> }>(
    Deno.execPath(),
    ["info", "--json", `${repoRoot}${source}`],
  );
  const name = npmName(spec);
  const found = Object.values(info.npmPackages).find((p) => p.name === name && p.localPath);
  if (!found) fail(`${source} imports "${spec}" as text, but Deno has not cached ${name}`);
  const local = found!.localPath!;
  const subpath = spec.slice(name.length + 1);
  const files: [string, string][] = [
    [`vendor/${spec}.js`, textModule(await Deno.readTextFile(`${local}/${subpath}`))],
  ];
  for await (const e of Deno.readDir(local)) {
    if (e.isFile && /^(licen[cs]e|notice)/i.test(e.name)) {
      files.push([`vendor/${name}/${e.name}`, await Deno.readTextFile(`${local}/${e.name}`)]);
    }
  }
  return { module: `vendor/${spec}.js`, files };
}

function textModule(text: string): string {
  return `// Generated by scripts/pack.ts from a text import.\nexport default ${
    JSON.stringify(text)
  };\n`;
}

/** The `with { type: "text" }` after a specifier ending at `end`, as an edit that removes it. */
function textAttribute(source: string, end: number): [number, number, string] {
  const rest = source.slice(end);
  const attribute =
    rest.match(/^\s*,\s*\{\s*with\s*:\s*\{\s*type\s*:\s*["']text["']\s*,?\s*\}\s*,?\s*\}/) ??
      rest.match(/^\s*with\s*\{\s*type\s*:\s*["']text["']\s*,?\s*\}/);
  if (!attribute) {
    fail(`no text attribute after the import at ${JSON.stringify(rest.slice(0, 60))}`);
  }
  return [end, end + attribute![0].length, ""];
}

if (import.meta.main) {
  await main(async () => {
    const args = Deno.args;
    const out = args.indexOf("--out");
    const packed = await pack({
      allowDirty: args.includes("--allow-dirty"),
      outDir: out >= 0 ? args[out + 1] : undefined,
    });
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    console.log("| package | tarball | packed | unpacked | dependencies |");
    console.log("|---|---|---|---|---|");
    for (const p of packed) {
      const deps = Object.keys(p.dependencies).join(", ") || "none";
      console.log(`| ${p.name} | ${p.tarball} | ${kb(p.size)} | ${kb(p.unpackedSize)} | ${deps} |`);
    }
  });
}
