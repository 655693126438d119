// Firefox (Debian firefox-esr) loads the same build and completes a frame translation
// through the native host.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  llamaCpuSkip, VIDEO_ONE, checkPrerequisites, launchFirefox, makeHostData, openaiProviderSettings, screenshotPath,
  startFakeYouTube, startLlamaServer,
} from "./harness.js";

describe("Firefox", { skip: llamaCpuSkip }, () => {
  let site, llama, firefox;

  before(async () => {
    checkPrerequisites();
    site = await startFakeYouTube();
    llama = await startLlamaServer();
    firefox = await launchFirefox({ dataDir: makeHostData(openaiProviderSettings(llama)) });
  });
  after(async () => {
    await firefox?.close();
    await site?.close();
    llama?.close();
  });

  test("installs under its gecko id", () => {
    assert.equal(firefox.addonId, "glossa@glossa.dev");
  });

  test("translate-frame streams the host's answer into the panel", async () => {
    const page = await firefox.newPage();
    await page.goto(`https://www.youtube.com:${site.port}/watch?v=${VIDEO_ONE}`);
    await page.waitForFunction(() => document.querySelector("video").readyState >= 2, { timeout: 30_000 });
    const button = await page.waitForSelector(".ytp-right-controls [data-glossa='translate-frame']", { timeout: 30_000 });
    await button.click();
    await page.waitForFunction(() => {
      const p = document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector("[data-glossa='frame-result']");
      return p && ["done", "error"].includes(p.dataset.state);
    }, { timeout: 120_000 });
    const panel = await page.evaluate(() => {
      const p = document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='frame-result']");
      return {
        state: p.dataset.state,
        text: p.querySelector("[data-glossa='frame-text']").textContent,
        error: p.querySelector("[data-glossa='frame-error']").textContent,
      };
    });
    assert.equal(panel.state, "done", `the panel shows an error: ${panel.error}`);
    assert.ok(panel.text.trim().length > 0, "the streamed text is shown");
    await page.screenshot({ path: screenshotPath("firefox-frame-result-llama.png") });
    assert.deepEqual(firefox.dialogs, []);
  });
});
