// The subtitle overlay with the real host reading and translating the whole track (SmolLM2
// on a real llama-server): the right line at the right time, after a seek, a rate change
// and an in-page navigation (to a video whose player fetches srv3 instead of json3), never
// a line from the previous video, and caption text that looks like HTML stays text.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  BROWSERS, browserName, llamaCpuSkip, CUES, OVERLAY as overlay, VIDEO_ONE, VIDEO_TWO, XSS_TEXT, checkPrerequisites, pauseAtAndWaitForLine, screenshotPath,
  startSubtitleSession,
} from "./harness.js";

/** Pause at `time`, then wait until the overlay shows the line of the cue covering it. */
async function showsCueAt(page, videoId, time) {
  const { cue, line } = await pauseAtAndWaitForLine(page, CUES[videoId], time, 300_000);
  const text = await line.textContent();
  assert.ok(text.trim().length > 0, "the translated line has text");
  // Dual lines are on: the original under it is exactly the cue's text.
  assert.equal(await page.locator(`${overlay} [data-glossa='subtitle-original']`).textContent(), cue.text);
  return { cue, text };
}

for (const kind of BROWSERS) {
  describe(`subtitle overlay (${browserName(kind)})`, { skip: llamaCpuSkip }, () => {
    let session, site, browser, page;

    before(async () => {
      checkPrerequisites();
      session = await startSubtitleSession(VIDEO_ONE, kind);
      ({ site, browser, page } = session);
    });
    after(() => session?.close());

    test("the player's own signed caption URL is the one used (pot token kept)", async () => {
      // The player fetches captions only once Glossa has it load them (no click): wait for that.
      for (let i = 0; i < 100 && !site.log.timedtext.some((u) => u.includes(`v=${VIDEO_ONE}`)); i++) await page.waitForTimeout(100);
      assert.ok(site.log.timedtext.some((u) => u.includes(`v=${VIDEO_ONE}`) && u.includes("pot=")), "the player fetched its captions");
      assert.deepEqual(site.log.rejected, [], "nothing requested an unsigned caption URL");
    });

    test("shows the translated line of the cue under the playhead", async () => {
      await showsCueAt(page, VIDEO_ONE, 1.0);
      // Glossa's line replaces the player's captions while it shows.
      assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector(".ytp-caption-window-container")).visibility), "hidden");
      await page.locator("#movie_player").screenshot({ path: screenshotPath(`${kind}-subtitle-overlay-smollm2.png`) });
    });

    test("caption text that looks like HTML is shown literally and runs nothing", async () => {
      const { cue } = await showsCueAt(page, VIDEO_ONE, 7.0);
      assert.equal(cue.text, XSS_TEXT);
      assert.equal(await page.evaluate(() => document.querySelector("[data-glossa='root']").shadowRoot.querySelectorAll("img").length), 0);
      assert.deepEqual(browser.dialogs, []);
    });

    test("follows a seek", async () => {
      await showsCueAt(page, VIDEO_ONE, 21.0);
      await showsCueAt(page, VIDEO_ONE, 3.0);
    });

    test("hides during an ad and comes back after it", async () => {
      await showsCueAt(page, VIDEO_ONE, 5.0);
      const line = page.locator(`${overlay} [data-glossa='subtitle-line']`);
      await page.evaluate(() => { document.querySelector("#movie_player").classList.add("ad-showing"); document.querySelector("video").dispatchEvent(new Event("timeupdate")); });
      await line.waitFor({ state: "detached" });
      // The player's own captions are not left hidden while Glossa shows nothing.
      assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector(".ytp-caption-window-container")).visibility), "visible");
      await page.evaluate(() => { document.querySelector("#movie_player").classList.remove("ad-showing"); document.querySelector("video").dispatchEvent(new Event("timeupdate")); });
      await line.waitFor();
    });

    test("stays in sync at 2x playback", async () => {
      await showsCueAt(page, VIDEO_ONE, 9.0); // make sure the lines ahead are being translated
      await page.evaluate(() => { const v = document.querySelector("video"); v.playbackRate = 2; return v.play(); });
      // Sample while playing: every line shown belongs to the cue under the playhead.
      let checked = 0;
      for (let i = 0; i < 12; i++) {
        const s = await page.evaluate(() => {
          const v = document.querySelector("video");
          const line = document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='subtitle-line']");
          return { t: v.currentTime, id: line && line.dataset.cueId, rate: v.playbackRate };
        });
        assert.equal(s.rate, 2);
        if (s.id !== null && s.id !== undefined) {
          const cue = CUES[VIDEO_ONE].find((c) => c.id === s.id);
          // One animation frame of slack on each side of the cue.
          assert.ok(cue.start - 0.1 <= s.t && s.t < cue.end + 0.1, `line ${s.id} shown at ${s.t}s`);
          checked++;
        }
        await page.waitForTimeout(250);
      }
      assert.ok(checked > 0, "lines showed while playing at 2x");
      await page.evaluate(() => document.querySelector("video").pause());
    });

    test("in-page navigation to another video: its lines, never the previous video's", async () => {
      // Record every original line shown from now on.
      await page.evaluate(() => {
        window.__shown = [];
        const root = document.querySelector("[data-glossa='root']").shadowRoot;
        new MutationObserver(() => {
          for (const o of root.querySelectorAll("[data-glossa='subtitle-original']")) window.__shown.push(o.textContent);
        }).observe(root, { subtree: true, childList: true, characterData: true });
      });
      await page.click("#next-video");
      await page.waitForFunction((v) => location.search.includes(v) && document.querySelector("video").readyState >= 2, VIDEO_TWO);
      await showsCueAt(page, VIDEO_TWO, 5.0);
      const shown = await page.evaluate(() => window.__shown);
      const previous = new Set(CUES[VIDEO_ONE].map((c) => c.text));
      assert.deepEqual(shown.filter((s) => previous.has(s)), [], "no line of the previous video after navigating");
    });

    test("a srv3 track is read as the player fetched it: no second request for another format", async () => {
      const mine = site.log.timedtext.filter((u) => u.includes(`v=${VIDEO_TWO}`));
      assert.equal(mine.length, 1, `one caption request for ${VIDEO_TWO}: ${mine.join(", ")}`);
      assert.ok(mine[0].includes("fmt=srv3"), mine[0]);
    });

    test("screenshot of a line the model translated", async () => {
      for (const cue of CUES[VIDEO_TWO]) {
        await showsCueAt(page, VIDEO_TWO, cue.start + 0.5);
        const untranslated = await page.locator(`${overlay} [data-glossa='subtitle-line']`).getAttribute("data-untranslated");
        if (!untranslated) {
          await page.locator("#movie_player").screenshot({ path: screenshotPath(`${kind}-subtitle-overlay-smollm2.png`) });
          return;
        }
      }
    });
  });
}
