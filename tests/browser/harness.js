// Shared set-up for the real-browser tests: the built extension, the real glossa-host
// registered as the browser's native host, a fake www.youtube.com over local HTTPS with a
// real video, and a Chromium driven by playwright-core.
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
/**
 * Plays VIDEO_ONE's file as a live stream: its captions come with the stream, not from a
 * caption file (the player makes no timedtext request), so Glossa must read the player's
 * caption DOM. Its cues leave gaps, when the player shows no caption.
 */
export const VIDEO_DOM_CAPTIONS = "glossaDomCc01";

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

/** Videos whose player asks for srv3 (XML) captions; the others ask for json3. */
const SRV3 = new Set([VIDEO_TWO]);
/** Live videos: captions come with the stream, no caption file (see VIDEO_DOM_CAPTIONS). */
const LIVE = new Set([VIDEO_DOM_CAPTIONS]);
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
  const videos = { [VIDEO_ONE]: "OPEN 9AM - EXIT B", [VIDEO_TWO]: "PLATFORM 2 CLOSED" };
  for (const [id, text] of Object.entries(videos)) {
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

/**
 * HTTPS server for www.youtube.com: /watch pages, the player script, the videos (with
 * Range support so seeking works), and /api/timedtext which answers only the player's own
 * signed URL (a `pot` token and signature the page got from the "player response").
 * `media` lets a video id play another id's file (more videos without more encoding).
 * `languages` gives a video's caption track a language other than English (`lang=` in
 * its timedtext URL, as YouTube names the track's language there).
 */
export async function startFakeYouTube({ cues = CUES, media: playsFileOf = {}, long = false, languages = {} } = {}) {
  const fx = makeFixtures({ long });
  const secret = randomBytes(8).toString("hex");
  const sign = (v) => createHash("sha256").update(secret + v).digest("hex").slice(0, 24);
  const timedtextUrl = (v, fmt = SRV3.has(v) ? "srv3" : "json3") =>
    `/api/timedtext?v=${v}&caps=asr&opi=112496729&xoaf=5&hl=en&ip=0.0.0.0&ipbits=0&expire=${Math.floor(Date.now() / 1000) + 3600}` +
    `&sparams=ip,ipbits,expire,v,caps,opi,xoaf&signature=${sign("sig" + v)}&key=yt8&lang=${languages[v] || "en"}&fmt=${fmt}&xorb=2&xobt=3&xovt=3&cbr=Chrome&c=WEB&pot=${sign(v)}`;
  // timedtext: caption requests served; rejected: unsigned ones, or for a live video (403).
  const log = { timedtext: [], rejected: [] };
  const server = https.createServer({ key: fs.readFileSync(fx.key), cert: fs.readFileSync(fx.cert) }, (req, res) => {
    const url = new URL(req.url, "https://www.youtube.com");
    if (url.pathname === "/watch") {
      const fixture = {
        videos: Object.fromEntries(Object.keys(cues).map((v) => [v, LIVE.has(v) ? { liveCues: cues[v] } : { timedtext: timedtextUrl(v) }])),
      };
      for (const [v, file] of Object.entries({ ...PLAYS_FILE_OF, ...playsFileOf })) {
        if (fixture.videos[v]) fixture.videos[v].src = `/media/${file}.webm`;
      }
      fixture.videos[VIDEO_BLACK] = {};
      fixture.videos[VIDEO_CROSS_ORIGIN] = { src: `https://127.0.0.1:${port}/media/${VIDEO_ONE}.webm` };
      let html = fs.readFileSync(path.join(here, "site/watch.html"), "utf8");
      html = html.replace("VIDEO_TWO", VIDEO_TWO).replace(
        '<script src="/s/player.js">',
        `<script>window.__glossaFixture = ${JSON.stringify(fixture)};</script>\n<script src="/s/player.js">`,
      );
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(html);
    }
    if (url.pathname === "/s/player.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      return res.end(fs.readFileSync(path.join(here, "site/player.js")));
    }
    const media = url.pathname.match(/^\/media\/(\w+)\.webm$/);
    if (media) return serveFile(req, res, path.join(fx.dir, `${media[1]}.webm`), "video/webm");
    if (url.pathname === "/api/timedtext") {
      const v = url.searchParams.get("v");
      const ok = cues[v] && !LIVE.has(v) && url.searchParams.get("pot") === sign(v) && url.searchParams.get("signature") === sign("sig" + v);
      if (!ok) {
        log.rejected.push(req.url);
        res.writeHead(403);
        return res.end();
      }
      if (url.searchParams.get("fmt") === "srv3") {
        log.timedtext.push(req.url);
        res.writeHead(200, { "content-type": "text/xml; charset=utf-8" });
        return res.end(srv3(cues[v]));
      }
      log.timedtext.push(req.url);
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      return res.end(JSON.stringify(json3(cues[v])));
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;
  return { port, log, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
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
 * `registerHost` is false: the "host not installed" case).
 */
/** `lang` (e.g. "ja") starts Chromium with that UI language, as a user whose system speaks it. */
export async function launchChromium({ site, dataDir, registerHost = true, hostExe = hostBin, display, lang }) {
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
  if (site) args.push(`--host-resolver-rules=MAP www.youtube.com 127.0.0.1:${site.port}`);
  if (lang) args.push(`--lang=${lang}`);
  const langEnv = lang ? { LANGUAGE: lang, LANG: `${lang.replace("-", "_")}.UTF-8`, LC_ALL: "" } : {};
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: !display,
    ignoreDefaultArgs: ["--disable-extensions"],
    args,
    viewport: { width: 1000, height: 640 },
    ...(lang ? { locale: lang } : {}),
    env: { ...process.env, GLOSSA_DATA_DIR: dataDir, ...(display ? { DISPLAY: display } : {}), ...langEnv },
  });
  // The extension's service worker shows it loaded (and with the expected id).
  let worker = context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`));
  if (!worker) worker = await context.waitForEvent("serviceworker", { timeout: 30_000 });
  if (!worker.url().startsWith(`chrome-extension://${EXTENSION_ID}/`)) {
    throw new Error(`the extension loaded with an unexpected id: ${worker.url()}`);
  }
  const dialogs = [];
  context.on("page", (p) => p.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); }));
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
 * showing dual lines at the bottom, and Chromium on `videoId`. `close()` ends them all.
 */
export async function startSubtitleSession(videoId) {
  const session = { close: async () => { await session.browser?.close(); await session.site?.close(); session.llama?.close(); } };
  try {
    session.site = await startFakeYouTube();
    session.llama = await startLlamaServer({ model: "SmolLM2-135M-Instruct.Q4_1.gguf", mmproj: null, predict: 300 });
    // On a loaded 2-core machine a batch can wait minutes in llama-server's one slot
    // before its first token: more than the default 300 s first-token timeout allows.
    const dataDir = makeHostData({
      ...openaiProviderSettings(session.llama), "display.dual": "true", "display.position": "bottom", "timeouts.first_token_secs": 600,
    });
    session.browser = await launchChromium({ site: session.site, dataDir });
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
  const page = await browser.context.newPage();
  page.on("dialog", (d) => { browser.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.goto(`https://www.youtube.com/watch?v=${videoId}`);
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
 * Debian's firefox-esr driven over WebDriver BiDi (puppeteer-core), the same extension
 * build installed as a temporary add-on, and glossa-host registered in a private HOME's
 * ~/.mozilla/native-messaging-hosts. www.youtube.com resolves to the fake site.
 */
export async function launchFirefox({ dataDir }) {
  need(FIREFOX, "install Debian's firefox-esr: .ci/install-deps.sh");
  const { default: puppeteer } = await import("puppeteer-core");
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "glossa-firefox-home-"));
  run(hostBin, ["install", "--browser", "firefox"], { env: { ...process.env, HOME: home, GLOSSA_DATA_DIR: dataDir } });
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX,
    headless: true,
    acceptInsecureCerts: true,
    env: { ...process.env, HOME: home, GLOSSA_DATA_DIR: dataDir, MOZ_HEADLESS: "1" },
    extraPrefsFirefox: {
      "network.dns.forceResolve": "127.0.0.1",
      "media.autoplay.default": 0,
      "datareporting.policy.dataSubmissionEnabled": false,
      "app.update.enabled": false,
    },
  });
  const addonId = await browser.installExtension(dist);
  const dialogs = [];
  return {
    browser,
    addonId,
    dialogs,
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
