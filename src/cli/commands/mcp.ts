import type { CommandSpec, Parsed } from "../command.ts";

const EPILOG = `An MCP client (Claude Desktop, VS Code, Cursor...) starts it as a subprocess:

  { "mcpServers": { "cirtusai": { "command": "npx", "args": ["cirtusai", "mcp"] } } }

It acts as the CLI's stored session of --profile (log in first: cirtusai login), refreshed
under the same lock as the CLI's commands; or, with CIRTUSAI_USERNAME, CIRTUSAI_PASSWORD and
CIRTUSAI_TOTP_SECRET set, it logs in as that account itself (kept in memory only).
Tools that delete or unlink are offered only with --allow-destructive. Log lines go to stderr.`;

/** `cirtusai mcp`: the agent tools over the Model Context Protocol, on stdin and stdout. */
export const mcpCommand: CommandSpec = {
  name: "mcp",
  help: "serve the CirtusAI API as tools to an AI agent (Model Context Protocol over stdio)",
  options: [{
    flags: "--allow-destructive",
    help: "also offer the tools that delete or unlink agents and e-mail accounts",
  }],
  epilog: EPILOG,
  // The SDK client and the MCP SDK load only when the server runs: other commands start as fast.
  run: async (input: Parsed) => (await import("../../mcp/run.ts")).runMcp(input),
};
