// serve() against its floors, under wrk (a second process; `apt-get install -y wrk`): serve()
// with its time limits on clients, Deno.serve alone (none), and Node's http server with the same
// limits. Each target is a process of its own; the rounds take turns (a different target first
// each round), so a machine that slows down for a while slows them all alike. For 1, 32 and 200
// connections and a 1 KB and a 256 KB answer, it prints the median over the rounds of each
// target's requests a second, p50 and p99, and their ratios to Deno.serve and Node's server in the
// same round. Goals: serve() at >= 0.9x Deno.serve for the 256 KB answer, and >= 1x Node's
// server for the 1 KB answer at 32 connections.
//
//   deno run -A bench/serve_load.ts [--rounds 5] [--seconds 1]
//
// As a target (what the bench starts): deno run -A bench/serve_load.ts --serve serve|deno
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

// Node's own server with the limits serve() sets on Node (src/server/serve_node.ts).
const NODE_TARGET = `
import { createServer } from "node:http";
const small = Buffer.alloc(${SMALL}, 120), large = Buffer.alloc(${LARGE}, 120);
const server = createServer({
  connectionsCheckingInterval: 250, headersTimeout: 10000, requestTimeout: 30000,
  keepAliveTimeout: 59000, maxHeaderSize: 65536,
}, (req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(req.url === "/large" ? large : small);
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
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
  p50: number;
  p99: number;
}

/** One wrk run: requests a second and the p50 and p99 latency in µs. */
async function wrk(port: number, path: string, connections: number, seconds: number) {
  const out = await new Deno.Command("wrk", {
    args: [
      "-t1",
      `-c${connections}`,
      `-d${seconds}s`,
      "--latency",
      `http://127.0.0.1:${port}${path}`,
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
  return {
    rate: Number(text.match(/Requests\/sec:\s+([\d.]+)/)![1]),
    p50: micros("50"),
    p99: micros("99"),
  } satisfies Sample;
}

async function bench(): Promise<void> {
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const self = new URL(import.meta.url).pathname;
  const nodeScript = await Deno.makeTempFile({ suffix: ".mjs" });
  await Deno.writeTextFile(nodeScript, NODE_TARGET);
  const targets = [
    await start("serve()", Deno.execPath(), ["run", "-A", self, "--serve", "serve"]),
    await start("Deno.serve", Deno.execPath(), ["run", "-A", self, "--serve", "deno"]),
    await start("Node http", "node", [nodeScript]),
  ];
  const [served, deno, node] = targets;
  try {
    const rows: Record<string, string | number>[] = [];
    for (const path of ["/small", "/large"]) {
      for (const connections of [1, 32, 200]) {
        const samples = new Map<Target, Sample[]>(targets.map((t) => [t, []]));
        for (const t of targets) await wrk(t.port, path, connections, 1); // warm
        for (let round = 0; round < rounds; round++) {
          for (let k = 0; k < targets.length; k++) {
            const t = targets[(round + k) % targets.length];
            samples.get(t)!.push(await wrk(t.port, path, connections, seconds));
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
    const goal = (answer: string, conns: number, column: "vs Deno.serve" | "vs Node http") =>
      rows.find((r) => r.target === served.name && r.answer === answer && r.conns === conns)![
        column
      ];
    console.log(
      `serve(), 256 KB at 32 connections: ${goal("256 KB", 32, "vs Deno.serve")} ` +
        `Deno.serve (goal 0.9x); 1 KB at 32 connections: ${goal("1 KB", 32, "vs Node http")} ` +
        `Node's http server (goal 1x)`,
    );
  } finally {
    for (const t of targets) {
      t.process.kill("SIGKILL");
      await t.process.status;
    }
    await Deno.remove(nodeScript);
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
  } else {
    console.log((await serve(answer, { hostname: "127.0.0.1", port: 0 })).port);
  }
} else {
  await bench();
}
