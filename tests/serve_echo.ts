// The handler the serve() tests serve, in this process or in a Node child (tests/serve_on_node.ts):
// what it was asked and by whom. `/slow` answers after 300 ms.
import type { ServeInfo } from "../src/server/serve.ts";

export async function echo(request: Request, info: ServeInfo): Promise<Response> {
  const body = await request.text().catch(() => "(cut)");
  const { pathname } = new URL(request.url);
  if (pathname === "/slow") await new Promise((resolve) => setTimeout(resolve, 300));
  return new Response(`${request.method} ${pathname} ${body} from ${info.remoteAddr.hostname}`, {
    headers: { "x-url": request.url },
  });
}
