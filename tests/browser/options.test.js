// The options page as a user meets it: provider choice, live model list, connection test,
// write-only API key, a model that disappeared, and the page when glossa-host is missing.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  BROWSERS, browserName, llamaCpuSkip, here, checkPrerequisites, hostBin, hostPids, launchBrowser, makeHostData, openWatch, openaiProviderSettings,
  screenshotPath, startFakeYouTube, startLlamaServer,
} from "./harness.js";

const SECRET = "sk-glossa-test-0123456789-SECRET-abcdef";
const VANISHED = "vanished-7b<img src=x onerror=alert(1)>";

for (const kind of BROWSERS) {
  describe(`options page (${browserName(kind)})`, { skip: llamaCpuSkip }, () => {
    let browser, llama, dataDir, page;

    before(async () => {
      checkPrerequisites();
      llama = await startLlamaServer();
      // The saved subtitle model is one the server no longer has — and its name is markup,
      // which must stay text wherever the page shows it.
      dataDir = makeHostData({ ...openaiProviderSettings(llama), "openai.subtitle_model": VANISHED });
      browser = await launchBrowser(kind, { dataDir });
      page = await browser.newPage();
      await page.goto(browser.optionsUrl);
      await page.locator("[data-glossa='settings-form']").waitFor();
    });
    after(async () => {
      await browser?.close();
      llama?.close();
    });

    const setting = (key) =>
      execFileSync(hostBin, ["settings", "get", key], { env: { ...process.env, GLOSSA_DATA_DIR: dataDir } }).toString().trim().replace(`${key} = `, "");

    test("shows the saved provider and lists the server's models", async () => {
      assert.equal(await page.locator("[data-glossa='provider-openai']").isChecked(), true);
      assert.match(await page.locator("[data-glossa='host-status']").textContent(), /glossa-host \d+\.\d+/);
      await page.waitForFunction((m) => [...document.querySelectorAll("[data-glossa='frame-model'] option")].some((o) => o.value === m), llama.model);
      assert.equal(await page.locator("[data-glossa='frame-model']").inputValue(), llama.model);
    });

    test("warns when the saved model no longer exists, with what to do", async () => {
      const warning = page.locator("[data-glossa='model-missing']");
      await warning.waitFor();
      assert.ok((await warning.textContent()).includes(VANISHED), "the model name shows literally");
      assert.ok((await page.locator("[data-glossa='model-missing-hint']").textContent()).includes(VANISHED));
      assert.equal(await page.locator("img").count(), 0, "no element was made from the name");
      assert.deepEqual(browser.dialogs, []);
    });

    test("saves an API key write-only: only the …last6 preview comes back", async () => {
      assert.match(await page.locator("[data-glossa='api-key-status']").textContent(), /not set/);
      await page.locator("[data-glossa='subtitle-model']").selectOption(llama.model);
      await page.fill("[data-glossa='api-key']", SECRET);
      await page.click("[data-glossa='save']");
      const status = page.locator("[data-glossa='save-status'][data-state='saved'], [data-glossa='save-status'][data-state='error']");
      await status.waitFor();
      assert.equal(await status.getAttribute("data-state"), "saved", await status.textContent());
      assert.match(await page.locator("[data-glossa='api-key-status']").textContent(), /…abcdef/);
      assert.equal(await page.locator("[data-glossa='api-key']").inputValue(), "");
      const html = await page.evaluate(() => document.documentElement.outerHTML + [...document.querySelectorAll("input")].map((i) => i.value).join(" "));
      assert.ok(!html.includes("SECRET"), "the key never comes back to the page");
      assert.equal(setting("openai.subtitle_model"), llama.model);
      assert.equal(await page.locator("[data-glossa='model-missing']").isVisible(), false);
      // A reload still shows only the preview.
      await page.reload();
      await page.locator("[data-glossa='settings-form']").waitFor();
      assert.match(await page.locator("[data-glossa='api-key-status']").textContent(), /…abcdef/);
    });

    test("tests the connection and shows the result", async () => {
      await page.click("[data-glossa='test-connection']");
      const result = page.locator("[data-glossa='test-result']:not([data-state='testing'])");
      await result.waitFor({ timeout: 60_000 });
      await page.waitForFunction(() => document.querySelector("[data-glossa='test-result']").dataset.state !== "testing");
      assert.match(await page.locator("[data-glossa='test-result'] .ok").textContent(), /Connected/);
      await page.screenshot({ path: screenshotPath(`${kind}-options-connected.png`), fullPage: true });
    });

    test("saves another provider and display options", async () => {
      await page.check("[data-glossa='provider-ollama']");
      await page.locator("[data-glossa='section-remote']").waitFor();
      await page.fill("[data-glossa='provider-url']", "http://127.0.0.1:9");
      await page.check("[data-glossa='display-dual']");
      await page.selectOption("[data-glossa='display-position']", "top");
      await page.selectOption("[data-glossa='target-language']", "ko");
      // The timeouts show the defaults and save like the rest.
      assert.deepEqual(
        await Promise.all(["connect", "first-token", "idle"].map((t) => page.inputValue(`[data-glossa='timeout-${t}']`))),
        ["10", "300", "60"],
      );
      await page.fill("[data-glossa='timeout-first-token']", "900");
      await page.click("[data-glossa='save']");
      await page.waitForFunction(() => document.querySelector("[data-glossa='save-status']").dataset.state === "saved" && document.querySelector("[data-glossa='provider-ollama']").checked);
      assert.equal(setting("provider"), "ollama");
      assert.equal(setting("ollama.url"), "http://127.0.0.1:9");
      assert.equal(setting("display.dual"), "true");
      assert.equal(setting("display.position"), "top");
      assert.equal(setting("target_language"), "ko");
      assert.equal(setting("timeouts.first_token_secs"), "900");
      // Nothing listens there: the model list says so with a hint instead of hanging.
      await page.waitForFunction(() => /Could not list models/.test(document.querySelector("[data-glossa='models-status']").textContent), null, { timeout: 60_000 });
    });

    test("readings: off for every language until checked, saved per source language", async () => {
      const langs = ["ja", "zh", "ko", "ru", "uk", "el"];
      const checked = (p) => Promise.all(langs.map((l) => p.isChecked(`[data-glossa='display-reading-${l}']`)));
      assert.deepEqual(await checked(page), [false, false, false, false, false, false]);
      await page.check("[data-glossa='display-reading-ja']");
      await page.check("[data-glossa='display-reading-ko']");
      await page.click("[data-glossa='save']");
      for (let i = 0; i < 100 && setting("display.readings") !== "ja,ko"; i++) await page.waitForTimeout(100);
      assert.equal(setting("display.readings"), "ja,ko");
      // A new options page shows what was saved.
      const again = await browser.newPage();
      await again.goto(browser.optionsUrl);
      await again.locator("[data-glossa='settings-form']").waitFor();
      await again.waitForFunction(() => document.querySelector("[data-glossa='display-reading-ja']").checked, null, { timeout: 30_000 });
      assert.deepEqual(await checked(again), [true, false, true, false, false, false]);
      await again.close();
    });

    test("video context for subtitles: on by default, saved off", async () => {
      const box = "[data-glossa='subtitles-video-context']";
      assert.equal(await page.isChecked(box), true);
      assert.match(await page.evaluate((b) => document.querySelector(b).closest("label").textContent, box), /small frame of the video/);
      await page.click(box);
      assert.equal(await page.isChecked(box), false);
      await page.click("[data-glossa='save']");
      for (let i = 0; i < 100 && setting("subtitles.video_context") !== "false"; i++) await page.waitForTimeout(100);
      assert.equal(setting("subtitles.video_context"), "false");
    });
  });

  describe(`glossa-host not installed (${browserName(kind)})`, () => {
    let browser, site;
    before(async () => {
      checkPrerequisites();
      site = await startFakeYouTube();
      browser = await launchBrowser(kind, { site, dataDir: makeHostData({}), registerHost: false });
    });
    after(async () => {
      await browser?.close();
      await site?.close();
    });

    test("the options page shows the install command instead of a broken form", async () => {
      const page = await browser.newPage();
      await page.goto(browser.optionsUrl);
      const panel = page.locator("[data-glossa='host-missing']");
      await panel.waitFor();
      assert.equal(await page.locator("[data-glossa='host-install-command']").textContent(), "glossa-host install");
      assert.match(await panel.textContent(), /not installed/);
      assert.equal(await page.locator("[data-glossa='settings-form']").isVisible(), false);
      await page.screenshot({ path: screenshotPath(kind === "chromium" ? "options-host-missing.png" : `${kind}-options-host-missing.png`) });
    });

    test("the frame button says the host is missing and how to install it", async () => {
      const page = await openWatch(browser);
      await page.click("[data-glossa='translate-frame']");
      const panel = page.locator("[data-glossa='frame-result'][data-state='error']");
      await panel.waitFor({ timeout: 30_000 });
      assert.equal(await panel.getAttribute("data-code"), "host_unavailable");
      assert.match(await panel.locator("[data-glossa='error-hint']").textContent(), /glossa-host install/);
    });
  });

  describe(`glossa-host too old (${browserName(kind)})`, () => {
    let browser;
    before(async () => {
      checkPrerequisites();
      const dataDir = makeHostData({});
      browser = await launchBrowser(kind, { dataDir });
      // Point the registered host at a release that predates the handshake.
      const json = JSON.parse(fs.readFileSync(browser.nativeHostManifest, "utf8"));
      json.path = path.join(here, "old-host.mjs");
      fs.writeFileSync(browser.nativeHostManifest, JSON.stringify(json));
      // The first-run page may have started the current host already: stop it, as an update
      // would, so the next request starts the old one.
      for (const pid of hostPids(dataDir)) {
        try { process.kill(pid, "SIGKILL"); } catch (e) { /* already gone */ }
      }
    });
    after(async () => {
      await browser?.close();
    });

    test("the options page says to update and shows the command", async () => {
      const page = await browser.newPage();
      await page.goto(browser.optionsUrl);
      const panel = page.locator("[data-glossa='host-missing']");
      await panel.waitFor();
      assert.match(await page.locator("[data-glossa='host-problem-title']").textContent(), /too old/);
      assert.equal(await page.locator("[data-glossa='host-install-command']").textContent(), "glossa-host install");
      assert.match(await page.locator("[data-glossa='host-problem-detail']").textContent(), /hello/);
      assert.equal(await page.locator("[data-glossa='settings-form']").isVisible(), false);
    });
  });
}
