// The browser and `glossa-host translate-subs` share the translation cache: the host reads
// the caption file the page fetched with the same reader as the CLI, so both give the
// same cue ids and text, hence the same cache entries. A json3 track translated by the
// CLI, then played in Chromium with the same data dir, costs no provider call at all.
// The provider is a fake Ollama (fake-ollama.js), which counts the calls and translates
// each line to a value the test can check.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fakeTranslation, ollamaProviderSettings, startFakeOllama } from "./fake-ollama.js";
import {
  CUES, OVERLAY as overlay, VIDEO_ONE, checkPrerequisites, hostBin, json3, launchChromium, makeHostData, openWatch,
  pauseAtAndWaitForLine, startFakeYouTube,
} from "./harness.js";

const TARGET = "ja";
const cues = CUES[VIDEO_ONE];

describe("the CLI and the browser share the translation cache (Chromium)", () => {
  let site, ollama, browser, dataDir, work;

  before(async () => {
    checkPrerequisites();
    site = await startFakeYouTube();
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
    fs.writeFileSync(file, JSON.stringify(json3(cues)));
    const out = path.join(work, `${VIDEO_ONE}.${TARGET}.vtt`);
    execFileSync(hostBin, ["translate-subs", file, "--to", TARGET, "--from", "en", "-o", out], {
      env: { ...process.env, GLOSSA_DATA_DIR: dataDir }, stdio: ["ignore", "ignore", "pipe"],
    });
    const cliCalls = ollama.stats.chats;
    assert.ok(cliCalls > 0, "the CLI asked the provider");
    assert.ok(fs.readFileSync(out, "utf8").includes(fakeTranslation(TARGET, cues[0].text)), "the CLI wrote the translations");

    browser = await launchChromium({ site, dataDir });
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
