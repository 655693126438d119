// The subtitle overlay's fallback: when there is no caption file (here a live video, whose
// captions come with the stream), Glossa translates the captions the player renders in its
// DOM (.ytp-caption-segment), line by line as they appear. Real host, SmolLM2 on a real llama-server (its "translation" barely
// changes a line: the test asserts which line shows when, not the words).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  BROWSERS, browserName, llamaCpuSkip, CUES, OVERLAY as overlay, VIDEO_DOM_CAPTIONS, checkPrerequisites, pauseAt as pauseVideoAt, startSubtitleSession,
} from "./harness.js";

const cues = CUES[VIDEO_DOM_CAPTIONS];
const lineSel = `${overlay} [data-glossa='subtitle-line']`;
const TOGGLE = "#movie_player [data-glossa='subtitles-toggle']";

/** Pause at `t`; the player re-renders its captions on timeupdate. */
async function pauseAt(page, t) {
  await pauseVideoAt(page, t);
  await page.evaluate(() => document.querySelector("video").dispatchEvent(new Event("timeupdate")));
}

/** What the player's captions and Glossa's overlay show at one moment. */
function sample(page) {
  return page.evaluate(() => {
    const box = document.querySelector("[data-glossa='root']")?.shadowRoot.querySelector("[data-glossa='subtitle-overlay']");
    const line = box && box.querySelector("[data-glossa='subtitle-line']");
    const original = box && box.querySelector("[data-glossa='subtitle-original']");
    return {
      t: document.querySelector("video").currentTime,
      player: [...document.querySelectorAll("#movie_player .ytp-caption-segment")].map((s) => s.textContent).join(" ").trim(),
      line: line ? { id: line.dataset.cueId, text: line.textContent } : null,
      original: original ? original.textContent : null,
    };
  });
}

const nativeCaptionsVisibility = (page) =>
  page.evaluate(() => getComputedStyle(document.querySelector(".ytp-caption-window-container")).visibility);

for (const kind of BROWSERS) {
  describe(`subtitle overlay from the player's caption DOM (${browserName(kind)})`, { skip: llamaCpuSkip }, () => {
    let session, site, llama, page;

    before(async () => {
      checkPrerequisites();
      session = await startSubtitleSession(VIDEO_DOM_CAPTIONS, kind);
      ({ site, llama, page } = session);
    });
    after(() => session?.close());

    test("there is no caption file: nothing asks for one", async () => {
      const mine = (u) => u.includes(`v=${VIDEO_DOM_CAPTIONS}`);
      await new Promise((r) => setTimeout(r, 2000)); // the player's first requests are long done
      assert.deepEqual(site.log.timedtext.filter(mine), [], "no caption file was served for the live video");
      assert.deepEqual(site.log.rejected, [], "nothing asked for one either");
    });

    test("the caption the player shows gets its translated line, also after seeks", async () => {
      for (const t of [1.0, 9.0, 5.0]) {
        const cue = cues.find((c) => c.start <= t && t < c.end);
        await pauseAt(page, t);
        assert.equal((await sample(page)).player, cue.text, "the player shows its caption");
        // The line read from the DOM (cue id "dom"), with the player's text as its original.
        const line = page.locator(`${lineSel}[data-cue-id='dom']`);
        await line.waitFor({ timeout: 300_000 });
        await page.waitForFunction(
          (want) => document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='subtitle-original']")?.textContent === want,
          cue.text, { timeout: 300_000 },
        );
        const s = await sample(page);
        assert.equal(s.original, cue.text, `at ${t}s`);
        assert.ok(s.line.text.trim().length > 0, "the translated line has text");
        assert.equal(await nativeCaptionsVisibility(page), "hidden", "Glossa's line replaces the player's");
      }
    });

    test("between two captions the player shows none, and neither does Glossa", async () => {
      await pauseAt(page, 1.0);
      await page.locator(lineSel).waitFor({ timeout: 300_000 });
      await pauseAt(page, 3.0); // cue 0 ends at 2.5 s, cue 1 starts at 4 s
      assert.equal((await sample(page)).player, "");
      await page.locator(lineSel).waitFor({ state: "detached", timeout: 5_000 });
      assert.equal(await nativeCaptionsVisibility(page), "visible", "the player's captions are not left hidden");
    });

    test("while playing, a line shown is always the translation of the caption the player shows", async () => {
      // Lines 0–2 were translated above (the host's cache answers them at once); from 0 s to
      // 12 s the player shows three captions and two gaps.
      await pauseAt(page, 0);
      await page.evaluate(() => document.querySelector("video").play());
      let shown = 0, gaps = 0;
      const ids = new Set();
      for (let s = await sample(page); s.t < 11.5; s = await sample(page)) {
        if (s.line) {
          assert.equal(s.original, s.player, `at ${s.t.toFixed(2)}s Glossa shows the line of "${s.original}", the player "${s.player}"`);
          shown++;
          ids.add(s.original);
        }
        if (!s.player) gaps++;
        await page.waitForTimeout(100);
      }
      await page.evaluate(() => document.querySelector("video").pause());
      assert.ok(ids.size >= 2, `lines of at least two captions showed while playing (${[...ids].join(" | ")})`);
      assert.ok(shown > 10 && gaps > 0, `${shown} samples with a line, ${gaps} in gaps`);
    });

    test("turned on while paused on a caption: that caption is translated, with nothing else changing", async () => {
      const toggle = page.locator(TOGGLE);
      const cue = cues.find((c) => c.start <= 9.0 && 9.0 < c.end);
      await toggle.click();
      assert.equal(await toggle.getAttribute("aria-pressed"), "false");
      await pauseAt(page, 9.0); // the player draws its caption while Glossa is off
      assert.equal((await sample(page)).player, cue.text, "the player shows its caption");
      await toggle.click();
      assert.equal(await toggle.getAttribute("aria-pressed"), "true");
      // The caption stays as it is (paused): Glossa reads what is on screen when it starts.
      await page.waitForFunction(
        (want) => document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='subtitle-original']")?.textContent === want,
        cue.text, { timeout: 60_000 },
      );
      assert.equal((await sample(page)).player, cue.text, "the player's caption did not change meanwhile");
    });

    test("the provider goes away: the overlay says why instead of showing nothing", async () => {
      llama.close();
      const cue = cues[4]; // never shown so far: not in the host's cache
      await pauseAt(page, cue.start + 0.5);
      assert.equal((await sample(page)).player, cue.text);
      const notice = page.locator(`${overlay} [data-glossa='subtitle-notice']`);
      await notice.waitFor({ timeout: 120_000 });
      assert.match(await notice.textContent(), /unavailable: Cannot connect to .*127\.0\.0\.1/);
      assert.equal(await page.locator(lineSel).count(), 0, "no line without a translation");
    });
  });
}
