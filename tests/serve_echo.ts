// The handler the serve() tests serve, in this process or in a Node child (tests/serve_on_node.ts):
// what it was asked and by whom. `/slow` answers after 300 ms; `/answer/*` answers in the shapes
// an app may give (see ANSWERS).
import type { ServeInfo } from "../src/server/serve.ts";

/** A body that comes in `parts`, one chunk each, a turn of the event loop apart. */
function streamed(parts: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (i < parts.length) controller.enqueue(new TextEncoder().encode(parts[i++]));
      else controller.close();
    },
  });
}

/** Answers by shape: a string, a stream of unknown length, one of a stated length, and so on. */
const ANSWERS: Record<string, () => Response> = {
  text: () => new Response("a string body"),
  streamed: () => new Response(streamed(["one ", "two ", "three"])),
  sized: () => new Response(streamed(["one ", "two"]), { headers: { "content-length": "7" } }),
  // Says 9 bytes and has 7: written as it is, it would put the connection out of step.
  lying: () => new Response(streamed(["one ", "two"]), { headers: { "content-length": "9" } }),
  // The same past 1 MiB, where the body is not read whole before its head is sent.
  "lying-large": () =>
    new Response(streamed(["one ", "two"]), { headers: { "content-length": "2000000" } }),
  cookies: () => {
    const headers = new Headers([["set-cookie", "a=1; Path=/"], ["set-cookie", "b=2; Path=/"]]);
    headers.append("x-list", "1");
    headers.append("x-list", "2");
    return new Response(null, { status: 204, headers });
  },
};

export async function echo(request: Request, info: ServeInfo): Promise<Response> {
  const body = await request.text().catch(() => "(cut)");
  const { pathname } = new URL(request.url);
  const answer = ANSWERS[pathname.slice("/answer/".length)];
  if (pathname.startsWith("/answer/") && answer) return answer();
  if (pathname === "/slow") await new Promise((resolve) => setTimeout(resolve, 300));
  return new Response(`${request.method} ${pathname} ${body} from ${info.remoteAddr.hostname}`, {
    headers: { "x-url": request.url },
  });
}
