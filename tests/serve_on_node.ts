// serve() in a Node child process, with the echo handler: the module bundled for Node
// (`deno bundle`), started with the given deadlines; its port once it listens.
const ROOT = new URL("..", import.meta.url);

export async function serveOnNode(
  deadlines: Record<string, number>,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "cirtusai-serve-node-" });
  await Deno.writeTextFile(
    `${dir}/entry.ts`,
    `import process from "node:process";
import { serve } from ${JSON.stringify(new URL("src/server/serve.ts", ROOT).href)};
import { echo } from ${JSON.stringify(new URL("tests/serve_echo.ts", ROOT).href)};
const server = await serve(echo, {
  port: 0, hostname: "127.0.0.1", deadlines: JSON.parse(process.argv[2]),
});
console.log(server.port);
`,
  );
  const bundle = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "node",
      "--format",
      "esm",
      "-o",
      `${dir}/entry.mjs`,
      `${dir}/entry.ts`,
    ],
    stderr: "piped",
  }).output();
  if (!bundle.success) throw new Error(new TextDecoder().decode(bundle.stderr));
  const child = new Deno.Command("node", {
    args: [`${dir}/entry.mjs`, JSON.stringify(deadlines)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await lines.read();
  return {
    port: Number(value),
    stop: async () => {
      child.kill("SIGKILL");
      await child.status;
      await lines.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}
