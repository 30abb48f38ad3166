// Bundled for Node by tests/proxy_origin_test.ts (`deno bundle --platform node`): the edge proxy
// in session mode served on Node with serve(), a blank page at `/` for a browser to call it from.
//   node proxy_node.mjs UPSTREAM SECRET HOSTNAME   -> prints {"port": N} once listening
import process from "node:process";
import { createProxy, serve } from "../../src/proxy/mod.ts";

const [upstream, cookieSecret, hostname] = process.argv.slice(2);
const proxy = createProxy({ upstream, cookieSecret });
const server = await serve((request, info) => {
  const path = request.url.slice(request.url.indexOf("/", request.url.indexOf("//") + 2));
  if (path === "/") {
    return new Response("<!doctype html><title>proxy on Node</title>", {
      headers: { "content-type": "text/html; charset=utf-8" },
    });
  }
  return proxy.fetch(request, info);
}, { port: 0, hostname });
console.log(JSON.stringify({ port: server.port, runtime: process.version }));
process.on("SIGTERM", () => server.shutdown().then(() => process.exit(0)));
