// A scripted OpenAI-compatible server for the burned-in subtitle tests: it answers the
// host's burned-in line prompt (host/src/pipeline/burnin/reading.rs: one JSON object
// {"text", "translation"}) the way a good vision model would.
//
// It cannot read the strip picture it is sent. What it "reads" is what `onScreen()` says is
// on screen when the call arrives: the test asks the page for the video's time and looks
// the line up in the rendered video's ground truth. That is honest because the extension
// sends a line's strip as soon as the detector reports the line, a fraction of a second
// after it appeared and long before it leaves (the test videos' lines last 2 s or more);
// a call for a picture with no line on it is answered as the prompt asks, with empty text.
// A click on a word of a line asks the host's word note prompt, answered with scripted-gloss.js's
// note on that word (`stats.notes`). It speaks what host/src/providers/openai.rs uses:
// GET /v1/models (one model that reads images) and POST /v1/chat/completions streamed as
// server-sent events.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { makeFixtures, root } from "./harness.js";
import { streamChatReply } from "./openai-stream.js";
import { NOTES, wordAskedAbout } from "./scripted-gloss.js";

export const BURNIN_MODEL = "scripted-burnin-reader";

/** The rendered set (render-burnin-videos.py's directory; its version changes with the videos). */
const RENDERED = "burnin-v2";

/** The fake site's media file a burned-in test video plays: named after the set, so a copy of an older set is never served. */
export function burninMedia(video) {
  return `${video}_${RENDERED.replace(/\W/g, "")}`;
}

/**
 * A rendered burned-in video (tests/tools/render-burnin-videos.py; `name`: burnin-ja,
 * burnin-ja-high, …) served as the media file `burninMedia(video)`, and its ground truth.
 */
export function burninFixture(name, video) {
  const dir = path.join(process.env.GLOSSA_CACHE || path.join(process.env.HOME, ".cache/glossa-dev"), RENDERED);
  if (!fs.existsSync(path.join(dir, `${name}.json`))) {
    execFileSync("python3", [path.join(root, "tests/tools/render-burnin-videos.py"), dir], { stdio: "inherit" });
  }
  const served = path.join(makeFixtures().dir, `${burninMedia(video)}.webm`);
  if (!fs.existsSync(served)) {
    // Copied whole under another name, then renamed: a suite never serves half a copy.
    const part = `${served}.${process.pid}.part`;
    fs.copyFileSync(path.join(dir, `${name}.webm`), part);
    fs.renameSync(part, served);
  }
  return JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), "utf8"));
}

/**
 * Start the server on a free loopback port. `onScreen()` resolves to the line shown now
 * ({text, translation}) or null; `latencyMs` delays every answer (a slow model; `setLatency` changes it).
 * `stats.calls` lists the calls answered: {text} (empty text: no line on screen).
 */
export async function startScriptedBurnin({ onScreen, latencyMs = 0 }) {
  const stats = { calls: [], refused: [], notes: [] };
  let failing = false;
  const server = http.createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (d) => { raw += d; });
    req.on("end", () => route(req, raw, res).catch((e) => res.destroy(e)));
  });

  async function route(req, raw, res) {
    const path = new URL(req.url, "http://localhost").pathname;
    if (req.method === "GET" && path === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({
        object: "list",
        data: [{ id: BURNIN_MODEL, object: "model", owned_by: "glossa-tests", architecture: { input_modalities: ["text", "image"] } }],
      }));
    }
    if (req.method === "POST" && path === "/v1/chat/completions") {
      const body = JSON.parse(raw);
      const system = String((body.messages || []).find((m) => m.role === "system")?.content || "");
      const user = String((body.messages || []).find((m) => m.role === "user")?.content || "");
      const word = /^You help someone learning a language/.test(system) ? wordAskedAbout(`${system}\n${user}`) : null;
      if (word) {
        stats.notes.push({ word, prompt: `${system}\n${user}` });
        return stream(res, NOTES.get(word));
      }
      if (!/subtitles burned into video pictures/.test(system) || !raw.includes('"image_url"')) {
        stats.refused.push(system.slice(0, 120));
        res.writeHead(500, { "content-type": "application/json" });
        return res.end(JSON.stringify({ error: { message: "scripted burn-in server: not the burned-in line prompt" } }));
      }
      if (failing) {
        res.writeHead(500, { "content-type": "application/json" });
        return res.end(JSON.stringify({ error: { message: "scripted burn-in server: told to fail" } }));
      }
      const line = await onScreen();
      stats.calls.push({ text: line ? line.text : "" });
      const delay = latencyMs;
      if (delay) await new Promise((r) => setTimeout(r, delay));
      const reply = JSON.stringify(line ? { text: line.text, translation: line.translation } : { text: "", translation: "" });
      return stream(res, reply);
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }));
  }

  /** `reply` streamed at once, 8 characters an event. */
  function stream(res, reply) {
    return streamChatReply(res, reply, { charsPerEvent: 8, gapMs: 0 });
  }

  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    model: BURNIN_MODEL,
    stats,
    setLatency: (ms) => { latencyMs = ms; },
    /** Answer every call with an HTTP 500 (a broken server), or again normally. */
    setFailing: (on) => { failing = on; },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}
