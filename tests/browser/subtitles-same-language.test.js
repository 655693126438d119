// A caption track already in the viewer's target language is shown as it is, with no
// provider call: an English video (`lang=en`) and a British English one (`lang=en-GB`,
// srv3) watched with target `en`. A German video in the same session is translated, so
// the fake provider (fake-ollama.js, which counts the calls) is known to be reachable.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fakeTranslation, ollamaProviderSettings, startFakeOllama } from "./fake-ollama.js";
import {
  BROWSERS, browserName, CUES, VIDEO_ONE, VIDEO_TWO, checkPrerequisites, launchBrowser, makeHostData, openWatch, pauseAtAndWaitForLine,
  startFakeYouTube,
} from "./harness.js";

const TARGET = "en";
/** A German track, played on VIDEO_ONE's file. */
const VIDEO_GERMAN = "glossaDeu01";
const cues = {
  ...CUES,
  [VIDEO_GERMAN]: ["Willkommen am Bahnhof.", "Der Zug fährt um neun.", "Bitte Vorsicht an der Bahnsteigkante."].map((text, i) => ({
    id: String(i + 1), start: i * 2, end: i * 2 + 2, text,
  })),
};

/** Pause on each of `videoId`'s first cues and check the line the overlay shows. */
async function showsLines(page, videoId, expected) {
  for (const cue of cues[videoId].slice(0, 5)) {
    const { line } = await pauseAtAndWaitForLine(page, cues[videoId], cue.start + 0.5, 60_000);
    assert.equal(await line.textContent(), expected(cue), `${videoId} line ${cue.id}`);
    assert.equal(await line.getAttribute("data-untranslated"), null, `${videoId} line ${cue.id} is not marked untranslated`);
  }
}

for (const kind of BROWSERS) {
  describe(`a track already in the target language (${browserName(kind)})`, () => {
    let site, ollama, browser, page;

    before(async () => {
      checkPrerequisites();
      site = await startFakeYouTube({ cues, media: { [VIDEO_GERMAN]: VIDEO_ONE }, languages: { [VIDEO_TWO]: "en-GB", [VIDEO_GERMAN]: "de" } });
      ollama = await startFakeOllama();
      const dataDir = makeHostData({ ...ollamaProviderSettings(ollama, TARGET), "display.position": "bottom" });
      browser = await launchBrowser(kind, { site, dataDir });
      page = await openWatch(browser, VIDEO_ONE);
    });
    after(async () => {
      await browser?.close();
      await site?.close();
      await ollama?.close();
    });

    test("an English track with target `en`: each line as it is, and no provider call", async () => {
      await showsLines(page, VIDEO_ONE, (cue) => cue.text);
      // Asked after the lines show: the player fetches captions only once Glossa has it load them.
      assert.ok(site.log.timedtext.some((u) => u.includes(`v=${VIDEO_ONE}`) && u.includes("lang=en&")), "the player fetched an English track");
      await ollama.idle(1000);
      assert.equal(ollama.stats.chats, 0, "no provider call");
    });

    test("in sync while playing at 2x", async () => {
      await page.evaluate(() => { const v = document.querySelector("video"); v.currentTime = 10; v.playbackRate = 2; return v.play(); });
      let checked = 0;
      for (let i = 0; i < 12; i++) {
        const s = await page.evaluate(() => {
          const v = document.querySelector("video");
          const line = document.querySelector("[data-glossa='root']").shadowRoot.querySelector("[data-glossa='subtitle-line']");
          return { t: v.currentTime, id: line && line.dataset.cueId, text: line && line.textContent };
        });
        if (s.id) {
          const cue = cues[VIDEO_ONE].find((c) => c.id === s.id);
          // One animation frame of slack on each side of the cue.
          assert.ok(cue.start - 0.1 <= s.t && s.t < cue.end + 0.1, `line ${s.id} shown at ${s.t}s`);
          assert.equal(s.text, cue.text);
          checked++;
        }
        await page.waitForTimeout(250);
      }
      assert.ok(checked > 0, "lines showed while playing");
      await page.evaluate(() => document.querySelector("video").pause());
      assert.equal(ollama.stats.chats, 0, "no provider call");
    });

    test("a British English track (`en-GB`, srv3) after in-page navigation: as it is, no provider call", async () => {
      await page.click("#next-video");
      await page.waitForFunction((v) => location.search.includes(v) && document.querySelector("video").readyState >= 2, VIDEO_TWO);
      await showsLines(page, VIDEO_TWO, (cue) => cue.text);
      assert.ok(site.log.timedtext.some((u) => u.includes(`v=${VIDEO_TWO}`) && u.includes("lang=en-GB&")));
      await ollama.idle(1000);
      assert.equal(ollama.stats.chats, 0, "no provider call");
    });

    test("a German track is still translated (the provider is there and counted)", async () => {
      const german = await openWatch(browser, VIDEO_GERMAN);
      await showsLines(german, VIDEO_GERMAN, (cue) => fakeTranslation(TARGET, cue.text));
      assert.ok(ollama.stats.chats > 0, "the German track went to the provider");
      await german.close();
    });
  });
}
