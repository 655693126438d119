// Runs in the page's own world (content_scripts "world": "MAIN") so it can see the player's
// requests. YouTube signs caption URLs (signature, expire) and adds a `pot` token that an
// extension cannot make; instead of building URLs, Glossa reuses the ones the player itself
// requests and hands the caption file — as fetched, with its format — to the content
// script, which passes it to glossa-host to read. Only text crosses over; the content
// script and the host treat it as untrusted.
"use strict";
(() => {
  if (window.__glossaTimedtextObserver) return;
  window.__glossaTimedtextObserver = true;
  const originalFetch = window.fetch;

  function timedtextUrl(raw) {
    try {
      const u = new URL(raw, location.href);
      return u.pathname.endsWith("/api/timedtext") ? u : null;
    } catch (e) {
      return null;
    }
  }

  // The content script starts later (document_idle) than the player's first request:
  // keep the last few tracks and replay them when it asks.
  const recent = [];
  function announce(url, body, format) {
    recent.push({ url: url.href, body, format });
    if (recent.length > 4) recent.shift();
    window.postMessage({ source: "glossa-page", type: "timedtext", url: url.href, body, format }, location.origin);
  }
  window.addEventListener("message", (e) => {
    if (e.source !== window || !e.data || e.data.source !== "glossa-content" || e.data.type !== "replay") return;
    for (const r of recent) window.postMessage({ source: "glossa-page", type: "timedtext", ...r }, location.origin);
  });

  /** The formats glossa-host reads, by their `fmt` parameter. */
  const READABLE = new Set(["json3", "srv3", "vtt"]);

  async function seen(url, body) {
    const fmt = url.searchParams.get("fmt");
    if (READABLE.has(fmt) && body) return announce(url, body, fmt);
    // The player asked for a format the host does not read (or its answer could not be
    // read here): the same signed URL, pot included, also serves json3.
    const json3 = new URL(url.href);
    json3.searchParams.set("fmt", "json3");
    try {
      const r = await originalFetch.call(window, json3.href, { credentials: "include" });
      if (r.ok) announce(json3, await r.text(), "json3");
    } catch (e) { /* the player's own captions still work; Glossa falls back to the DOM */ }
  }

  window.fetch = function (input, init) {
    const result = originalFetch.apply(this, arguments);
    const url = timedtextUrl(typeof input === "string" ? input : input && input.url);
    if (url) result.then((r) => (r.ok ? r.clone().text() : "")).then((t) => t && seen(url, t), () => {});
    return result;
  };

  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.__glossaTimedtext = timedtextUrl(url);
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    const url = this.__glossaTimedtext;
    if (url) {
      this.addEventListener("load", () => {
        if (this.status !== 200) return;
        let text = "";
        try {
          if (this.responseType === "" || this.responseType === "text") text = this.responseText;
          else if (this.responseType === "json") text = JSON.stringify(this.response);
        } catch (e) { /* unreadable response type: fetch it again below */ }
        seen(url, text);
      });
    }
    return send.apply(this, arguments);
  };
})();
