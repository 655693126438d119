// A scripted OpenAI-compatible server for the README screenshots: it answers the host the
// way a good model would, with real Japanese translations of the test video's text — the
// caption cues of harness.js CUES and the words burned into the frames (FRAME_TEXT) — so
// the pictures show what a user sees with a working model, not the tiny test models' noise.
// It speaks what host/src/providers/openai.rs uses: GET /v1/models (one model that reads
// images, as llama-server lists it) and POST /v1/chat/completions streamed as server-sent
// events (`data: {"choices":[{"delta":{"content":…}}]}` … `data: [DONE]`).
//
// It cannot read a picture: `frameText` (the words on the frame the test shows) is what it
// "reads". A line it has no translation for is answered with an HTTP 500 naming it, so a
// screenshot can never show an invented line.
import http from "node:http";
import { CUES, FRAME_TEXT, VIDEO_ONE, VIDEO_TWO, XSS_TEXT } from "./harness.js";
import { streamChatReply } from "./openai-stream.js";

export const SCRIPTED_MODEL = "scripted-translator";

/** Japanese for every text of the fixture videos (written by hand). */
const JA = new Map([
  ["Welcome to the station.", "駅へようこそ。"],
  ["The train leaves at nine.", "電車は9時に発車します。"],
  ["Please mind the gap.", "足元の隙間にご注意ください。"],
  [XSS_TEXT, XSS_TEXT], // markup, not words: left as it is (and shown as text)
  ["Tickets are sold downstairs.", "切符は下の階で販売しています。"],
  ["The café opens at seven.", "カフェは7時に開店します。"],
  ["Platform two is closed today.", "本日、2番線は閉鎖されています。"],
  ["Thank you for travelling with us.", "ご乗車ありがとうございます。"],
  ["Next stop: Central.", "次はセントラル駅です。"],
  ["Doors are closing.", "ドアが閉まります。"],
  ["Have a good trip.", "よい旅を。"],
  ["See you tomorrow.", "また明日。"],
  ["Goodbye.", "さようなら。"],
  ["The end.", "おわり。"],
  ["Really the end.", "本当におわり。"],
  ...CUES[VIDEO_TWO].map((c, i) => [c.text, `2本目の動画、${i + 1}行目。`]),
  [FRAME_TEXT[VIDEO_ONE], "午前9時開店 - B出口"],
  [FRAME_TEXT[VIDEO_TWO], "2番線 閉鎖中"],
]);
for (const c of CUES[VIDEO_ONE]) if (!JA.has(c.text)) throw new Error(`scripted-openai: no Japanese for cue "${c.text}"`);

class Unscripted extends Error {}

function ja(text) {
  if (!JA.has(text)) throw new Unscripted(`no scripted translation for ${JSON.stringify(text)}`);
  return JA.get(text);
}

/** A frame translation: a picture to read. A subtitle batch may carry a picture too, as
 * context (a keyframe of the video): its lines are still the last line of its text. */
function isFrameRequest(body) {
  const user = [...(Array.isArray(body.messages) ? body.messages : [])].reverse().find((m) => m.role === "user")?.content || "";
  const parts = Array.isArray(user) ? user : [{ type: "text", text: String(user) }];
  if (!parts.some((p) => p.type === "image_url")) return false;
  const text = parts.filter((p) => p.type === "text").map((p) => p.text).join("\n");
  const last = text.trim().split("\n").pop();
  if (/^Translate this line:/m.test(text)) return false;
  try {
    return !Array.isArray(JSON.parse(last));
  } catch (e) {
    return true;
  }
}

/** The answer a good model gives to one of the host's prompts (host/src/pipeline). */
function answer(body, frameText, frameReply, frameItems) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const system = String(messages.find((m) => m.role === "system")?.content || "");
  const user = [...messages].reverse().find((m) => m.role === "user")?.content || "";
  const parts = Array.isArray(user) ? user : [{ type: "text", text: String(user) }];
  const text = parts.filter((p) => p.type === "text").map((p) => p.text).join("\n");
  const wantsJapanese = /`ja`|Japanese/.test(system);
  if (!wantsJapanese) throw new Unscripted(`only Japanese is scripted: ${system.slice(0, 120)}`);
  if (isFrameRequest(body)) {
    if (frameReply !== undefined) return frameReply;
    // A model that follows the JSON format the prompt asks for: the items it "reads".
    if (frameItems && /"items"/.test(system)) return JSON.stringify({ items: frameItems });
    // The frame prompt (pipeline/frame.rs): the text on the picture, translated.
    const translated = ja(frameText);
    return /write the original text/.test(system) ? `${frameText}\n${translated}` : translated;
  }
  const last = text.trim().split("\n").pop();
  if (/^Translate this line:/m.test(text)) return ja(last); // one line alone (pipeline/subtitles/prompt.rs)
  const lines = JSON.parse(last); // a subtitle batch: [{id, text}] on the last line
  return JSON.stringify(lines.map((l) => ({ id: l.id, text: ja(String(l.text)) })));
}

/**
 * Start the server on a free loopback port. `frameText` is the text on the frame a frame
 * request shows (default: VIDEO_ONE's); `frameReply`, when given, is the answer to every
 * frame request as it is (for a test of what the panel makes of an odd answer); `frameItems`
 * ([{original, translation, box}]), when given, is what it answers a frame prompt that asks
 * for JSON items, as `{"items":[…]}` (a model that ignores the format answers text, as without it).
 * `stats.chats` counts the chat requests answered, `stats.refused` lists the ones it had no
 * script for, `stats.frameRequests` the frame requests' bodies.
 */
export async function startScriptedOpenAI({ frameText = FRAME_TEXT[VIDEO_ONE], frameReply, frameItems } = {}) {
  // frameReplies: what each frame request was answered (the panel must show exactly that).
  const stats = { chats: 0, refused: [], frameReplies: [], frameRequests: [] };
  const script = { frameItems };
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
        data: [{ id: SCRIPTED_MODEL, object: "model", owned_by: "glossa-tests", architecture: { input_modalities: ["text", "image"] } }],
      }));
    }
    if (req.method === "POST" && path === "/v1/chat/completions") {
      let reply;
      try {
        const body = JSON.parse(raw);
        reply = answer(body, frameText, frameReply, script.frameItems);
        if (isFrameRequest(body)) {
          stats.frameReplies.push(reply);
          stats.frameRequests.push(body);
        }
      } catch (e) {
        stats.refused.push(e.message);
        res.writeHead(500, { "content-type": "application/json" });
        return res.end(JSON.stringify({ error: { message: `scripted test server: ${e.message}` } }));
      }
      stats.chats++;
      // A few characters per event, like tokens, a little apart: the panel streams.
      return streamChatReply(res, reply);
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }));
  }

  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    model: SCRIPTED_MODEL,
    stats,
    /** The Japanese the server answers for `text` (the tests check what is shown against it). */
    ja,
    /** From now on answer frames with these items (null: as a model that ignores the format). */
    setFrameItems: (items) => { script.frameItems = items; },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}
