// A fake Ollama for the browser tests: Ollama cannot run on these machines, and SmolLM2 on
// llama-server is far too slow to translate a two-hour track. It speaks Ollama's published
// API (docs/api.md) the way host/src/providers/ollama.rs and the Rust fake in
// host/tests/support/fakes.rs do: GET /api/version, GET /api/tags, POST /api/show, and
// POST /api/chat streamed as NDJSON (`application/x-ndjson`, one
// {"model","created_at","message":{"role","content"},"done":false} line per piece, then a
// "done":true line with the statistics). It answers the host's subtitle batch prompt like a
// model would: the JSON array of {id, text} on the prompt's last line comes back with every
// text translated (see `fakeTranslation`). The stream is written in pieces cut at awkward
// byte boundaries (inside JSON lines and inside UTF-8 characters).
import http from "node:http";

/** What the fake "translates" `text` into, so a test can check every line by value. */
export function fakeTranslation(to, text) {
  return `【${to}】${text}`;
}

const created = () => new Date().toISOString();

function ndjsonLine(model, content) {
  return JSON.stringify({ model, created_at: created(), message: { role: "assistant", content }, done: false }) + "\n";
}

function doneLine(model, promptTokens, evalCount) {
  return JSON.stringify({
    model, created_at: created(), message: { role: "assistant", content: "" }, done_reason: "stop", done: true,
    total_duration: 4_883_583_458, load_duration: 1_334_875, prompt_eval_count: promptTokens,
    prompt_eval_duration: 342_546_000, eval_count: evalCount, eval_duration: 4_535_599_000,
  }) + "\n";
}

function errorBody(res, status, message) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ error: message }));
}

/** What a chat request asks: the target language, and the prompt's {id, text} lines (a
 * subtitle batch) or null with `last`, the prompt's last line (any other text). */
function asked(body) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const system = messages.find((m) => m.role === "system")?.content || "";
  const user = [...messages].reverse().find((m) => m.role === "user")?.content || "";
  // "into the language with the code `ja`" (frames), "into Japanese (ja)." (subtitles)
  const code = system.match(/into the language with the code `([^`]+)`/) || system.match(/ into [^(.\n]*\(([^)\s]+)\)/);
  const to = (code || [])[1] || "xx";
  const last = user.trim().split("\n").pop();
  let lines = null;
  try {
    lines = JSON.parse(last);
  } catch (e) { /* not a subtitle batch */ }
  return { to, last, lines: Array.isArray(lines) ? lines : null };
}

/** The answer to one chat request: the prompt's {id, text} lines, translated, as JSON. */
export function answer(body) {
  const { to, last, lines } = asked(body);
  if (!lines) return fakeTranslation(to, last); // not a subtitle batch: translate the text as a whole
  return JSON.stringify(lines.map((l) => ({ id: l.id, text: fakeTranslation(to, String(l.text)) })), null, 1);
}

/** Split `buf` into pieces of 1 to 111 bytes in a fixed irregular pattern: cuts land inside
 * JSON lines and inside UTF-8 characters (【】 are 3 bytes each). */
function awkwardPieces(buf) {
  const sizes = [1, 63, 7, 29, 2, 111, 13, 47];
  const out = [];
  for (let at = 0, i = 0; at < buf.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

/**
 * Start the fake on a free loopback port. `models` are the installed model names;
 * `firstTokenMs` is the wait before the first piece (a model reading its prompt); `vision`
 * says which models read images (`/api/show` says so): a list of names, or `true` for all.
 */
export async function startFakeOllama({ models = ["qwen2.5:3b"], firstTokenMs = 30, vision = [] } = {}) {
  // texts: per chat, the source texts it asked to translate (its lines, or its prompt's last line);
  // images and prompts: per chat, the pictures (base64) and the text of its last user message.
  const stats = { chats: 0, texts: [], images: [], prompts: [], linesTranslated: 0, bytesStreamed: 0, active: 0, lastActivity: Date.now() };
  const readsImages = (name) => vision === true || (Array.isArray(vision) && vision.includes(installed(name)));
  const installed = (name) => models.find((m) => m === name || m === `${name}:latest`);
  const server = http.createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (d) => { raw += d; });
    req.on("end", () => route(req, raw, res).catch((e) => { res.destroy(e); }));
  });

  async function route(req, raw, res) {
    const path = new URL(req.url, "http://localhost").pathname;
    if (req.method === "GET" && path === "/api/version") {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      return res.end(JSON.stringify({ version: "0.12.3" }));
    }
    if (req.method === "GET" && path === "/api/tags") {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      return res.end(JSON.stringify({
        models: models.map((name) => ({
          name, model: name, modified_at: "2026-10-01T12:00:00.000000000Z", size: 1_929_912_432,
          digest: "845dbda0ea48ed749caafd9e6037047aa19acfcfd82e704d7ca97d631a0b697e",
          details: { parent_model: "", format: "gguf", family: "qwen2", families: ["qwen2"], parameter_size: "3.1B", quantization_level: "Q4_K_M" },
        })),
      }));
    }
    let body;
    try {
      body = JSON.parse(raw || "null");
    } catch (e) {
      return errorBody(res, 400, "invalid character in request body");
    }
    if (req.method === "POST" && path === "/api/show") {
      const name = body?.model || "";
      if (!installed(name)) return errorBody(res, 404, `model '${name}' not found`);
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      return res.end(JSON.stringify({
        modelfile: "# Modelfile generated by \"ollama show\"", parameters: "", template: "{{ .Prompt }}",
        details: { format: "gguf", family: "qwen2" }, model_info: { "general.architecture": "qwen2" },
        // Ollama lists "vision" for models that read images (docs/api.md, "Show Model Information").
        capabilities: readsImages(name) ? ["completion", "vision"] : ["completion"], modified_at: "2026-10-01T12:00:00.000000000Z",
      }));
    }
    if (req.method === "POST" && path === "/api/chat") {
      const model = body?.model || "";
      if (!installed(model)) return errorBody(res, 404, `model "${model}" not found, try pulling it first`);
      if (!Array.isArray(body.messages)) return errorBody(res, 400, "messages is required");
      stats.chats++;
      const question = asked(body);
      stats.texts.push(question.lines ? question.lines.map((l) => String(l.text)) : [question.last]);
      const user = [...body.messages].reverse().find((m) => m && m.role === "user");
      stats.images.push(Array.isArray(user?.images) ? user.images : []);
      stats.prompts.push(String(user?.content || ""));
      const reply = answer(body);
      stats.linesTranslated += (reply.match(/"id":/g) || []).length;
      // Pieces of ~4 characters, like tokens, then Ollama's final line.
      const chars = [...reply];
      let stream = "";
      for (let i = 0; i < chars.length; i += 4) stream += ndjsonLine(model, chars.slice(i, i + 4).join(""));
      stream += doneLine(model, Math.ceil(JSON.stringify(body.messages).length / 4), Math.ceil(chars.length / 4));
      const bytes = Buffer.from(stream, "utf8");
      stats.bytesStreamed += bytes.length;
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      stats.active++;
      try {
        await new Promise((r) => setTimeout(r, firstTokenMs));
        for (const piece of awkwardPieces(bytes)) {
          if (res.destroyed) return; // the host cancelled (the viewer left the video)
          res.write(piece);
          await new Promise((r) => setImmediate(r));
        }
        return res.end();
      } finally {
        stats.active--;
        stats.lastActivity = Date.now();
      }
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("404 page not found");
  }

  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url, model: models[0], stats,
    /** Resolves once no chat has been streaming for `quietMs`. */
    async idle(quietMs) {
      while (stats.active > 0 || Date.now() - stats.lastActivity < quietMs) await new Promise((r) => setTimeout(r, 100));
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

/** Settings that make the host translate with the Ollama provider at `ollama`. */
export function ollamaProviderSettings(ollama, target = "ja") {
  return {
    provider: "ollama", "ollama.url": ollama.url, "ollama.frame_model": ollama.model,
    "ollama.subtitle_model": ollama.model, target_language: target,
  };
}
