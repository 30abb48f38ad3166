/**
 * The MCP server of `cirtusai mcp`: the agent tools (`src/tools/`) over the Model Context
 * Protocol, on the official TypeScript SDK, over stdio. Only this command loads it (and the MCP
 * SDK with it).
 *
 * Results are structured content plus a short text; failures are tool errors (`isError`) with
 * the SDK's message and the HTTP status, never a crashed server. Nothing secret reaches a
 * result, an error or the log.
 *
 * @module
 */
// The SDK's export map sends Deno's type checker to "types.js.d.ts", which does not exist, for
// every "*.js" subpath; @ts-types names the types by the extensionless subpath instead.
// @ts-types="@modelcontextprotocol/sdk/server/index"
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
// @ts-types="@modelcontextprotocol/sdk/server/stdio"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import process from "node:process";
import { APIError, CirtusAIError, InvalidArgumentError } from "../sdk/errors.ts";
import type { JsonObject } from "../sdk/types.ts";
import { VERSION } from "../sdk/version.ts";
import type { CirtusAITool } from "../tools/tools.ts";

/** Options of {@linkcode createMcpServer}. */
export interface McpServerOptions {
  /** Every tool, the destructive ones included. */
  tools: CirtusAITool[];
  /** Offer the tools that delete or unlink (`--allow-destructive`). */
  allowDestructive?: boolean;
  /** What the server tells the client about itself (which account, which URL). */
  instructions?: string;
  /** A line for the log (stderr). */
  log?: (line: string) => void;
  /** Values never to be written out (password, TOTP secret, the tokens of the moment). */
  secrets?: () => (string | null | undefined)[];
  /** A next step for an error, where there is an obvious one ("log in: cirtusai login"). */
  hint?: (err: unknown) => string | undefined;
}

/** Replaces each secret in `text` with `[redacted]`; `json` for text that is JSON. */
function scrub(text: string, secrets: string[], json = false): string {
  for (const secret of secrets) {
    const needle = json ? JSON.stringify(secret).slice(1, -1) : secret;
    if (needle) text = text.replaceAll(needle, "[redacted]");
  }
  return text;
}

/**
 * The server, not yet connected: tools/list and tools/call over the given tools. `calls`, when
 * given, holds the tool calls in flight.
 */
export function createMcpServer(
  options: McpServerOptions,
  calls: Set<Promise<unknown>> = new Set(),
): Server {
  const offered = options.tools.filter((t) =>
    options.allowDestructive || !t.annotations.destructiveHint
  );
  const byName = new Map(offered.map((t) => [t.name, t]));
  const withheld = new Set(options.tools.filter((t) => !byName.has(t.name)).map((t) => t.name));
  const log = options.log ?? (() => {});
  const secrets = () =>
    (options.secrets?.() ?? []).filter((s): s is string => typeof s === "string" && s !== "");
  // Results keep their data: only long secrets (tokens, the TOTP secret) are looked for there,
  // which no id or address can be mistaken for. Errors and log lines lose every secret.
  const longSecrets = () => secrets().filter((s) => s.length >= 16);

  const server = new Server(
    { name: "cirtusai", title: "CirtusAI", version: VERSION },
    { capabilities: { tools: {} }, instructions: options.instructions },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: offered.map((t) => ({
      name: t.name,
      title: t.annotations.title,
      description: t.description,
      inputSchema: t.inputSchema as Tool["inputSchema"],
      annotations: t.annotations,
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const call = callTool(request, extra);
    calls.add(call);
    return await call.finally(() => calls.delete(call));
  });

  async function callTool(
    request: CallToolRequest,
    extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  ): Promise<CallToolResult> {
    const { name } = request.params;
    const tool = byName.get(name);
    if (!tool) {
      throw new McpError(
        ErrorCode.InvalidParams,
        withheld.has(name)
          ? `tool ${name} deletes or unlinks, so it is offered only when the server runs with ` +
            "--allow-destructive (cirtusai mcp --allow-destructive)"
          : `no tool named ${name}; tools/list names them`,
      );
    }
    const started = performance.now();
    const took = () => `${Math.round(performance.now() - started)} ms`;
    try {
      const result = await tool.execute(request.params.arguments ?? {}, { signal: extra.signal });
      const json = JSON.stringify(result);
      const text = scrub(json, longSecrets(), true);
      const structured = text === json ? result : JSON.parse(text) as JsonObject;
      log(`${name}: ok in ${took()}`);
      return {
        content: [{ type: "text", text: `${tool.summarize(structured)}\n${text}` }],
        structuredContent: structured,
      };
    } catch (err) {
      const failure = describeError(err, options.hint?.(err));
      const message = scrub(failure.message, secrets());
      log(`${name}: failed in ${took()}: ${message}`);
      return {
        isError: true,
        content: [{ type: "text", text: message }],
        structuredContent: { error: { ...failure, message } },
      };
    }
  }
  return server;
}

/** What a tool error says: the SDK's message (and a hint), its class, and the HTTP status. */
function describeError(
  err: unknown,
  hint: string | undefined,
): { message: string; type: string; status?: number; field?: string } {
  const api = err instanceof APIError
    ? err
    : err instanceof CirtusAIError && err.cause instanceof APIError
    ? err.cause
    : undefined;
  const known = err instanceof CirtusAIError;
  const message = known
    ? err.message
    : `internal error in the tool (${err instanceof Error ? err.message : String(err)})`;
  return {
    message: hint ? `${message}\nhint: ${hint}` : message,
    type: known ? err.name : "InternalError",
    ...(api ? { status: api.status } : {}),
    ...(err instanceof InvalidArgumentError ? { field: err.field } : {}),
  };
}

/**
 * Serves the tools on stdin and stdout until the client closes stdin (calls still running are
 * answered first) or stops reading stdout. Anything else written to stdout would break the
 * protocol, so `console.log` goes to stderr meanwhile.
 */
export async function serveMcpStdio(options: McpServerOptions): Promise<void> {
  console.log = console.error;
  const calls = new Set<Promise<unknown>>();
  const server = createMcpServer(options, calls);
  const closed = new Promise<void>((resolve) => (server.onclose = resolve));
  // The SDK's transport watches neither for the end of stdin nor for a closed stdout.
  process.stdin.once("end", async () => {
    while (calls.size) await Promise.allSettled([...calls]);
    // The last answers are written once their handlers return: let them go out first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await new Promise((resolve) => process.stdout.write("", resolve));
    await server.close();
  });
  process.stdout.on("error", () => void server.close());
  await server.connect(new StdioServerTransport());
  await closed;
}
