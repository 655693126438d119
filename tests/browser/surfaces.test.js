// Every surface a viewer uses, on the fake site taught each one's markup: /shorts/, an
// /embed/ player from youtube-nocookie.com in a third-party page's iframe, m.youtube.com,
// a live stream under /live/, theatre mode and real fullscreen, the 2025–26 split right
// controls, and the shortcut while the controls are hidden. The provider is the fake
// Ollama (fake-ollama.js) with a vision-capable model: frames and subtitle lines come back
// at once, and each line's translation is known by value.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fakeTranslation, ollamaProviderSettings, startFakeOllama } from "./fake-ollama.js";
import {
  BLOG_HOST, CUES, OVERLAY, VIDEO_CROSS_ORIGIN, VIDEO_DOM_CAPTIONS, VIDEO_ONE, checkPrerequisites, launchChromium, makeHostData, screenshotPath,
  startFakeYouTube, startXvfb,
} from "./harness.js";

const RESULT = "[data-glossa='frame-result']";
const BUTTON = "[data-glossa='translate-frame']";
const cues = CUES[VIDEO_ONE];

/** Open `url` in a new tab and wait until `videoSel` (in the frame `frameUrl`, if given) can show a frame. */
async function openSurface(browser, url, videoSel, frameUrl) {
  const page = await browser.context.newPage();
  page.on("dialog", (d) => { browser.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.goto(url);
  let target = page;
  if (frameUrl) {
    await page.waitForFunction(() => document.querySelector("iframe")?.contentWindow, null, { timeout: 30_000 });
    const deadline = Date.now() + 30_000;
    while (!(target = page.frames().find((f) => frameUrl.test(f.url())))) {
      if (Date.now() > deadline) throw new Error(`no frame ${frameUrl} in ${url}`);
      await page.waitForTimeout(100);
    }
  }
  await target.waitForFunction((sel) => document.querySelector(sel)?.readyState >= 2, videoSel, { timeout: 30_000 });
  return { page, target };
}

/** Wait until the frame-result panel in `target` settles; it must show a translation. */
async function panelDone(target) {
  const panel = target.locator(RESULT);
  await panel.waitFor({ timeout: 15_000 });
  await target.waitForFunction(
    (sel) => ["done", "error"].includes(document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector(sel)?.dataset.state),
    RESULT, { timeout: 60_000 },
  );
  assert.equal(await panel.getAttribute("data-state"), "done", await panel.locator("[data-glossa='frame-error']").textContent());
  assert.ok((await panel.locator("[data-glossa='frame-text']").textContent()).trim().length > 0, "the panel shows text");
}

/**
 * Where `sel` (inside Glossa's shadow root) is drawn against the video `videoSel`, and
 * whether it is the topmost thing at its centre (nothing of the player covers it).
 */
function placement(target, videoSel, sel) {
  return target.evaluate(([videoSel, sel]) => {
    const box = (r) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height });
    const host = document.querySelector("[data-glossa='root']");
    const el = host?.shadowRoot.querySelector(sel);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    // Subtitle lines let clicks through (pointer-events: none), which hit-testing skips:
    // made hit-testable for the look only.
    const events = el.style.pointerEvents;
    el.style.pointerEvents = "auto";
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    el.style.pointerEvents = events;
    return {
      video: box(document.querySelector(videoSel).getBoundingClientRect()), el: box(r), onTop: top === host,
      topmost: top && `${top.localName}#${top.id}.${[...top.classList].join(".")}`,
      fontSize: parseFloat(getComputedStyle(el).fontSize),
    };
  }, [videoSel, sel]);
}

/** `sel` is visible, not covered, and drawn inside the video's rectangle. */
async function assertInsideVideo(target, videoSel, sel, what) {
  const p = await placement(target, videoSel, sel);
  assert.ok(p, `${what} is there`);
  const { video: v, el: r } = p;
  assert.ok(r.width > 0 && r.height > 0, `${what} has a size: ${JSON.stringify(r)}`);
  assert.ok(r.left >= v.left - 0.5 && r.right <= v.right + 0.5 && r.top >= v.top - 0.5 && r.bottom <= v.bottom + 0.5,
    `${what} ${JSON.stringify(r)} lies inside the video ${JSON.stringify(v)}`);
  assert.ok(p.onTop, `${what} is not covered by anything (${p.topmost} is on top)`);
  return p;
}

/** Pause `videoSel` inside the cue `cue` and wait for the overlay's translated line. */
async function showsLine(target, videoSel, cue) {
  await target.evaluate(async ([sel, t]) => {
    const v = document.querySelector(sel);
    v.pause();
    const seeked = new Promise((r) => v.addEventListener("seeked", r, { once: true }));
    v.currentTime = t;
    await seeked;
  }, [videoSel, cue.start + 0.5]);
  const line = target.locator(`${OVERLAY} [data-glossa='subtitle-line'][data-cue-id='${cue.id}']`);
  await line.waitFor({ timeout: 30_000 });
  assert.equal(await line.textContent(), fakeTranslation("ja", cue.text));
  return line;
}

describe("every surface a viewer uses (Chromium)", () => {
  let site, ollama, xvfb, browser;

  before(async () => {
    checkPrerequisites();
    site = await startFakeYouTube();
    ollama = await startFakeOllama({ vision: true });
    // Headed on a private X server: the shortcut is pressed for real, and fullscreen is real.
    xvfb = await startXvfb();
    const dataDir = makeHostData({ ...ollamaProviderSettings(ollama), "display.position": "bottom" });
    browser = await launchChromium({ site, dataDir, display: xvfb.display });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await ollama?.close();
    xvfb?.close();
  });

  test("2025–26 player: the button sits in the right controls' right group, and translates", async () => {
    site.pageOptions.controls = "split";
    const { page } = await openSurface(browser, `https://www.youtube.com/watch?v=${VIDEO_ONE}`, "#movie_player video");
    site.pageOptions.controls = "flat";
    const button = page.locator(`.ytp-right-controls > .ytp-right-controls-right > ${BUTTON}:first-child`);
    await button.waitFor({ timeout: 15_000 });
    assert.equal(await page.locator(BUTTON).count(), 1, "one button");
    assert.equal(await page.locator(`.ytp-right-controls > ${BUTTON}`).count(), 0, "not beside the two groups");
    // Drawn in the control bar, next to the player's own buttons.
    const [b, bar, fs] = await Promise.all([BUTTON, ".ytp-chrome-bottom", ".ytp-fullscreen-button"].map((s) => page.locator(s).boundingBox()));
    assert.ok(b.width > 0 && b.x >= bar.x && b.x + b.width <= bar.x + bar.width && b.y >= bar.y - 1 && b.y + b.height <= bar.y + bar.height + 1,
      `the button ${JSON.stringify(b)} is in the control bar ${JSON.stringify(bar)}`);
    assert.ok(b.x < fs.x && Math.abs(b.y - fs.y) < 2, "left of the fullscreen button, on its row");
    await page.locator(".ytp-chrome-bottom").screenshot({ path: screenshotPath("surfaces-split-controls.png") });
    await page.click(BUTTON);
    await panelDone(page);
    await page.close();
  });

  test("the older flat layout still gets the button first in .ytp-right-controls", async () => {
    const { page } = await openSurface(browser, `https://www.youtube.com/watch?v=${VIDEO_ONE}`, "#movie_player video");
    await page.locator(`.ytp-right-controls > ${BUTTON}:first-child`).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator(BUTTON).count(), 1);
    await page.close();
  });

  test("theatre mode: the player moves and widens; the line follows its size and stays inside", async () => {
    const { page } = await openSurface(browser, `https://www.youtube.com/watch?v=${VIDEO_ONE}`, "#movie_player video");
    await showsLine(page, "#movie_player video", cues[1]);
    const before = await assertInsideVideo(page, "#movie_player video", `${OVERLAY} .line`, "the subtitle line");
    await page.click(".ytp-size-button");
    await page.waitForFunction(() => document.querySelector("ytd-watch-flexy[theater] #player-full-bleed-container #movie_player"));
    await page.waitForFunction(([sel, size]) => {
      const line = document.querySelector("[data-glossa='root']").shadowRoot.querySelector(sel);
      return parseFloat(getComputedStyle(line).fontSize) > size;
    }, [`${OVERLAY} .line`, before.fontSize], { timeout: 5_000 });
    await assertInsideVideo(page, "#movie_player video", `${OVERLAY} .line`, "the subtitle line in theatre mode");
    await page.click(BUTTON);
    await panelDone(page);
    await assertInsideVideo(page, "#movie_player video", RESULT, "the frame panel in theatre mode");
    await page.close();
  });

  test("fullscreen (the player's own button): panel and subtitle line visible, sized, inside the video", async () => {
    const { page } = await openSurface(browser, `https://www.youtube.com/watch?v=${VIDEO_ONE}`, "#movie_player video");
    await page.bringToFront();
    await showsLine(page, "#movie_player video", cues[2]);
    const before = await assertInsideVideo(page, "#movie_player video", `${OVERLAY} .line`, "the subtitle line");
    await page.click(".ytp-fullscreen-button"); // a user gesture: requestFullscreen() on the player
    await page.waitForFunction(() => document.fullscreenElement?.id === "movie_player", null, { timeout: 10_000 });
    // The line grows with the player, with no other event to redraw it.
    await page.waitForFunction(([sel, size]) => {
      const line = document.querySelector("[data-glossa='root']").shadowRoot.querySelector(sel);
      return parseFloat(getComputedStyle(line).fontSize) > size;
    }, [`${OVERLAY} .line`, before.fontSize], { timeout: 5_000 });
    await assertInsideVideo(page, "#movie_player video", `${OVERLAY} .line`, "the subtitle line in fullscreen");
    await page.click(BUTTON);
    await panelDone(page);
    await assertInsideVideo(page, "#movie_player video", RESULT, "the frame panel in fullscreen");
    assert.equal(await page.evaluate(() => document.fullscreenElement?.id), "movie_player", "still fullscreen");
    await page.screenshot({ path: screenshotPath("surfaces-fullscreen.png") });
    await page.evaluate(() => document.exitFullscreen());
    await page.close();
  });

  test("controls hidden while playing (ytp-autohide): the shortcut still translates the frame", async () => {
    site.pageOptions.autohideMs = 800;
    const { page } = await openSurface(browser, `https://www.youtube.com/watch?v=${VIDEO_ONE}`, "#movie_player video");
    site.pageOptions.autohideMs = 0;
    await page.bringToFront();
    await page.evaluate(() => document.querySelector("#movie_player video").play());
    await page.waitForFunction(() => document.querySelector("#movie_player").classList.contains("ytp-autohide"), null, { timeout: 10_000 });
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector(".ytp-chrome-bottom")).opacity), "0", "the control bar is hidden");
    xvfb.key("Fake YouTube", "alt+t");
    await panelDone(page);
    await assertInsideVideo(page, "#movie_player video", RESULT, "the frame panel");
    await page.close();
  });

  test("/shorts/: no controls, so no button; the shortcut translates the Short's frame, and its subtitles show", async () => {
    const video = "#shorts-player video";
    const { page } = await openSurface(browser, `https://www.youtube.com/shorts/${VIDEO_ONE}`, video);
    await page.bringToFront();
    const line = await showsLine(page, video, cues[3]);
    assert.ok(await line.isVisible());
    // The Short's own caption is there, hidden while Glossa's line takes its place.
    assert.equal(await page.locator("#shorts-player .ytp-caption-segment").textContent(), cues[3].text);
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector("#shorts-player .ytp-caption-window-container")).visibility), "hidden");
    await assertInsideVideo(page, video, `${OVERLAY} .line`, "the subtitle line");
    // Glossa's layer is in the Shorts player, not in the hidden watch page's player.
    assert.equal(await page.locator("#shorts-player > [data-glossa='root']").count(), 1);
    assert.equal(await page.locator("#movie_player [data-glossa]").count(), 0);
    assert.equal(await page.locator(BUTTON).count(), 0, "no button where the player shows no controls");
    xvfb.key("Fake YouTube", "alt+t");
    await panelDone(page);
    await assertInsideVideo(page, video, RESULT, "the frame panel");
    await page.close();
  });

  test("a youtube-nocookie.com embed in a third-party page: button, frame translation and subtitles in the iframe", async () => {
    const video = "#movie_player video";
    const { page, target } = await openSurface(browser, `https://${BLOG_HOST}/`, video, /^https:\/\/www\.youtube-nocookie\.com\/embed\//);
    await target.locator(`.ytp-right-controls > ${BUTTON}`).waitFor({ timeout: 15_000 });
    await showsLine(target, video, cues[4]);
    await assertInsideVideo(target, video, `${OVERLAY} .line`, "the subtitle line");
    await target.click(BUTTON);
    await panelDone(target);
    await assertInsideVideo(target, video, RESULT, "the frame panel");
    await page.screenshot({ path: screenshotPath("surfaces-embed.png") });
    // Fullscreen from inside the iframe (allowfullscreen): the embedded player fills the screen.
    await page.bringToFront();
    await target.click(".ytp-fullscreen-button");
    await target.waitForFunction(() => document.fullscreenElement?.id === "movie_player", null, { timeout: 10_000 });
    await page.waitForFunction(() => document.fullscreenElement?.id === "embed", null, { timeout: 10_000 });
    await target.waitForFunction((sel) => document.querySelector(sel).getBoundingClientRect().height > 360, video);
    await assertInsideVideo(target, video, `${OVERLAY} .line`, "the subtitle line in fullscreen");
    await target.click(BUTTON); // the click on the fullscreen button closed the panel
    await panelDone(target);
    await assertInsideVideo(target, video, RESULT, "the frame panel in fullscreen");
    await target.evaluate(() => document.exitFullscreen());
    await page.close();
  });

  test("an embed whose picture cannot be read: Alt+T says so instead of sending a wrong crop of the tab", async () => {
    // A frame cannot tell where it sits in the other site's page, so a screenshot of the
    // tab cannot be cropped to its picture.
    const video = "#movie_player video";
    const { page, target } = await openSurface(browser, `https://${BLOG_HOST}/?v=${VIDEO_CROSS_ORIGIN}`, video, /^https:\/\/www\.youtube-nocookie\.com\/embed\//);
    await target.locator(BUTTON).waitFor({ timeout: 15_000 });
    const requestsBefore = ollama.stats.chats;
    await page.bringToFront();
    xvfb.key("A travel blog", "alt+t");
    const panel = target.locator(`${RESULT}[data-state='error']`);
    await panel.waitFor({ timeout: 30_000 });
    assert.match(await panel.locator("[data-glossa='error-message']").textContent(), /could not be captured: tainted/);
    assert.match(await panel.locator("[data-glossa='error-hint']").textContent(), /Open the video on YouTube/);
    assert.equal(ollama.stats.chats, requestsBefore, "no picture went to the provider");
    await page.close();
  });

  test("www.youtube.com/embed/ opened on its own gets the button too", async () => {
    const { page } = await openSurface(browser, `https://www.youtube.com/embed/${VIDEO_ONE}`, "#movie_player video");
    await page.locator(`.ytp-right-controls > ${BUTTON}`).waitFor({ timeout: 15_000 });
    await page.close();
  });

  test("m.youtube.com: the button in the player's top controls, frame translation and subtitles above its control overlay", async () => {
    const video = "#movie_player video";
    const { page } = await openSurface(browser, `https://m.youtube.com/watch?v=${VIDEO_ONE}`, video);
    const button = page.locator(`#player-control-overlay .player-controls-top > ${BUTTON}`);
    await button.waitFor({ timeout: 15_000 });
    await showsLine(page, video, cues[5]);
    await assertInsideVideo(page, video, `${OVERLAY} .line`, "the subtitle line");
    // An ad plays in the same <video>: YouTube marks its html5 player, and no line shows.
    const adShowing = (on) => page.evaluate((on) => {
      document.querySelector("#movie_player").classList.toggle("ad-showing", on);
      document.querySelector("#movie_player video").dispatchEvent(new Event("timeupdate"));
    }, on);
    await adShowing(true);
    await page.locator(`${OVERLAY} [data-glossa='subtitle-line']`).waitFor({ state: "detached", timeout: 5_000 });
    await adShowing(false);
    await page.locator(`${OVERLAY} [data-glossa='subtitle-line'][data-cue-id='${cues[5].id}']`).waitFor({ timeout: 5_000 });
    await button.click();
    await panelDone(page);
    await assertInsideVideo(page, video, RESULT, "the frame panel");
    // Its fullscreen button makes the container (player and controls) fullscreen.
    await page.bringToFront();
    await page.click(".player-controls-bottom .fullscreen-icon");
    await page.waitForFunction(() => document.fullscreenElement?.id === "player-container-id", null, { timeout: 10_000 });
    await assertInsideVideo(page, video, `${OVERLAY} .line`, "the subtitle line in fullscreen");
    await button.click(); // the click on the fullscreen button closed the panel
    await panelDone(page);
    await assertInsideVideo(page, video, RESULT, "the frame panel in fullscreen");
    await page.evaluate(() => document.exitFullscreen());
    await page.close();
  });

  test("a live stream under /live/ID is recognised: its caption-DOM lines are translated", async () => {
    const { page } = await openSurface(browser, `https://www.youtube.com/live/${VIDEO_DOM_CAPTIONS}`, "#movie_player video");
    await page.locator(BUTTON).waitFor({ timeout: 15_000 });
    await page.evaluate(() => document.querySelector("#movie_player video").play());
    const line = page.locator(`${OVERLAY} [data-glossa='subtitle-line']`).first();
    await line.waitFor({ timeout: 30_000 });
    // The caption-DOM path decides how lines are grouped; each comes back translated.
    const text = await line.textContent();
    assert.match(text, /^【ja】/);
    assert.ok(CUES[VIDEO_DOM_CAPTIONS].some((c) => text.includes(c.text)), `a live caption, translated: ${text}`);
    await page.close();
  });

  test("nothing from the page or the model ran as script", () => {
    assert.deepEqual(browser.dialogs, []);
  });
});
