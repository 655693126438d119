// A fake Ollama for the browser tests: Ollama cannot run on these machines, and SmolLM2 on
// llama-server is far too slow to translate a two-hour track. It speaks Ollama's published
// API (docs/api.md) the way host/src/providers/ollama.rs and the Rust fake in
// host/tests/support/fakes.rs do: GET /api/version, GET /api/tags, POST /api/show (with the
// model's `<arch>.context_length`), and POST /api/chat streamed as NDJSON
// (`application/x-ndjson`, one {"model","created_at","message":{"role","content"},"done":false}
// line per piece, then a "done":true line with the statistics). It answers the host's
// subtitle batch prompt like a model would: the JSON array of {id, text} on the prompt's last
// line comes back with every text translated (see `fakeTranslation`). The stream is written
// in pieces cut at awkward byte boundaries (inside JSON lines and inside UTF-8 characters).
//
// Like Ollama it honours what a chat request asks besides its messages:
// - `format`: a JSON schema answer comes in the schema's shape (`{"lines": [{id, src, text}],
//   "terms": []}` for subtitles); `"json"` or none, the bare array.
// - `options.num_ctx`: the context the model is loaded with (at most the model's own length;
//   without it Ollama's default, 2048 before 0.6.7 and 4096 since — docs "Context length").
//   A prompt longer than the context is cut from its front, silently, keeping its first
//   `num_keep` (4) tokens: the model then never sees the instructions (so it does not know
//   the language asked for) nor the first lines of the batch, and answers only what is left.
//   `prompt_eval_count` counts what was read.
// - `keep_alive`: how long the model stays loaded after a request (default 5m, "0" unloads at
//   once, negative keeps it); a request for an unloaded model, or with another num_ctx, loads
//   it again (`stats.loads`), as Ollama does.
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

/** The prompt as the model reads it: the system and user messages in one text. */
function promptText(body) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const system = messages.filter((m) => m.role === "system").map((m) => m.content || "").join("\n");
  const user = [...messages].reverse().find((m) => m.role === "user")?.content || "";
  return { system, user };
}

/** What a prompt asks: the target language, and the prompt's {id, text} lines (a subtitle
 * batch) or null with `last`, the prompt's last line (any other text). A prompt cut at its
 * front (see `readable`) may have lost the language ("xx") and its first lines: the lines
 * still whole on its last line are what is asked. */
function askedOf(system, user) {
  // "into the language with the code `ja`" (frames), "into Japanese (ja)." (subtitles)
  const code = system.match(/into the language with the code `([^`]+)`/) || system.match(/ into [^(.\n]*\(([^)\s]+)\)/);
  const to = (code || [])[1] || "xx";
  const last = user.trim().split("\n").pop();
  let lines = null;
  try {
    lines = JSON.parse(last);
  } catch (e) {
    // The array's start was cut away: the objects still whole after the cut.
    const whole = [...last.matchAll(/\{"id":("(?:[^"\\]|\\.)*"),"text":("(?:[^"\\]|\\.)*")\}/g)];
    if (whole.length > 0 && /\}\]$/.test(last)) lines = whole.map((m) => ({ id: JSON.parse(m[1]), text: JSON.parse(m[2]) }));
  }
  return { to, last, lines: Array.isArray(lines) ? lines : null };
}

/** What a chat request asks (its whole prompt, as a model with room for it reads it). */
function asked(body) {
  const { system, user } = promptText(body);
  return askedOf(system, user);
}

/** The first words of `text` a schema's `src` repeats: up to 6 words, or 12 characters in
 * text without spaces (what the host's prompt asks for). */
export function srcOf(text) {
  const words = String(text).trim().split(/\s+/);
  return words.length > 1 ? words.slice(0, 6).join(" ") : [...words[0]].slice(0, 12).join("");
}

/** The answer to what was asked, in the shape `format` (a request's `format`, or a tool's
 * input schema) asks for, as a model held to it writes it. */
function answerOf({ to, last, lines }, format) {
  const schema = format && typeof format === "object" ? format : null;
  const shape = schema?.properties || {};
  if (!lines) {
    const translation = fakeTranslation(to, last);
    if (shape.items) return JSON.stringify({ items: [{ original: last, translation, box: null }] });
    if (shape.text && shape.translation) return JSON.stringify({ text: last, translation });
    return translation; // not a subtitle batch: translate the text as a whole
  }
  if (shape.lines) {
    const items = lines.map((l) => ({ id: l.id, src: srcOf(l.text), text: fakeTranslation(to, String(l.text)) }));
    return JSON.stringify({ lines: items, terms: [] }, null, 1);
  }
  return JSON.stringify(lines.map((l) => ({ id: l.id, text: fakeTranslation(to, String(l.text)) })), null, 1);
}

/** The answer to one chat request: the prompt's {id, text} lines, translated, as JSON
 * (in the schema's shape when `format` is one). */
export function answer(body, format = body?.format) {
  return answerOf(asked(body), format);
}

/** Tokens the fake counts for text: a quarter of its ASCII characters, one per other
 * character (CJK and Cyrillic take about one token a character in real tokenizers). */
export function tokensOf(text) {
  let ascii = 0;
  let other = 0;
  for (const c of String(text)) {
    if (c.charCodeAt(0) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4) + other;
}

/** The tokens a chat's messages take: their text plus 4 per message for the template,
 * 256 per image. */
function promptTokens(body) {
  return (body.messages || []).reduce((n, m) => n + tokensOf(m.content || "") + 4 + 256 * ((m.images || []).length), 0);
}

/** Ollama's `num_keep`: the prompt's first tokens, kept when its front is cut. */
const NUM_KEEP = 4;

/** What a model with a context of `context` tokens reads of `body`'s prompt: all of it, or
 * (cut: true) its first NUM_KEEP tokens and as much of its end as fits, like Ollama's
 * runner ("truncating input prompt"). */
function readable(body, context) {
  const total = promptTokens(body);
  const { system, user } = promptText(body);
  if (total <= context) return { system, user, tokens: total, cut: false };
  // Cut from the front of system + user, after the first NUM_KEEP tokens.
  let drop = total - context;
  const whole = [...`${system}\u0000${user}`];
  let keep = 0;
  let kept = 0;
  while (kept < NUM_KEEP * 4 && keep < whole.length) kept += whole[keep++].charCodeAt(0) < 128 ? 1 : 4;
  let from = keep;
  let dropped = 0;
  while (from < whole.length && dropped < drop * 4) dropped += whole[from++].charCodeAt(0) < 128 ? 1 : 4;
  const seen = whole.slice(0, keep).join("") + whole.slice(from).join("");
  const at = seen.indexOf("\u0000");
  // The separator is gone when the cut reached into the user message: all of it is "user".
  const [sys, usr] = at >= 0 ? [seen.slice(0, at), seen.slice(at + 1)] : ["", seen];
  return { system: sys, user: usr, tokens: context, cut: true };
}

/** Ollama's default context for a request without `num_ctx`, by version: 2048 before
 * 0.6.7, 4096 since (from 0.15.5 picked by VRAM, 4096 below 24 GiB). */
function defaultContext(version) {
  const [major, minor, patch] = version.split(".").map((n) => Number.parseInt(n, 10) || 0);
  return major > 0 || minor > 6 || (minor === 6 && patch >= 7) ? 4096 : 2048;
}

/** A `keep_alive` in milliseconds: a number of seconds or a duration ("10m", "30s", "1h");
 * negative: forever; absent: Ollama's default, 5 minutes. */
function keepAliveMs(value) {
  if (value === undefined || value === null) return 5 * 60_000;
  if (typeof value === "number") return value < 0 ? Infinity : value * 1000;
  const m = String(value).trim().match(/^(-?\d+(?:\.\d+)?)(ms|s|m|h)?$/);
  if (!m) return 5 * 60_000;
  const n = Number(m[1]);
  if (n < 0) return Infinity;
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] || "s"];
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
 * `version` is the Ollama version it reports (it decides the default context);
 * `contextLength` the models' own context length (`/api/show`'s `qwen2.context_length`).
 */
export async function startFakeOllama({
  models = ["qwen2.5:3b"], firstTokenMs = 30, vision = [], version = "0.12.3", contextLength = 32768,
} = {}) {
  // texts: per chat, the source texts it asked to translate (its lines, or its prompt's last line).
  // numCtx / keepAlive / formats: per chat, what it asked for (undefined when absent);
  // cut: chats whose prompt did not fit the context (cut from the front); loads: model loads;
  // images and prompts: per chat, the pictures (base64) and the text of its last user message.
  const stats = {
    chats: 0, texts: [], images: [], prompts: [], linesTranslated: 0, bytesStreamed: 0, active: 0, lastActivity: Date.now(),
    numCtx: [], keepAlive: [], formats: [], cut: 0, loads: 0,
  };
  /** The loaded model: its name, context and when it unloads. */
  let loaded = null;
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
      return res.end(JSON.stringify({ version }));
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
        details: { format: "gguf", family: "qwen2" }, model_info: { "general.architecture": "qwen2", "qwen2.context_length": contextLength, "qwen2.embedding_length": 2048 },
        // Ollama lists "vision" for models that read images (docs/api.md, "Show Model Information").
        capabilities: readsImages(name) ? ["completion", "vision"] : ["completion"], modified_at: "2026-10-01T12:00:00.000000000Z",
      }));
    }
    if (req.method === "POST" && path === "/api/chat") {
      const model = body?.model || "";
      if (!installed(model)) return errorBody(res, 404, `model "${model}" not found, try pulling it first`);
      if (!Array.isArray(body.messages)) return errorBody(res, 400, "messages is required");
      const format = body.format;
      if (!(format === undefined || format === null || format === "json" || (typeof format === "object" && !Array.isArray(format)))) {
        return errorBody(res, 400, "invalid JSON schema in format");
      }
      const options = body.options || {};
      // The context the model runs with: what was asked (at most the model's own), or the default.
      const context = Math.min(Number.isInteger(options.num_ctx) && options.num_ctx > 0 ? options.num_ctx : defaultContext(version), contextLength);
      const now = Date.now();
      if (!loaded || loaded.model !== model || loaded.context !== context || now > loaded.until) stats.loads++;
      loaded = { model, context, until: now + keepAliveMs(body.keep_alive) };
      stats.chats++;
      stats.numCtx.push(options.num_ctx);
      stats.keepAlive.push(body.keep_alive);
      stats.formats.push(format);
      const question = asked(body);
      stats.texts.push(question.lines ? question.lines.map((l) => String(l.text)) : [question.last]);
      const user = [...body.messages].reverse().find((m) => m && m.role === "user");
      stats.images.push(Array.isArray(user?.images) ? user.images : []);
      stats.prompts.push(String(user?.content || ""));
      const read = readable(body, context);
      if (read.cut) stats.cut++;
      const reply = answerOf(askedOf(read.system, read.user), format);
      stats.linesTranslated += (reply.match(/"id":/g) || []).length;
      // Pieces of ~4 characters, like tokens, then Ollama's final line.
      const chars = [...reply];
      let stream = "";
      for (let i = 0; i < chars.length; i += 4) stream += ndjsonLine(model, chars.slice(i, i + 4).join(""));
      stream += doneLine(model, read.tokens, Math.ceil(chars.length / 4));
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
