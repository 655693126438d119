// Captions the way YouTube really serves them: the player fetches no captions until they
// are switched on, and a video has several tracks (manual Japanese, auto-generated
// Japanese, manual English). The viewer never presses CC: Glossa reads the player's track
// list, chooses its source (the viewer's source language if set, else a manual track in
// the video's own language — that of its auto-generated track — else the auto-generated
// one), has the player load it and shows the translation over the hidden native captions.
// YouTube's own machine translation (`tlang`) is a track of its own, never Glossa's source
// while the original is there. The Glossa toggle in the player's controls turns it all
// off (no provider calls, the player's captions as the viewer had them) and is
// remembered. The provider is the fake Ollama (fake-ollama.js), which counts its calls.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fakeTranslation, ollamaProviderSettings, startFakeOllama } from "./fake-ollama.js";
import {
  OVERLAY as overlay, VIDEO_ONE, checkPrerequisites, launchChromium, machineTranslation, makeHostData, openWatch,
  pauseAt, pauseAtAndWaitForLine, startFakeYouTube,
} from "./harness.js";

const TARGET = "de";
/** Manual Japanese, auto-generated Japanese and manual English tracks; the English one is the player's default. */
const VIDEO_JA = "glossaJpn01";
/** Auto-generated Japanese and manual English (the default): no manual track in the video's own language. */
const VIDEO_ASR = "glossaJpn02";
/** Manual and auto-generated Japanese; the viewer keeps captions on, auto-translated by YouTube into German. */
const VIDEO_TLANG = "glossaJpn03";

const cuesOf = (texts) => texts.map((text, i) => ({ id: String(i + 1), start: i * 2, end: i * 2 + 2, text }));
const JA = cuesOf(["駅へようこそ。", "電車は九時に出発します。", "足元にご注意ください。", "切符は下の階で売っています。", "カフェは七時に開きます。"]);
const JA_ASR = cuesOf(["駅へ ようこそ", "電車は 九時に 出発", "足元に 注意", "切符は 下の階", "カフェは 七時"]);
const EN = cuesOf(["Welcome to the station.", "The train leaves at nine.", "Mind your step.", "Tickets are sold downstairs.", "The café opens at seven."]);
const JA_TL = cuesOf(["次は中央駅です。", "ドアが閉まります。", "良い旅を。", "また明日。", "さようなら。"]);

const cues = { [VIDEO_JA]: JA, [VIDEO_ASR]: JA_ASR, [VIDEO_TLANG]: JA_TL };
const tracks = {
  [VIDEO_JA]: [
    { languageCode: "en", cues: EN, isDefault: true }, { languageCode: "ja", cues: JA }, { languageCode: "ja", kind: "asr", cues: JA_ASR },
  ],
  [VIDEO_ASR]: [{ languageCode: "en", cues: EN, isDefault: true }, { languageCode: "ja", kind: "asr", cues: JA_ASR }],
  [VIDEO_TLANG]: [{ languageCode: "ja", cues: JA_TL }, { languageCode: "ja", kind: "asr", cues: cuesOf(JA_TL.map((c) => `${c.text}(自動)`)) }],
};
const userCaptions = { [VIDEO_TLANG]: { languageCode: "ja", kind: "", translationLanguage: "de" } };
const media = { [VIDEO_JA]: VIDEO_ONE, [VIDEO_ASR]: VIDEO_ONE, [VIDEO_TLANG]: VIDEO_ONE };

const TOGGLE = "#movie_player [data-glossa='subtitles-toggle']";
const lineSel = `${overlay} [data-glossa='subtitle-line']`;

/** Pause on the first cues of `track` and check the translated line and its original. */
async function showsTranslationsOf(page, track, count = 3) {
  for (const cue of track.slice(0, count)) {
    const { line } = await pauseAtAndWaitForLine(page, track, cue.start + 0.5, 60_000);
    assert.equal(await line.textContent(), fakeTranslation(TARGET, cue.text), `line ${cue.id}`);
    assert.equal(await page.locator(`${overlay} [data-glossa='subtitle-original']`).textContent(), cue.text, `original of line ${cue.id}`);
  }
}

const playerLog = (page) => page.evaluate(() => window.__fakePlayerLog);
const nativeCaptions = (page) => page.evaluate(() => {
  const c = document.querySelector(".ytp-caption-window-container");
  return { visibility: getComputedStyle(c).visibility, text: c.textContent, cc: document.querySelector(".ytp-subtitles-button").getAttribute("aria-pressed") };
});
/** Pause at `t`; the player re-renders its captions on timeupdate. */
async function pauseAndRender(page, t) {
  await pauseAt(page, t);
  await page.evaluate(() => document.querySelector("video").dispatchEvent(new Event("timeupdate")));
}

describe("captions without pressing CC (Chromium)", () => {
  let site, ollama, browser;

  before(async () => {
    checkPrerequisites();
    site = await startFakeYouTube({ cues, tracks, media, userCaptions });
    ollama = await startFakeOllama();
    const dataDir = makeHostData({ ...ollamaProviderSettings(ollama, TARGET), "display.dual": "true", "display.position": "bottom" });
    browser = await launchChromium({ site, dataDir });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await ollama?.close();
  });

  test("captions off at load: the translated overlay appears with no click, from the manual track in the video's language", async () => {
    const page = await openWatch(browser, VIDEO_JA);
    await showsTranslationsOf(page, JA);
    const log = await playerLog(page);
    assert.ok(!log.some((e) => e.op === "cc"), "nobody pressed CC");
    // The player fetched nothing before Glossa asked it to load captions.
    const firstFetch = log.findIndex((e) => e.op === "fetch");
    const firstLoad = log.findIndex((e) => e.op === "loadModule" && e.name === "captions");
    assert.ok(firstLoad >= 0 && firstLoad < firstFetch, JSON.stringify(log));
    // Glossa's setOption chose the manual Japanese track, and the player's request for it followed.
    const chose = log.findIndex((e) => e.op === "setOption" && e.value && e.value.languageCode === "ja" && !e.value.kind);
    assert.ok(chose > 0, JSON.stringify(log));
    assert.ok(log.slice(chose).some((e) => e.op === "fetch" && e.url.includes("lang=ja") && !e.url.includes("kind=asr")), JSON.stringify(log));
    const mine = site.log.timedtext.filter((u) => u.includes(`v=${VIDEO_JA}`));
    assert.ok(mine.every((u) => u.includes("pot=") && u.includes("signature=")), "the player's own signed requests");
    assert.deepEqual(site.log.rejected, [], "nothing requested an unsigned caption URL");
    // The native captions are on (Glossa had the player load them) but hidden under Glossa's line.
    const native = await nativeCaptions(page);
    assert.equal(native.cc, "true");
    assert.equal(native.visibility, "hidden");
    assert.equal(await page.locator(TOGGLE).getAttribute("aria-pressed"), "true", "the toggle is on by default");
    await page.close();
  });

  test("no manual track in the video's language: the auto-generated one, not the player's default", async () => {
    const page = await openWatch(browser, VIDEO_ASR);
    await showsTranslationsOf(page, JA_ASR);
    await page.close();
  });

  test("YouTube's auto-translation (tlang) is its own track: Glossa translates the original instead", async () => {
    const page = await openWatch(browser, VIDEO_TLANG);
    await page.evaluate(() => {
      window.__shown = [];
      const watch = () => {
        const root = document.querySelector("[data-glossa='root']");
        if (!root) return setTimeout(watch, 50);
        new MutationObserver(() => {
          for (const o of root.shadowRoot.querySelectorAll("[data-glossa='subtitle-original']")) window.__shown.push(o.textContent);
        }).observe(root.shadowRoot, { subtree: true, childList: true, characterData: true });
      };
      watch();
    });
    await showsTranslationsOf(page, JA_TL);
    const mine = site.log.timedtext.filter((u) => u.includes(`v=${VIDEO_TLANG}`));
    assert.ok(mine.some((u) => u.includes("tlang=de")), "the viewer's player loaded YouTube's German translation");
    assert.ok(mine.some((u) => u.includes("lang=ja") && !u.includes("tlang=") && !u.includes("kind=asr")), "and then the Japanese original for Glossa");
    const mt = new Set(JA_TL.map((c) => machineTranslation("de", c.text)));
    assert.deepEqual((await page.evaluate(() => window.__shown)).filter((s) => mt.has(s)), [], "YouTube's translation was never Glossa's source");

    // Toggle off: Glossa's line goes, the viewer's own captions (the German auto-translation) come back, no more calls.
    await page.click(TOGGLE);
    await page.locator(lineSel).waitFor({ state: "detached" });
    assert.equal(await page.locator(TOGGLE).getAttribute("aria-pressed"), "false");
    await ollama.idle(500);
    const calls = ollama.stats.chats;
    for (const cue of JA_TL.slice(3)) {
      await pauseAndRender(page, cue.start + 0.5);
      await page.waitForFunction((text) => document.querySelector(".ytp-caption-window-container").textContent === text, machineTranslation("de", cue.text));
      const native = await nativeCaptions(page);
      assert.equal(native.visibility, "visible");
      assert.equal(native.cc, "true");
      assert.equal(await page.locator(lineSel).count(), 0);
    }
    await ollama.idle(1000);
    assert.equal(ollama.stats.chats, calls, "no provider call once off");
    await page.close();
  });

  test("off is remembered across a reload; on again brings the overlay back, also remembered", async () => {
    const calls = ollama.stats.chats;
    const served = site.log.timedtext.length;
    const page = await openWatch(browser, VIDEO_JA);
    await page.locator(TOGGLE).waitFor();
    await page.waitForTimeout(2000);
    assert.equal(await page.locator(TOGGLE).getAttribute("aria-pressed"), "false");
    assert.equal(await page.locator(lineSel).count(), 0);
    assert.deepEqual((await playerLog(page)).filter((e) => e.op !== "cc"), [], "Glossa did not touch the player");
    assert.equal(site.log.timedtext.length, served, "no caption requests");
    assert.equal((await nativeCaptions(page)).cc, "false", "the viewer's captions stay off");
    assert.equal(ollama.stats.chats, calls, "no provider calls");

    await page.click(TOGGLE);
    assert.equal(await page.locator(TOGGLE).getAttribute("aria-pressed"), "true");
    await showsTranslationsOf(page, JA, 1);
    await page.reload();
    await page.waitForFunction(() => document.querySelector("video").readyState >= 2);
    await showsTranslationsOf(page, JA, 2);
    assert.equal(await page.locator(TOGGLE).getAttribute("aria-pressed"), "true");

    // Off where the viewer had captions off: the player's captions go off again.
    await page.click(TOGGLE);
    await page.locator(lineSel).waitFor({ state: "detached" });
    await page.waitForFunction(() => document.querySelector(".ytp-subtitles-button").getAttribute("aria-pressed") === "false");
    assert.equal((await nativeCaptions(page)).visibility, "visible");
    await page.close();
  });
});

describe("the viewer's source language wins (Chromium)", () => {
  let site, ollama, browser;

  before(async () => {
    checkPrerequisites();
    site = await startFakeYouTube({ cues, tracks, media });
    ollama = await startFakeOllama();
    const dataDir = makeHostData({ ...ollamaProviderSettings(ollama, TARGET), source_language: "en", "display.dual": "true" });
    browser = await launchChromium({ site, dataDir });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await ollama?.close();
  });

  test("source language `en`: the English track of a Japanese video is translated", async () => {
    const page = await openWatch(browser, VIDEO_JA);
    await showsTranslationsOf(page, EN);
  });
});
