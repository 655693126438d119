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
    if (e.source !== window || !e.data || e.data.source !== "glossa-content") return;
    const m = e.data;
    if (m.type === "replay") {
      for (const r of recent) window.postMessage({ source: "glossa-page", type: "timedtext", ...r }, location.origin);
    } else if (m.type === "caption-tracks" && typeof m.videoId === "string") {
      window.postMessage({ source: "glossa-page", type: "caption-tracks", videoId: m.videoId, tracks: captionTracks(m.videoId) }, location.origin);
    } else if (m.type === "load-caption-track" && typeof m.videoId === "string" && m.track && typeof m.track.languageCode === "string") {
      loadCaptionTrack(m.videoId, m.track.languageCode, m.track.kind === "asr" ? "asr" : "");
    } else if (m.type === "restore-captions" && typeof m.videoId === "string") {
      restoreCaptions(m.videoId);
    }
  });

  // ------------------------------------------------------------ the player's caption tracks
  // Glossa never builds caption URLs: it asks the player to load the track it wants
  // (setOption), and the player's own signed request is observed below. The content script
  // chooses; this side only reads the track list and calls the player API, which only the
  // page's world can reach.

  // The Shorts player has the same API; a hidden watch page's #movie_player may also be there.
  const moviePlayer = () =>
    (location.pathname.startsWith("/shorts/") && document.getElementById("shorts-player")) || document.getElementById("movie_player");

  /** The player response of `videoId`: the player's own, else the page's copy (which stays the first video's after in-page navigation). */
  function playerResponse(videoId) {
    const p = moviePlayer();
    const mine = (r) => (r && r.videoDetails && r.videoDetails.videoId === videoId ? r : null);
    let r = null;
    try { r = p && typeof p.getPlayerResponse === "function" ? mine(p.getPlayerResponse()) : null; } catch (e) { /* not ready */ }
    return r || mine(window.ytInitialPlayerResponse);
  }

  /** `videoId`'s caption tracks as plain data, [] if it has none, or null while the player does not know the video yet. */
  function captionTracks(videoId) {
    const r = playerResponse(videoId);
    if (!r) return null;
    const renderer = r.captions && r.captions.playerCaptionsTracklistRenderer;
    const list = (renderer && Array.isArray(renderer.captionTracks) && renderer.captionTracks) || [];
    return list.filter((t) => t && typeof t.languageCode === "string").map((t) => ({
      languageCode: t.languageCode, kind: t.kind === "asr" ? "asr" : "", vssId: String(t.vssId || ""),
      name: String((t.name && t.name.simpleText) || ""), isDefault: !!t.isDefault,
    }));
  }

  // As content.js's G.videoId(): this world cannot see the content script's.
  const currentVideo = () => {
    const url = new URL(location.href);
    return url.searchParams.get("v") || (url.pathname.match(/^\/(?:shorts|embed|live)\/([\w-]+)/) || [])[1] || null;
  };
  /** videoId -> the viewer's captions before Glossa asked for a track: { loaded, track }. */
  const before = new Map();
  let loading = 0;

  function tracklist(p) {
    try { return p.getOption("captions", "tracklist") || []; } catch (e) { return []; }
  }

  /**
   * Have the player load `videoId`'s track (languageCode, kind). The track list, and
   * setOption, work only once the player's captions module has loaded: a viewer who keeps
   * captions on has it loaded by the player in a moment; otherwise Glossa loads it.
   */
  function loadCaptionTrack(videoId, languageCode, kind) {
    const p = moviePlayer();
    if (!p || typeof p.setOption !== "function" || typeof p.getOption !== "function") return;
    const mine = ++loading;
    const GRACE = 6; // tries of 100 ms for the player to load the module on its own
    let loadedByGlossa = false;
    const attempt = (n) => {
      if (mine !== loading || currentVideo() !== videoId) return;
      const list = tracklist(p);
      if (!list.length) {
        if (n === GRACE && typeof p.loadModule === "function") { loadedByGlossa = true; p.loadModule("captions"); }
        if (n < 80) setTimeout(() => attempt(n + 1), 100);
        return;
      }
      if (!before.has(videoId)) {
        let track = null;
        try { track = loadedByGlossa ? null : p.getOption("captions", "track"); } catch (e) { /* none */ }
        before.set(videoId, { loaded: !loadedByGlossa, track: track && track.languageCode ? track : null });
        while (before.size > 4) before.delete(before.keys().next().value);
      }
      const entry = list.find((t) => t.languageCode === languageCode && (t.kind || "") === kind);
      if (entry) p.setOption("captions", "track", entry);
    };
    attempt(0);
  }

  /** Glossa's subtitles went off: the player's captions as the viewer had them. */
  function restoreCaptions(videoId) {
    loading++;
    const p = moviePlayer();
    const b = before.get(videoId);
    before.delete(videoId);
    if (!p || !b || currentVideo() !== videoId) return;
    try {
      if (b.track) p.setOption("captions", "track", b.track);
      else if (b.loaded) p.setOption("captions", "track", {});
      else if (typeof p.unloadModule === "function") p.unloadModule("captions");
    } catch (e) { /* the player changed under us: nothing to restore */ }
  }

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
