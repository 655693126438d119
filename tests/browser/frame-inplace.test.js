// Frame items in place: the model answers JSON items with regions, and the viewer sees each
// translation drawn over the paused picture where its text is (on the picture as displayed:
// letterboxed inside the <video>, again after the player is resized and in fullscreen), the original on
// hover, and every item — with or without a region — in the panel's list, original beside
// translation. A model that ignores the format still gets its text shown. The provider is
// the scripted OpenAI-compatible server. Prints the capture and click-to-first-token times.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  VIDEO_1080, checkPrerequisites, launchChromium, makeHostData, openWatch, openaiProviderSettings, screenshotPath, startFakeYouTube,
} from "./harness.js";
import { jpegSize } from "./recording-proxy.js";
import { startScriptedOpenAI } from "./scripted-openai.js";

const result = "[data-glossa='frame-result']";
const ITEMS = [
  { original: "OPEN 9AM", translation: "午前9時開店", box: [0.22, 0.44, 0.34, 0.12] },
  { original: "EXIT B", translation: "B出口", box: [0.6, 0.44, 0.18, 0.12] },
  { original: "Subscribe", translation: "チャンネル登録", box: null },
];
/** Capture + encode of one frame, the goal at 1080p (issue #15). */
const CAPTURE_GOAL_MS = 25;

/** Where the picture is drawn inside the <video> (object-fit: contain), in viewport px. */
const pictureRect = (page) => page.evaluate(() => {
  const v = document.querySelector("video"), r = v.getBoundingClientRect();
  const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
  const width = v.videoWidth * scale, height = v.videoHeight * scale;
  return { left: r.left + (r.width - width) / 2, top: r.top + (r.height - height) / 2, width, height };
});

/** The drawn labels: text shown, tooltip and place (viewport px). */
const labels = (page) => page.evaluate(() =>
  [...document.querySelector("[data-glossa='root']").shadowRoot.querySelectorAll("[data-glossa='frame-inplace']")].map((n) => {
    const r = n.getBoundingClientRect();
    return { shown: n.innerText, title: n.getAttribute("title"), left: r.left, top: r.top, width: r.width, height: r.height,
      fits: n.scrollWidth <= n.clientWidth + 1 && n.scrollHeight <= n.clientHeight + 1 };
  }));

function assertPlaced(drawn, pic) {
  const boxed = ITEMS.filter((i) => i.box);
  assert.equal(drawn.length, boxed.length, "one label per item with a region");
  boxed.forEach((item, k) => {
    const [x, y, w, h] = item.box;
    const want = { left: pic.left + x * pic.width, top: pic.top + y * pic.height, width: w * pic.width, height: h * pic.height };
    for (const key of Object.keys(want)) {
      assert.ok(Math.abs(drawn[k][key] - want[key]) < 1.5, `${item.original}: ${key} ${drawn[k][key]} ≠ ${want[key]}`);
    }
    assert.equal(drawn[k].shown, item.translation);
    assert.equal(drawn[k].title, item.original);
    assert.ok(drawn[k].fits, `${item.translation} fits its box`);
  });
}

describe("frame items drawn in place (Chromium)", () => {
  let site, server, browser, page;
  const figures = [];

  before(async () => {
    checkPrerequisites();
    site = await startFakeYouTube();
    server = await startScriptedOpenAI({ frameItems: ITEMS });
    browser = await launchChromium({ site, dataDir: makeHostData(openaiProviderSettings(server)), viewport: { width: 1000, height: 800 } });
    page = await openWatch(browser);
    // A player taller than the picture: the video is letterboxed (bars above and below).
    await page.evaluate(() => { document.querySelector("#movie_player").style.height = "720px"; });
  });
  after(async () => {
    for (const line of figures) console.log(`  ${line}`);
    await browser?.close();
    await server?.close();
    await site?.close();
  });

  test("items stream one by one into the list, each translation with its original", async () => {
    await page.click("[data-glossa='translate-frame']");
    // The first item is listed while the answer is still streaming.
    await page.waitForFunction((sel) => {
      const panel = document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector(sel);
      return panel && panel.querySelectorAll("[data-glossa='frame-item']").length >= 1 && panel.dataset.state === "streaming";
    }, result, { timeout: 60_000, polling: "raf" });
    await page.locator(`${result}[data-state='done']`).waitFor({ timeout: 60_000 });
    const rows = page.locator(`${result} [data-glossa='frame-item']`);
    assert.equal(await rows.count(), ITEMS.length);
    for (const [k, item] of ITEMS.entries()) {
      assert.equal(await rows.nth(k).locator("[data-glossa='frame-translation']").textContent(), item.translation);
      assert.equal(await rows.nth(k).locator("[data-glossa='frame-original']").textContent(), item.original);
    }
    const panel = page.locator(result);
    figures.push(`click → first item: ${await panel.getAttribute("data-first-token-ms")} ms (scripted server)`);
    figures.push(`capture + encode, ${await page.evaluate(() => `${document.querySelector("video").videoWidth}x${document.querySelector("video").videoHeight}`)}: ` +
      `${await panel.getAttribute("data-capture-ms")} ms (goal at 1080p ≤ ${CAPTURE_GOAL_MS} ms)`);
    // The prompt had the video's title as context.
    assert.match(JSON.stringify(server.stats.frameRequests.at(-1).messages), /titled \\"Fake YouTube watch page\\"/);
    assert.deepEqual(server.stats.refused, []);
  });

  test("items with a region are drawn over the letterboxed picture, fitted, the original on hover", async () => {
    const pic = await pictureRect(page);
    assert.ok(pic.top > 50, "the picture is letterboxed");
    assertPlaced(await labels(page), pic);
    await page.locator("#movie_player").screenshot({ path: screenshotPath("frame-inplace.png") });
    await page.hover("[data-glossa='root'] >> [data-glossa='frame-inplace'] >> nth=0");
    await page.waitForFunction(() =>
      document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='frame-inplace']").innerText === "OPEN 9AM");
  });

  test("the labels follow the picture when the player is resized (pillarboxed now)", async () => {
    await page.mouse.move(0, 0);
    await page.evaluate(() => Object.assign(document.querySelector("#movie_player").style, { width: "900px", height: "400px" }));
    const pic = await pictureRect(page);
    assert.ok(pic.left > 100, "the picture is pillarboxed");
    await page.waitForFunction((want) => {
      const n = document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='frame-inplace']");
      return n && Math.abs(n.getBoundingClientRect().left - want) < 1.5;
    }, pic.left + ITEMS[0].box[0] * pic.width, { timeout: 5_000 });
    assertPlaced(await labels(page), pic);
  });

  test("in fullscreen the labels move with the picture, and back", async () => {
    // The page's own fullscreen button, as a viewer presses it (fullscreen needs a real click).
    await page.evaluate(() => {
      document.querySelector(".ytp-fullscreen-button").addEventListener("click", (e) => {
        e.stopPropagation();
        document.querySelector("#movie_player").requestFullscreen();
      }, { once: true });
    });
    await page.click(".ytp-fullscreen-button");
    await page.waitForFunction(() => document.fullscreenElement?.id === "movie_player");
    const followed = async () => {
      const pic = await pictureRect(page);
      await page.waitForFunction((want) => {
        const n = document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='frame-inplace']");
        return n && Math.abs(n.getBoundingClientRect().left - want.left) < 1.5 && Math.abs(n.getBoundingClientRect().top - want.top) < 1.5;
      }, { left: pic.left + ITEMS[0].box[0] * pic.width, top: pic.top + ITEMS[0].box[1] * pic.height }, { timeout: 5_000 });
      assertPlaced(await labels(page), pic);
      return pic;
    };
    const full = await followed();
    assert.ok(full.width > 950, `the picture fills the screen's width: ${full.width}`);
    await page.evaluate(() => document.exitFullscreen());
    await page.waitForFunction(() => !document.fullscreenElement);
    assert.ok((await followed()).width < 950);
  });

  test("closing the panel takes the labels away", async () => {
    await page.keyboard.press("Escape");
    await page.locator(result).waitFor({ state: "detached" });
    assert.equal((await labels(page)).length, 0);
  });

  test("a 1080p frame: captured and encoded (time printed), sent to the model at its own size", async () => {
    server.setFrameItems(ITEMS);
    await page.close();
    page = await openWatch(browser, VIDEO_1080);
    await page.click("[data-glossa='translate-frame']");
    await page.locator(`${result}[data-state='done']`).waitFor({ timeout: 60_000 });
    const panel = page.locator(result);
    // OpenAI's vision guide: the short side to 768 px; more would be scaled down by the API.
    // The page captured it at that size (the host said so), not at 1080p.
    const url = server.stats.frameRequests.at(-1).messages.at(-1).content.find((p) => p.type === "image_url").image_url.url;
    const sent = jpegSize(Buffer.from(url.split(",")[1], "base64"));
    assert.deepEqual(sent, { width: 1365, height: 768 });
    assert.equal(await panel.getAttribute("data-capture-size"), "1365x768", "captured at the model's size");
    figures.push(`capture + encode, 1920x1080 source drawn at the model's ${sent.width}x${sent.height}: ` +
      `${await panel.getAttribute("data-capture-ms")} ms (goal ≤ ${CAPTURE_GOAL_MS} ms)`);
    figures.push(`click → first item at 1080p: ${await panel.getAttribute("data-first-token-ms")} ms (scripted server)`);
    assert.equal(await page.locator(`${result} [data-glossa='frame-item']`).count(), ITEMS.length);
    await page.keyboard.press("Escape");
  });

  test("a model that ignores the format: its text is shown as it wrote it, nothing drawn", async () => {
    server.setFrameItems(null);
    await page.evaluate(() => document.querySelector("video").pause());
    await page.click("[data-glossa='translate-frame']");
    await page.locator(`${result}[data-state='done']`).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator(`${result} [data-glossa='frame-text']`).textContent(), "午前9時開店 - B出口");
    assert.equal(await page.locator(`${result} [data-glossa='frame-item']`).count(), 0);
    assert.equal((await labels(page)).length, 0);
    assert.deepEqual(server.stats.refused, []);
  });

  test("a picture with nothing to translate: the panel says so, nothing drawn", async () => {
    server.setFrameItems([]);
    await page.evaluate(() => document.querySelector("video").pause());
    await page.click("[data-glossa='translate-frame']");
    await page.locator(`${result}[data-state='done']`).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator(`${result} [data-glossa='frame-empty']`).textContent(), "No text to translate in this picture.");
    assert.equal(await page.locator(`${result} [data-glossa='frame-item']`).count(), 0);
    assert.equal((await labels(page)).length, 0);
  });
});
