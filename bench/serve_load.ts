// serve() against its floors, under wrk (a second process; `apt-get install -y wrk`): serve() on
// Deno with its time limits on clients, Deno.serve alone (none), Node's http server with the same
// limits, and where the difference goes: node:http under Deno with a handler that writes its answer
// itself (what serve() runs on, without the fetch handler around it), and serve() itself on Node
// (bundled, as the npm package ships it). Each target is a process of its own; the rounds take
// turns (a different target first each round), so a machine that slows down for a while slows them
// all alike. For 1, 32 and 200 connections and a 1 KB and a 256 KB answer, it prints the median
// over the rounds of each target's requests a second, its CPU time a request (all its threads, from
// /proc: steadier than a rate on a shared machine), p50 and p99, and their ratios to Deno.serve and
// Node's server in the same round. Goals: serve() at >= 0.9x Deno.serve for the 256 KB answer,
// and >= 1x Node's server for the 1 KB answer at 32 connections.
//
//   deno run -A bench/serve_load.ts [--rounds 5] [--seconds 1]
//
// As a target (what the bench starts): deno run -A bench/serve_load.ts --serve serve|deno|node-http
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { serve } from "../src/server/serve.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "1" },
    serve: { type: "string" },
  },
});

const SMALL = 1024;
const LARGE = 256 * 1024;
const body = (path: string) => new Uint8Array(path === "/large" ? LARGE : SMALL).fill(120);
const small = body("/small");
const large = body("/large");
const answer = (request: Request) =>
  new Response(new URL(request.url).pathname === "/large" ? large : small, {
    headers: { "content-type": "text/plain" },
  });

// The limits serve() gives node:http (src/server/serve_node.ts), for the bare node:http targets.
const LIMITS = {
  connectionsCheckingInterval: 250,
  headersTimeout: 10000,
  requestTimeout: 30000,
  keepAliveTimeout: 59000,
  maxHeaderSize: 65536,
};

// Node's own server with those limits.
const NODE_TARGET = `
import { createServer } from "node:http";
const small = Buffer.alloc(${SMALL}, 120), large = Buffer.alloc(${LARGE}, 120);
const server = createServer(${JSON.stringify(LIMITS)}, (req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(req.url === "/large" ? large : small);
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

// serve() on Node with the same handler as on Deno, bundled as tests/serve_on_node.ts does.
const SERVE_ON_NODE = `
import { serve } from ${JSON.stringify(new URL("../src/server/serve.ts", import.meta.url).href)};
const small = new Uint8Array(${SMALL}).fill(120), large = new Uint8Array(${LARGE}).fill(120);
const answer = (request: Request) =>
  new Response(new URL(request.url).pathname === "/large" ? large : small, {
    headers: { "content-type": "text/plain" },
  });
console.log((await serve(answer, { hostname: "127.0.0.1", port: 0 })).port);
`;

interface Target {
  name: string;
  process: Deno.ChildProcess;
  port: number;
}

async function start(name: string, cmd: string, args: string[]): Promise<Target> {
  const process = new Deno.Command(cmd, { args, stdout: "piped", stderr: "inherit" }).spawn();
  const reader = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${name} did not start`);
    text += value;
  }
  reader.releaseLock();
  return { name, process, port: Number(text.trim()) };
}

interface Sample {
  rate: number;
  /** CPU µs a request, all the target's threads. */
  cpu: number;
  p50: number;
  p99: number;
}

/** The CPU time `pid` has used so far, in µs (NaN without /proc). */
function cpuMicros(pid: number): number {
  try {
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10_000; // utime + stime, 100 ticks a second
  } catch {
    return NaN;
  }
}

/** One wrk run against `target`: requests a second, CPU a request, p50 and p99 latency in µs. */
async function wrk(target: Target, path: string, connections: number, seconds: number) {
  const before = cpuMicros(target.process.pid);
  const out = await new Deno.Command("wrk", {
    args: [
      "-t1",
      `-c${connections}`,
      `-d${seconds}s`,
      "--latency",
      `http://127.0.0.1:${target.port}${path}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success || /Socket errors|Non-2xx/.test(text)) throw new Error(`wrk failed:\n${text}`);
  const micros = (label: string) => {
    const [, n, unit] = text.match(new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`))!;
    return Number(n) * ({ us: 1, ms: 1e3, s: 1e6 } as Record<string, number>)[unit];
  };
  const requests = Number(text.match(/(\d+) requests in/)![1]);
  return {
    rate: Number(text.match(/Requests\/sec:\s+([\d.]+)/)![1]),
    cpu: (cpuMicros(target.process.pid) - before) / requests,
    p50: micros("50"),
    p99: micros("99"),
  } satisfies Sample;
}

async function bench(): Promise<void> {
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const self = new URL(import.meta.url).pathname;
  const dir = await Deno.makeTempDir({ prefix: "cirtusai-serve-load-" });
  await Deno.writeTextFile(`${dir}/node_http.mjs`, NODE_TARGET);
  await Deno.writeTextFile(`${dir}/serve_on_node.ts`, SERVE_ON_NODE);
  const bundle = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "node", "--format", "esm", "-o"]
      .concat([`${dir}/serve_on_node.mjs`, `${dir}/serve_on_node.ts`]),
  }).output();
  if (!bundle.success) throw new Error(new TextDecoder().decode(bundle.stderr));
  const targets = [
    await start("serve()", Deno.execPath(), ["run", "-A", self, "--serve", "serve"]),
    await start("Deno.serve", Deno.execPath(), ["run", "-A", self, "--serve", "deno"]),
    await start("Node http", "node", [`${dir}/node_http.mjs`]),
    await start("node:http on Deno", Deno.execPath(), ["run", "-A", self, "--serve", "node-http"]),
    await start("serve() on Node", "node", [`${dir}/serve_on_node.mjs`]),
  ];
  const [served, deno, node, nodeHttpOnDeno, servedOnNode] = targets;
  try {
    const rows: Record<string, string | number>[] = [];
    for (const path of ["/small", "/large"]) {
      for (const connections of [1, 32, 200]) {
        const samples = new Map<Target, Sample[]>(targets.map((t) => [t, []]));
        for (const t of targets) await wrk(t, path, connections, 1); // warm
        for (let round = 0; round < rounds; round++) {
          for (let k = 0; k < targets.length; k++) {
            const t = targets[(round + k) % targets.length];
            samples.get(t)!.push(await wrk(t, path, connections, seconds));
          }
        }
        const ratio = (t: Target, floor: Target, key: keyof Sample) =>
          median(samples.get(t)!.map((s, i) => s[key] / samples.get(floor)![i][key]));
        for (const t of targets) {
          const mine = samples.get(t)!;
          rows.push({
            answer: path === "/large" ? "256 KB" : "1 KB",
            conns: connections,
            target: t.name,
            "req/s": Math.round(median(mine.map((s) => s.rate))),
            "vs Deno.serve": `${ratio(t, deno, "rate").toFixed(2)}x`,
            "vs Node http": `${ratio(t, node, "rate").toFixed(2)}x`,
            "CPU/req": `${median(mine.map((s) => s.cpu)).toFixed(0)} µs`,
            p50: `${median(mine.map((s) => s.p50)).toFixed(0)} µs`,
            p99: `${median(mine.map((s) => s.p99)).toFixed(0)} µs`,
            "p50, p99 vs Deno.serve": `${ratio(t, deno, "p50").toFixed(2)}x, ${
              ratio(t, deno, "p99").toFixed(2)
            }x`,
          });
        }
      }
    }
    console.log(`wrk, 1 thread; ${rounds} rounds of ${seconds} s a target, taking turns; medians`);
    console.table(rows);
    const cell = (
      t: Target,
      answer: string,
      column: "vs Deno.serve" | "vs Node http" | "CPU/req",
    ) => rows.find((r) => r.target === t.name && r.answer === answer && r.conns === 32)![column];
    console.log(
      `At 32 connections: serve(), 256 KB: ${cell(served, "256 KB", "vs Deno.serve")} ` +
        `Deno.serve (goal 0.9x); 1 KB: ${cell(served, "1 KB", "vs Node http")} Node's http ` +
        `server (goal 1x).\nWhere it goes, 1 KB: node:http under Deno with a bare handler ` +
        `${cell(nodeHttpOnDeno, "1 KB", "vs Node http")} Node's http server ` +
        `(${cell(nodeHttpOnDeno, "1 KB", "CPU/req")} a request, serve() ` +
        `${cell(served, "1 KB", "CPU/req")}); serve() on Node ` +
        `${cell(servedOnNode, "1 KB", "vs Node http")} (${cell(servedOnNode, "1 KB", "CPU/req")}).`,
    );
  } finally {
    for (const t of targets) {
      t.process.kill("SIGKILL");
      await t.process.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1];
}

if (values.serve) {
  // A target: listens on a free port, prints it, serves until killed.
  if (values.serve === "deno") {
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, answer);
    console.log(server.addr.port);
  } else if (values.serve === "node-http") {
    const server = createServer(LIMITS, (req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(req.url === "/large" ? large : small);
    });
    server.listen(0, "127.0.0.1", () => console.log((server.address() as { port: number }).port));
  } else {
    console.log((await serve(answer, { hostname: "127.0.0.1", port: 0 })).port);
  }
} else {
  await bench();
}
