// Study cards (issue #17): on the fake watch page the learner saves the subtitle line
// shown (the ☆ on the line, by mouse and by keyboard); the host keeps it with a small
// picture of the frame; the options page's "Export study cards" downloads the file Anki
// imports, whose columns and link back to the video at that second are checked here.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fakeTranslation, ollamaProviderSettings, startFakeOllama } from "./fake-ollama.js";
import {
  CUES, EXTENSION_ID, VIDEO_ONE, checkPrerequisites, launchChromium, makeHostData, openWatch, pauseAtAndWaitForLine, startFakeYouTube,
} from "./harness.js";

const TARGET = "ja";
const COLUMNS = ["Word", "Reading", "Meaning", "Sentence", "Translation", "Picture", "Link"];

describe("study cards (Chromium)", () => {
  let site, ollama, browser, page, dataDir;

  before(async () => {
    checkPrerequisites();
    site = await startFakeYouTube();
    ollama = await startFakeOllama();
    dataDir = makeHostData({ ...ollamaProviderSettings(ollama, TARGET), "display.dual": "true" });
    browser = await launchChromium({ site, dataDir });
    page = await openWatch(browser, VIDEO_ONE);
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await ollama?.close();
  });

  test("the line shown is saved with its translation and a picture; the export is the TSV Anki imports", async () => {
    const cues = CUES[VIDEO_ONE];
    // Cue 2 by mouse.
    const { cue, line } = await pauseAtAndWaitForLine(page, cues, 3.2, 60_000);
    const translation = fakeTranslation(TARGET, cue.text);
    assert.equal(await line.textContent(), translation, "the save button adds no text to the line");
    const save = line.locator("[data-glossa='study-save']");
    assert.equal(await save.getAttribute("aria-label"), "Save this line as a study card");
    await save.hover();
    await save.click();
    const saved = page.locator("[data-glossa='study-saved']");
    await saved.waitFor({ timeout: 15_000 });
    assert.equal(await saved.textContent(), "Saved to your study cards");
    assert.equal(await save.getAttribute("data-state"), "saved");
    assert.ok(await page.evaluate(() => document.querySelector("video").paused), "the click did not reach the player");

    // Cue 6 by keyboard: the button takes the focus and Enter saves.
    const { cue: cue6, line: line6 } = await pauseAtAndWaitForLine(page, cues, 10.5, 60_000);
    await line6.locator("[data-glossa='study-save']").focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction((id) => document.querySelector("[data-glossa='root']").shadowRoot
      .querySelector(`[data-glossa='subtitle-line'][data-cue-id='${id}'] [data-glossa='study-save']`)?.dataset.state === "saved", cue6.id,
    { timeout: 15_000 });
    assert.ok(await page.evaluate(() => document.querySelector("video").paused), "Enter on the button is not the player's shortcut");

    const options = await browser.context.newPage();
    await options.goto(`chrome-extension://${EXTENSION_ID}/options/options.html`);
    const exportButton = options.locator("[data-glossa='study-export']");
    await exportButton.waitFor({ state: "visible", timeout: 30_000 });
    assert.equal(await exportButton.textContent(), "Export study cards");
    const [download] = await Promise.all([options.waitForEvent("download"), exportButton.click()]);
    assert.equal(download.suggestedFilename(), "glossa-study-cards.txt");
    const tsv = fs.readFileSync(await download.path(), "utf8");
    const rows = tsv.split("\n").filter(Boolean);
    assert.deepEqual(rows.slice(0, 3), ["#separator:tab", "#html:true", `#columns:${COLUMNS.join("\t")}`]);
    assert.equal(rows.length, 5, tsv);
    const cards = rows.slice(3).map((r) => Object.fromEntries(r.split("\t").map((v, i) => [COLUMNS[i], v])));
    for (const [card, c] of [[cards[0], cue], [cards[1], cue6]]) {
      assert.equal(Object.keys(card).length, COLUMNS.length);
      const html = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
      assert.equal(card.Sentence, html(c.text));
      assert.equal(card.Word, card.Sentence, "a line card's first field is its line");
      assert.equal(card.Translation, html(fakeTranslation(TARGET, c.text)));
      const link = `https://www.youtube.com/watch?v=${VIDEO_ONE}&amp;t=${Math.floor(c.start)}s`;
      assert.equal(card.Link, `<a href="${link}">${link}</a>`, "the link goes back to the video at the line's second");
      const picture = card.Picture.match(/^<img src="(glossa-[\w-]+\.jpg)">$/);
      assert.ok(picture, card.Picture);
      const status = await options.locator("[data-glossa='study-export-status']").textContent();
      const dir = path.join(dataDir, "study-pictures");
      assert.ok(status.includes(dir) && status.includes("collection.media"), status);
      const bytes = fs.readFileSync(path.join(dir, picture[1]));
      assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], "a JPEG");
      assert.ok(bytes.length < 100_000, `a small picture (${bytes.length} bytes)`);
    }
    await options.close();
  });
});
