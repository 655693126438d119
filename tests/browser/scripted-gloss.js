// A scripted OpenAI-compatible server for the word-gloss suite: it translates subtitle
// batches as fake-ollama.js does (`【to】text`, so the tests know every line shown), or
// with hand-written translations for a README picture (`translations`), and
// answers the host's question about a word in a line with a note written here by hand
// (NOTES), streamed a few characters at a time like tokens. It speaks what
// host/src/providers/openai.rs uses: GET /v1/models and POST /v1/chat/completions as
// server-sent events.
//
// A chat that is neither a subtitle batch nor a single line is the word question. Which
// word it asks about is the scripted word the prompt names most often (the word is named
// once more than the line names it), so the suite does not depend on the prompt's wording.
import http from "node:http";
import { fakeTranslation } from "./fake-ollama.js";
import { streamChatReply } from "./openai-stream.js";

export const GLOSS_MODEL = "scripted-gloss";

/** The note a good model gives on each word of the test line, in English. */
export const NOTES = new Map([
  ["今日", "Here 今日 (kyō) is \"today\": the speaker talks about today's weather."],
  ["は", "The topic particle: \"as for today\"."],
  ["天気", "Here 天気 means \"the weather\" (not \"good weather\"): いい makes it fine."],
  ["が", "Marks 天気 as the subject of いい."],
  ["いい", "\"Good\": with 天気 it means the weather is nice."],
  ["です", "The polite copula, making the remark courteous."],
  ["ね", "Seeks agreement: \"isn't it?\""],
  ["Der", "The masculine article: \"the\" (der Zug, the train)."],
  ["Zug", "Der Zug is \"the train\": the one leaving from this station."],
  ["같이", "\"Together\": the speaker asks to go along."],
  ["가요", "From 가다, \"to go\", in the polite -요 form: \"let's go\"."],
]);

/** What the last user message asks: a batch's lines (JSON [{id, text}] on its last line) or none. */
function asked(body) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const system = String(messages.find((m) => m.role === "system")?.content || "");
  const user = [...messages].reverse().find((m) => m.role === "user")?.content || "";
  const text = Array.isArray(user) ? user.filter((p) => p.type === "text").map((p) => p.text).join("\n") : String(user);
  const last = text.trim().split("\n").pop();
  let lines = null;
  try {
    const parsed = JSON.parse(last);
    if (Array.isArray(parsed) && parsed.every((l) => l && l.id !== undefined && typeof l.text === "string")) lines = parsed;
  } catch (e) { /* not a batch */ }
  return { system, text, last, lines };
}

const count = (haystack, needle) => haystack.split(needle).length - 1;

/** The scripted word `prompt` asks about, or null. */
export function wordAskedAbout(prompt) {
  let best = null, bestCount = 0;
  for (const word of NOTES.keys()) {
    const n = count(prompt, word);
    if (n > bestCount || (n === bestCount && n > 0 && word.length > best.length)) { best = word; bestCount = n; }
  }
  return best;
}

/**
 * Start the server on a free loopback port, translating into `to`. `translations` (a Map
 * from a line to its translation, written by hand) replaces the `【to】text` answers; a line
 * it has none for is refused (HTTP 500), so a picture never shows an invented line.
 * `stats.notes` lists the word questions answered ({ word, prompt }); `failNotes(true)`
 * makes them fail with an HTTP 500 from then on (the entries must stay shown).
 */
export async function startScriptedGloss({ to = "en", translations = null } = {}) {
  const stats = { chats: 0, batches: 0, notes: [], refused: [] };
  let failNotes = false;
  const server = http.createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (d) => { raw += d; });
    req.on("end", () => route(req, raw, res).catch((e) => res.destroy(e)));
  });

  const refuse = (res, status, message) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: `scripted gloss server: ${message}` } }));
  };

  async function route(req, raw, res) {
    const path = new URL(req.url, "http://localhost").pathname;
    if (req.method === "GET" && path === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ object: "list", data: [{ id: GLOSS_MODEL, object: "model", owned_by: "glossa-tests" }] }));
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") return refuse(res, 404, `no route ${req.method} ${path}`);
    let body;
    try { body = JSON.parse(raw); } catch (e) { return refuse(res, 400, "not JSON"); }
    const { system, text, last, lines } = asked(body);
    const single = /^Translate this line:/m.test(text);
    const toTranslate = lines ? lines.map((l) => String(l.text)) : single ? [last] : [];
    const unscripted = translations ? toTranslate.filter((line) => !translations.has(line)) : [];
    if (unscripted.length) {
      stats.refused.push(...unscripted);
      return refuse(res, 500, `no scripted translation for ${JSON.stringify(unscripted)}`);
    }
    const translate = (line) => (translations ? translations.get(line) : fakeTranslation(to, line));
    let reply;
    if (lines) {
      stats.batches++;
      reply = JSON.stringify(lines.map((l) => ({ id: l.id, text: translate(String(l.text)) })));
    } else if (single) {
      reply = translate(last);
    } else {
      const prompt = `${system}\n${text}`;
      const word = wordAskedAbout(prompt);
      if (!word) {
        stats.refused.push(prompt);
        return refuse(res, 500, "no scripted note for this question");
      }
      stats.notes.push({ word, prompt });
      if (failNotes) return refuse(res, 500, "the model is down (scripted)");
      reply = NOTES.get(word);
    }
    stats.chats++;
    await streamChatReply(res, reply);
  }

  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    model: GLOSS_MODEL,
    stats,
    failNotes: (on) => { failNotes = on; },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}
