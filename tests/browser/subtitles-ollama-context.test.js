// Ollama as it really behaves with a long prompt (fake-ollama.js imitates it): a prompt
// longer than the context the model runs with is cut at its front, silently — the model
// never sees its instructions nor the batch's first lines. Glossa sends every chat the
// context it needs (`options.num_ctx`, capped by the model's own length from /api/show),
// sizes its batches to a model whose context is small, asks for its answer's shape
// (`format`) and keeps the model loaded between batches (`keep_alive`). The track is long
// Japanese lines: a batch of them is more than the 2048 tokens older Ollama gives a request
// that does not say, and a model with a 2048-token context cannot take a batch of the usual size.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fakeTranslation, ollamaProviderSettings, startFakeOllama } from "./fake-ollama.js";
import {
  OVERLAY as overlay, VIDEO_ONE, checkPrerequisites, launchChromium, makeHostData, openWatch, pauseAtAndWaitForLine, startFakeYouTube,
} from "./harness.js";

const TARGET = "en";
const SENTENCES = [
  "駅の改札を出たら右に曲がって、大きな時計のある広場を抜けてから二つ目の信号を左に進んでください。",
  "その先の商店街には古い本屋と小さな喫茶店が並んでいて、週末になると朝から多くの人でにぎわいます。",
  "喫茶店の店主は三十年前からこの町に住んでいて、町の歴史や祭りのことを誰よりもよく知っています。",
];
/** 60 long Japanese lines (about 100 characters, so 20 of them are some 2000 tokens) in the
 * video's 30 seconds, each a little different. */
const cues = Array.from({ length: 60 }, (_, i) => ({
  id: String(i + 1), start: i * 0.5, end: i * 0.5 + 0.5,
  text: `${i + 1}番目。${SENTENCES[i % SENTENCES.length]}${SENTENCES[(i + 1) % SENTENCES.length]}`,
}));

/** Pause on a few lines from the start to the end of the track: each shows its own translation. */
async function everyLineTranslated(page) {
  for (const t of [0.2, 10.2, 20.2, 29.7]) {
    const { cue, line } = await pauseAtAndWaitForLine(page, cues, t, 60_000);
    assert.equal(await line.textContent(), fakeTranslation(TARGET, cue.text), `line ${cue.id}`);
  }
}

/** What every chat sent: a context, the answer's schema and a keep-alive, and nothing was cut. */
function assertSentAsOllamaNeeds(ollama, modelContext) {
  const { stats } = ollama;
  assert.ok(stats.chats > 1, `${stats.chats} chats`);
  assert.equal(stats.cut, 0, `prompts cut at the front: ${stats.cut} of ${stats.chats} (num_ctx sent: ${JSON.stringify(stats.numCtx)})`);
  for (const [i, numCtx] of stats.numCtx.entries()) {
    assert.ok(Number.isInteger(numCtx) && numCtx <= modelContext, `chat ${i}: num_ctx ${numCtx}, the model has ${modelContext}`);
    assert.equal(typeof stats.formats[i], "object", `chat ${i} asks for a schema`);
    assert.ok(stats.formats[i].properties.lines, `chat ${i}: the subtitle lines schema`);
    assert.ok(stats.keepAlive[i], `chat ${i} keeps the model loaded`);
  }
  // A new num_ctx reloads the model: the size asked only grows (batches with a keyframe
  // need more than those without), so there is one load per size, not one per batch.
  const sizes = JSON.stringify(stats.numCtx);
  assert.ok(stats.numCtx.every((n, i) => i === 0 || n >= stats.numCtx[i - 1]), `the context shrank, reloading the model: ${sizes}`);
  assert.ok(stats.loads <= new Set(stats.numCtx).size, `${stats.loads} loads for ${stats.chats} chats (${sizes})`);
}

for (const { name, version, contextLength } of [
  { name: "an older Ollama (2048 tokens unless told)", version: "0.6.5", contextLength: 32768 },
  { name: "a model with a 2048-token context", version: "0.12.3", contextLength: 2048 },
]) {
  describe(`long lines with ${name} (Chromium)`, () => {
    let site, ollama, browser, page;

    before(async () => {
      checkPrerequisites();
      site = await startFakeYouTube({ cues: { [VIDEO_ONE]: cues }, languages: { [VIDEO_ONE]: "ja" } });
      ollama = await startFakeOllama({ version, contextLength });
      const dataDir = makeHostData({ ...ollamaProviderSettings(ollama, TARGET), source_language: "ja" });
      browser = await launchChromium({ site, dataDir });
      page = await openWatch(browser, VIDEO_ONE);
    });
    after(async () => {
      await browser?.close();
      await site?.close();
      await ollama?.close();
    });

    test("every line is translated, none cut from its prompt", async () => {
      await everyLineTranslated(page);
      await ollama.idle(1000);
      assertSentAsOllamaNeeds(ollama, contextLength);
      assert.equal(await page.locator(`${overlay} [data-glossa='subtitle-line']`).count() > 0, true);
    });
  });
}
