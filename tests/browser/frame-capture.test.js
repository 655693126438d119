// What a frame translation actually captures and what the user gets from the panel: the
// copy button, a dragged region (only that region reaches the provider), and the DRM
// fallback for a picture the page reads as black. The provider is a real llama-server
// (tiny vision pair: its text is noise) behind a pass-through proxy that keeps every request
// body, so the test sees the picture the host sent.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  BROWSERS, browserName, llamaCpuSkip, VIDEO_BLACK, checkPrerequisites, launchBrowser, makeHostData, openWatch, openaiProviderSettings, startFakeYouTube,
  startLlamaServer, startXvfb,
} from "./harness.js";
import { greyGrid, jpegSize, startRecordingProxy } from "./recording-proxy.js";

const result = "[data-glossa='frame-result']";
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Wait until the panel is done or failed; returns its data-state. */
async function panelSettles(page) {
  await page.locator(result).waitFor({ timeout: 15_000 });
  await page.waitForFunction(
    (sel) => ["done", "error"].includes(document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector(sel)?.dataset.state),
    result, { timeout: 180_000 },
  );
  return page.locator(result).getAttribute("data-state");
}

async function assertDone(page) {
  const state = await panelSettles(page);
  const panel = page.locator(result);
  assert.equal(state, "done", `the panel shows an error instead of a translation: ${await panel.locator("[data-glossa='frame-error']").textContent()}`);
  // The tiny random model's answer is noise: held to the frame schema it is often an empty
  // list, which the panel reports as "no text to translate" — either way the user reads a result.
  assert.ok((await panel.locator("[data-glossa='frame-text']").textContent()).trim().length > 0, "the panel shows the answer, or that there was no text");
}

/** Where the picture is drawn in the <video> (object-fit: contain), in CSS pixels. */
function pictureRect(page) {
  return page.evaluate(() => {
    const v = document.querySelector("#movie_player video");
    const r = v.getBoundingClientRect();
    const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    const width = v.videoWidth * scale, height = v.videoHeight * scale;
    return { left: r.left + (r.width - width) / 2, top: r.top + (r.height - height) / 2, width, height, scale,
      videoWidth: v.videoWidth, videoHeight: v.videoHeight, dpr: devicePixelRatio };
  });
}

for (const kind of BROWSERS) {
  describe(`frame capture: copy, region, DRM fallback (${browserName(kind)})`, { skip: llamaCpuSkip }, () => {
    let site, xvfb, llama, proxy, browser, page;

    before(async () => {
      checkPrerequisites();
      site = await startFakeYouTube();
      // Headed on a private X server: the DRM tests press the shortcut for real (it grants activeTab).
      xvfb = await startXvfb();
      llama = await startLlamaServer();
      proxy = await startRecordingProxy(llama.url);
      // Only frame pictures here: the keyframe that goes with subtitle lines to a model that
      // reads images is subtitles-keyframe.test.js's.
      const dataDir = makeHostData({
        ...openaiProviderSettings({ url: proxy.url, model: llama.model }), "timeouts.first_token_secs": 600, "subtitles.video_context": "false",
      });
      browser = await launchBrowser(kind, { site, dataDir, display: xvfb.display });
      await browser.grantClipboard(new URL(browser.siteUrl("/")).origin);
      page = await openWatch(browser);
    });
    after(async () => {
      await browser?.close();
      await proxy?.close();
      llama?.close();
      await site?.close();
      xvfb?.close();
    });

    test("the whole frame reaches the provider at the video's own size", async () => {
      const before = proxy.images().length;
      await page.click("[data-glossa='translate-frame']");
      await assertDone(page);
      const images = proxy.images();
      assert.equal(images.length, before + 1, "one picture was sent");
      const pic = await pictureRect(page);
      assert.deepEqual(jpegSize(images.at(-1).bytes), { width: pic.videoWidth, height: pic.videoHeight });
    });

    test("Copy puts the panel's translation on the clipboard and says Copied", async () => {
      await page.evaluate(() => navigator.clipboard.writeText("something else"));
      const panel = page.locator(result);
      const copy = panel.locator("[data-glossa='copy-result']");
      assert.equal(await copy.textContent(), "Copy");
      await copy.click();
      await page.waitForFunction(
        () => document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='copy-result']").textContent === "Copied",
        null, { timeout: 10_000 },
      );
      const shown = await panel.locator("[data-glossa='frame-text']").textContent();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shown);
      // Copying is not a click outside: the panel stays open.
      assert.equal(await panel.count(), 1);
      await page.keyboard.press("Escape");
      await panel.waitFor({ state: "detached" });
    });

    test("a dragged region: only that part of the picture reaches the provider", async () => {
      const before = proxy.images().length;
      await page.evaluate(() => document.querySelector("video").pause());
      await page.click("[data-glossa='translate-frame']", { modifiers: ["Shift"] });
      const sheet = page.locator("[data-glossa='region-select']");
      await sheet.waitFor();
      const pic = await pictureRect(page);
      // An off-centre rectangle well inside the picture, on whole CSS pixels.
      const from = { x: Math.round(pic.left + pic.width * 0.1), y: Math.round(pic.top + pic.height * 0.3) };
      const to = { x: Math.round(pic.left + pic.width * 0.55), y: Math.round(pic.top + pic.height * 0.7) };
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 5 });
      await page.mouse.up();
      await sheet.waitFor({ state: "detached" });
      await assertDone(page);
      const images = proxy.images();
      assert.equal(images.length, before + 1, "one picture was sent");
      const got = jpegSize(images.at(-1).bytes);
      // The region is cut from the video's own pixels (CSS px / displayed scale), not from
      // a screenshot, so devicePixelRatio does not enter.
      const want = { width: (to.x - from.x) / pic.scale, height: (to.y - from.y) / pic.scale };
      assert.ok(Math.abs(got.width - want.width) <= 1 && Math.abs(got.height - want.height) <= 1,
        `sent ${got.width}x${got.height}, the region is ${want.width.toFixed(1)}x${want.height.toFixed(1)} video pixels (whole frame ${pic.videoWidth}x${pic.videoHeight})`);
      await page.keyboard.press("Escape");
      await page.locator(result).waitFor({ state: "detached" });
    });

    describe("a picture the page reads as black (DRM)", () => {
      let before;

      test("the button cannot screenshot the tab: it says why and points to the shortcut", async () => {
        await page.close();
        page = await openWatch(browser, VIDEO_BLACK);
        before = proxy.images().length;
        await page.click("[data-glossa='translate-frame']");
        assert.equal(await panelSettles(page), "error");
        const panel = page.locator(result);
        assert.match(await panel.locator("[data-glossa='error-message']").textContent(), /could not be captured: black/);
        assert.match(await panel.locator("[data-glossa='error-hint']").textContent(), new RegExp(`DRM.*${escapeRegExp(browser.frameShortcut.label)}`));
        assert.equal(proxy.images().length, before, "nothing was sent to the provider");
        await page.keyboard.press("Escape");
        await panel.waitFor({ state: "detached" });
      });

      test("the shortcut (Alt+T) sends what the screen shows, cropped to the picture, with overlays hidden", async () => {
        // DRM: the page's canvas gets black while the screen shows the picture. Simulated by
        // a black video shown through a CSS filter (drawImage ignores CSS), so the screen
        // shows white where the canvas reads black.
        await page.evaluate(() => { document.querySelector("#movie_player video").style.filter = "invert(1)"; });
        await page.bringToFront();
        xvfb.key("Fake YouTube", browser.frameShortcut.keys);
        await assertDone(page);
        const images = proxy.images();
        assert.equal(images.length, before + 1, "one picture was sent");
        const pic = await pictureRect(page);
        const got = jpegSize(images.at(-1).bytes);
        const want = { width: pic.width * pic.dpr, height: pic.height * pic.dpr };
        assert.ok(Math.abs(got.width - want.width) <= 2 && Math.abs(got.height - want.height) <= 2,
          `sent ${got.width}x${got.height}, the picture on screen is ${want.width}x${want.height} device pixels`);
        // White everywhere: the screen's pixels, not the canvas' black, and neither Glossa's
        // own panel (open while the picture is taken) nor the player's dark gradient under
        // its controls.
        const grid = greyGrid(images.at(-1).bytes);
        assert.ok(Math.min(...grid) > 200, `a dark area in the sent picture: ${grid.join(",")}`);
        await page.keyboard.press("Escape");
        await page.locator(result).waitFor({ state: "detached" });
      });

      test("the shortcut three times in a row: the last press still gets its screenshot", async () => {
        // Chromium allows two tab screenshots a second; the third waits its turn instead of
        // failing with MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND. Each press replaces the panel.
        await page.bringToFront();
        xvfb.key("Fake YouTube", Array(3).fill(browser.frameShortcut.keys));
        await assertDone(page);
        const grid = greyGrid(proxy.images().at(-1).bytes);
        assert.ok(Math.min(...grid) > 200, "the picture sent is the screen's");
        await page.keyboard.press("Escape");
        await page.locator(result).waitFor({ state: "detached" });
      });

      test("black on screen too: the user is told there is nothing to read, and nothing is sent", async () => {
        await page.evaluate(() => { document.querySelector("#movie_player video").style.filter = ""; });
        const sent = proxy.images().length;
        await page.bringToFront();
        xvfb.key("Fake YouTube", browser.frameShortcut.keys);
        assert.equal(await panelSettles(page), "error");
        const panel = page.locator(result);
        assert.match(await panel.locator("[data-glossa='error-message']").textContent(), /picture is black, even in a screenshot/);
        assert.match(await panel.locator("[data-glossa='error-hint']").textContent(), /DRM/);
        assert.equal(proxy.images().length, sent, "nothing was sent to the provider");
        await page.keyboard.press("Escape");
      });
    });
  });
}
