// Benchmark: what burned-in subtitle mode costs per sample in the browser (issue #16), on
// the rendered Japanese video (tests/tools/render-burnin-videos.py) played in Chromium with
// the mode on, beside the goal (strip sampling + detection ≤ 2 ms per sample) and beside the
// canvas path (drawImage + getImageData), measured in the same run on the same samples.
// The figures are the extension's own (burnin.js keeps them on its toggle): the page's work
// per sample (its thread busy: taking the decoded frame's luma, box-filtering it, encoding
// and posting it), the sample's wall time in the page (with the wait for the decoder's copy),
// the background's wasm decoding and detecting it, and the round trip to the background.
//
//   cd tests && node browser/bench-burnin.mjs      (needs the built extension and host, as the browser tests)
import {
  CUES, checkPrerequisites, launchChromium, makeHostData, openWatch, openaiProviderSettings, startFakeYouTube, startXvfb,
} from "./harness.js";
import { burninFixture, startScriptedBurnin } from "./scripted-burnin.js";

const VIDEO = "glossaBurnJa1";
const GOAL_MS = 2;
const TOGGLE = "[data-glossa='burnin-toggle']";

checkPrerequisites();
const truth = burninFixture("burnin-ja", VIDEO);
const site = await startFakeYouTube({ cues: { ...CUES, [VIDEO]: [] }, tracks: { [VIDEO]: [] }, media: { [VIDEO]: VIDEO } });
let page;
const model = await startScriptedBurnin({
  onScreen: async () => {
    const t = await page.evaluate(() => document.querySelector("video").currentTime);
    const line = truth.lines.find((l) => l.start <= t && t < l.end);
    return line ? { text: line.text, translation: line.translation || line.text } : null;
  },
});
const xvfb = await startXvfb();
const browser = await launchChromium({
  site, display: xvfb.display, dataDir: makeHostData({ ...openaiProviderSettings(model), target_language: "en" }),
});
try {
  page = await openWatch(browser, VIDEO);
  await page.locator(TOGGLE).click();
  // The whole video once: the search for the strip in its first seconds, then the strip alone.
  await page.evaluate(() => { const v = document.querySelector("video"); v.currentTime = 0; return v.play(); });
  await page.waitForFunction(() => document.querySelector("video").currentTime >= 34, null, { timeout: 90_000, polling: 250 });
  await page.evaluate(() => document.querySelector("video").pause());
  await page.waitForTimeout(500); // the last answers
  const f = await page.locator(TOGGLE).evaluate((b) => ({ ...b.dataset }));
  const n = (k) => Number(f[k]);
  const total = n("busyMs") + n("detectMs");
  const row = (label, ms, note = "") => console.log(`  ${label.padEnd(58)} ${ms.toFixed(3).padStart(7)} ms${note}`);
  console.log(`burned-in sampling, ${f.samples} samples (4/s) of ${VIDEO} (854×480), via ${f.via}; strip found at ${f.band}`);
  row("page: its own work per sample (thread busy)", n("busyMs"));
  const [frame, encode, post] = f.parts.split(" ").map(Number);
  row("  of which the frame's luma: copy started, box filter", frame);
  row("  of which base64", encode);
  row("  of which posting it to the background (chrome.runtime port)", post);
  row("background: decoding the sample and detecting (wasm)", n("detectMs"));
  row("strip sampling + detection", total, `   goal ≤ ${GOAL_MS} ms: ${(total / GOAL_MS).toFixed(2)}× the goal — ${total <= GOAL_MS ? "met" : "MISSED"}`);
  row("page: a sample's wall time (with the decoder's copy awaited)", n("sampleMs"));
  row("  of which reading the strip's pixels", n("readMs"));
  if (f.canvasMs) {
    row("  baseline, same run: the canvas path (drawImage + getImageData)", n("canvasMs"),
      `   ${(n("canvasMs") / n("readMs")).toFixed(1)}× the frame path's`);
  }
  row("round trip page → background → page", n("answerMs"));
} finally {
  await browser.close();
  await site.close();
  await model.close();
  xvfb.close();
}
