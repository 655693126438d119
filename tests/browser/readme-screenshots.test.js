// The README's pictures: what a user sees with a working model. The provider is a scripted
// OpenAI-compatible server (scripted-openai.js) that answers real Japanese translations of
// the test video's captions and of the text burned into its picture; everything else is
// real (the extension, glossa-host, the fake watch page). Each picture is taken only after
// the test has checked that it shows the expected translation.
//
// Chromium writes button.png, subtitle-overlay.png, frame-result.png and options.png,
// Firefox the same names prefixed with firefox- (into tests/out; tests/browser/screenshots
// keeps the copies the README shows).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  BROWSERS, CUES, FRAME_TEXT, OVERLAY as overlay, VIDEO_ONE, browserName, checkPrerequisites, launchBrowser, makeHostData,
  openWatch, openaiProviderSettings, pauseAtAndWaitForLine, screenshotPath, startFakeYouTube,
} from "./harness.js";
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
