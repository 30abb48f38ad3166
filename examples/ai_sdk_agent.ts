// An AI agent with the CirtusAI tools, on the Vercel AI SDK (npm "ai"): `cirtusaiTools(client)`
// wrapped in the SDK's own `tool()` with `jsonSchema()`, in four lines.
//
//   deno run -A examples/ai_sdk_agent.ts
//
// It runs offline: the API is the emulator, in-process, and the model is a scripted stand-in that
// answers as a real one does, with tool calls in the AI SDK's format, reading each tool's result
// before its next call. For a real model, replace `scriptedModel()` with one from a provider
// package (e.g. `openai("gpt-5")` from "@ai-sdk/openai"); the rest stays as it is.
// The AI SDK is this example's own dependency, not the project's: hence the npm: specifiers.
// deno-lint-ignore no-import-prefix
import { generateText, jsonSchema, stepCountIs, tool, type ToolSet } from "npm:ai@7.0.173";
// deno-lint-ignore no-import-prefix
import { MockLanguageModelV4 } from "npm:ai@7.0.173/test";
import { CirtusAIClient } from "../mod.ts";
import { createEmulator } from "../src/emulator/mod.ts";
import { cirtusaiTools } from "../src/tools/tools.ts";

// The account the agent acts for: 2FA is mandatory, so an unattended agent logs in with the
// TOTP secret (from a secret store, in real life) and the SDK computes each code itself.
const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
const client = new CirtusAIClient("http://emulator.local", { fetch: emulator.fetch });
const setup = await client.auth.register({
  username: "ada",
  email: "ada@example.com",
  password: "correct horse battery staple",
});
await client.auth.loginWith2fa("ada", "correct horse battery staple", {
  totpSecret: setup.secret,
});

// The whole integration: each CirtusAI tool as an AI SDK tool.
const tools: ToolSet = Object.fromEntries(
  cirtusaiTools(client).map((t) => [
    t.name,
    tool({
      description: t.description,
      inputSchema: jsonSchema(t.inputSchema),
      execute: (input, { abortSignal }) => t.execute(input, { signal: abortSignal }),
    }),
  ]),
);

const result = await generateText({
  model: scriptedModel(),
  tools,
  stopWhen: stepCountIs(10),
  prompt: "Set up a research assistant: a child agent that may send e-mail, with a wallet on " +
    "Base, and a credential saying it may send e-mail.",
});

// What happened, step by step (long values, such as the credential, cut short).
const short = (_key: string, value: unknown) =>
  typeof value === "string" && value.length > 40 ? `${value.slice(0, 16)}…` : value;
for (const step of result.steps) {
  for (const call of step.toolCalls) {
    console.log(`→ ${call.toolName} ${JSON.stringify(call.input, short)}`);
  }
  for (const error of step.content.filter((part) => part.type === "tool-error")) {
    console.log(`  ${error.toolName} failed: ${String(error.error).replace(/^\w*Error: /, "")}`);
  }
}
console.log(`\n${result.text}`);

/**
 * A stand-in for a language model: it plays one plausible conversation, deciding each step from
 * the tool results it was sent, as a model would. It makes one mistake (a chain that does not
 * exist), reads the tool's error and corrects it.
 */
function scriptedModel(): MockLanguageModelV4 {
  const usage = {
    inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 0, text: 0, reasoning: 0 },
  };
  let calls = 0;
  const toolCalls = (...list: [name: string, input: unknown][]) => ({
    content: list.map(([toolName, input]) => ({
      type: "tool-call" as const,
      toolCallId: `call-${++calls}`,
      toolName,
      input: JSON.stringify(input),
    })),
    finishReason: { unified: "tool-calls" as const, raw: "tool_calls" },
    usage,
    warnings: [],
  });
  return new MockLanguageModelV4({
    doGenerate: ({ prompt }) => {
      // What the tools answered so far, by tool name (the latest answer of each).
      const seen = new Map<string, { type: string; value: unknown }>();
      for (const message of prompt) {
        if (message.role !== "tool") continue;
        for (const part of message.content) {
          if (part.type === "tool-result") {
            seen.set(part.toolName, part.output as { type: string; value: unknown });
          }
        }
      }
      const value = (name: string) => seen.get(name)?.value as Record<string, unknown>;
      if (!seen.has("list_agents")) return Promise.resolve(toolCalls(["list_agents", {}]));
      const master = (value("list_agents").agents as { id: string }[])[0];
      if (!seen.has("create_child_agent")) {
        return Promise.resolve(toolCalls([
          "create_child_agent",
          { parent_id: master.id, name: "research-assistant" },
        ]));
      }
      const child = value("create_child_agent") as { id: string };
      if (!seen.has("provision_wallet")) {
        return Promise.resolve(toolCalls(
          ["update_child_permissions", { child_id: child.id, permissions: { send_email: true } }],
          ["provision_email", { child_id: child.id }],
          ["provision_wallet", { child_id: child.id, chain: "base-mainnet" }],
        ));
      }
      if (seen.get("provision_wallet")!.type === "error-text") {
        return Promise.resolve(
          toolCalls(["provision_wallet", { child_id: child.id, chain: "base" }]),
        );
      }
      if (!seen.has("issue_credential")) {
        return Promise.resolve(toolCalls(["issue_credential", {
          subject_id: child.id,
          types: ["AgentCapability"],
          claim: { can_send_email: true },
        }]));
      }
      const { credential } = value("issue_credential") as { credential: string };
      if (!seen.has("verify_credential_offline")) {
        return Promise.resolve(toolCalls(["verify_credential_offline", { credential }]));
      }
      const wallet = value("provision_wallet") as { address: string };
      const email = value("provision_email") as { email_address: string };
      const verified = value("verify_credential_offline").verified;
      return Promise.resolve({
        content: [{
          type: "text" as const,
          text: `Done. research-assistant (${child.id}) may send e-mail from ` +
            `${email.email_address}, has a wallet on Base at ${wallet.address}, and holds a ` +
            `credential saying so (verified offline: ${verified}).`,
        }],
        finishReason: { unified: "stop" as const, raw: "stop" },
        usage,
        warnings: [],
      });
    },
  });
}
