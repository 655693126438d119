// Translate-this-frame, as a user does it: the button in the player's control bar and the
// Alt+T shortcut, with the real glossa-host behind the extension.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  llamaCpuSkip, VIDEO_CROSS_ORIGIN, checkPrerequisites, launchChromium, localProviderSettings, makeHostData, openWatch, screenshotPath, startFakeYouTube,
  startXvfb,
} from "./harness.js";

const result = "[data-glossa='frame-result']";

/** Press Alt+T as a person would; the panel must finish with translated text. Closes it after. */
async function shortcutTranslates(page, xvfb) {
  await page.bringToFront();
  xvfb.key("Fake YouTube", "alt+t");
  const panel = page.locator(result);
  await panel.waitFor({ timeout: 15_000 });
  await page.waitForFunction(
    (sel) => ["done", "error"].includes(document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector(sel)?.dataset.state),
    result, { timeout: 120_000 },
  );
  assert.equal(await panel.getAttribute("data-state"), "done", await panel.locator("[data-glossa='frame-error']").textContent());
  assert.ok((await panel.locator("[data-glossa='frame-text']").textContent()).trim().length > 0);
  await page.keyboard.press("Escape");
}

describe("translate this frame (Chromium)", { skip: llamaCpuSkip }, () => {
  let site, browser, page, xvfb;

  before(async () => {
    checkPrerequisites();
    site = await startFakeYouTube();
    // Headed on a private X server: the shortcut test presses real keys.
    xvfb = await startXvfb();
    // The built-in local backend (llama.cpp in the host) with a tiny vision model pair.
    browser = await launchChromium({ site, dataDir: makeHostData(localProviderSettings()), display: xvfb.display });
    page = await openWatch(browser);
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    xvfb?.close();
  });

  test("the button sits in the player's right controls, styled like the player's own", async () => {
    const button = page.locator(".ytp-right-controls [data-glossa='translate-frame']");
    await button.waitFor({ timeout: 15_000 });
    assert.match(await button.getAttribute("class"), /\bytp-button\b/);
    assert.match(await button.getAttribute("title"), /Alt\+T/);
    await page.locator(".ytp-chrome-bottom").screenshot({ path: screenshotPath("frame-test-button.png") });
  });

  test("clicking it streams the host's translation into the result panel", async () => {
    await page.evaluate(() => document.querySelector("video").play());
    await page.click("[data-glossa='translate-frame']");
    const panel = page.locator(result);
    await panel.waitFor();
    // Spinner until the first token, then text; the request ends with done.
    await page.waitForFunction(
      (sel) => ["done", "error"].includes(document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector(sel)?.dataset.state),
      result, { timeout: 120_000 },
    );
    const state = await panel.getAttribute("data-state");
    const error = await panel.locator("[data-glossa='frame-error']").textContent();
    assert.equal(state, "done", `the panel shows an error instead of a translation: ${error}`);
    const text = await panel.locator("[data-glossa='frame-text']").textContent();
    assert.ok(text.trim().length > 0, "the panel shows the streamed text");
    assert.equal(await panel.locator("[data-glossa='frame-spinner']").isVisible(), false);
    await page.locator("#movie_player").screenshot({ path: screenshotPath("frame-result-local-model.png") });
    // display.pause_on_frame is on by default: the video waits while the panel is open.
    assert.equal(await page.evaluate(() => document.querySelector("video").paused), true);
  });

  test("Esc closes the panel and playback resumes", async () => {
    await page.keyboard.press("Escape");
    await page.locator(result).waitFor({ state: "detached" });
    await page.waitForFunction(() => !document.querySelector("video").paused);
  });

  test("Shift+click lets the user drag a region and translates it", async () => {
    await page.click("[data-glossa='translate-frame']", { modifiers: ["Shift"] });
    const sheet = page.locator("[data-glossa='region-select']");
    await sheet.waitFor();
    const box = await page.locator("#movie_player video").boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.4);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.6, { steps: 5 });
    await page.mouse.up();
    await sheet.waitFor({ state: "detached" });
    const panel = page.locator(result);
    await page.waitForFunction(
      (sel) => ["done", "error"].includes(document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector(sel)?.dataset.state),
      result, { timeout: 120_000 },
    );
    assert.equal(await panel.getAttribute("data-state"), "done", await panel.locator("[data-glossa='frame-error']").textContent());
    assert.ok((await panel.locator("[data-glossa='frame-text']").textContent()).trim().length > 0);
    // A click outside the panel closes it.
    await page.mouse.click(box.x + 20, box.y + box.height - 80);
    await panel.waitFor({ state: "detached" });
  });

  test("Alt+T does the same as the button", async () => {
    await shortcutTranslates(page, xvfb);
  });

  test("a cross-origin (tainted) video: the click explains why, Alt+T captures the tab instead", async () => {
    // A new tab: the earlier Alt+T granted activeTab to the first one.
    await page.close();
    page = await openWatch(browser, VIDEO_CROSS_ORIGIN);
    await page.click("[data-glossa='translate-frame']");
    const panel = page.locator(result);
    await page.locator(`${result}[data-state='error']`).waitFor({ timeout: 30_000 });
    assert.match(await panel.locator("[data-glossa='error-message']").textContent(), /could not be captured: tainted/);
    assert.match(await panel.locator("[data-glossa='error-hint']").textContent(), /Alt\+T/);
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    // The shortcut grants activeTab, so the background may screenshot the tab.
    await shortcutTranslates(page, xvfb);
  });

  test("the page itself cannot reach the extension (no externally_connectable)", async () => {
    assert.equal(await page.evaluate(() => typeof (window.chrome && chrome.runtime && chrome.runtime.connect)), "undefined");
  });

  test("nothing from the page or the model ran as script", () => {
    assert.deepEqual(browser.dialogs, []);
  });
});
