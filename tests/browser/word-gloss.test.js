// A word's meaning (issue #17): on the fake watch page with a Japanese track shown in dual
// mode (readings on for Japanese), the original line's words are elements — the host's
// words, the ones the reading line reads — and the line's text is unchanged; a click on one
// pauses the video and opens the word-gloss panel with the offline dictionary's entry at
// once and the model's note on the word in this line after it (from a scripted
// OpenAI-compatible provider, scripted-gloss.js); ←/→ step through the line's words without
// seeking the video, Esc closes and resumes playback; "Save word" keeps a word card that
// the export writes for Anki. With the gloss closed, the arrows are the player's again.
// A German line (no reading) is cut by the browser's word segmentation; by keyboard, the
// line's first word is a Tab stop and Enter there opens the gloss. A live stream's lines,
// read from the player's caption DOM (no language given), are words too: the host tells the
// language by the script — a Japanese line gets its JMdict entry, a Korean one the model's
// note alone — and a line whose script says no language gets a clear error in the panel.
// With readings off, a Japanese line's words are still the host's analyser's (the host marks
// the cue `host_words`, the page asks for them with `line_words`), not the browser's
// segmentation, and a click looks the word up there.
//
// The dictionary entry and the note come from glossa-host's `lookup_word` handler: a host
// built before the dictionaries landed (no `glossa-host define`) answers no entries and no
// note, and the assertions on them are skipped with a note saying so.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fakeTranslation } from "./fake-ollama.js";
import {
  BROWSERS, browserName, CUES, OVERLAY, VIDEO_DOM_CAPTIONS, VIDEO_ONE, checkPrerequisites, hostBin, launchBrowser, makeHostData, need,
  openWatch, pauseAt, pauseAtAndWaitForLine, screenshotPath, startFakeYouTube,
} from "./harness.js";
import { NOTES, startScriptedGloss } from "./scripted-gloss.js";

const TARGET = "en";
const VIDEO_JA = "glossaJpn01";
const LINE = "今日は天気がいいですね。";
// Long cues, so a playing video is still on the line when the click lands on a loaded machine.
// Firefox's word segmentation cuts this one 今日|はい|い|天気|です|ね (issue #17).
const CUT_APART = "今日はいい天気ですね。";
const JA_CUES = [LINE, "明日学校に行きます。", CUT_APART].map((text, i) => ({ id: String(i + 1), start: i * 10, end: i * 10 + 10, text }));
const VIDEO_DE = "glossaDeu01";
const DE_CUES = ["Willkommen am Bahnhof.", "Der Zug fährt um neun."].map((text, i) => ({ id: String(i + 1), start: i * 10, end: i * 10 + 10, text }));
// A live stream's captions, shown by the player with no language named (long, with gaps).
const UNSAID = "123 !!";
const DOM_CUES = [LINE, "같이 가요.", UNSAID].map((text, i) => ({ id: String(i + 1), start: i * 10, end: i * 10 + 8, text }));
const cues = { ...CUES, [VIDEO_JA]: JA_CUES, [VIDEO_DE]: DE_CUES, [VIDEO_DOM_CAPTIONS]: DOM_CUES };
const COLUMNS = ["Word", "Reading", "Meaning", "Sentence", "Translation", "Picture", "Link"];
const cache = process.env.GLOSSA_CACHE || path.join(os.homedir(), ".cache/glossa-dev");
const readingData = process.env.GLOSSA_READING_DATA || path.join(cache, "reading");
// Firefox's host gets this process's environment (launchFirefox takes no `env`).
process.env.GLOSSA_READING_DATA = readingData;

/** Whether this host looks words up in real dictionaries (and asks the model for a note). */
const hostHasDictionaries = (() => {
  try {
    return /\bdefine\b/.test(execFileSync(hostBin, ["--help"], { encoding: "utf8" }));
  } catch (e) {
    return false;
  }
})();
const dictionaryNote = "glossa-host has no dictionaries in this build (no `define` command): entry and note checks skipped";

/** The host's words for `text` (`glossa-host reading --json`), as the reading line gets them with the cue. */
const hostWords = (text) => JSON.parse(execFileSync(hostBin, ["reading", text, "--lang", "ja", "--json"], {
  encoding: "utf8", env: { ...process.env, GLOSSA_READING_DATA: readingData },
})).map((t) => t.surface);

const wordlike = (w) => /[\p{L}\p{N}]/u.test(w);

/** Change a setting of the running host (it reads its settings afresh for each request). */
const setSetting = (dataDir, key, value) =>
  execFileSync(hostBin, ["settings", "set", key, value], { env: { ...process.env, GLOSSA_DATA_DIR: dataDir }, stdio: "ignore" });

const shadow = (page, fn, arg) => page.evaluate(`(${fn})(document.querySelector("[data-glossa='root']").shadowRoot, ${JSON.stringify(arg)})`);

/** The original line's words as shown, the one marked current, and the line's text. */
function wordsOf(page, cueId) {
  return shadow(page, (root, id) => {
    const line = root.querySelector(`[data-glossa='subtitle-original'][data-cue-id='${id}']`);
    if (!line) return null;
    const words = [...line.querySelectorAll("[data-glossa='word']")];
    return {
      text: line.textContent, words: words.map((w) => w.textContent), offsets: words.map((w) => Number(w.dataset.offset)), cut: line.dataset.words,
      current: words.findIndex((w) => w.getAttribute("aria-current") === "true"),
      currentCount: words.filter((w) => w.hasAttribute("aria-current")).length,
    };
  }, cueId);
}

/** What the gloss panel shows, or null when it is closed. */
function glossOf(page) {
  return shadow(page, (root) => {
    const panel = root.querySelector("[data-glossa='word-gloss']");
    if (!panel) return null;
    const all = (sel) => [...panel.querySelectorAll(`[data-glossa='${sel}']`)].map((n) => n.textContent);
    const one = (sel) => panel.querySelector(`[data-glossa='${sel}']`)?.textContent ?? null;
    return {
      state: panel.dataset.state, word: one("word-gloss-word"), headwords: all("word-gloss-headword"), readings: all("word-gloss-reading"),
      senses: all("word-gloss-sense"), pos: all("word-gloss-pos"), credit: one("word-gloss-credit"), none: one("word-gloss-none"),
      loading: one("word-gloss-loading"), note: one("word-gloss-note"), error: one("word-gloss-error"),
      order: [...panel.querySelectorAll("[data-glossa]")].map((n) => n.dataset.glossa),
    };
  });
}

/** Start recording, in the page, the order in which the panel's entries and note first appear. */
function recordArrivals(page) {
  return shadow(page, (root) => {
    window.__glossArrivals = [];
    const seen = new Set();
    const watch = new MutationObserver(() => {
      for (const name of ["word-gloss-loading", "word-gloss-entries", "word-gloss-note"]) {
        if (!seen.has(name) && root.querySelector(`[data-glossa='${name}']`)) { seen.add(name); window.__glossArrivals.push(name); }
      }
    });
    watch.observe(root, { subtree: true, childList: true, characterData: true });
  });
}

const videoState = (page) => page.evaluate(() => {
  const v = document.querySelector("video");
  return { paused: v.paused, time: v.currentTime };
});

/** Wait until the gloss panel has finished (done or error) for `word`. */
function glossSettled(page, word, timeout = 60_000) {
  return page.waitForFunction((w) => {
    const panel = document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector("[data-glossa='word-gloss']");
    return panel && panel.querySelector("[data-glossa='word-gloss-word']").textContent === w && ["done", "error"].includes(panel.dataset.state);
  }, word, { timeout });
}

for (const kind of BROWSERS) {
  describe(`a word's meaning (${browserName(kind)})`, () => {
    let site, provider, browser, page, dataDir;

    before(async () => {
      checkPrerequisites();
      need(path.join(readingData, "ipadic"), "fetch the reading dictionaries: tests/tools/fetch-reading-data.sh");
      if (hostHasDictionaries) need(path.join(readingData, "dict", "jmdict.tsv"), "fetch the word dictionaries: tests/tools/fetch-dictionaries.sh");
      site = await startFakeYouTube({
        cues, media: { [VIDEO_JA]: VIDEO_ONE, [VIDEO_DE]: VIDEO_ONE }, languages: { [VIDEO_JA]: "ja", [VIDEO_DE]: "de" },
      });
      provider = await startScriptedGloss({ to: TARGET });
      dataDir = makeHostData({
        provider: "openai", "openai.base_url": `${provider.url}/v1`, "openai.frame_model": provider.model, "openai.subtitle_model": provider.model,
        target_language: TARGET, "display.dual": "true", "display.readings": "ja",
      });
      browser = await launchBrowser(kind, { site, dataDir, env: { GLOSSA_READING_DATA: readingData } });
      page = await openWatch(browser, VIDEO_JA);
    });
    after(async () => {
      await browser?.close();
      await site?.close();
      await provider?.close();
    });

    test("the original line is words; a click pauses and explains the word, ←/→ step, Esc resumes, the word is saved", async (t) => {
      // The translations first (paused), then play slowly so the click lands on a playing video.
      const { line } = await pauseAtAndWaitForLine(page, JA_CUES, 0.5, 60_000);
      assert.equal(await line.textContent(), fakeTranslation(TARGET, LINE));
      const shown = await wordsOf(page, "1");
      assert.equal(shown.text, LINE, "the words keep the line's text as it is");
      // Readings on for Japanese: the words are the host's analyser's, the ones the reading line reads.
      const expected = hostWords(LINE).filter((w) => /[\p{L}\p{N}]/u.test(w));
      assert.deepEqual(shown.words, expected, "the host's words");
      assert.equal(shown.cut, "reading", "the reading's tokens, which came with the cue");
      assert.ok(await page.locator(`${OVERLAY} [data-glossa='subtitle-reading'][data-cue-id='1']`).count() === 1, "the reading line is there too");
      assert.ok(shown.words.includes("天気"), shown.words.join("|"));
      assert.deepEqual(shown.offsets, shown.words.map((w, i) => LINE.indexOf(w, i ? shown.offsets[i - 1] + 1 : 0)));
      assert.equal(shown.currentCount, 0);

      await page.evaluate(() => { const v = document.querySelector("video"); v.playbackRate = 0.25; return v.play(); });
      await recordArrivals(page);
      const clickedAt = (await videoState(page)).time;
      await page.locator(`${OVERLAY} [data-glossa='subtitle-original'] [data-glossa='word'][data-word-index='${shown.words.indexOf("天気")}']`).click();
      await page.locator("[data-glossa='word-gloss']").waitFor({ timeout: 15_000 });
      const paused = await videoState(page);
      assert.ok(paused.paused, "the click paused the video");
      assert.ok(paused.time < 10, `still on the line (${paused.time} s, clicked at ${clickedAt} s)`);
      await glossSettled(page, "天気");
      let gloss = await glossOf(page);
      assert.equal(gloss.word, "天気");
      assert.equal(gloss.loading, null, "no longer loading once done");
      assert.equal(gloss.error, null, gloss.error);
      assert.equal((await wordsOf(page, "1")).current, shown.words.indexOf("天気"), "the clicked word is marked");
      assert.equal((await wordsOf(page, "1")).currentCount, 1);
      if (hostHasDictionaries) {
        assert.equal(gloss.headwords[0], "天気");
        assert.equal(gloss.readings[0], "てんき");
        assert.ok(gloss.senses.some((s) => /weather/i.test(s)), gloss.senses.join(" / "));
        assert.ok(gloss.pos.length > 0 && /noun/i.test(gloss.pos[0]), gloss.pos.join(" / "));
        assert.match(gloss.credit, /JMdict/);
        assert.equal(gloss.note, NOTES.get("天気"), "the model's note on the word in this line, as streamed");
        assert.deepEqual(await page.evaluate(() => window.__glossArrivals), ["word-gloss-loading", "word-gloss-entries", "word-gloss-note"],
          "loading, then the entry, then the note");
        const asked = provider.stats.notes.find((n) => n.word === "天気");
        assert.ok(asked && asked.prompt.includes(LINE) && asked.prompt.includes(fakeTranslation(TARGET, LINE)), "the note was asked with the line and its translation");
      } else {
        t.diagnostic(dictionaryNote);
        assert.equal(gloss.none, "No dictionary entry for this word.");
        assert.equal(gloss.headwords.length, 0);
        assert.deepEqual(await page.evaluate(() => window.__glossArrivals), ["word-gloss-loading", "word-gloss-entries"]);
      }

      await page.screenshot({ path: screenshotPath(`word-gloss-${kind}.png`) });

      // → and ← step through the line's words; the video neither plays nor seeks.
      const at = (await videoState(page)).time;
      const tenki = shown.words.indexOf("天気");
      await page.keyboard.press("ArrowRight");
      await glossSettled(page, shown.words[tenki + 1]);
      assert.equal((await wordsOf(page, "1")).current, tenki + 1);
      await page.keyboard.press("ArrowLeft");
      await page.keyboard.press("ArrowLeft");
      await glossSettled(page, shown.words[tenki - 1]);
      assert.equal((await wordsOf(page, "1")).current, tenki - 1);
      assert.equal((await wordsOf(page, "1")).currentCount, 1);
      // The first word is the end: ← there stays on it.
      for (let i = tenki - 1; i > 0; i--) await page.keyboard.press("ArrowLeft");
      await page.keyboard.press("ArrowLeft");
      await glossSettled(page, shown.words[0]);
      assert.equal((await wordsOf(page, "1")).current, 0);
      assert.deepEqual(await videoState(page), { paused: true, time: at }, "the arrows were the gloss's, not the player's");
      if (hostHasDictionaries) assert.equal((await glossOf(page)).note, NOTES.get(shown.words[0]));

      // Back to 天気 and save it as a word card.
      for (let i = 0; i < tenki; i++) await page.keyboard.press("ArrowRight");
      await glossSettled(page, "天気");
      const save = page.locator("[data-glossa='word-gloss-save']");
      assert.equal(await save.textContent(), "Save word");
      await save.click();
      const said = await page.waitForFunction(() => {
        const root = document.querySelector("[data-glossa='root']").shadowRoot;
        return root.querySelector("[data-glossa='word-gloss-save']")?.dataset.state === "saved" && root.querySelector("[data-glossa='study-saved']")?.textContent;
      }, null, { timeout: 30_000 });
      assert.equal(await said.jsonValue(), "Saved to your study cards");
      assert.ok((await videoState(page)).paused, "saving did not reach the player");

      // Esc closes the gloss and plays on (Glossa paused it).
      await page.keyboard.press("Escape");
      await page.waitForFunction(() => !document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='word-gloss']"), null, { timeout: 10_000 });
      assert.equal((await videoState(page)).paused, false, "playback resumed");
      assert.equal((await wordsOf(page, "1"))?.currentCount ?? 0, 0, "no word marked once closed");

      // Closed: the arrows are the player's own (the fake player seeks 5 s, as YouTube does).
      await page.evaluate(() => document.querySelector("video").pause());
      const before = (await videoState(page)).time;
      await page.keyboard.press("ArrowRight");
      await page.waitForFunction((t0) => document.querySelector("video").currentTime >= t0 + 4.9, before, { timeout: 10_000 });

      // The card, exported for Anki.
      const tsv = exportCards(dataDir);
      const rows = tsv.split("\n").filter(Boolean).slice(3).map((r) => Object.fromEntries(r.split("\t").map((v, i) => [COLUMNS[i], v])));
      assert.equal(rows.length, 1, tsv);
      const card = rows[0];
      assert.equal(card.Word, "天気");
      assert.equal(card.Sentence, LINE);
      assert.equal(card.Translation, fakeTranslation(TARGET, LINE).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
      assert.match(card.Link, new RegExp(`watch\\?v=${VIDEO_JA}&amp;t=0s`));
      assert.match(card.Picture, /^<img src="glossa-[\w-]+\.jpg">$/);
      if (hostHasDictionaries) {
        assert.equal(card.Reading, "てんき");
        assert.match(card.Meaning, /weather/i);
        assert.ok(card.Meaning.includes(NOTES.get("天気").replace(/"/g, "&quot;")) || card.Meaning.includes(NOTES.get("天気")), card.Meaning);
      }
    });

    test("a gloss opened on a paused video leaves it paused on Esc; a failing model leaves the entry shown with the error; a seek closes it", async (t) => {
      await pauseAtAndWaitForLine(page, JA_CUES, 1, 60_000);
      provider.failNotes(true);
      try {
        const shown = await wordsOf(page, "1");
        await page.locator(`${OVERLAY} [data-glossa='subtitle-original'] [data-glossa='word'][data-word-index='${shown.words.indexOf("いい")}']`).click();
        await glossSettled(page, "いい");
        const gloss = await glossOf(page);
        if (hostHasDictionaries) {
          assert.equal(gloss.state, "error");
          assert.ok(gloss.error && gloss.error.length > 0, "the error is said");
          assert.ok(gloss.headwords.length > 0, "the entry stays shown");
          assert.ok(gloss.order.indexOf("word-gloss-entries") < gloss.order.indexOf("word-gloss-error"));
          assert.equal(gloss.note, null);
        } else {
          t.diagnostic(dictionaryNote);
        }
      } finally {
        provider.failNotes(false);
      }
      await page.keyboard.press("Escape");
      await page.waitForFunction(() => !document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='word-gloss']"), null, { timeout: 10_000 });
      await page.waitForTimeout(300);
      assert.ok((await videoState(page)).paused, "the viewer paused it, so it stays paused");

      // A seek takes the picture elsewhere: the gloss on the old moment closes.
      await page.locator(`${OVERLAY} [data-glossa='subtitle-original'] [data-glossa='word'][data-word-index='0']`).click();
      await page.locator("[data-glossa='word-gloss']").waitFor({ timeout: 15_000 });
      await page.evaluate(() => { document.querySelector("video").currentTime = 3; });
      await page.waitForFunction(() => !document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='word-gloss']"), null, { timeout: 10_000 });
      assert.ok((await videoState(page)).paused, "and the video stays paused");
    });

    test("a line without readings is cut by the browser's word segmentation (German: no dictionary, the model's note); Enter on the line's Tab stop opens the gloss", async (t) => {
      const page1 = await openWatch(browser, VIDEO_DE);
      try {
        const german = DE_CUES[1];
        await pauseAtAndWaitForLine(page1, DE_CUES, german.start + 0.5, 60_000);
        const shown = await wordsOf(page1, german.id);
        assert.equal(shown.text, german.text);
        assert.deepEqual(shown.words, ["Der", "Zug", "fährt", "um", "neun"]);
        assert.equal(shown.cut, "browser", "German: the browser's cut, the host is not asked");
        assert.deepEqual(shown.offsets, [0, 4, 8, 14, 17]);
        await page1.locator(`${OVERLAY} [data-glossa='subtitle-original'] [data-glossa='word'][data-word-index='1']`).click();
        await glossSettled(page1, "Zug");
        const gloss = await glossOf(page1);
        assert.equal(gloss.none, "No dictionary entry for this word.", "no offline dictionary for German");
        if (hostHasDictionaries) assert.equal(gloss.note, NOTES.get("Zug"));
        else t.diagnostic(dictionaryNote);
        await page1.keyboard.press("Escape");
        await page1.waitForFunction(() => !document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='word-gloss']"), null, { timeout: 10_000 });

        // By keyboard: the line's first word is its Tab stop, Enter opens the gloss there.
        const tabStops = await shadow(page1, (root, id) => [...root.querySelectorAll(`[data-glossa='subtitle-original'][data-cue-id='${id}'] [data-glossa='word']`)]
          .map((w) => w.getAttribute("tabindex")), german.id);
        assert.deepEqual(tabStops, ["0", "-1", "-1", "-1", "-1"]);
        await shadow(page1, (root, id) => root.querySelector(`[data-glossa='subtitle-original'][data-cue-id='${id}'] [data-glossa='word']`).focus(), german.id);
        await page1.keyboard.press("Enter");
        await glossSettled(page1, "Der");
        assert.ok((await videoState(page1)).paused);
        if (hostHasDictionaries) assert.equal((await glossOf(page1)).note, NOTES.get("Der"));
        await page1.keyboard.press("Escape");
        await page1.waitForFunction(() => !document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='word-gloss']"), null, { timeout: 10_000 });
      } finally {
        await page1.close();
      }
    });

    test("a live stream's caption line (no language given) is words too, looked up in the language its script says", async (t) => {
      const page1 = await openWatch(browser, VIDEO_DOM_CAPTIONS);
      /** Show the player's caption at `time` (paused) and wait for Glossa's original line to be `text`. */
      const domLineAt = async (time, text) => {
        await pauseAt(page1, time);
        await page1.evaluate(() => document.querySelector("video").dispatchEvent(new Event("timeupdate"))); // the player draws its caption
        await page1.waitForFunction((want) => document.querySelector("[data-glossa='root']")?.shadowRoot
          .querySelector("[data-glossa='subtitle-original'][data-cue-id='dom']")?.textContent === want, text, { timeout: 60_000 });
      };
      try {
        // Japanese, readings on for it: the host's words (the reading line's), and JMdict's entry.
        await domLineAt(1, LINE);
        await page1.locator(`${OVERLAY} [data-glossa='subtitle-reading'][data-cue-id='dom']`).waitFor({ timeout: 60_000 });
        const shown = await wordsOf(page1, "dom");
        assert.equal(shown.text, LINE, "the words keep the line's text as it is");
        assert.deepEqual(shown.words, hostWords(LINE).filter((w) => /[\p{L}\p{N}]/u.test(w)), "the host's words");
        await page1.evaluate(() => { const v = document.querySelector("video"); v.playbackRate = 0.25; return v.play(); });
        await page1.locator(`${OVERLAY} [data-glossa='subtitle-original'] [data-glossa='word'][data-word-index='${shown.words.indexOf("天気")}']`).click();
        await page1.locator("[data-glossa='word-gloss']").waitFor({ timeout: 15_000 });
        assert.ok((await videoState(page1)).paused, "the click paused the video");
        await glossSettled(page1, "天気");
        let gloss = await glossOf(page1);
        assert.equal(gloss.error, null, gloss.error);
        if (hostHasDictionaries) {
          assert.equal(gloss.headwords[0], "天気");
          assert.equal(gloss.readings[0], "てんき");
          assert.ok(gloss.senses.some((s) => /weather/i.test(s)), gloss.senses.join(" / "));
          assert.match(gloss.credit, /JMdict/);
          assert.equal(gloss.note, NOTES.get("天気"));
          const asked = provider.stats.notes.filter((n) => n.word === "天気").pop();
          assert.ok(asked.prompt.includes("Japanese (ja)") && asked.prompt.includes(LINE), "the model was told the line's language");
        } else {
          t.diagnostic(dictionaryNote);
        }
        await page1.keyboard.press("Escape");
        await page1.waitForFunction(() => !document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='word-gloss']"), null, { timeout: 10_000 });
        assert.equal((await videoState(page1)).paused, false, "playback resumed");

        // Korean (no reading asked for it): the browser's words; no dictionary, the model's note.
        await domLineAt(11, DOM_CUES[1].text);
        const korean = await wordsOf(page1, "dom");
        assert.deepEqual(korean.words, ["같이", "가요"]);
        await page1.locator(`${OVERLAY} [data-glossa='subtitle-original'] [data-glossa='word'][data-word-index='1']`).click();
        await glossSettled(page1, "가요");
        gloss = await glossOf(page1);
        assert.equal(gloss.none, "No dictionary entry for this word.");
        if (hostHasDictionaries) {
          assert.equal(gloss.note, NOTES.get("가요"));
          assert.ok(provider.stats.notes.filter((n) => n.word === "가요").pop().prompt.includes("Korean (ko)"), "told by its script: Korean");
        }
        await page1.keyboard.press("Escape");
        await page1.waitForFunction(() => !document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='word-gloss']"), null, { timeout: 10_000 });

        // A line whose script says no language: the panel says so.
        await domLineAt(21, UNSAID);
        const unsaid = await wordsOf(page1, "dom");
        assert.deepEqual(unsaid.words, ["123"]);
        const notes = provider.stats.notes.length;
        await page1.locator(`${OVERLAY} [data-glossa='subtitle-original'] [data-glossa='word'][data-word-index='0']`).click();
        await glossSettled(page1, "123");
        gloss = await glossOf(page1);
        assert.equal(gloss.state, "error");
        if (hostHasDictionaries) {
          assert.match(gloss.error, /^Glossa cannot tell which language this line is in\./, gloss.error);
          assert.equal(provider.stats.notes.length, notes, "no model call");
        }
        await page1.keyboard.press("Escape");
      } finally {
        await page1.close();
      }
    });

    test("with readings off, a Japanese line's words are still the host's analyser's, not the browser's segmentation", async (t) => {
      setSetting(dataDir, "display.readings", "ko"); // on for another language only
      const page1 = await openWatch(browser, VIDEO_JA);
      try {
        const cue = JA_CUES[2];
        await pauseAtAndWaitForLine(page1, JA_CUES, cue.start + 0.5, 60_000);
        const expected = hostWords(cue.text).filter(wordlike);
        assert.deepEqual(expected, ["今日", "は", "いい", "天気", "です", "ね"], "the host's analyser's words");
        // The line shows at once (the browser's cut), then the host's words replace it.
        await page1.waitForFunction((want) => {
          const line = document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector("[data-glossa='subtitle-original'][data-cue-id='3']");
          return line && JSON.stringify([...line.querySelectorAll("[data-glossa='word']")].map((w) => w.textContent)) === want;
        }, JSON.stringify(expected), { timeout: 15_000 }).catch(() => {});
        const shown = await wordsOf(page1, cue.id);
        assert.equal(await page1.locator(`${OVERLAY} [data-glossa='subtitle-reading']`).count(), 0, "no reading: readings are off for Japanese");
        assert.equal(shown.text, cue.text, "the words keep the line's text as it is");
        assert.deepEqual(shown.words, expected, "the host's words");
        assert.equal(shown.cut, "host", "asked of the host, not the reading's tokens nor the browser's");
        assert.deepEqual(shown.offsets, [0, 2, 3, 5, 7, 9]);

        // A click looks the word up where it stands.
        await page1.locator(`${OVERLAY} [data-glossa='subtitle-original'] [data-glossa='word'][data-word-index='${expected.indexOf("天気")}']`).click();
        await glossSettled(page1, "天気");
        const gloss = await glossOf(page1);
        assert.equal(gloss.error, null, gloss.error);
        assert.equal((await wordsOf(page1, cue.id)).current, expected.indexOf("天気"), "the clicked word is marked");
        if (hostHasDictionaries) assert.equal(gloss.headwords[0], "天気");
        else t.diagnostic(dictionaryNote);
        await page1.keyboard.press("Escape");
        await page1.waitForFunction(() => !document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='word-gloss']"), null, { timeout: 10_000 });
      } finally {
        await page1.close();
      }

      // A live stream's caption line (no language given): Japanese by its script, the host's words too.
      const page2 = await openWatch(browser, VIDEO_DOM_CAPTIONS);
      try {
        await pauseAt(page2, 1);
        await page2.evaluate(() => document.querySelector("video").dispatchEvent(new Event("timeupdate")));
        const expected = hostWords(LINE).filter(wordlike);
        await page2.waitForFunction((want) => {
          const line = document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector("[data-glossa='subtitle-original'][data-cue-id='dom']");
          return line && JSON.stringify([...line.querySelectorAll("[data-glossa='word']")].map((w) => w.textContent)) === want;
        }, JSON.stringify(expected), { timeout: 60_000 }).catch(() => {});
        const shown = await wordsOf(page2, "dom");
        assert.equal(shown?.text, LINE);
        assert.deepEqual(shown.words, expected, "the host's words");
        assert.equal(shown.cut, "host");
        assert.equal(await page2.locator(`${OVERLAY} [data-glossa='subtitle-reading']`).count(), 0, "no reading");
      } finally {
        setSetting(dataDir, "display.readings", "ja");
        await page2.close();
      }
    });
  });
}

/** The study cards as `glossa-host study export` writes them (the options page's export is the study-cards suite's). */
function exportCards(dataDir) {
  const file = path.join(dataDir, "cards.tsv");
  execFileSync(hostBin, ["study", "export", "-o", file], { env: { ...process.env, GLOSSA_DATA_DIR: dataDir }, stdio: "ignore" });
  return fs.readFileSync(file, "utf8");
}
