// glossa-host dies in the middle of a subtitle track: the overlay says what happened, and
// the next action (a seek) starts a new host that finishes the job.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  llamaCpuSkip, CUES, VIDEO_ONE, checkPrerequisites, hostPids, launchChromium, makeHostData, openWatch, openaiProviderSettings,
  startFakeYouTube, startLlamaServer,
} from "./harness.js";

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return false; } };

describe("glossa-host killed mid-translation (Chromium)", { skip: llamaCpuSkip }, () => {
  let site, browser, page, llama, dataDir;

  before(async () => {
    checkPrerequisites();
    site = await startFakeYouTube();
    // The tiny random model: its answers are noise (lines come back marked untranslated),
    // but it is fast, so the restart is measured, not the model.
    llama = await startLlamaServer({ model: "tiny-text.gguf", mmproj: null, predict: 300 });
    dataDir = makeHostData({ ...openaiProviderSettings(llama), "display.dual": "true" });
    browser = await launchChromium({ site, dataDir });
    page = await openWatch(browser, VIDEO_ONE);
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    llama?.close();
  });

  test("the overlay says the host stopped, and a seek brings the lines back", async () => {
    // The track request is running (the host was started for it). The host starts at load
    // for the settings, before the player fetches the track Glossa had it load: wait for that
    // caption file, and a moment for its request to reach the host.
    const deadline = Date.now() + 60_000;
    while (hostPids(dataDir).length === 0 || !site.log.timedtext.some((u) => u.includes(`v=${VIDEO_ONE}`))) {
      assert.ok(Date.now() < deadline, "the extension started glossa-host for the caption track");
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    const [pid] = hostPids(dataDir);
    process.kill(pid, "SIGKILL");
    const notice = page.locator("[data-glossa='subtitle-overlay'] [data-glossa='subtitle-notice']");
    await notice.waitFor({ timeout: 30_000 });
    assert.match(await notice.textContent(), /glossa-host stopped/);
    assert.match(await notice.textContent(), /glossa-host doctor/);

    // The viewer seeks: a new host starts and the line under the playhead appears.
    await page.evaluate(async () => {
      const v = document.querySelector("video");
      v.pause();
      v.currentTime = 3;
      await new Promise((r) => v.addEventListener("seeked", r, { once: true }));
    });
    const cue = CUES[VIDEO_ONE].find((c) => c.start <= 3 && 3 < c.end);
    await page.locator(`[data-glossa='subtitle-line'][data-cue-id='${cue.id}']`).waitFor({ timeout: 300_000 });
    assert.equal(await notice.count(), 0, "the notice is gone once lines arrive again");
    // The line may come from the overlay's own memory before the new host has logged its start.
    let pids = hostPids(dataDir);
    for (let i = 0; i < 300 && pids.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      pids = hostPids(dataDir);
    }
    assert.equal(pids.length, 2, "a second host was started");
    assert.ok(alive(pids[1]) && !alive(pid));
  });
});
