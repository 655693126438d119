// The frame panel shows a model's answer as text and Copy gives exactly what it shows, in
// both browsers. A model may emit stray control characters (the tiny test models do):
// they are no text, and Firefox's clipboard would drop a NUL and turn a lone CR into a
// newline, so the panel leaves them out. The provider is the scripted server, answering
// the frame with such an answer.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  BROWSERS, browserName, checkPrerequisites, launchBrowser, makeHostData, openWatch, openaiProviderSettings, startFakeYouTube,
} from "./harness.js";
import { startScriptedOpenAI } from "./scripted-openai.js";

const result = "[data-glossa='frame-result']";
const REPLY = "午前9時\u0000開店 - B出口\r\n\u0007出口はB\u001b\u007f";
const SHOWN = "午前9時開店 - B出口\n出口はB";

for (const kind of BROWSERS) {
  describe(`frame panel: shown and copied text (${browserName(kind)})`, () => {
    let site, server, browser, page;

    before(async () => {
      checkPrerequisites();
      site = await startFakeYouTube();
      server = await startScriptedOpenAI({ frameReply: REPLY });
      browser = await launchBrowser(kind, { site, dataDir: makeHostData(openaiProviderSettings(server)) });
      await browser.grantClipboard(new URL(browser.siteUrl("/")).origin);
      page = await openWatch(browser);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await site?.close();
    });

    test("control characters in the answer are not shown", async () => {
      await page.click("[data-glossa='translate-frame']");
      await page.locator(`${result}[data-state='done']`).waitFor({ timeout: 60_000 });
      assert.equal(await page.locator(`${result} [data-glossa='frame-text']`).textContent(), SHOWN);
    });

    test("Copy puts exactly the shown text on the clipboard", async () => {
      await page.evaluate(() => navigator.clipboard.writeText("something else"));
      await page.click(`${result} [data-glossa='copy-result']`);
      await page.waitForFunction(
        () => document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='copy-result']").textContent === "Copied",
        null, { timeout: 10_000 },
      );
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), SHOWN);
      assert.deepEqual(server.stats.refused, []);
    });
  });
}
