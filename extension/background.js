// Bootstrap for the background (Chromium: module service worker; Firefox: module
// background script). The logic lives in wasm (src/background.rs). Service workers must
// register their listeners synchronously in the first turn and cannot use top-level await,
// so the listeners are registered here and hand over to wasm once it has loaded.
import init, { bg_on_connect, bg_on_installed } from "./wasm/glossa_extension.js";

const ready = init({ module_or_path: new URL("./wasm/glossa_extension_bg.wasm", import.meta.url) });

chrome.runtime.onConnect.addListener((port) => {
  // Messages that arrive before wasm is ready are queued by the port itself only while a
  // listener exists, so buffer them here and replay them.
  const early = [];
  const buffer = (msg) => early.push(msg);
  port.onMessage.addListener(buffer);
  ready.then(() => {
    port.onMessage.removeListener(buffer);
    bg_on_connect(port, early);
  }, (e) => console.error("Glossa: the background failed to load its wasm", e));
});

// The shortcut goes to the tab's content script, which captures the frame (the command
// also grants activeTab, so the screenshot fallback works). tabs.sendMessage wakes the
// tab even when this worker restarted and has no port from it yet.
chrome.commands.onCommand.addListener((command, tab) => {
  if (tab && tab.id >= 0) chrome.tabs.sendMessage(tab.id, { kind: "command", command }).catch(() => {});
});

// A fresh install opens the options page once (src/background.rs).
chrome.runtime.onInstalled.addListener((details) => {
  ready.then(() => bg_on_installed(details.reason), () => {});
});

chrome.action.onClicked.addListener(() => chrome.runtime.openOptionsPage());

// Firefox on Linux and Windows gives Alt+T (and Alt+Shift+T) to its Tools menu: the
// manifest's shortcut never reaches the extension there. It gets one Firefox leaves free,
// unless the user chose another. (Chromium has no commands.update and needs none.)
const FIREFOX_SHORTCUT = "Alt+Shift+Y";
const shortcutSet = (async () => {
  if (!chrome.runtime.getURL("").startsWith("moz-extension:")) return;
  if ((await chrome.runtime.getPlatformInfo()).os === "mac") return;
  const manifestKey = chrome.runtime.getManifest().commands["translate-frame"].suggested_key.default;
  const command = (await chrome.commands.getAll()).find((c) => c.name === "translate-frame");
  if (command && command.shortcut === manifestKey) await chrome.commands.update({ name: "translate-frame", shortcut: FIREFOX_SHORTCUT });
})().catch((e) => console.error("Glossa: could not set the Firefox shortcut", e));

// The content script asks which shortcut the browser really has for a command (the frame's
// when it names none), to name it in its texts.
chrome.runtime.onMessage.addListener((msg, _sender, sendResponse) => {
  if (!msg || msg.kind !== "shortcut") return false;
  const name = msg.command || "translate-frame";
  shortcutSet
    .then(() => chrome.commands.getAll())
    .then((all) => sendResponse((all.find((c) => c.name === name) || {}).shortcut || ""), () => sendResponse(""));
  return true;
});
