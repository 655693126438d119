// The README's pictures: what a user sees with a working model. The provider is a scripted
// OpenAI-compatible server (scripted-openai.js) that answers real Japanese translations of
// the test video's captions and of the text burned into its picture; everything else is
// real (the extension, glossa-host, the fake watch page). Each picture is taken only after
// the test has checked that it shows the expected translation.
//
// The word-gloss picture has a Japanese line of its own, translated into English by hand and
// explained by scripted-gloss.js's notes, with the offline dictionary's real entry.
//
// Chromium writes button.png, subtitle-overlay.png, frame-result.png, options.png and
// word-gloss.png, Firefox the same names prefixed with firefox- (into tests/out;
// tests/browser/screenshots keeps the copies the README shows).
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  BROWSERS, CUES, FRAME_TEXT, OVERLAY as overlay, VIDEO_ONE, browserName, checkPrerequisites, launchBrowser, makeHostData, need,
  openWatch, openaiProviderSettings, pauseAtAndWaitForLine, screenshotPath, startFakeYouTube,
} from "./harness.js";
import { NOTES, startScriptedGloss } from "./scripted-gloss.js";
import { startScriptedOpenAI } from "./scripted-openai.js";

const result = "[data-glossa='frame-result']";

for (const kind of BROWSERS) {
  const picture = (name) => screenshotPath(kind === "chromium" ? name : `${kind}-${name}`);

  describe(`README screenshots with a scripted translating server (${browserName(kind)})`, () => {
    let site, server, browser, page;

    before(async () => {
      checkPrerequisites();
      site = await startFakeYouTube();
      server = await startScriptedOpenAI({ frameText: FRAME_TEXT[VIDEO_ONE] });
      const dataDir = makeHostData({ ...openaiProviderSettings(server), "display.dual": "true", "display.position": "bottom" });
      browser = await launchBrowser(kind, { site, dataDir });
      page = await openWatch(browser, VIDEO_ONE);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await site?.close();
    });

    test("the button in the player's controls", async () => {
      const button = page.locator(".ytp-right-controls [data-glossa='translate-frame']");
      await button.waitFor({ timeout: 15_000 });
      // It names the shortcut this browser really has.
      await page.waitForFunction((label) => document.querySelector("[data-glossa='translate-frame']").title.includes(label), browser.frameShortcut.label);
      await page.locator(".ytp-chrome-bottom").screenshot({ path: picture("button.png") });
    });

    test("a subtitle line, translated, with the original under it", async () => {
      const cues = CUES[VIDEO_ONE];
      const { cue, line } = await pauseAtAndWaitForLine(page, cues, 3.0, 60_000);
      assert.equal(await line.textContent(), server.ja(cue.text));
      assert.equal(await page.locator(`${overlay} [data-glossa='subtitle-original']`).textContent(), cue.text);
      await page.locator("#movie_player").screenshot({ path: picture("subtitle-overlay.png") });
    });

    test("the frame's text, translated in the panel", async () => {
      await page.click("[data-glossa='translate-frame']");
      await page.locator(result).waitFor({ timeout: 15_000 });
      await page.waitForFunction(
        (sel) => ["done", "error"].includes(document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector(sel)?.dataset.state),
        result, { timeout: 60_000 },
      );
      const panel = page.locator(result);
      assert.equal(await panel.getAttribute("data-state"), "done", await panel.locator("[data-glossa='frame-error']").textContent());
      const shown = (await panel.locator("[data-glossa='frame-text']").textContent()).trim();
      assert.equal(shown, server.stats.frameReplies.at(-1));
      assert.ok(shown.includes(server.ja(FRAME_TEXT[VIDEO_ONE])), shown);
      await page.locator("#movie_player").screenshot({ path: picture("frame-result.png") });
      await page.keyboard.press("Escape");
      await panel.waitFor({ state: "detached" });
    });

    test("the options page, connected to the server", async () => {
      const options = await browser.newPage();
      await options.goto(browser.optionsUrl);
      await options.locator("[data-glossa='settings-form']").waitFor();
      await options.waitForFunction((m) => [...document.querySelectorAll("[data-glossa='frame-model'] option")].some((o) => o.value === m), server.model);
      await options.click("[data-glossa='test-connection']");
      await options.waitForFunction(() => {
        const r = document.querySelector("[data-glossa='test-result']");
        return r && r.dataset.state && r.dataset.state !== "testing";
      }, null, { timeout: 60_000 });
      assert.equal(await options.locator("[data-glossa='test-result']").getAttribute("data-state"), "ok");
      assert.match(await options.locator("[data-glossa='test-result'] .ok").textContent(), /Connected/);
      await options.screenshot({ path: picture("options.png"), fullPage: true });
      await options.close();
    });

    test("every request had a scripted answer, and nothing ran from the page", () => {
      assert.deepEqual(server.stats.refused, []);
      assert.ok(server.stats.chats >= 2, "subtitles and the frame went to the server");
      assert.deepEqual(browser.dialogs, []);
    });
  });
}

// The word-gloss picture: a Japanese line, its English translation (by hand) and its reading.
const VIDEO_JA = "glossaJpn01";
const JA_LINE = "今日は天気がいいですね。";
const EN = new Map([[JA_LINE, "Nice weather today, isn't it?"]]);
const JA_CUES = [{ id: "1", start: 0, end: 10, text: JA_LINE }];
const readingData = process.env.GLOSSA_READING_DATA || path.join(process.env.GLOSSA_CACHE || path.join(os.homedir(), ".cache/glossa-dev"), "reading");
// Firefox's host gets this process's environment (launchFirefox takes no `env`).
process.env.GLOSSA_READING_DATA = readingData;

for (const kind of BROWSERS) {
  const picture = (name) => screenshotPath(kind === "chromium" ? name : `${kind}-${name}`);

  describe(`README screenshot of a word's meaning with a scripted model (${browserName(kind)})`, () => {
    let site, server, browser, page;

    before(async () => {
      checkPrerequisites();
      need(path.join(readingData, "ipadic"), "fetch the reading dictionaries: tests/tools/fetch-reading-data.sh");
      need(path.join(readingData, "dict", "jmdict.tsv"), "fetch the word dictionaries: tests/tools/fetch-dictionaries.sh");
      site = await startFakeYouTube({ cues: { [VIDEO_JA]: JA_CUES }, media: { [VIDEO_JA]: VIDEO_ONE }, languages: { [VIDEO_JA]: "ja" } });
      server = await startScriptedGloss({ to: "en", translations: EN });
      const dataDir = makeHostData({
        provider: "openai", "openai.base_url": `${server.url}/v1`, "openai.frame_model": server.model, "openai.subtitle_model": server.model,
        target_language: "en", "display.dual": "true", "display.readings": "ja", "display.position": "bottom",
      });
      browser = await launchBrowser(kind, { site, dataDir, env: { GLOSSA_READING_DATA: readingData } });
      page = await openWatch(browser, VIDEO_JA);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await site?.close();
    });

    test("a word of a Japanese line clicked: its dictionary entry, reading and the note on it in this line", async () => {
      const { line } = await pauseAtAndWaitForLine(page, JA_CUES, 1.0, 60_000);
      assert.equal(await line.textContent(), EN.get(JA_LINE));
      /** What the lines and the gloss panel show (Firefox's locators read one element each). */
      const shown = () => page.evaluate(() => {
        const root = document.querySelector("[data-glossa='root']").shadowRoot;
        const texts = (sel) => [...root.querySelectorAll(sel)].map((n) => n.textContent);
        return {
          original: texts("[data-glossa='subtitle-original']"), words: texts("[data-glossa='subtitle-original'] [data-glossa='word']"),
          marked: texts("[data-glossa='word'][aria-current='true']"), ruby: texts("[data-glossa='subtitle-reading'] rt").join(""),
          state: root.querySelector("[data-glossa='word-gloss']")?.dataset.state, headwords: texts("[data-glossa='word-gloss-headword']"),
          readings: texts("[data-glossa='word-gloss-reading']"), senses: texts("[data-glossa='word-gloss-sense']"),
          credit: texts("[data-glossa='word-gloss-credit']"), note: texts("[data-glossa='word-gloss-note']"),
        };
      });
      const before = await shown();
      assert.deepEqual(before.original, [JA_LINE]);
      assert.equal(before.ruby, "きょうてんき", "furigana over 今日 and 天気");
      await page.locator(`${overlay} [data-glossa='subtitle-original'] [data-glossa='word'][data-word-index='${before.words.indexOf("天気")}']`).click();
      await page.locator("[data-glossa='word-gloss']").waitFor({ timeout: 15_000 });
      await page.waitForFunction(() => document.querySelector("[data-glossa='root']").shadowRoot
        .querySelector("[data-glossa='word-gloss']")?.dataset.state === "done", null, { timeout: 60_000 });
      const gloss = await shown();
      assert.deepEqual(gloss.marked, ["天気"], "the clicked word is marked");
      assert.equal(gloss.headwords[0], "天気");
      assert.equal(gloss.readings[0], "てんき");
      assert.ok(gloss.senses.some((sense) => /weather/.test(sense)), gloss.senses.join(" / "));
      assert.match(gloss.credit[0], /JMdict/);
      assert.deepEqual(gloss.note, [NOTES.get("天気")], "the model's note on the word in this line");
      // Only the panel and the lines, with a margin of the picture around them.
      const clip = await page.evaluate(() => {
        const root = document.querySelector("[data-glossa='root']").shadowRoot;
        const boxes = [root.querySelector("[data-glossa='word-gloss']"), ...root.querySelectorAll("[data-glossa='subtitle-overlay'] .line")]
          .map((el) => el.getBoundingClientRect());
        const player = document.querySelector("#movie_player").getBoundingClientRect();
        const margin = 24;
        const x = Math.max(player.left, Math.min(...boxes.map((r) => r.left)) - margin);
        const y = Math.max(player.top, Math.min(...boxes.map((r) => r.top)) - margin);
        const right = Math.min(player.right, Math.max(...boxes.map((r) => r.right)) + margin);
        const bottom = Math.min(player.bottom, Math.max(...boxes.map((r) => r.bottom)) + margin);
        return { x, y, width: right - x, height: bottom - y };
      });
      await page.screenshot({ path: picture("word-gloss.png"), clip });
      assert.deepEqual(server.stats.refused, []);
      assert.deepEqual(browser.dialogs, []);
    });
  });
}
