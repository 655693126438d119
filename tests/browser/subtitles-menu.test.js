// Glossa's subtitle menu in the player, with a provider paid per token (a fake Anthropic
// API, fake-anthropic.js): the track is translated only a window ahead of a paused viewer;
// the menu shows the tokens used and an estimate for the rest; "Translate whole video"
// translates every line; "Download translated subtitles" saves SRT and VTT files with
// every translated line at its own times.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, test } from "node:test";
import { anthropicProviderSettings, startFakeAnthropic } from "./fake-anthropic.js";
import { fakeTranslation } from "./fake-ollama.js";
import {
  OVERLAY as overlay, VIDEO_ONE, checkPrerequisites, launchChromium, makeHostData, openWatch, pauseAtAndWaitForLine,
  startFakeYouTube,
} from "./harness.js";

const TARGET = "ja";
/** Ten minutes of lines, 5 s each: far more than a paused viewer's window. */
const cues = Array.from({ length: 120 }, (_, i) => ({
  id: String(i + 1), start: i * 5, end: i * 5 + 4, text: `Line ${i + 1} of the long announcement.`,
}));
const MENU = "[data-glossa='subtitles-menu']";

function timestamp(secs, sep) {
  const ms = Math.round(secs * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${sep}${pad(ms % 1000, 3)}`;
}

/** Every cue in `file`, translated, at its own times. */
function assertEveryLine(file, sep) {
  for (const c of cues) {
    const block = `${timestamp(c.start, sep)} --> ${timestamp(c.end, sep)}\n${fakeTranslation(TARGET, c.text)}\n`;
    assert.ok(file.includes(block), `cue ${c.id} is not in the file as\n${block}`);
  }
}

describe("the subtitle menu (Chromium)", () => {
  let site, anthropic, browser, page;

  before(async () => {
    checkPrerequisites();
    site = await startFakeYouTube({ cues: { [VIDEO_ONE]: cues } });
    anthropic = await startFakeAnthropic();
    const dataDir = makeHostData({ ...anthropicProviderSettings(anthropic, TARGET), "display.dual": "true" });
    browser = await launchChromium({ site, dataDir });
    page = await openWatch(browser, VIDEO_ONE);
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await anthropic?.close();
  });

  test("a paused viewer's window is translated, not the whole track", async () => {
    const { cue, line } = await pauseAtAndWaitForLine(page, cues, 1.0, 60_000);
    assert.equal(await line.textContent(), fakeTranslation(TARGET, cue.text));
    await new Promise((r) => setTimeout(r, 1500)); // time to run ahead, if it would
    assert.ok(anthropic.stats.linesTranslated < cues.length / 2, `${anthropic.stats.linesTranslated} of ${cues.length} lines asked for`);
  });

  test("the menu shows the tokens used and an estimate for the rest", async () => {
    await page.locator(MENU).click();
    const tokens = page.locator("[data-glossa='subtitles-tokens']");
    await tokens.waitFor();
    const text = await tokens.textContent();
    const [used, lines, rest] = (text.match(/[\d,]+/g) || []).map((n) => Number(n.replace(/,/g, "")));
    assert.match(text, /^Tokens used for this video: [\d,]+\. The rest \([\d,]+ lines\): about [\d,]+ more\.$/);
    assert.equal(used, anthropic.stats.inputTokens + anthropic.stats.outputTokens, "what the provider counted");
    assert.ok(rest > used, `the rest (${rest}) is most of the track, more than the window cost (${used})`);
    assert.equal(lines, cues.length - anthropic.stats.linesTranslated);
    // The answer was asked for as a forced tool call (its input streamed as input_json_delta).
    assert.equal(anthropic.stats.toolCalls, anthropic.stats.messages, "every batch answered through the tool");
    // Glossa's instructions are shorter than the model's cacheable minimum: nothing is read
    // from the prompt cache, and the menu says nothing about it.
    assert.equal(anthropic.stats.cacheReadTokens, 0);
    const cacheRead = page.locator("[data-glossa='subtitles-tokens-cache-read']");
    assert.equal(await cacheRead.isVisible(), false);
    assert.equal(await cacheRead.textContent(), "");
  });

  test("'Translate whole video' translates every line", async () => {
    await page.locator("[data-glossa='subtitles-translate-whole']").click();
    const tokens = page.locator("[data-glossa='subtitles-tokens']");
    await page.waitForFunction(
      () => /The rest \(0 lines\)/.test(document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='subtitles-tokens']")?.textContent || ""),
      null, { timeout: 60_000 },
    );
    assert.ok(anthropic.stats.linesTranslated >= cues.length, `${anthropic.stats.linesTranslated} lines asked for`);
    assert.match(await tokens.textContent(), /about 0 more/);
  });

  test("'Download translated subtitles' saves SRT and VTT with every line at its times", async () => {
    if (!(await page.locator("[data-glossa='subtitles-download-srt']").isVisible())) await page.locator(MENU).click();
    const [srt] = await Promise.all([page.waitForEvent("download"), page.locator("[data-glossa='subtitles-download-srt']").click()]);
    assert.match(srt.suggestedFilename(), /\.srt$/);
    const srtText = fs.readFileSync(await srt.path(), "utf8");
    assert.match(srtText, /^1\n00:00:00,000 --> 00:00:04,000\n/);
    assertEveryLine(srtText, ",");
    const [vtt] = await Promise.all([page.waitForEvent("download"), page.locator("[data-glossa='subtitles-download-vtt']").click()]);
    assert.match(vtt.suggestedFilename(), /\.vtt$/);
    const vttText = fs.readFileSync(await vtt.path(), "utf8");
    assert.match(vttText, /^WEBVTT\n/);
    assertEveryLine(vttText, ".");
    assert.equal(await page.locator(`${overlay} [data-glossa='subtitle-notice']`).count(), 0, "no error shown");
  });
});
