// A new user's first minutes with the options page: it opens by itself once after install,
// shows what this computer already has (a fake Ollama with a vision model, a fake
// OpenAI-compatible server, an Anthropic key in glossa-host's environment) with one-click
// "Use this", and otherwise downloads a model for the built-in backend — from a local
// mirror (GLOSSA_MODEL_MIRROR) that sends slowly, so the progress bar and Stop are seen —
// then uses and removes it. The page is checked at 1280×800 and at 400 px wide.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { EXTENSION_ID, checkPrerequisites, hostBin, launchChromium, makeHostData, models, screenshotPath } from "./harness.js";
import { startFakeOllama } from "./fake-ollama.js";

const KEY = "sk-ant-api03-FIRSTRUN-SECRET-9f8e7d";
const LONG_MODEL = "Qwen2.5-VL-72B-Instruct-abliterated-with-a-very-long-quantisation-suffix-Q4_K_M.gguf";
const SMOL = { id: "smolvlm2-2.2b", repo: "ggml-org/SmolVLM2-2.2B-Instruct-GGUF", model: "SmolVLM2-2.2B-Instruct-Q4_K_M.gguf", mmproj: "mmproj-SmolVLM2-2.2B-Instruct-Q8_0.gguf" };

/** An OpenAI-compatible server (llama-server, LM Studio, vLLM): `GET /v1/models` is all detection asks. */
async function startFakeOpenai(ids) {
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ object: "list", data: ids.map((id) => ({ id, object: "model", created: 1730000000, owned_by: "llamacpp" })) }));
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "File Not Found", type: "not_found_error", code: 404 } }));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

/**
 * A Hugging Face mirror serving one catalogue entry's two files (the tiny test models
 * under their names) at `<base>/<repo>/resolve/main/<file>`, honouring Range as Hugging
 * Face does. While `slow`, it sends 4 KiB every 100 ms. It records each request's Range
 * and the downloads the client hung up on.
 */
async function startMirror() {
  const files = {
    [`/hf/${SMOL.repo}/resolve/main/${SMOL.model}`]: fs.readFileSync(path.join(models, "tiny-text.gguf")),
    [`/hf/${SMOL.repo}/resolve/main/${SMOL.mmproj}`]: fs.readFileSync(path.join(models, "tiny-mmproj.gguf")),
  };
  const state = { slow: true, ranges: [], abandoned: 0 };
  const server = http.createServer(async (req, res) => {
    const body = files[req.url];
    state.ranges.push(req.headers.range || null);
    if (!body) { res.writeHead(404); return res.end("Entry not found"); }
    const start = Number((req.headers.range || "").match(/bytes=(\d+)-/)?.[1] || 0);
    res.writeHead(start ? 206 : 200, {
      "content-type": "application/octet-stream", "content-length": body.length - start, "accept-ranges": "bytes",
      ...(start ? { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    let closed = false;
    res.on("close", () => { if (!res.writableFinished) { closed = true; state.abandoned++; } });
    for (let at = start; at < body.length && !closed;) {
      const piece = state.slow ? 4096 : body.length;
      res.write(body.subarray(at, at + piece));
      at += piece;
      if (state.slow) await new Promise((r) => setTimeout(r, 100));
    }
    res.end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { base: `http://127.0.0.1:${server.address().port}/hf`, state, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

describe("options page, first run (Chromium)", () => {
  let browser, ollama, openai, mirror, dataDir, page;
  const setting = (key) =>
    execFileSync(hostBin, ["settings", "get", key], { env: { ...process.env, GLOSSA_DATA_DIR: dataDir } }).toString().trim().replace(`${key} = `, "");
  const optionsPages = () => browser.context.pages().filter((p) => p.url().startsWith(`chrome-extension://${EXTENSION_ID}/options/`));

  before(async () => {
    checkPrerequisites();
    ollama = await startFakeOllama({ models: ["gemma3:4b", "llama3.2:3b"], vision: ["gemma3:4b"] });
    openai = await startFakeOpenai(["Qwen2.5-VL-3B-Instruct-Q4_K_M.gguf", LONG_MODEL]);
    mirror = await startMirror();
    // Nothing here may reach the internet: Anthropic's address is a closed local port.
    dataDir = makeHostData({ "anthropic.base_url": "http://127.0.0.1:9" });
    browser = await launchChromium({
      keepFirstRun: true,
      dataDir,
      viewport: { width: 1280, height: 800 },
      env: {
        GLOSSA_DETECT_OLLAMA: ollama.url,
        // The first address has nothing listening: a closed port is no finding and no wait.
        GLOSSA_DETECT_OPENAI: `http://127.0.0.1:9,${openai.url}`,
        ANTHROPIC_API_KEY: KEY,
        GLOSSA_MODEL_MIRROR: mirror.base,
      },
    });
  });
  after(async () => {
    await browser?.close();
    await ollama?.close();
    await openai?.close();
    await mirror?.close();
  });

  test("a fresh install opens the options page once, showing what this computer has", async () => {
    const deadline = Date.now() + 30_000;
    while (optionsPages().length === 0) {
      assert.ok(Date.now() < deadline, "the options page opened after install");
      await new Promise((r) => setTimeout(r, 100));
    }
    page = optionsPages()[0];
    assert.match(page.url(), /options\.html\?first-run$/);
    await page.locator("[data-glossa='detect-section'][data-state='done']").waitFor({ timeout: 30_000 });
    assert.equal(await page.locator("[data-glossa='first-run-welcome']").isVisible(), true);
    // Still one: the background opens it on install only.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(optionsPages().length, 1);

    const found = page.locator("[data-glossa='detected-provider']");
    assert.deepEqual(await found.evaluateAll((items) => items.map((i) => i.dataset.provider)), ["ollama", "openai", "anthropic"]);
    const ollamaItem = page.locator("[data-glossa='detected-provider'][data-provider='ollama']");
    assert.match(await ollamaItem.locator(".name").first().textContent(), new RegExp(`Ollama at ${ollama.url}`));
    const ollamaModels = await ollamaItem.locator("[data-glossa='detected-model']").evaluateAll((rows) => rows.map((r) => r.textContent));
    assert.deepEqual(ollamaModels, ["gemma3:4breads images", "llama3.2:3b"], "the vision model is marked");
    assert.match(await ollamaItem.locator("[data-glossa='detected-choice']").textContent(), /frames and subtitles: gemma3:4b/);

    const openaiItem = page.locator("[data-glossa='detected-provider'][data-provider='openai']");
    const long = openaiItem.locator(`[data-glossa='detected-model'] .name[title='${LONG_MODEL}']`);
    assert.equal(await long.textContent(), LONG_MODEL);

    const key = page.locator("[data-glossa='detected-provider'][data-provider='anthropic'] [data-glossa='detected-key']");
    assert.equal(await key.textContent(), "key …9f8e7d");
    const html = await page.evaluate(() => document.documentElement.outerHTML);
    assert.ok(!html.includes("SECRET"), "the key itself never reaches the page");
  });

  test("\"Use this\" saves a finding as the provider: address, one model for both tasks, the key", async () => {
    const use = async (provider) => {
      const item = page.locator(`[data-glossa='detected-provider'][data-provider='${provider}']`);
      await item.locator("[data-glossa='use-detected']").click();
      await item.locator("[data-glossa='detected-outcome'][data-state='used']").waitFor({ timeout: 30_000 });
    };
    await use("ollama");
    assert.equal(setting("provider"), "ollama");
    assert.equal(setting("ollama.url"), ollama.url);
    assert.equal(setting("ollama.frame_model"), "gemma3:4b");
    assert.equal(setting("ollama.subtitle_model"), "gemma3:4b");
    assert.equal(await page.locator("[data-glossa='provider-ollama']").isChecked(), true);
    await page.waitForFunction(() => document.querySelector("[data-glossa='frame-model']").value === "gemma3:4b");

    await use("openai");
    assert.equal(setting("provider"), "openai");
    assert.equal(setting("openai.base_url"), openai.url);
    assert.equal(setting("openai.frame_model"), "Qwen2.5-VL-3B-Instruct-Q4_K_M.gguf");

    await use("anthropic");
    assert.equal(setting("provider"), "anthropic");
    assert.match(setting("anthropic.api_key"), /…9f8e7d/);
    assert.ok(!setting("anthropic.api_key").includes("SECRET"));
    assert.match(await page.locator("[data-glossa='api-key-status']").textContent(), /…9f8e7d/);
  });

  test("the built-in backend's models: sizes, memory, vision; download with progress, stop, resume, use, remove", async () => {
    await page.check("[data-glossa='provider-local']");
    const rows = page.locator("[data-glossa='catalogue-model']");
    await rows.first().waitFor();
    assert.deepEqual(await rows.evaluateAll((r) => r.map((e) => e.dataset.id)), ["gemma-3-4b", "qwen2.5-vl-3b", SMOL.id]);
    for (const facts of await page.locator("[data-glossa='catalogue-facts']").allTextContents()) {
      assert.match(facts, /^\d+\.\d GB download · needs \d+\.\d GB memory · reads images$/);
    }
    const smol = page.locator(`[data-glossa='catalogue-model'][data-id='${SMOL.id}']`);

    // Slowly: the bar moves, then Stop ends the download at the host.
    await smol.locator("[data-glossa='pull-model']").click();
    const panel = page.locator("[data-glossa='pull-progress']");
    await panel.waitFor();
    const done = async () => Number(await panel.getAttribute("data-done"));
    await page.waitForFunction(() => Number(document.querySelector("[data-glossa='pull-progress']").dataset.done) > 0, null, { timeout: 30_000 });
    const first = await done();
    await page.waitForFunction((d) => Number(document.querySelector("[data-glossa='pull-progress']").dataset.done) > d, first, { timeout: 30_000 });
    assert.match(await page.locator("[data-glossa='pull-text']").textContent(), /KB|MB|GB/);
    assert.ok(Number(await page.locator("[data-glossa='pull-bar']").getAttribute("value")) > 0, "the bar shows progress");
    await page.screenshot({ path: screenshotPath("options-pull.png") });
    await page.click("[data-glossa='pull-cancel']");
    await page.locator("[data-glossa='local-status'][data-state='cancelled']").waitFor();
    assert.equal(await panel.isVisible(), false);
    const deadline = Date.now() + 10_000;
    while (mirror.state.abandoned === 0) {
      assert.ok(Date.now() < deadline, "the host hung up on the mirror");
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await page.locator("[data-glossa='installed-model']").count(), 0, "a stopped download is not a model");

    // Again, fast: it resumes where it stopped and installs both files.
    mirror.state.slow = false;
    await smol.locator("[data-glossa='pull-model']").click();
    await page.locator("[data-glossa='local-status'][data-state='pulled']").waitFor({ timeout: 60_000 });
    assert.ok(mirror.state.ranges.some((r) => /^bytes=[1-9]\d*-$/.test(r || "")), `resumed with a Range request: ${mirror.state.ranges}`);
    const installed = page.locator(`[data-glossa='installed-model'][data-file='${SMOL.model}']`);
    await installed.waitFor();
    assert.match(await installed.textContent(), /reads images/);

    await smol.locator("[data-glossa='use-local-model']").click();
    await smol.locator(".badge", { hasText: "In use" }).waitFor();
    assert.equal(setting("provider"), "local");
    assert.equal(setting("local.frame_model"), SMOL.model);
    assert.equal(setting("local.subtitle_model"), SMOL.model);

    // Remove takes two clicks, and takes the projector with it.
    await installed.locator("[data-glossa='remove-model']").click();
    assert.equal(fs.existsSync(path.join(dataDir, "models", SMOL.model)), true, "one click does not remove");
    await installed.locator("[data-glossa='remove-model']").click();
    await page.locator("[data-glossa='local-status'][data-state='removed']").waitFor();
    assert.equal(await page.locator("[data-glossa='installed-model']").count(), 0);
    const left = fs.readdirSync(path.join(dataDir, "models")).filter((f) => f.endsWith(".gguf"));
    assert.deepEqual(left, []);
  });

  test("looks finished at 1280×800 and at 400 px wide", async () => {
    await page.reload();
    await page.locator("[data-glossa='settings-form']").waitFor();
    await page.click("[data-glossa='detect-providers']");
    await page.locator("[data-glossa='detect-section'][data-state='done']").waitFor({ timeout: 30_000 });
    for (const [width, height] of [[1280, 800], [400, 800]]) {
      await page.setViewportSize({ width, height });
      for (const provider of ["local", "openai", "anthropic"]) {
        await page.check(`[data-glossa='provider-${provider}']`);
        const problems = await page.evaluate(() => {
          const out = [];
          const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
          for (const label of document.querySelectorAll("label")) {
            if (!visible(label)) continue;
            const text = label.querySelector(":scope > span");
            const field = label.querySelector("input, select");
            if (!text || !field) continue;
            const t = text.getBoundingClientRect(), f = field.getBoundingClientRect();
            if (t.top >= f.bottom - 2) out.push(`"${text.textContent}" wraps under its field`);
            // Beside it (a check box's text on its right), or above it.
            const beside = t.right <= f.left + 1 || (label.classList.contains("check") && t.left >= f.right - 1);
            const above = t.bottom <= f.top + 1;
            if (!beside && !above) out.push(`"${text.textContent}" overlaps its field`);
          }
          for (const key of document.querySelectorAll(".key-status")) {
            if (!visible(key)) continue;
            const lines = key.getBoundingClientRect().height / parseFloat(getComputedStyle(key).lineHeight || "20");
            if (key.textContent && lines > 1.5) out.push(`key preview "${key.textContent}" takes ${lines.toFixed(1)} lines`);
          }
          for (const name of document.querySelectorAll(".name")) {
            if (visible(name) && name.scrollWidth > name.clientWidth + 1 && name.title !== name.textContent) out.push(`"${name.textContent}" is cut without a title`);
          }
          if (document.documentElement.scrollWidth > innerWidth) out.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${innerWidth}px window`);
          return out;
        });
        assert.deepEqual(problems, [], `${width}px, ${provider}`);
        if (provider === "anthropic") await page.locator("[data-glossa='section-remote']").screenshot({ path: screenshotPath(`options-anthropic-${width}.png`) });
      }
      // In a narrow window the long model name is cut short (whole on hover: its title).
      const long = page.locator(`[data-glossa='detected-model'] .name[title='${LONG_MODEL}']`);
      const cut = await long.evaluate((e) => e.scrollWidth > e.clientWidth);
      assert.equal(cut, width < 800, `the long name is ${cut ? "" : "not "}shortened at ${width}px`);
      await page.check("[data-glossa='provider-local']");
      await page.screenshot({ path: screenshotPath(`options-first-run-${width}.png`), fullPage: true });
    }
  });
});
