// The reading line under the original (issue #17): with readings turned on for Japanese,
// Chinese and Korean, a Japanese track shows furigana as ruby over the kanji of the
// original, a Chinese one pinyin over each hanzi (银行 yín háng, polyphones read by the
// word), a Korean one its romanization as a plain line, each under the cue it reads. An
// English track (no reading for English) shows none. A live stream's captions, read from
// the player's caption DOM (no language given), get their reading too: the host tells the
// language by the script. The fake provider (fake-ollama.js) translates; the readings come
// from the host with each cue.
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fakeTranslation, ollamaProviderSettings, startFakeOllama } from "./fake-ollama.js";
import {
  BROWSERS, browserName, CUES, OVERLAY as overlay, VIDEO_DOM_CAPTIONS, VIDEO_ONE, checkPrerequisites, launchBrowser, makeHostData, openWatch, pauseAt,
  pauseAtAndWaitForLine,
  screenshotPath, startFakeYouTube,
} from "./harness.js";

const TARGET = "en";
const VIDEO_JA = "glossaJpn01";
const VIDEO_ZH = "glossaZho01";
const VIDEO_KO = "glossaKor01";
const lines = (texts) => texts.map((text, i) => ({ id: String(i + 1), start: i * 2, end: i * 2 + 2, text }));
const cues = {
  ...CUES,
  [VIDEO_JA]: lines(["今日は天気がいいですね。", "明日学校に行きます。", "電車が遅れています。"]),
  [VIDEO_ZH]: lines(["我在银行工作。", "孩子们都长大了。", "这条路很长。"]),
  [VIDEO_KO]: lines(["감사합니다.", "같이 가요.", "신라 종로"]),
  // a live stream's captions, as its player shows them (with gaps between them)
  [VIDEO_DOM_CAPTIONS]: ["電車が遅れています。", "같이 가요."].map((text, i) => ({ id: String(i + 1), start: i * 4, end: i * 4 + 2.5, text })),
};
const readingData = process.env.GLOSSA_READING_DATA
  || path.join(process.env.GLOSSA_CACHE || path.join(os.homedir(), ".cache/glossa-dev"), "reading");

/** The reading line's words as [base, ruby text] pairs (ruby) and its text without the ruby. */
function readingOf(page, cueId) {
  return page.evaluate((id) => {
    const root = document.querySelector("[data-glossa='root']").shadowRoot;
    const line = root.querySelector(`[data-glossa='subtitle-reading'][data-cue-id='${id}']`);
    if (!line) return null;
    const ruby = [...line.querySelectorAll("ruby")].map((r) => [r.firstChild.textContent, r.querySelector("rt").textContent]);
    const clone = line.cloneNode(true);
    for (const rt of clone.querySelectorAll("rt")) rt.remove();
    const wordsRead = [...clone.querySelectorAll("[data-glossa='reading-word']")].map((w) => w.textContent);
    const box = (sel) => root.querySelector(`${sel}[data-cue-id='${id}']`).getBoundingClientRect();
    const [original, reading] = [box("[data-glossa='subtitle-original']"), box("[data-glossa='subtitle-reading']")];
    return {
      ruby, base: clone.textContent, text: line.textContent, words: wordsRead.length, wordsRead,
      below: reading.top >= original.bottom - 1, centred: Math.abs((reading.left + reading.right) / 2 - (original.left + original.right) / 2) < 4,
    };
  }, cueId);
}

for (const kind of BROWSERS) {
  describe(`the reading line under the original (${browserName(kind)})`, () => {
    let site, ollama, browser;

    before(async () => {
      checkPrerequisites();
      site = await startFakeYouTube({
        cues, media: { [VIDEO_JA]: VIDEO_ONE, [VIDEO_ZH]: VIDEO_ONE, [VIDEO_KO]: VIDEO_ONE },
        languages: { [VIDEO_JA]: "ja", [VIDEO_ZH]: "zh-CN", [VIDEO_KO]: "ko" },
      });
      ollama = await startFakeOllama();
      const dataDir = makeHostData({ ...ollamaProviderSettings(ollama, TARGET), "display.dual": "true", "display.readings": "ja,zh,ko" });
      browser = await launchBrowser(kind, { site, dataDir, env: { GLOSSA_READING_DATA: readingData } });
    });
    after(async () => {
      await browser?.close();
      await site?.close();
      await ollama?.close();
    });

    test("Japanese: furigana over the kanji of each cue, under its original", async () => {
      const page = await openWatch(browser, VIDEO_JA);
      const expected = {
        1: [["今日", "きょう"], ["天気", "てんき"]],
        2: [["明日", "あした"], ["学校", "がっこう"], ["行", "い"]],
        3: [["電車", "でんしゃ"], ["遅", "おく"]],
      };
      for (const cue of cues[VIDEO_JA]) {
        const { line } = await pauseAtAndWaitForLine(page, cues[VIDEO_JA], cue.start + 0.5, 60_000);
        assert.equal(await line.textContent(), fakeTranslation(TARGET, cue.text));
        const r = await readingOf(page, cue.id);
        assert.ok(r, `cue ${cue.id} has a reading line`);
        assert.deepEqual(r.ruby, expected[cue.id], `cue ${cue.id}'s furigana`);
        if (cue.id === "2") assert.deepEqual(r.wordsRead, ["明日", "学校", "行き"], "a word with kana after its kanji is one element");
        assert.equal(r.base, cue.text, "the ruby's base is the original line, kana and marks as they are");
        assert.ok(r.below && r.centred, `cue ${cue.id}'s reading sits under its original`);
      }
      await page.locator("#movie_player").screenshot({ path: screenshotPath(`${kind}-subtitle-reading-ja.png`) });
      await page.close();
    });

    test("Chinese: a pinyin syllable over each hanzi, read by the word", async () => {
      const page = await openWatch(browser, VIDEO_ZH);
      const expected = {
        1: [["我", "wǒ"], ["在", "zài"], ["银", "yín"], ["行", "háng"], ["工", "gōng"], ["作", "zuò"]],
        2: [["孩", "hái"], ["子", "zi"], ["们", "men"], ["都", "dōu"], ["长", "zhǎng"], ["大", "dà"], ["了", "le"]],
        3: [["这", "zhè"], ["条", "tiáo"], ["路", "lù"], ["很", "hěn"], ["长", "cháng"]],
      };
      for (const cue of cues[VIDEO_ZH]) {
        await pauseAtAndWaitForLine(page, cues[VIDEO_ZH], cue.start + 0.5, 60_000);
        const r = await readingOf(page, cue.id);
        assert.ok(r, `cue ${cue.id} has a reading line`);
        assert.deepEqual(r.ruby, expected[cue.id], `cue ${cue.id}'s pinyin`);
        assert.equal(r.base, cue.text);
        assert.ok(r.below && r.centred, `cue ${cue.id}'s reading sits under its original`);
      }
      await page.locator("#movie_player").screenshot({ path: screenshotPath(`${kind}-subtitle-reading-zh.png`) });
      await page.close();
    });

    test("Korean: the romanization as a plain line, sound changes written", async () => {
      const page = await openWatch(browser, VIDEO_KO);
      const expected = { 1: "gamsahamnida.", 2: "gachi gayo.", 3: "silla jongno" };
      for (const cue of cues[VIDEO_KO]) {
        await pauseAtAndWaitForLine(page, cues[VIDEO_KO], cue.start + 0.5, 60_000);
        const r = await readingOf(page, cue.id);
        assert.ok(r, `cue ${cue.id} has a reading line`);
        assert.deepEqual(r.ruby, [], "no ruby for Korean");
        assert.equal(r.text, expected[cue.id]);
        assert.equal(r.words, cue.text.split(" ").length, "each word its own element");
        assert.ok(r.below && r.centred, `cue ${cue.id}'s reading sits under its original`);
      }
      await page.close();
    });

    test("a live stream's captions read from the player's DOM get their reading, by the script they are in", async () => {
      const page = await openWatch(browser, VIDEO_DOM_CAPTIONS);
      const expected = [
        { t: 1.0, ruby: [["電車", "でんしゃ"], ["遅", "おく"]], text: null },
        { t: 5.0, ruby: [], text: "gachi gayo." },
      ];
      for (const [i, want] of expected.entries()) {
        const cue = cues[VIDEO_DOM_CAPTIONS][i];
        await pauseAt(page, want.t);
        // the player re-renders its captions on timeupdate
        await page.evaluate(() => document.querySelector("video").dispatchEvent(new Event("timeupdate")));
        await page.waitForFunction(
          (text) => document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector("[data-glossa='subtitle-original'][data-cue-id='dom']")?.textContent === text,
          cue.text, { timeout: 60_000 },
        );
        await page.locator(`${overlay} [data-glossa='subtitle-reading'][data-cue-id='dom']`).waitFor({ timeout: 60_000 });
        const r = await readingOf(page, "dom");
        assert.ok(r, `the DOM line "${cue.text}" has a reading line`);
        assert.deepEqual(r.ruby, want.ruby, `the reading of "${cue.text}"`);
        if (want.text) assert.equal(r.text, want.text);
        else assert.equal(r.base, cue.text, "the ruby's base is the line the player showed");
        assert.ok(r.below && r.centred, "the reading sits under the original");
      }
      await page.close();
    });

    test("a language without readings (English) shows no reading line", async () => {
      const page = await openWatch(browser, VIDEO_ONE);
      await pauseAtAndWaitForLine(page, cues[VIDEO_ONE], 0.5, 60_000);
      assert.equal(await page.locator(`${overlay} [data-glossa='subtitle-reading']`).count(), 0);
      await page.close();
    });
  });
}
