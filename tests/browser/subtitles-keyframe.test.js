// Video context (#15): with `subtitles.video_context` on (its default) and a subtitle model
// that reads images, the page sends the frame the viewer sees with the track request and
// the host shows it to the model with the batch — a small JPEG, about 384 px on its long
// side, beside a sentence saying it is context only. With the setting off, no picture
// reaches the model. The provider is a fake Ollama (fake-ollama.js) that records each
// chat's pictures and prompt.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fakeTranslation, ollamaProviderSettings, startFakeOllama } from "./fake-ollama.js";
import { BROWSERS, browserName, CUES, VIDEO_ONE, checkPrerequisites, launchBrowser, makeHostData, openWatch, pauseAtAndWaitForLine, startFakeYouTube } from "./harness.js";

const TARGET = "ja";

/** Width and height of a JPEG, from its first start-of-frame marker. */
function jpegSize(bytes) {
  assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], "a JPEG");
  for (let at = 2; at + 9 < bytes.length;) {
    const marker = bytes[at + 1];
    const length = bytes.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    at += 2 + length;
  }
  throw new Error("no start-of-frame marker");
}

/** Watch the first line of VIDEO_ONE translated with `settings`; the fake's records. */
async function watchFirstLine(kind, site, settings) {
  const ollama = await startFakeOllama({ models: ["gemma3:4b"], vision: true });
  let browser;
  try {
    const dataDir = makeHostData({ ...ollamaProviderSettings(ollama, TARGET), ...settings });
    browser = await launchBrowser(kind, { site, dataDir });
    const page = await openWatch(browser, VIDEO_ONE);
    const { cue, line } = await pauseAtAndWaitForLine(page, CUES[VIDEO_ONE], 1.0, 60_000);
    assert.equal(await line.textContent(), fakeTranslation(TARGET, cue.text));
    await ollama.idle(500);
    return { images: ollama.stats.images, prompts: ollama.stats.prompts };
  } finally {
    await browser?.close();
    await ollama.close();
  }
}

for (const kind of BROWSERS) {
  describe(`a frame of the video goes with the subtitle lines (${browserName(kind)})`, () => {
    let site;
    before(async () => {
      checkPrerequisites();
      site = await startFakeYouTube();
    });
    after(() => site?.close());

    test("on by default for a model that reads images: the batch carries a small keyframe", async () => {
      const { images, prompts } = await watchFirstLine(kind, site, {});
      const first = images.findIndex((list) => list.length > 0);
      assert.ok(first >= 0, `a chat carried the keyframe (pictures per chat: ${images.map((l) => l.length)})`);
      assert.equal(images[first].length, 1, "one keyframe per call");
      const { width, height } = jpegSize(Buffer.from(images[first][0], "base64"));
      assert.equal(Math.max(width, height), 384, `about 384 px on the long side (${width}×${height})`);
      assert.match(prompts[first], /^The picture is a frame of this video shown around these lines\. It is context only/);
      assert.match(prompts[first], /translate the lines, do not describe or translate the picture/);
    });

    test("off: no picture reaches the model", async () => {
      const { images, prompts } = await watchFirstLine(kind, site, { "subtitles.video_context": "false" });
      assert.ok(images.length > 0, "the lines were asked for");
      assert.deepEqual(images.filter((list) => list.length > 0), [], "no chat carried a picture");
      assert.ok(prompts.every((p) => !p.includes("The picture is")), "and no prompt speaks of one");
    });
  });
}
