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
