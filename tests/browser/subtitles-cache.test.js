// The browser and `glossa-host translate-subs` share the translation cache: the host reads
// the caption file the page fetched with the same reader as the CLI, so both give the
// same cue ids and text, hence the same cache entries. A json3 track translated by the
// CLI, then played in the browser with the same data dir, costs no provider call at all.
// Some lines span two lines with spaces around them, as caption files have: the browser
// used to read json3 itself and trim only the whole text, so those lines (and the lines
// after them, whose context they are) missed the CLI's entries. The provider is a fake
// Ollama (fake-ollama.js), which counts the calls and translates each line to a value the
// test can check.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { fakeTranslation, ollamaProviderSettings, startFakeOllama } from "./fake-ollama.js";
import {
  BROWSERS, browserName, OVERLAY as overlay, VIDEO_ONE, checkPrerequisites, hostBin, json3, launchBrowser, makeHostData, openWatch,
  pauseAtAndWaitForLine, startFakeYouTube,
} from "./harness.js";

const TARGET = "ja";
/** The track as the file has it. */
const TEXTS = [
  "Welcome aboard.", "  Mind the gap,  \n  please.  ", "The train leaves at nine.", "Tickets are sold\n   downstairs. ",
  "Next stop: Central.", "Doors are closing.",
];
const fileCues = TEXTS.map((text, i) => ({ id: String(i + 1), start: i * 2, end: i * 2 + 2, text }));
/** The cues as the host reads them: ids from 1, each line trimmed. */
const cues = fileCues.map((c) => ({ ...c, text: c.text.split("\n").map((l) => l.trim()).join("\n") }));

for (const kind of BROWSERS) {
  describe(`the CLI and the browser share the translation cache (${browserName(kind)})`, () => {
    let site, ollama, browser, dataDir, work;

    before(async () => {
      checkPrerequisites();
      site = await startFakeYouTube({ cues: { [VIDEO_ONE]: fileCues } });
      ollama = await startFakeOllama();
      dataDir = makeHostData({ ...ollamaProviderSettings(ollama, TARGET), "display.dual": "true" });
      work = fs.mkdtempSync(path.join(os.tmpdir(), "glossa-cache-share-"));
    });
    after(async () => {
      await browser?.close();
      await site?.close();
      await ollama?.close();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    test("a track translated by translate-subs plays in the browser with zero provider calls", async () => {
      // The very file the fake site's player fetches (the page's track is English: `lang=en`).
      const file = path.join(work, `${VIDEO_ONE}.json3`);
      fs.writeFileSync(file, JSON.stringify(json3(fileCues)));
      const out = path.join(work, `${VIDEO_ONE}.${TARGET}.vtt`);
      // Not execFileSync: the fake provider answers from this very process.
      await promisify(execFile)(hostBin, ["translate-subs", file, "--to", TARGET, "--from", "en", "-o", out], {
        env: { ...process.env, GLOSSA_DATA_DIR: dataDir },
      });
      const cliCalls = ollama.stats.chats;
      assert.ok(cliCalls > 0, "the CLI asked the provider");
      assert.ok(fs.readFileSync(out, "utf8").includes(fakeTranslation(TARGET, cues[0].text)), "the CLI wrote the translations");

      browser = await launchBrowser(kind, { site, dataDir });
      const page = await openWatch(browser, VIDEO_ONE);
      for (const cue of cues) {
        const { line } = await pauseAtAndWaitForLine(page, cues, cue.start + 0.5, 60_000);
        assert.equal(await line.textContent(), fakeTranslation(TARGET, cue.text), `line ${cue.id}, from the CLI's cache entries`);
        assert.equal(await page.locator(`${overlay} [data-glossa='subtitle-original']`).textContent(), cue.text);
      }
      await ollama.idle(1000);
      assert.equal(ollama.stats.chats, cliCalls, "the browser made no provider call");
    });
  });
}
