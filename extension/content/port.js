// The content script's line to the background (which owns glossa-host): numbered
// requests, their streamed events, cancel, and the screenshot fallback.
"use strict";
(() => {
  const G = (globalThis.glossa = globalThis.glossa || {});
  let port = null;
  let seq = 0;
  const pending = new Map(); // request id -> onEvent
  const captures = new Map(); // capture id -> {resolve}

  G.t = (name, subs) => chrome.i18n.getMessage(name, subs) || name;

  function lost() {
    port = null;
    const ev = { event: "error", code: "host_unavailable", message: G.t("errBackgroundLost"), hint: G.t("errBackgroundLostHint") };
    const handlers = [...pending.values()];
    pending.clear();
    for (const h of handlers) h(ev);
    for (const c of captures.values()) c.resolve({ error: G.t("errBackgroundLost") });
    captures.clear();
  }

  function ensure() {
    if (port) return port;
    port = chrome.runtime.connect({ name: "glossa-tab" });
    port.onDisconnect.addListener(lost);
    port.onMessage.addListener((msg) => {
      if (msg.kind === "event") {
        const handler = pending.get(msg.id);
        if (!handler) return;
        if (msg.event.event === "done" || msg.event.event === "error") pending.delete(msg.id);
        handler(msg.event);
      } else if (msg.kind === "captured") {
        const c = captures.get(msg.id);
        captures.delete(msg.id);
        if (c) c.resolve(msg);
      }
    });
    return port;
  }

  function post(msg) {
    try {
      ensure().postMessage(msg);
    } catch (e) {
      // The background restarted or the extension was reloaded: one fresh try.
      port = null;
      ensure().postMessage(msg);
    }
  }

  /** Send `body` to glossa-host; `onEvent` gets every event up to `done`/`error`. */
  G.request = (body, onEvent) => {
    const id = "c" + ++seq;
    pending.set(id, onEvent);
    try {
      post({ kind: "request", id, body });
    } catch (e) {
      pending.delete(id);
      onEvent({ event: "error", code: "host_unavailable", message: G.t("errBackgroundLost"), hint: G.t("errBackgroundLostHint") });
    }
    return id;
  };

  /** Stop a request that is still running (its answer is no longer wanted). */
  G.cancel = (id) => {
    if (!pending.delete(id)) return;
    try { post({ kind: "cancel", id }); } catch (e) { /* background gone: nothing runs */ }
  };

  /** Ask the background for a screenshot of the visible tab. */
  G.captureVisible = () =>
    new Promise((resolve) => {
      const id = "v" + ++seq;
      captures.set(id, { resolve });
      try { post({ kind: "capture_visible", id }); } catch (e) { captures.delete(id); resolve({ error: String(e) }); }
    });
})();
