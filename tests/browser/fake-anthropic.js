// A fake Anthropic Messages API for the browser tests: a provider paid per token, so the
// host reports token costs for it. It speaks the published Messages API as
// host/src/providers/anthropic.rs uses it (and as the Rust fake in host/tests/support/fakes.rs
// does): GET /v1/models, and POST /v1/messages streamed as server-sent events —
// message_start (with the input tokens, `cache_creation_input_tokens` and
// `cache_read_input_tokens`), ping, one content block, message_delta with the output tokens,
// message_stop. It answers like the fake Ollama (fake-ollama.js's `answer`): the {id, text}
// lines of a subtitle batch come back translated by `fakeTranslation`.
// - A request with `tools` and `tool_choice: {type: "tool", name}` (the host's answer format)
//   is answered as a forced tool call is: a `tool_use` content block (`input: {}` at its
//   start) whose input, in the tool's `input_schema` shape, streams as `input_json_delta`
//   pieces (the first one empty), ending with `stop_reason: "tool_use"`. Tools the API would
//   refuse (an input_schema that is not an object, a bad name, a tool_choice naming no tool)
//   get its 400 `invalid_request_error`.
// - Prompt caching: the prefix up to a `cache_control` mark (tools, then system blocks) is
//   written to the cache the first time (`cache_creation_input_tokens`) and read after that
//   (`cache_read_input_tokens`), only when it is at least the model's minimum (1024 tokens;
//   2048 for Haiku 3/3.5; 4096 for Haiku 4.5 and Opus 4.5/4.6 — the prompt caching page);
//   `input_tokens` counts the rest. Tokens are a quarter of the characters.
import http from "node:http";
import { answer } from "./fake-ollama.js";

const event = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const text = (content) => (typeof content === "string" ? content : (content || []).map((b) => b.text || "").join(""));
const tokens = (s) => Math.ceil([...s].length / 4);

/** The shortest prefix Anthropic caches for `model`, in tokens. */
function minCacheable(model) {
  if (/haiku-4|opus-4-5|opus-4-6/.test(model)) return 4096;
  if (/haiku/.test(model)) return 2048;
  return 1024;
}

/** The API's refusal of a request's tools, or null when they are fine. */
function toolsProblem(body) {
  const tools = body.tools || [];
  for (const [i, tool] of tools.entries()) {
    if (tool?.input_schema?.type !== "object") return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name || "")) return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
  }
  const choice = body.tool_choice;
  if (choice?.type === "tool" && !tools.some((t) => t.name === choice.name)) return `Tool '${choice.name}' not found in provided tools`;
  return null;
}

export async function startFakeAnthropic({ model = "claude-haiku-4-5" } = {}) {
  // inputTokens: every prompt token (cached ones too), as the host adds them up.
  const stats = {
    messages: 0, linesTranslated: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, toolCalls: 0,
  };
  /** Prefixes written to the prompt cache, by text. */
  const cached = new Set();
  const server = http.createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (d) => { raw += d; });
    req.on("end", () => {
      const path = new URL(req.url, "http://localhost").pathname;
      if (req.method === "GET" && path === "/v1/models") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ data: [{ type: "model", id: model, display_name: model, created_at: "2025-10-01T00:00:00Z" }], has_more: false }));
      }
      if (req.method !== "POST" || path !== "/v1/messages" || !req.headers["x-api-key"]) {
        res.writeHead(404, { "content-type": "application/json" });
        return res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: "Not found" } }));
      }
      const body = JSON.parse(raw);
      const problem = toolsProblem(body);
      if (problem) {
        res.writeHead(400, { "content-type": "application/json" });
        return res.end(JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: problem } }));
      }
      const tool = body.tool_choice?.type === "tool" ? body.tools.find((t) => t.name === body.tool_choice.name) : null;
      // The same shape as Ollama's chat, for the shared answer.
      const system = text(body.system);
      const user = text((body.messages || []).at(-1)?.content);
      const reply = answer({ messages: [{ role: "system", content: system }, { role: "user", content: user }] }, tool?.input_schema);
      // The cacheable prefix: tools, then system blocks up to the last one marked.
      let prefix = body.tools ? JSON.stringify(body.tools) : "";
      let marked = null;
      for (const block of Array.isArray(body.system) ? body.system : []) {
        prefix += block.text || "";
        if (block.cache_control) marked = prefix;
      }
      const whole = tokens(prefix + (Array.isArray(body.system) ? "" : system)) + tokens(user) + 7;
      let [creation, read] = [0, 0];
      if (marked !== null && tokens(marked) >= minCacheable(body.model || model)) {
        if (cached.has(marked)) read = tokens(marked);
        else creation = tokens(marked);
        cached.add(marked);
      }
      const input = whole - creation - read;
      const output = Math.ceil(reply.length / 4);
      stats.messages++;
      stats.linesTranslated += (reply.match(/"id":/g) || []).length;
      stats.inputTokens += whole;
      stats.cacheReadTokens += read;
      stats.cacheCreationTokens += creation;
      stats.outputTokens += output;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(event("message_start", {
        message: {
          id: `msg_${stats.messages}`, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null,
          usage: { input_tokens: input, cache_creation_input_tokens: creation, cache_read_input_tokens: read, output_tokens: 1 },
        },
      }));
      res.write(event("ping", {}));
      const chars = [...reply];
      if (tool) {
        stats.toolCalls++;
        res.write(event("content_block_start", { index: 0, content_block: { type: "tool_use", id: `toolu_01${String(stats.messages).padStart(22, "0")}`, name: tool.name, input: {} } }));
        res.write(event("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "" } }));
        for (let i = 0; i < chars.length; i += 16) {
          res.write(event("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: chars.slice(i, i + 16).join("") } }));
        }
      } else {
        res.write(event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }));
        for (let i = 0; i < chars.length; i += 16) {
          res.write(event("content_block_delta", { index: 0, delta: { type: "text_delta", text: chars.slice(i, i + 16).join("") } }));
        }
      }
      res.write(event("content_block_stop", { index: 0 }));
      res.write(event("message_delta", { delta: { stop_reason: tool ? "tool_use" : "end_turn", stop_sequence: null }, usage: { output_tokens: output } }));
      res.end(event("message_stop", {}));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, model, stats, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

/** Settings that make the host translate with the (paid) Anthropic provider at `fake`. */
export function anthropicProviderSettings(fake, target = "ja") {
  return {
    provider: "anthropic", "anthropic.base_url": fake.url, "anthropic.api_key": "sk-ant-test-key",
    "anthropic.frame_model": fake.model, "anthropic.subtitle_model": fake.model, target_language: target,
  };
}
