// A fake fetch that records every request and answers from a handler.

/** One request as it went on the wire. */
export interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

/** Answers a request; may throw to simulate a connection failure. */
export type Handler = (sent: Sent, n: number, signal?: AbortSignal) => Response | Promise<Response>;

/** Builds a JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** A fetch that records requests in `sent` and answers with `handler`. */
export function fakeFetch(handler: Handler): {
  fetch: (input: Request | URL | string, init?: RequestInit) => Promise<Response>;
  sent: Sent[];
} {
  const sent: Sent[] = [];
  return {
    sent,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const record: Sent = {
        method: request.method,
        url: request.url,
        headers: Object.fromEntries(request.headers),
        body: request.body ? await request.text() : null,
      };
      sent.push(record);
      return await handler(record, sent.length, init?.signal ?? undefined);
    },
  };
}

/** A sleep that records its delays and returns at once. */
export function fakeSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: (ms: number) => (delays.push(ms), Promise.resolve()) };
}
