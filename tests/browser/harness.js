// Shared set-up for the real-browser tests: the built extension, the real glossa-host
// registered as the browser's native host, a fake www.youtube.com over local HTTPS with a
// real video, and the browser: launchBrowser(kind) gives Chromium (playwright-core) and
// Firefox (puppeteer-core over WebDriver BiDi) one API, so a suite runs in both (README.md).
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "../..");
export const outDir = path.join(root, "tests/out");
export const dist = path.join(root, "extension/dist");
const cache = process.env.GLOSSA_CACHE || path.join(os.homedir(), ".cache/glossa-dev");
const target = process.env.CARGO_TARGET_DIR || path.join(cache, "target");
export const hostBin = process.env.GLOSSA_HOST_BIN || path.join(target, "debug/glossa-host");
export const models = process.env.GLOSSA_TEST_MODELS || path.join(cache, "models");
export const CHROMIUM = process.env.GLOSSA_CHROMIUM || "/usr/lib/chromium/chromium";
export const EXTENSION_ID = "lngjifcmcijmogopcegelklfdnfabnkn";

/** Fail loudly (never skip) when a peer the tests need is missing. */
export function need(file, how) {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing — ${how}`);
}

export function checkPrerequisites() {
  need(path.join(dist, "manifest.json"), "build the extension: bash extension/build.sh");
  need(hostBin, "build the host: cargo build -p glossa-host --bins");
  need(CHROMIUM, "install Debian's chromium: .ci/install-deps.sh");
}

// ---------------------------------------------------------------- fixtures

export const VIDEO_ONE = "glossaVid01";
export const VIDEO_TWO = "glossaVid02";
export const XSS_TEXT = "<img src=x onerror=alert(1)>";
/** A two-hour video (made only for the suites that ask for it: `startFakeYouTube({ long: true })`). */
export const VIDEO_LONG = "glossaLong01";
export const LONG_VIDEO_SECS = 7200;
/** Same picture as VIDEO_ONE, served from another origin without CORS: its canvas is tainted. */
export const VIDEO_CROSS_ORIGIN = "glossaVid03";
/** An all-black picture: what a DRM-protected video gives a canvas (no captions). */
export const VIDEO_BLACK = "glossaBlack01";
/** A 1080p video (VIDEO_ONE's picture at full HD, a few seconds): frame capture measured at the size the goal names. */
export const VIDEO_1080 = "glossaHd1080";
/**
 * Plays VIDEO_ONE's file as a live stream: its captions come with the stream, not from a
 * caption file (the player makes no timedtext request), so Glossa must read the player's
 * caption DOM. Its cues leave gaps, when the player shows no caption.
 */
export const VIDEO_DOM_CAPTIONS = "glossaDomCc01";

/**
 * A live stream with auto-generated (ASR) captions, playing VIDEO_ONE's file. Like YouTube's
 * live captions, the player builds its caption DOM word by word: each recognised word is
 * appended to the current `.ytp-caption-segment` line (every 0.2–0.5 s), a rolling window
 * of up to two `.caption-visual-line`s whose top line scrolls off when a third starts, the
 * whole caption window rebuilt on every word; lower case, no punctuation, lines cut by
 * length so sentences run across lines and a line can end one sentence and start the
 * next. Sentences are told apart only by the speaker's pause (~1.4 s). The recogniser
 * revises a word it misheard once it hears the next (LIVE_ASR_GUESSES).
 */
export const VIDEO_LIVE_ASR = "glossaLiveAsr1";
export const LIVE_ASR_SENTENCES = [
  "good evening and welcome to our live coverage from the central station",
  "the last train of the night is about to leave from platform two",
  "we will be back after a short break with more news",
];
/** Words the live recogniser first shows as something else, until the next word comes. */
export const LIVE_ASR_GUESSES = { night: "knight", platform: "plat" };
/** How long the live player keeps its last lines up after the speaker stops. */
export const LIVE_ASR_LINGER_SECS = 4;

/**
 * The live ASR words with their times (s), the caption line each lands on and what the
 * recogniser first took it for (`guess`): words 0.2–0.5 s apart, a 1.4 s pause between
 * sentences, lines of up to 32 characters.
 */
export function liveAsrWords(sentences = LIVE_ASR_SENTENCES, { start = 1.0, pause = 1.4, lineChars = 32, guesses = LIVE_ASR_GUESSES } = {}) {
  const words = [];
  let t = start, line = 0, lineLength = 0, n = 0;
  for (const [s, sentence] of sentences.entries()) {
    if (s > 0) t += pause;
    for (const [i, w] of sentence.split(" ").entries()) {
      if (i > 0) t += 0.2 + (0.3 * ((n * 7) % 10)) / 9;
      if (lineLength && lineLength + 1 + w.length > lineChars) { line++; lineLength = 0; }
      lineLength += (lineLength ? 1 : 0) + w.length;
      words.push({ t: Math.round(t * 1000) / 1000, w, line, sentence: s, ...(guesses[w] ? { guess: guesses[w] } : {}) });
      n++;
    }
  }
  return words;
}

/**
 * Caption cues per video: one every 2 s, distinct text. Ids as glossa-host numbers the
 * cues of a caption file (from 1, as `translate-subs` does).
 */
export const CUES = {
  [VIDEO_ONE]: [
    "Welcome to the station.", "The train leaves at nine.", "Please mind the gap.", XSS_TEXT,
    "Tickets are sold downstairs.", "The café opens at seven.", "Platform two is closed today.",
    "Thank you for travelling with us.", "Next stop: Central.", "Doors are closing.",
    "Have a good trip.", "See you tomorrow.", "Goodbye.", "The end.", "Really the end.",
  ].map((text, i) => ({ id: String(i + 1), start: i * 2, end: i * 2 + 2, text })),
  [VIDEO_TWO]: Array.from({ length: 15 }, (_, i) => ({
    id: String(i + 1), start: i * 2, end: i * 2 + 2, text: `Second video, line ${i + 1}.`,
  })),
  [VIDEO_DOM_CAPTIONS]: [
    "Gate four is now boarding.", "Passengers to Lisbon, please hurry.", "The lift is out of order.",
    "Lost property is next to gate one.", "Smoking is not allowed here.", "Your flight has been delayed.",
  ].map((text, i) => ({ id: String(i + 1), start: i * 4, end: i * 4 + 2.5, text })),
};

/** The text burned into each video's picture (makeFixtures draws it; a frame translation reads it). */
export const FRAME_TEXT = { [VIDEO_ONE]: "OPEN 9AM - EXIT B", [VIDEO_TWO]: "PLATFORM 2 CLOSED" };

/** Videos whose player asks for srv3 (XML) captions; the others ask for json3. */
const SRV3 = new Set([VIDEO_TWO]);
/** Live videos: captions come with the stream, no caption file (see VIDEO_DOM_CAPTIONS). */
const LIVE = new Set([VIDEO_DOM_CAPTIONS, VIDEO_LIVE_ASR]);
const PLAYS_FILE_OF = { [VIDEO_DOM_CAPTIONS]: VIDEO_ONE };

/** YouTube's json3 caption format, as the player fetches it. */
export function json3(cues) {
  return {
    wireMagic: "pb3",
    events: cues.map((c) => ({
      tStartMs: Math.round(c.start * 1000),
      dDurationMs: Math.round((c.end - c.start) * 1000),
      segs: [{ utf8: c.text }],
    })),
  };
}

/**
 * YouTube's json3 for an auto-generated (ASR) track, shaped like the real files: a window
 * event without text; per caption line an event whose `segs` are its words, each after
 * the first timed by `tOffsetMs`, lasting until the line after next starts (so events
 * overlap, two lines at a time); and before every line but the first an `aAppend` event
 * holding only "\n", lasting until the line above it ends. `words` as `liveAsrWords` makes them.
 */
export function asrJson3(words) {
  const ms = (secs) => Math.round(secs * 1000);
  const lines = [];
  for (const w of words) (lines[w.line] ||= []).push(w);
  const end = ms(words[words.length - 1].t + 3);
  const startOf = (i) => (i < lines.length ? ms(lines[i][0].t) : end);
  const events = [{ tStartMs: 0, dDurationMs: end, id: 1, wpWinPosId: 1, wsWinStyleId: 1 }];
  lines.forEach((line, i) => {
    const start = startOf(i);
    if (i > 0) events.push({ tStartMs: start - 10, dDurationMs: startOf(i + 1) - start + 10, wWinId: 1, aAppend: 1, segs: [{ utf8: "\n" }] });
    events.push({
      tStartMs: start, dDurationMs: startOf(i + 2) - start, wWinId: 1,
      segs: line.map((w, k) => (k ? { utf8: ` ${w.w}`, tOffsetMs: ms(w.t) - start, acAsrConf: 0 } : { utf8: w.w, acAsrConf: 0 })),
    });
  });
  return {
    wireMagic: "pb3", pens: [{}], wsWinStyles: [{}, { mhModeHint: 2, juJustifCode: 0, sdScrollDir: 3 }],
    wpWinPositions: [{}, { apPoint: 6, ahHorPos: 20, avVerPos: 100, rcRows: 2, ccCols: 40 }], events,
  };
}

/** YouTube's srv3 caption format (XML; times in ms), as the player may request it. */
function srv3(cues) {
  const esc = (t) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const ps = cues.map((c) => `<p t="${Math.round(c.start * 1000)}" d="${Math.round((c.end - c.start) * 1000)}">${esc(c.text)}</p>`);
  return `<?xml version="1.0" encoding="utf-8" ?><timedtext format="3"><body>${ps.join("")}</body></timedtext>`;
}

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts }).toString();
}

/**
 * Videos with text burned into the picture, and a self-signed certificate; made once and
 * kept in the cache (encoding takes minutes on a busy 2-core machine; a new clone reuses them).
 */
export function makeFixtures({ long = false } = {}) {
  const dir = path.join(cache, "browser-fixtures-v1");
  fs.mkdirSync(dir, { recursive: true });
  const font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
  need(font, "install fonts-dejavu-core");
  for (const [id, text] of Object.entries(FRAME_TEXT)) {
    const file = path.join(dir, `${id}.webm`);
    if (fs.existsSync(file)) continue;
    run("ffmpeg", [
      "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=0x203040:s=1280x720:r=10:d=30",
      "-vf", `drawtext=fontfile=${font}:text='${text}':fontcolor=white:fontsize=72:x=(w-text_w)/2:y=(h-text_h)/2,` +
        `drawtext=fontfile=${font}:text='%{pts\\:hms}':fontcolor=yellow:fontsize=36:x=40:y=40`,
      "-c:v", "libvpx", "-b:v", "400k", "-g", "10", "-deadline", "realtime", "-cpu-used", "8", "-an", file + ".part.webm",
    ]);
    fs.renameSync(file + ".part.webm", file); // a cut-short encode is never reused
  }
  const black = path.join(dir, `${VIDEO_BLACK}.webm`);
  if (!fs.existsSync(black)) {
    run("ffmpeg", [
      "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=black:s=1280x720:r=10:d=30",
      "-c:v", "libvpx", "-b:v", "50k", "-g", "10", "-deadline", "realtime", "-cpu-used", "8", "-an", black + ".part.webm",
    ]);
    fs.renameSync(black + ".part.webm", black);
  }
  const hd = path.join(dir, `${VIDEO_1080}.webm`);
  if (!fs.existsSync(hd)) {
    run("ffmpeg", [
      "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=0x203040:s=1920x1080:r=5:d=4",
      "-vf", `drawtext=fontfile=${font}:text='${FRAME_TEXT[VIDEO_ONE]}':fontcolor=white:fontsize=108:x=(w-text_w)/2:y=(h-text_h)/2`,
      "-c:v", "libvpx", "-b:v", "800k", "-g", "10", "-deadline", "realtime", "-cpu-used", "8", "-an", hd + ".part.webm",
    ]);
    fs.renameSync(hd + ".part.webm", hd);
  }
  if (long) {
    // Two hours at 160x90 and 2 frames a second (a keyframe every 10 s, so seeks are quick):
    // seconds to encode, a few MB, and cheap to play at 16x.
    const file = path.join(dir, `${VIDEO_LONG}.webm`);
    if (!fs.existsSync(file)) {
      run("ffmpeg", [
        "-loglevel", "error", "-y", "-f", "lavfi", "-i", `color=c=0x203040:s=160x90:r=2:d=${LONG_VIDEO_SECS}`,
        "-vf", `drawtext=fontfile=${font}:text='%{pts\\:hms}':fontcolor=yellow:fontsize=14:x=8:y=8`,
        "-c:v", "libvpx", "-b:v", "20k", "-g", "20", "-deadline", "realtime", "-cpu-used", "8", "-an", file + ".part.webm",
      ]);
      fs.renameSync(file + ".part.webm", file);
    }
  }
  const key = path.join(dir, "key.pem"), cert = path.join(dir, "cert.pem");
  if (!fs.existsSync(cert)) {
    run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "3650",
      "-subj", "/CN=www.youtube.com", "-addext", "subjectAltName=DNS:www.youtube.com,DNS:youtube.com"]);
  }
  return { dir, key, cert };
}

// ---------------------------------------------------------------- fake YouTube

/** The language names the fake player gives tracks and translation languages. */
const LANGUAGE_NAMES = { en: "English", "en-GB": "English (United Kingdom)", ja: "Japanese", de: "German", fr: "French", ko: "Korean" };

/** What YouTube's own machine translation (`tlang`) of `text` into `tlang` reads as in the fake. */
export function machineTranslation(tlang, text) {
  return `(YouTube ${tlang}) ${text}`;
}

/**
 * HTTPS server for www.youtube.com: /watch pages, the player script, the videos (with
 * Range support so seeking works), and /api/timedtext which answers only the player's own
 * signed URL (the track's signed baseUrl from the player response, plus the `pot` token
 * only the player has).
 * `media` lets a video id play another id's file (more videos without more encoding).
 * `languages` gives a video's one caption track a language other than English (`lang=` in
 * its timedtext URL, as YouTube names the track's language there).
 * `tracks` gives a video several caption tracks, as `{ languageCode, kind?: "asr", cues?,
 * isDefault? }` (cues default to the video's); the ASR track's language is the video's own.
 * `userCaptions` makes the viewer's player show captions at load, as YouTube does for one
 * who keeps them on: `{ [videoId]: { languageCode, kind?, translationLanguage? } }`.
 * Besides /watch it serves the other surfaces (surfacePage) and a third-party page with an
 * embed (BLOG_HOST); the returned `pageOptions` change how the next pages look.
 * `asr` gives videos an auto-generated track instead: video id → its words (as
 * `liveAsrWords` makes them), served as YouTube's ASR json3 (`asrJson3`) with `kind=asr`.
 * `channels` names a video's channel (video id → its handle, "@name"), linked under the
 * player as YouTube's watch page does (ytd-video-owner-renderer); other videos link none.
 */
export async function startFakeYouTube({
  cues = CUES, media: playsFileOf = {}, long = false, languages = {}, tracks = {}, userCaptions = {}, asr = {}, channels = {},
} = {}) {
  // How the next pages look; a test may change it between page loads: `controls: "split"`
  // serves the 2025–26 right controls (splitRightControls), `autohideMs` > 0 hides the
  // controls after that long playing with the mouse at rest (site/surfaces.js).
  const pageOptions = { controls: "flat", autohideMs: 0 };
  const fx = makeFixtures({ long });
  const secret = randomBytes(8).toString("hex");
  const sign = (v) => createHash("sha256").update(secret + v).digest("hex").slice(0, 24);
  const tracksOf = (v) =>
    LIVE.has(v) ? [] : tracks[v] || [asr[v] ? { languageCode: languages[v] || "en", kind: "asr", words: asr[v] } : { languageCode: languages[v] || "en" }];
  const baseUrl = (v, t) =>
    `https://www.youtube.com/api/timedtext?v=${v}&caps=asr&opi=112496729&xoaf=5&hl=en&ip=0.0.0.0&ipbits=0&expire=${Math.floor(Date.now() / 1000) + 3600}` +
    `&sparams=ip,ipbits,expire,v,caps,opi,xoaf&signature=${sign("sig" + v)}&key=yt8${t.kind ? `&kind=${t.kind}` : ""}&lang=${t.languageCode}`;
  const translationLanguages = Object.entries(LANGUAGE_NAMES).map(([languageCode, name]) => ({ languageCode, languageName: { simpleText: name } }));
  /** The player response of video `v`, as YouTube's page and `getPlayerResponse()` give it. */
  function playerResponse(v) {
    const list = tracksOf(v);
    const r = { playabilityStatus: { status: "OK" }, videoDetails: { videoId: v, title: `Fake video ${v}`, isLiveContent: LIVE.has(v) } };
    if (!list.length) return r; // a live stream: no caption tracks
    const captionTracks = list.map((t) => {
      const name = `${LANGUAGE_NAMES[t.languageCode] || t.languageCode}${t.kind === "asr" ? " (auto-generated)" : ""}`;
      const entry = {
        baseUrl: baseUrl(v, t), name: { simpleText: name }, vssId: `${t.kind === "asr" ? "a" : ""}.${t.languageCode}`,
        languageCode: t.languageCode, isTranslatable: true, trackName: "",
      };
      if (t.kind) entry.kind = t.kind;
      if (t.isDefault) entry.isDefault = true;
      return entry;
    });
    r.captions = {
      playerCaptionsTracklistRenderer: {
        captionTracks, translationLanguages, defaultAudioTrackIndex: 0,
        audioTracks: [{ captionTrackIndices: captionTracks.map((_, i) => i), defaultCaptionTrackIndex: 0, visibility: "UNKNOWN" }],
      },
    };
    return r;
  }
  // timedtext: caption requests served; rejected: unsigned ones, or for a live video (403).
  const log = { timedtext: [], rejected: [] };
  const server = https.createServer({ key: fs.readFileSync(fx.key), cert: fs.readFileSync(fx.cert) }, (req, res) => {
    const url = new URL(req.url, "https://www.youtube.com");
    const surface = surfacePage(req.headers.host, url.pathname);
    if (surface) {
      const fixture = { videos: {}, players: {} };
      for (const v of Object.keys({ ...cues, ...asr })) {
        fixture.players[v] = playerResponse(v);
        fixture.videos[v] = LIVE.has(v) ? { liveCues: cues[v] } : { pot: sign(v), fmt: SRV3.has(v) ? "srv3" : "json3" };
        if (userCaptions[v]) fixture.videos[v].userCaptions = userCaptions[v];
        if (channels[v]) fixture.videos[v].channel = channels[v];
      }
      for (const [v, file] of Object.entries({ ...PLAYS_FILE_OF, ...playsFileOf })) {
        if (fixture.videos[v]) fixture.videos[v].src = `/media/${file}.webm`;
      }
      fixture.videos[VIDEO_BLACK] = {};
      fixture.videos[VIDEO_1080] = {};
      fixture.videos[VIDEO_LIVE_ASR] = { src: `/media/${VIDEO_ONE}.webm`, liveAsr: liveAsrWords(), lingerSecs: LIVE_ASR_LINGER_SECS };
      fixture.players[VIDEO_LIVE_ASR] = playerResponse(VIDEO_LIVE_ASR); // live: no caption tracks
      fixture.videos[VIDEO_CROSS_ORIGIN] = { src: `https://127.0.0.1:${port}/media/${VIDEO_ONE}.webm` };
      fixture.autohideMs = pageOptions.autohideMs;
      if (surface === "shorts.html") fixture.playerId = "shorts-player";
      // The page's own copy of the player response: the first video's, kept after in-page navigation.
      const pageVideo = url.searchParams.get("v") || url.pathname.split("/")[2];
      const initial = fixture.players[pageVideo] || null;
      let html = fs.readFileSync(path.join(here, "site", surface), "utf8");
      if (pageOptions.controls === "split") html = splitRightControls(html);
      html = html.replace("VIDEO_TWO", VIDEO_TWO).replace(
        '<script src="/s/player.js">',
        `<script>window.__glossaFixture = ${JSON.stringify(fixture)};\nvar ytInitialPlayerResponse = ${JSON.stringify(initial)};</script>\n<script src="/s/player.js">`,
      );
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(html);
    }
    if (url.pathname === "/s/player.js" || url.pathname === "/s/surfaces.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      return res.end(fs.readFileSync(path.join(here, "site", url.pathname.slice(3))));
    }
    if (hostName(req.headers.host) === BLOG_HOST && url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      const embedded = /^\w+$/.test(url.searchParams.get("v") || "") ? url.searchParams.get("v") : VIDEO_ONE;
      return res.end(fs.readFileSync(path.join(here, "site/blog.html"), "utf8").replaceAll("VIDEO_ONE", embedded));
    }
    const media = url.pathname.match(/^\/media\/(\w+)\.webm$/);
    if (media) return serveFile(req, res, path.join(fx.dir, `${media[1]}.webm`), "video/webm");
    if (url.pathname === "/api/timedtext") {
      const v = url.searchParams.get("v");
      const kind = url.searchParams.get("kind") || "";
      const track = tracksOf(v).find((t) => t.languageCode === url.searchParams.get("lang") && (t.kind || "") === kind);
      const ok = (cues[v] || asr[v]) && track && url.searchParams.get("pot") === sign(v) && url.searchParams.get("signature") === sign("sig" + v);
      if (!ok) {
        log.rejected.push(req.url);
        res.writeHead(403);
        return res.end();
      }
      log.timedtext.push(req.url);
      const tlang = url.searchParams.get("tlang");
      let served = track.cues || cues[v] || [];
      if (tlang) served = served.map((c) => ({ ...c, text: machineTranslation(tlang, c.text) }));
      if (url.searchParams.get("fmt") === "srv3") {
        res.writeHead(200, { "content-type": "text/xml; charset=utf-8" });
        return res.end(srv3(served));
      }
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      return res.end(JSON.stringify(track.words ? asrJson3(track.words) : json3(served)));
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;
  return { port, log, pageOptions, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

/** A third-party site that embeds a youtube-nocookie.com player in an iframe (site/blog.html; `/?v=ID` embeds ID). */
export const BLOG_HOST = "blog.glossa.test";
/** The host names the fake site answers for (Chromium maps them all to it: launchChromium). */
export const FAKE_HOSTS = ["www.youtube.com", "m.youtube.com", "www.youtube-nocookie.com", BLOG_HOST];

const hostName = (host) => String(host || "").replace(/:\d+$/, "");

/**
 * The page template for a surface a viewer uses, or null: www.youtube.com's /watch and
 * /live/ID (a watch page under its own address), /shorts/ID, /embed/ID (also on
 * www.youtube-nocookie.com), and m.youtube.com's /watch with its own player markup.
 */
function surfacePage(host, pathname) {
  const name = hostName(host);
  if (name === BLOG_HOST) return null;
  if (name === "m.youtube.com") return pathname === "/watch" ? "mobile.html" : null;
  if (/^\/embed\/[\w-]+$/.test(pathname)) return "embed.html";
  if (name === "www.youtube-nocookie.com") return null;
  if (pathname === "/watch" || /^\/live\/[\w-]+$/.test(pathname)) return "watch.html";
  if (/^\/shorts\/[\w-]+$/.test(pathname)) return "shorts.html";
  return null;
}

/**
 * The 2025–26 player's right controls: the same buttons in two groups, captions and
 * settings on the left, the window-size buttons on the right (the markup extensions had
 * to adapt to). The templates hold the older flat layout.
 */
function splitRightControls(html) {
  return html.replace(/<div class="ytp-right-controls">([\s\S]*?)<\/div>\n/, (_, buttons) => {
    const lines = buttons.split("\n").filter((l) => l.trim());
    const right = lines.filter((l) => /ytp-(size|miniplayer|fullscreen|youtube)-button/.test(l));
    const left = lines.filter((l) => !right.includes(l));
    return `<div class="ytp-right-controls">\n<div class="ytp-right-controls-left">\n${left.join("\n")}\n</div>\n` +
      `<div class="ytp-right-controls-right">\n${right.join("\n")}\n</div>\n</div>\n`;
  });
}

function serveFile(req, res, file, type) {
  const size = fs.statSync(file).size;
  const range = req.headers.range && req.headers.range.match(/bytes=(\d*)-(\d*)/);
  if (range) {
    const start = range[1] ? Number(range[1]) : 0;
    const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    res.writeHead(206, { "content-type": type, "accept-ranges": "bytes", "content-range": `bytes ${start}-${end}/${size}`, "content-length": end - start + 1 });
    return fs.createReadStream(file, { start, end }).pipe(res);
  }
  res.writeHead(200, { "content-type": type, "accept-ranges": "bytes", "content-length": size });
  fs.createReadStream(file).pipe(res);
}

// ---------------------------------------------------------------- host

/** Host data dirs made by this test file: removed when it passes, kept to look into when it fails. */
const hostDataDirs = [];
process.on("exit", (code) => {
  if (code === 0) for (const dir of hostDataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temp data dir for glossa-host, with settings applied through its own CLI. */
/** Pids of the hosts started so far for `dataDir`, from the host's own log. */
export function hostPids(dataDir) {
  const dir = path.join(dataDir, "logs");
  if (!fs.existsSync(dir)) return [];
  const text = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n");
  return [...text.matchAll(/host started.*?pid=(\d+)/g)].map((m) => Number(m[1]));
}

export function makeHostData(settings = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "glossa-data-"));
  hostDataDirs.push(dataDir);
  for (const [k, v] of Object.entries(settings)) {
    run(hostBin, ["settings", "set", k, String(v)], { env: { ...process.env, GLOSSA_DATA_DIR: dataDir } });
  }
  return dataDir;
}

/**
 * Why the suites that run llama.cpp (a llama-server peer or the host's built-in backend)
 * cannot run on this CPU, or false. Those builds need x86-64 with SSE4.2, AVX, AVX2, BMI2,
 * FMA and F16C (tests/tools/cpu.sh); such a suite is skipped with this reason, never run
 * into a SIGILL. Use as `describe(name, { skip: llamaCpuSkip }, …)`.
 */
export const llamaCpuSkip = (() => {
  if (process.arch !== "x64") return false;
  let flags = "";
  try { flags = ` ${(fs.readFileSync("/proc/cpuinfo", "utf8").match(/^flags\s*:(.*)$/m) || [])[1] || ""} `; } catch { return false; }
  const missing = ["sse4_2", "avx", "avx2", "bmi2", "fma", "f16c"].filter((f) => !flags.includes(` ${f} `));
  return missing.length ? `this CPU lacks ${missing.join(", ")}, which the llama.cpp builds need` : false;
})();

/** A free loopback TCP port. */
async function freePort() {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/**
 * A real llama-server (tests/tools/build-llama-server.sh) serving the tiny vision pair, as
 * the OpenAI-compatible provider behind the host. Its output is noise: tests assert the
 * pipeline (text arrives and is shown), not the words.
 */
export async function startLlamaServer({ model = "tiny-text.gguf", mmproj = "tiny-mmproj.gguf", predict = 48 } = {}) {
  const bin = process.env.GLOSSA_LLAMA_SERVER || path.join(cache, "llama-server-11434.0.0-portable/llama-server");
  need(bin, "build it: bash tests/tools/build-llama-server.sh");
  const m = (f) => { const p = path.join(models, f); need(p, "fetch test models: bash tests/tools/fetch-models.sh"); return p; };
  const port = await freePort();
  const args = ["-m", m(model), "-t", "1", "-c", "4096", "--host", "127.0.0.1", "--port", String(port), "-n", String(predict)];
  if (mmproj) args.push("--mmproj", m(mmproj));
  const proc = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => { stderr = (stderr + d).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`llama-server exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch (e) { /* not listening yet */ }
    if (Date.now() > deadline) { proc.kill(); throw new Error(`llama-server did not become healthy: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 300));
  }
  const models_ = await (await fetch(`${url}/v1/models`)).json();
  return { url, model: models_.data[0].id, close: () => proc.kill() };
}

/** Settings for the OpenAI-compatible provider pointing at `server`. */
export function openaiProviderSettings(server) {
  return {
    provider: "openai", "openai.base_url": `${server.url}/v1`, "openai.frame_model": server.model,
    "openai.subtitle_model": server.model, target_language: "ja",
  };
}

/** An X server for tests that press real keys (browser shortcuts ignore synthetic ones). */
export async function startXvfb() {
  need("/usr/bin/Xvfb", "install xvfb: .ci/install-deps.sh");
  need("/usr/bin/xdotool", "install xdotool: .ci/install-deps.sh");
  const proc = spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], { stdio: ["ignore", "ignore", "ignore", "pipe"] });
  const display = await new Promise((resolve, reject) => {
    let buf = "";
    proc.stdio[3].on("data", (d) => { buf += d; if (buf.includes("\n")) resolve(":" + buf.trim()); });
    proc.on("exit", (c) => reject(new Error(`Xvfb exited with ${c}`)));
  });
  return {
    display,
    /** Type keys (one chord, or several in a row) into the browser window the way a person does (XTEST). */
    key(windowName, keys) {
      const env = { ...process.env, DISPLAY: display };
      const wid = run("xdotool", ["search", "--name", windowName], { env }).trim().split("\n")[0];
      run("xdotool", ["windowfocus", "--sync", wid], { env });
      run("xdotool", ["key", ...[].concat(keys)], { env });
    },
    close: () => proc.kill(),
  };
}

/** The settings that make the host answer frames with the built-in local backend. */
export function localProviderSettings() {
  const m = (f) => { const p = path.join(models, f); need(p, "fetch test models: bash tests/tools/fetch-models.sh"); return p; };
  return {
    provider: "local",
    "local.frame_model": m("tiny-text.gguf"),
    "local.mmproj": m("tiny-mmproj.gguf"),
    "local.subtitle_model": m("SmolLM2-135M-Instruct.Q4_1.gguf"),
    "local.threads": 1,
    target_language: "ja",
  };
}

// ---------------------------------------------------------------- Chromium

/**
 * Chromium with the extension loaded and glossa-host registered for it (unless
 * `registerHost` is false: the "host not installed" case). A fresh profile is a fresh
 * install: the extension opens its options page once (`?first-run`).
 */
/** `lang` (e.g. "ja") starts Chromium with that UI language, as a user whose system speaks it. */
export async function launchChromium({
  site, dataDir, registerHost = true, hostExe = hostBin, display, env = {}, viewport = { width: 1000, height: 640 }, keepFirstRun = false, lang,
}) {
  const { chromium } = await import("playwright-core");
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "glossa-chromium-"));
  if (registerHost) {
    run(hostExe, ["install", "--browser", "chromium", "--dir", path.join(userDataDir, "NativeMessagingHosts")],
      { env: { ...process.env, GLOSSA_DATA_DIR: dataDir } });
  }
  const args = [
    `--disable-extensions-except=${dist}`, `--load-extension=${dist}`,
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--ignore-certificate-errors",
    "--autoplay-policy=no-user-gesture-required",
  ];
  if (site) args.push(`--host-resolver-rules=${FAKE_HOSTS.map((h) => `MAP ${h} 127.0.0.1:${site.port}`).join(",")}`);
  if (lang) args.push(`--lang=${lang}`);
  const langEnv = lang ? { LANGUAGE: lang, LANG: `${lang.replace("-", "_")}.UTF-8`, LC_ALL: "" } : {};
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: !display,
    ignoreDefaultArgs: ["--disable-extensions"],
    args,
    viewport,
    ...(lang ? { locale: lang } : {}),
    // `env` reaches glossa-host too (the browser starts it): e.g. GLOSSA_DETECT_OLLAMA.
    env: { ...process.env, GLOSSA_DATA_DIR: dataDir, ...(display ? { DISPLAY: display } : {}), ...langEnv, ...env },
  });
  // The extension's service worker shows it loaded (and with the expected id).
  let worker = context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`));
  if (!worker) worker = await context.waitForEvent("serviceworker", { timeout: 30_000 });
  if (!worker.url().startsWith(`chrome-extension://${EXTENSION_ID}/`)) {
    throw new Error(`the extension loaded with an unexpected id: ${worker.url()}`);
  }
  const dialogs = [];
  context.on("page", (p) => p.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); }));
  // A fresh profile is a fresh install: the extension opens its options page once. Suites
  // about other things close it, as a person would, so it does not take the foreground
  // from the page under test (a background tab gets no animation frames).
  if (!keepFirstRun) {
    const isFirstRun = (p) => p.url().includes("/options/options.html?first-run");
    for (const p of context.pages()) if (isFirstRun(p)) await p.close();
    context.on("page", (p) => {
      // A new tab's address may still be about:blank when the event comes.
      p.waitForLoadState("domcontentloaded").then(() => isFirstRun(p) && p.close(), () => {});
    });
  }
  return {
    context,
    worker,
    dialogs,
    userDataDir,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export const OVERLAY = "[data-glossa='subtitle-overlay']";

/** Pause the video at `t`, seeking there unless it already is. */
export async function pauseAt(page, t) {
  await page.evaluate(async (time) => {
    const v = document.querySelector("video");
    v.pause();
    if (Math.abs(v.currentTime - time) > 0.01) {
      const seeked = new Promise((r) => v.addEventListener("seeked", r, { once: true }));
      v.currentTime = time;
      await seeked;
    }
  }, t);
}

/**
 * The subtitle suites' setup: the fake site, SmolLM2 on a real llama-server, a host
 * showing dual lines at the bottom, and the browser `kind` (see launchBrowser) on `videoId`.
 * `close()` ends them all.
 */
export async function startSubtitleSession(videoId, kind = "chromium") {
  const session = { close: async () => { await session.browser?.close(); await session.site?.close(); session.llama?.close(); } };
  try {
    session.site = await startFakeYouTube();
    session.llama = await startLlamaServer({ model: "SmolLM2-135M-Instruct.Q4_1.gguf", mmproj: null, predict: 300 });
    // On a loaded 2-core machine a batch can wait minutes in llama-server's one slot
    // before its first token: more than the default 300 s first-token timeout allows.
    const dataDir = makeHostData({
      ...openaiProviderSettings(session.llama), "display.dual": "true", "display.position": "bottom", "timeouts.first_token_secs": 600,
    });
    session.browser = await launchBrowser(kind, { site: session.site, dataDir });
    session.page = await openWatch(session.browser, videoId);
    return session;
  } catch (e) {
    await session.close();
    throw e;
  }
}

/**
 * Pause the video at `t` and wait until the overlay shows the line of the cue under it
 * (from `cues`, the video's track). Returns the cue and its line's locator.
 */
export async function pauseAtAndWaitForLine(page, cues, t, timeout) {
  const cue = cues.find((c) => c.start <= t && t < c.end);
  await pauseAt(page, t);
  const line = page.locator(`${OVERLAY} [data-glossa='subtitle-line'][data-cue-id='${cue.id}']`);
  await line.waitFor({ timeout });
  return { cue, line };
}

/** Open the fake watch page and wait until the video can show a frame. */
export async function openWatch(browser, videoId = VIDEO_ONE) {
  // launchBrowser's browsers open pages and name the site's address themselves; launchChromium's
  // (used directly by Chromium-only suites) map www.youtube.com to the site in the resolver.
  const page = browser.newPage ? await browser.newPage() : await browser.context.newPage();
  page.on("dialog", (d) => { browser.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.goto(browser.siteUrl ? browser.siteUrl(`/watch?v=${videoId}`) : `https://www.youtube.com/watch?v=${videoId}`);
  // In front, as the tab a person watches is (a background tab gets no animation frames).
  await page.bringToFront();
  await page.waitForFunction(() => document.querySelector("video").readyState >= 2, null, { timeout: 30_000 });
  return page;
}

export function screenshotPath(name) {
  fs.mkdirSync(outDir, { recursive: true });
  return path.join(outDir, name);
}

// ---------------------------------------------------------------- Firefox

export const FIREFOX = process.env.GLOSSA_FIREFOX || "/usr/lib/firefox-esr/firefox-esr";
/**
 * The extension's moz-extension:// host. Firefox picks a random one per profile unless the
 * `extensions.webextensions.uuids` pref names it; fixed so the options page has a known URL.
 */
export const FIREFOX_EXTENSION_UUID = "4f1b7c3e-9d2a-4e8b-a6f0-61c5d0e2b7a9";

/**
 * Debian's firefox-esr driven over WebDriver BiDi (puppeteer-core), the same extension
 * build installed as a temporary add-on, and glossa-host registered in a private HOME's
 * ~/.mozilla/native-messaging-hosts (unless `registerHost` is false). Every host name
 * resolves to 127.0.0.1, so https://www.youtube.com:<site port>/ is the fake site.
 * Headless unless `display` (an X server from startXvfb) is given. Pages are puppeteer's;
 * launchBrowser("firefox") gives them Playwright's API.
 */
export async function launchFirefox({ dataDir, registerHost = true, hostExe = hostBin, display, keepFirstRun = false }) {
  need(FIREFOX, "install Debian's firefox-esr: .ci/install-deps.sh");
  const { default: puppeteer } = await import("puppeteer-core");
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "glossa-firefox-home-"));
  if (registerHost) run(hostExe, ["install", "--browser", "firefox"], { env: { ...process.env, HOME: home, GLOSSA_DATA_DIR: dataDir } });
  // MOZ_REMOTE_ALLOW_SYSTEM_ACCESS: WebDriver BiDi navigates only to http(s)/about:blank
  // otherwise, and the options page is a moz-extension:// page.
  const env = { ...process.env, HOME: home, GLOSSA_DATA_DIR: dataDir, MOZ_REMOTE_ALLOW_SYSTEM_ACCESS: "1" };
  if (display) env.DISPLAY = display;
  else env.MOZ_HEADLESS = "1";
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX,
    headless: !display,
    acceptInsecureCerts: true,
    defaultViewport: { width: 1000, height: 640 },
    env,
    extraPrefsFirefox: {
      "network.dns.forceResolve": "127.0.0.1",
      "media.autoplay.default": 0,
      "media.autoplay.blocking_policy": 0,
      "datareporting.policy.dataSubmissionEnabled": false,
      "app.update.enabled": false,
      "extensions.webextensions.uuids": JSON.stringify({ "glossa@glossa.dev": FIREFOX_EXTENSION_UUID }),
      // navigator.clipboard.readText without Firefox's "Paste" confirmation (Chromium: grantPermissions).
      "dom.events.testing.asyncClipboard": true,
    },
  });
  const addonId = await browser.installExtension(dist);
  if (!keepFirstRun) {
    // The first-run options tab, closed as in launchChromium. It opens a moment after the
    // install, and its address may show only later: look for it for a few seconds.
    // On a loaded machine that can take a while: look until it has been seen (or a minute).
    const isFirstRun = (p) => p.url().includes("/options/options.html?first-run");
    const started = Date.now();
    const look = setInterval(async () => {
      const tab = (await browser.pages().catch(() => [])).find(isFirstRun);
      if (tab) await tab.close().catch(() => {});
      if (tab || Date.now() - started > 60_000) clearInterval(look);
    }, 100);
    browser.once("disconnected", () => clearInterval(look));
  }
  const dialogs = [];
  return {
    browser,
    addonId,
    dialogs,
    home,
    async newPage() {
      const page = await browser.newPage();
      page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
      return page;
    },
    async close() {
      await browser.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- both browsers

/**
 * The browsers every cross-browser suite runs in: `for (const kind of BROWSERS) describe(...)`.
 * GLOSSA_BROWSERS=chromium (or firefox) runs one of them.
 */
export const BROWSERS = (process.env.GLOSSA_BROWSERS || "chromium,firefox").split(",").map((b) => b.trim()).filter(Boolean);

/** "Chromium" / "Firefox", for suite names. */
export const browserName = (kind) => ({ chromium: "Chromium", firefox: "Firefox" })[kind] || kind;

/**
 * A browser of `kind` ("chromium" or "firefox") with the extension and glossa-host, with
 * one API for both, so a suite is written once:
 *   newPage()            a page with Playwright's API (Firefox: firefox-page.js translates it)
 *   siteUrl(path)        the fake site's address for `path` (Firefox has no resolver map: the port is in it)
 *   optionsUrl           the extension's options page
 *   nativeHostManifest   the registered host's manifest file (tests may point it elsewhere)
 *   grantClipboard(origin) lets pages of `origin` read and write the clipboard
 *   frameShortcut        the translate-frame shortcut: { label } as the extension names it,
 *                        { keys } for xdotool (Firefox on Linux keeps Alt+T for its Tools menu)
 *   dialogs, close()     as launchChromium
 * Options as launchChromium's: { site, dataDir, registerHost, hostExe, display }.
 * Chromium is launchChromium itself (its `context` and `worker` stay there for Chromium-only checks).
 */
export async function launchBrowser(kind, opts) {
  if (kind === "chromium") {
    const browser = await launchChromium(opts);
    return Object.assign(browser, {
      kind,
      newPage: () => browser.context.newPage(),
      siteUrl: (p) => `https://www.youtube.com${p}`,
      optionsUrl: `chrome-extension://${EXTENSION_ID}/options/options.html`,
      nativeHostManifest: path.join(browser.userDataDir, "NativeMessagingHosts", "dev.glossa.host.json"),
      grantClipboard: (origin) => browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin }),
      frameShortcut: { label: "Alt+T", keys: "alt+t" },
    });
  }
  if (kind === "firefox") {
    const { FirefoxPage } = await import("./firefox-page.js");
    const firefox = await launchFirefox(opts);
    return {
      kind,
      puppeteer: firefox.browser,
      addonId: firefox.addonId,
      dialogs: firefox.dialogs,
      newPage: async () => new FirefoxPage(await firefox.newPage()),
      siteUrl: (p) => {
        if (!opts.site) throw new Error("launchBrowser: no fake site was given");
        return `https://www.youtube.com:${opts.site.port}${p}`;
      },
      optionsUrl: `moz-extension://${FIREFOX_EXTENSION_UUID}/options/options.html`,
      nativeHostManifest: path.join(firefox.home, ".mozilla", "native-messaging-hosts", "dev.glossa.host.json"),
      grantClipboard: async () => {}, // the launch prefs allow it
      frameShortcut: { label: "Alt+Shift+Y", keys: "alt+shift+y" }, // set by background.js
      close: () => firefox.close(),
    };
  }
  throw new Error(`launchBrowser: unknown browser ${kind}`);
}
