import assert from "node:assert/strict";
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  CirtusAIClient,
  InternalServerError,
  RateLimitError,
} from "../mod.ts";
import { backoff } from "../src/sdk/http.ts";
import { fakeFetch, fakeSleep, json } from "./fake_fetch.ts";

const BASE = "https://api.test";

function sequence(...replies: (() => Response)[]) {
  return fakeFetch((_req, n) => replies[Math.min(n, replies.length) - 1]());
}
const fail = () => {
  throw new TypeError("connection refused");
};
const status = (s: number, headers: Record<string, string> = {}) => () =>
  json({ detail: "x" }, s, headers);
const ok = () => json([]);

Deno.test("idempotent calls retry connection errors and 408/429/500/502/503/504", async () => {
  for (
    const failure of [
      fail,
      status(408),
      status(429),
      status(500),
      status(502),
      status(503),
      status(504),
    ]
  ) {
    const { fetch, sent } = sequence(failure, failure, ok);
    const { sleep, delays } = fakeSleep();
    const client = new CirtusAIClient(BASE, { fetch, sleep });
    assert.deepEqual(await client.agents.listAgents(), []);
    assert.equal(sent.length, 3);
    assert.equal(delays.length, 2);
  }
});

Deno.test("idempotent calls give up after maxRetries", async () => {
  const { fetch, sent } = sequence(status(500));
  const client = new CirtusAIClient(BASE, { fetch, sleep: fakeSleep().sleep, maxRetries: 3 });
  await assert.rejects(() => client.agents.deleteAgent("a1"), InternalServerError);
  assert.equal(sent.length, 4);
});

Deno.test("other statuses are not retried", async () => {
  for (const s of [400, 401, 403, 404, 409, 422, 501]) {
    const { fetch, sent } = sequence(status(s));
    const client = new CirtusAIClient(BASE, { fetch, sleep: fakeSleep().sleep });
    await assert.rejects(() => client.agents.listAgents());
    assert.equal(sent.length, 1, `status ${s}`);
  }
});

Deno.test("POST retries only 429 and 503: a 2FA code is never resent after the server may have acted", async () => {
  for (const failure of [fail, status(500), status(502), status(504), status(408)]) {
    const { fetch, sent } = sequence(failure, ok);
    const client = new CirtusAIClient(BASE, { fetch, sleep: fakeSleep().sleep });
    await assert.rejects(() => client.auth.verify2fa("tmp", "123456"));
    assert.equal(sent.length, 1);
  }
  for (const failure of [status(429), status(503)]) {
    const { fetch, sent } = sequence(
      failure,
      () => json({ access_token: "a", token_type: "bearer" }),
    );
    const client = new CirtusAIClient(BASE, { fetch, sleep: fakeSleep().sleep });
    await client.auth.verify2fa("tmp", "123456");
    assert.equal(sent.length, 2);
  }
});

Deno.test("backoff starts at 0.5 s, doubles, caps at 8 s, with at most 25 % jitter", async () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map((a) => backoff(a, 0)), [
    500,
    1000,
    2000,
    4000,
    8000,
    8000,
    8000,
  ]);
  assert.equal(backoff(0, 1), 375);
  const { fetch } = sequence(status(503));
  const { sleep, delays } = fakeSleep();
  await assert.rejects(() => new CirtusAIClient(BASE, { fetch, sleep }).agents.listAgents());
  assert.equal(delays.length, 2);
  assert.ok(delays[0] >= 375 && delays[0] <= 500, `first delay ${delays[0]}`);
  assert.ok(delays[1] >= 750 && delays[1] <= 1000, `second delay ${delays[1]}`);
});

Deno.test("Retry-After is honoured in seconds and as an HTTP date, up to 60 s", async () => {
  {
    const { fetch } = sequence(status(429, { "retry-after": "7" }), ok);
    const { sleep, delays } = fakeSleep();
    await new CirtusAIClient(BASE, { fetch, sleep }).agents.listAgents();
    assert.deepEqual(delays, [7000]);
  }
  {
    const date = new Date(Date.now() + 20_000).toUTCString();
    const { fetch } = sequence(status(503, { "retry-after": date }), ok);
    const { sleep, delays } = fakeSleep();
    await new CirtusAIClient(BASE, { fetch, sleep }).agents.listAgents();
    assert.ok(delays[0] > 15_000 && delays[0] <= 20_000, `date delay ${delays[0]}`);
  }
  {
    const { fetch, sent } = sequence(status(429, { "retry-after": "120" }), ok);
    const { sleep, delays } = fakeSleep();
    await assert.rejects(
      () => new CirtusAIClient(BASE, { fetch, sleep }).agents.listAgents(),
      RateLimitError,
    );
    assert.equal(sent.length, 1, "a wait over 60 s is left to the caller");
    assert.deepEqual(delays, []);
  }
});

Deno.test("each attempt has its own timeout -> APIConnectionTimeoutError", async () => {
  const { fetch, sent } = fakeFetch((_req, _n, signal) =>
    new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)))
  );
  const client = new CirtusAIClient(BASE, {
    fetch,
    timeout: 20,
    maxRetries: 1,
    sleep: fakeSleep().sleep,
  });
  await assert.rejects(() => client.agents.listAgents(), (err: unknown) => {
    assert.ok(err instanceof APIConnectionTimeoutError);
    assert.equal(err.timeout, 20);
    assert.equal(err.message, "GET /agents: timed out after 20 ms");
    return true;
  });
  assert.equal(sent.length, 2, "a GET timeout is retried");
});

Deno.test("the caller's signal aborts the call and is never retried", async () => {
  const controller = new AbortController();
  const { fetch, sent } = fakeFetch((_req, _n, signal) =>
    new Promise((_, reject) => {
      signal?.addEventListener("abort", () => reject(signal.reason));
      setTimeout(() => controller.abort(), 5);
    })
  );
  const client = new CirtusAIClient(BASE, { fetch, sleep: fakeSleep().sleep });
  await assert.rejects(
    () => client.agents.listAgents({ signal: controller.signal }),
    APIUserAbortError,
  );
  assert.equal(sent.length, 1);
  await assert.rejects(
    () => client.agents.listAgents({ signal: AbortSignal.abort() }),
    APIUserAbortError,
  );
  assert.equal(sent.length, 1, "an already-aborted signal sends nothing");
});

Deno.test("an abort during the backoff wait stops the retries", async () => {
  const controller = new AbortController();
  const { fetch, sent } = sequence(status(503));
  const sleep = (_ms: number, signal?: AbortSignal) => {
    controller.abort();
    return Promise.reject(signal?.reason);
  };
  const client = new CirtusAIClient(BASE, { fetch, sleep });
  await assert.rejects(
    () => client.agents.listAgents({ signal: controller.signal }),
    APIUserAbortError,
  );
  assert.equal(sent.length, 1);
});

Deno.test("connection errors name method and path and keep the cause", async () => {
  const { fetch } = sequence(fail);
  const client = new CirtusAIClient(BASE, { fetch, maxRetries: 0 });
  await assert.rejects(() => client.agents.listAgents(), (err: unknown) => {
    assert.ok(err instanceof APIConnectionError);
    assert.equal(err.message, "GET /agents: connection failed (connection refused)");
    assert.ok(err.cause instanceof TypeError);
    return true;
  });
});

Deno.test("close() aborts calls in flight and refuses new ones", async () => {
  const { fetch } = fakeFetch((_req, _n, signal) =>
    new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)))
  );
  const client = new CirtusAIClient(BASE, { fetch });
  const pending = client.agents.listAgents();
  client.close();
  await assert.rejects(() => pending, APIUserAbortError);
  await assert.rejects(
    () => client.agents.listAgents(),
    (err: unknown) => err instanceof APIUserAbortError && /the client is closed/.test(err.message),
  );
});
