// A live stream's auto-generated captions, read off the player's caption DOM as YouTube
// builds it: words appended one by one to a rolling two-line window, no punctuation,
// sentences running across lines (see VIDEO_LIVE_ASR in harness.js). Glossa must wait for
// a sentence to be complete (a stable pause ends one), ask the provider once per sentence
// — never cancel and re-ask on every new word — and show each translated sentence whole,
// for about as long as it was spoken, never an empty box. The provider is a fake Ollama
// (fake-ollama.js), which records what each call asked and "translates" to a known value.
// The same speech as an auto-generated caption file (json3: word-timed lines that overlap,
// "\n"-only events): each translated sentence stays up over the lines it came from.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fakeTranslation, ollamaProviderSettings, startFakeOllama } from "./fake-ollama.js";
import {
  LIVE_ASR_LINGER_SECS, LIVE_ASR_SENTENCES as sentences, VIDEO_LIVE_ASR, VIDEO_ONE, checkPrerequisites, launchChromium, liveAsrWords,
  makeHostData, openWatch, startFakeYouTube,
} from "./harness.js";

const TARGET = "ja";
const words = liveAsrWords();
/** When each sentence was spoken: its first and last word's time. */
const spoken = sentences.map((_, s) => {
  const mine = words.filter((w) => w.sentence === s);
  return { from: mine[0].t, to: mine[mine.length - 1].t };
});

/** Record, every 50 ms in the page, what the player's captions and Glossa's overlay show. */
function startSampling(page) {
  return page.evaluate(() => {
    window.__samples = [];
    window.__sampler = setInterval(() => {
      const box = document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector("[data-glossa='subtitle-overlay']");
      const line = box && box.querySelector("[data-glossa='subtitle-line']");
      const original = box && box.querySelector("[data-glossa='subtitle-original']");
      // An element of the overlay painted with a backdrop but holding no text: an empty box.
      const painted = (el) => {
        const r = el.getBoundingClientRect();
        const css = getComputedStyle(el);
        return r.width > 0 && r.height > 0 && css.display !== "none" && css.visibility !== "hidden" && css.backgroundColor !== "rgba(0, 0, 0, 0)";
      };
      const empty = box ? [box, ...box.querySelectorAll("*")].filter((el) => !el.textContent.trim() && painted(el)).map((el) => el.outerHTML) : [];
      window.__samples.push({
        t: document.querySelector("video").currentTime,
        player: [...document.querySelectorAll("#movie_player .caption-visual-line")].map((l) => l.textContent),
        line: line ? line.textContent : null,
        original: original ? original.textContent : null,
        empty,
      });
    }, 50);
  });
}

const stopSampling = (page) => page.evaluate(() => { clearInterval(window.__sampler); return window.__samples; });

describe("live auto-generated captions, word by word (Chromium)", () => {
  let site, ollama, browser, page;

  before(async () => {
    checkPrerequisites();
    site = await startFakeYouTube();
    ollama = await startFakeOllama({ firstTokenMs: 300 });
    const dataDir = makeHostData({ ...ollamaProviderSettings(ollama, TARGET), "display.dual": "true", "display.position": "bottom" });
    browser = await launchChromium({ site, dataDir });
    page = await openWatch(browser, VIDEO_LIVE_ASR);
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await ollama?.close();
  });

  test("one provider request per sentence, each translation shown whole, never an empty box", async () => {
    await startSampling(page);
    await page.evaluate(() => { const v = document.querySelector("video"); v.currentTime = 0; return v.play(); });
    const end = spoken[spoken.length - 1].to + LIVE_ASR_LINGER_SECS + 1.5;
    await page.waitForFunction((e) => document.querySelector("video").currentTime >= e, end, { timeout: 90_000, polling: 200 });
    await page.evaluate(() => document.querySelector("video").pause());
    const samples = await stopSampling(page);
    await ollama.idle(1000);

    // The imitation: the player's window grew a word at a time and rolled over two lines.
    const windows = new Set(samples.map((s) => s.player.join("\n")));
    assert.ok(windows.size >= words.length * 0.8, `the player showed ${windows.size} different windows for ${words.length} words`);
    assert.ok(samples.some((s) => s.player.length === 2), "the player's window had two lines");

    // What the provider was asked: every sentence whole, once; nothing else.
    const asked = ollama.stats.texts.flat();
    assert.deepEqual([...asked].sort(), [...sentences].sort(), `the provider was asked ${JSON.stringify(ollama.stats.texts)}`);
    assert.ok(ollama.stats.chats <= sentences.length, `${ollama.stats.chats} provider calls for ${sentences.length} sentences`);

    // What the viewer saw: only whole translated sentences, each for about as long as it was spoken.
    for (const s of samples) {
      assert.deepEqual(s.empty, [], `at ${s.t.toFixed(2)}s the overlay shows an empty box`);
      if (s.line === null) continue;
      assert.ok(sentences.includes(s.original), `at ${s.t.toFixed(2)}s the overlay shows a part of a sentence: "${s.original}"`);
      assert.equal(s.line, fakeTranslation(TARGET, s.original), `at ${s.t.toFixed(2)}s`);
    }
    for (const [i, sentence] of sentences.entries()) {
      const shown = samples.filter((s) => s.original === sentence);
      assert.ok(shown.length > 0, `"${sentence}" was never shown`);
      const secs = shown[shown.length - 1].t - shown[0].t;
      const said = spoken[i].to - spoken[i].from;
      assert.ok(secs >= 0.6 * said, `"${sentence}" was shown ${secs.toFixed(2)} s; it was spoken for ${said.toFixed(2)} s`);
      assert.ok(shown[0].t >= spoken[i].to, `"${sentence}" was shown at ${shown[0].t.toFixed(2)} s, before it was all spoken`);
    }
  });
});

/** A video whose caption file is auto-generated: the live stream's speech, punctuated. */
const VIDEO_ASR_TRACK = "glossaAsrTr01";
const punctuated = sentences.map((x) => `${x[0].toUpperCase()}${x.slice(1)}.`);

describe("an auto-generated caption file (json3 ASR), played (Chromium)", () => {
  let site, ollama, browser, page;
  const asrWords = liveAsrWords(punctuated);
  const lineStart = (line) => asrWords.find((w) => w.line === line).t;
  /** Each sentence is on screen from the line it starts on until the line the next starts on. */
  const spans = punctuated.map((_, s) => {
    const first = asrWords.find((w) => w.sentence === s);
    const next = asrWords.find((w) => w.sentence === s + 1);
    const lastLine = asrWords[asrWords.length - 1].line;
    return { from: lineStart(first.line), to: next ? lineStart(next.line) : lineStart(lastLine) + 2 };
  });

  before(async () => {
    checkPrerequisites();
    site = await startFakeYouTube({ asr: { [VIDEO_ASR_TRACK]: asrWords }, media: { [VIDEO_ASR_TRACK]: VIDEO_ONE } });
    ollama = await startFakeOllama();
    const dataDir = makeHostData({ ...ollamaProviderSettings(ollama, TARGET), "display.dual": "true", "display.position": "bottom" });
    browser = await launchChromium({ site, dataDir });
    page = await openWatch(browser, VIDEO_ASR_TRACK);
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await ollama?.close();
  });

  test("each translated sentence stays on screen whole over the lines it came from, never an empty box", async () => {
    // The player fetches captions only once Glossa has it load them (no click): wait for that.
    const served = () => site.log.timedtext.some((u) => u.includes(`v=${VIDEO_ASR_TRACK}`) && u.includes("kind=asr"));
    for (let i = 0; i < 100 && !served(); i++) await page.waitForTimeout(100);
    assert.ok(served(), "the ASR track was served");
    await ollama.idle(1000); // the whole (short) track is translated
    await startSampling(page);
    await page.evaluate(() => { const v = document.querySelector("video"); v.currentTime = 0; return v.play(); });
    const end = spans[spans.length - 1].to;
    await page.waitForFunction((e) => document.querySelector("video").currentTime >= e, end, { timeout: 90_000, polling: 200 });
    await page.evaluate(() => document.querySelector("video").pause());
    const samples = await stopSampling(page);

    const whole = punctuated.map((x) => fakeTranslation(TARGET, x));
    for (const s of samples) {
      assert.deepEqual(s.empty, [], `at ${s.t.toFixed(2)}s the overlay shows an empty box`);
      if (s.line !== null) assert.ok(whole.includes(s.line), `at ${s.t.toFixed(2)}s the overlay shows a part of a sentence: "${s.line}"`);
    }
    for (const [i, span] of spans.entries()) {
      // A little slack at both ends: the page samples every 50 ms on a busy machine.
      const during = samples.filter((s) => s.t > span.from + 0.2 && s.t < span.to - 0.2);
      assert.ok(during.length > 10, `samples while sentence ${i} is up`);
      for (const s of during) assert.equal(s.line, whole[i], `at ${s.t.toFixed(2)}s, sentence ${i} is up (${span.from}–${span.to} s)`);
    }
    assert.equal(ollama.stats.texts.flat().filter((t) => !punctuated.includes(t)).length, 0, "the provider was asked whole sentences");
  });
});
