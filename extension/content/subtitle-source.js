// Which caption track Glossa translates, and the on/off control for Glossa's subtitles.
// The viewer never presses CC: the player's track list (read by page/timedtext.js, the only
// side that can reach the player API) gives the tracks; Glossa chooses its source — the
// viewer's source language if set, else a manual track in the video's own language (the
// language of its auto-generated track), else the auto-generated track — and has the
// player load it, so the player's own signed request brings the cues (overlay.js).
// The toggle (`subtitles-toggle` in the player's controls) is on by default once a
// provider is set, and remembered; off means no requests and the player's captions as
// the viewer had them.
"use strict";
(() => {
  const G = globalThis.glossa;
  const STORE_KEY = "subtitlesOn";
  const state = { on: false, settings: null, asked: null, timer: 0 };

  const videoIdNow = () => G.videoId(); // content.js: /watch, /shorts/, /embed/, /live/
  const baseLanguage = (code) => String(code || "").toLowerCase().split("-")[0];

  /** The track in `lang` among `tracks`: the exact code first, then the same base language. */
  function inLanguage(tracks, lang) {
    const l = String(lang).toLowerCase();
    return tracks.find((t) => t.languageCode.toLowerCase() === l) || tracks.find((t) => baseLanguage(t.languageCode) === baseLanguage(l)) || null;
  }

  /** The track to translate from, per the rules above; null if the video has none. */
  function chooseSourceTrack(tracks, sourceLanguage) {
    const manual = tracks.filter((t) => t.kind !== "asr");
    const asr = tracks.filter((t) => t.kind === "asr");
    if (sourceLanguage) {
      const chosen = inLanguage(manual, sourceLanguage) || inLanguage(asr, sourceLanguage);
      if (chosen) return chosen;
    }
    if (asr.length) return inLanguage(manual, asr[0].languageCode) || asr[0];
    // No auto-generated track: the video's language is unknown; the player's default.
    return tracks.find((t) => t.isDefault) || manual[0] || null;
  }
  G.chooseSourceTrack = chooseSourceTrack;

  const post = (msg) => window.postMessage({ source: "glossa-content", ...msg }, location.origin);

  // The player knows a video's tracks a moment after navigation: ask until it does.
  const ASK_EVERY_MS = 250;
  const ASK_TRIES = 40;
  function askTracks(v, tries = 0) {
    clearTimeout(state.timer);
    state.asked = { v, tries };
    post({ type: "caption-tracks", videoId: v });
    state.timer = setTimeout(() => {
      if (!state.on || videoIdNow() !== v) return;
      if (tries + 1 < ASK_TRIES) askTracks(v, tries + 1);
      else G.setSubtitleSource(v, null); // no track list: use what the player loads
    }, ASK_EVERY_MS);
  }

  window.addEventListener("message", (e) => {
    if (e.source !== window || !e.data || e.data.source !== "glossa-page" || e.data.type !== "caption-tracks") return;
    const { videoId: v, tracks } = e.data;
    if (!state.on || !state.asked || state.asked.v !== v || v !== videoIdNow() || !Array.isArray(tracks)) return;
    clearTimeout(state.timer);
    state.asked = null;
    const valid = tracks.filter((t) => t && typeof t.languageCode === "string");
    const chosen = chooseSourceTrack(valid, state.settings && state.settings.source_language);
    if (!chosen) return G.setSubtitleSource(v, null); // no tracks (a live stream): the caption DOM
    G.setSubtitleSource(v, G.trackKey(v, chosen.languageCode, chosen.kind === "asr", ""));
    post({ type: "load-caption-track", videoId: v, track: { languageCode: chosen.languageCode, kind: chosen.kind } });
  });

  function start(v) {
    if (state.on && v) askTracks(v);
  }

  function setOn(on, remember) {
    const was = state.on;
    state.on = on;
    if (remember) chrome.storage.local.set({ [STORE_KEY]: on }).catch(() => {});
    G.setSubtitlesOn(on);
    updateToggle();
    const v = videoIdNow();
    if (on && !was) start(v);
    if (!on && was) {
      clearTimeout(state.timer);
      state.asked = null;
      if (v) post({ type: "restore-captions", videoId: v });
    }
  }

  // ------------------------------------------------------------ the toggle

  const icon = () => G.controlIcon({
    frame: "M8 10h20a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2V12a2 2 0 0 1 2-2z", glyph: "字幕", y: "22", size: "9",
    // Shown while Glossa's subtitles are on.
    extra: { class: "glossa-on-bar", d: "M10 29h16", stroke: "#3ea6ff", "stroke-width": "2.5" },
  });

  function toggle() {
    return document.querySelector("#movie_player [data-glossa='subtitles-toggle'], [data-glossa='subtitles-toggle']");
  }

  function updateToggle() {
    const b = toggle();
    if (!b) return;
    b.setAttribute("aria-pressed", String(state.on));
    const bar = b.querySelector(".glossa-on-bar");
    if (bar) bar.style.visibility = state.on ? "visible" : "hidden";
  }

  function addToggle() {
    // Where the frame button goes (content.js, which loads after this file): the same group.
    const controls = G.controlSlot && G.controlSlot();
    if (!controls || controls.querySelector("[data-glossa='subtitles-toggle']")) return;
    const button = G.controlButton({
      name: "subtitles-toggle", label: G.t("buttonSubtitles"), content: icon(), attrs: { "aria-pressed": String(state.on) },
      onClick: () => { if (state.settings) setOn(!state.on, true); },
    });
    G.placeControl(controls, button);
    updateToggle();
  }

  G.keepControl(addToggle);

  document.addEventListener("yt-navigate-finish", () => start(videoIdNow()));

  // The viewer's choice if they made one; else on once a provider is set.
  // Without an answer (no host) it is on, so the overlay can say why nothing shows.
  G.request({ type: "get_settings" }, (ev) => {
    if (ev.event !== "settings" && ev.event !== "error") return;
    state.settings = ev.event === "settings" ? ev : {};
    const byDefault = ev.event === "settings" ? !!ev.provider : true;
    chrome.storage.local.get(STORE_KEY).then((stored) => {
      const remembered = stored ? stored[STORE_KEY] : undefined;
      setOn(typeof remembered === "boolean" ? remembered : byDefault, false);
    }, () => setOn(byDefault, false));
  });
})();
