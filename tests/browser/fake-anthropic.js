// A fake Anthropic Messages API for the browser tests: a provider paid per token, so the
// host reports token costs for it. It speaks what host/src/providers/anthropic.rs reads:
// POST /v1/messages streamed as server-sent events (message_start with the input tokens,
// content_block_delta text pieces, message_delta with the output tokens, message_stop),
// and GET /v1/models. It answers like the fake Ollama (fake-ollama.js's `answer`): the
// {id, text} lines of a subtitle batch come back translated by `fakeTranslation`.
import http from "node:http";
import { answer } from "./fake-ollama.js";

const event = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const text = (content) => (typeof content === "string" ? content : (content || []).map((b) => b.text || "").join(""));

export async function startFakeAnthropic({ model = "claude-haiku-4-5" } = {}) {
  const stats = { messages: 0, linesTranslated: 0, inputTokens: 0, outputTokens: 0 };
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
      // The same shape as Ollama's chat, for the shared answer.
      const system = text(body.system);
      const user = text((body.messages || []).at(-1)?.content);
      const reply = answer({ messages: [{ role: "system", content: system }, { role: "user", content: user }] });
      const input = Math.ceil((system.length + user.length) / 4);
      const output = Math.ceil(reply.length / 4);
      stats.messages++;
      stats.linesTranslated += (reply.match(/"id":/g) || []).length;
      stats.inputTokens += input;
      stats.outputTokens += output;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(event("message_start", {
        message: { id: `msg_${stats.messages}`, type: "message", role: "assistant", model, content: [], usage: { input_tokens: input, output_tokens: 1 } },
      }));
      res.write(event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }));
      const chars = [...reply];
      for (let i = 0; i < chars.length; i += 16) {
        res.write(event("content_block_delta", { index: 0, delta: { type: "text_delta", text: chars.slice(i, i + 16).join("") } }));
      }
      res.write(event("content_block_stop", { index: 0 }));
      res.write(event("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: output } }));
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
