// The subtitle overlay: takes the caption file the player loaded (observed by
// page/timedtext.js), has glossa-host read it and translate the track (a window) ahead of the
// playhead — the host answers first with the cues it read (ids, times, text), then their
// translations — and shows the translated line for video.currentTime in a shadow root
// inside the player.
// It follows seeks, rate changes, ads and YouTube's in-page navigation, and never shows a
// line from another video. All text goes in through textContent.
"use strict";
(() => {
  const G = globalThis.glossa;
  const state = {
    track: null, // { key, videoId, lang, captions, cues, translations, requestId, failed, whole, cost, spentBefore }
    seenTracks: new Map(), // videoId -> Map(track key -> timedtext announcement), the newest SEEN_TRACKS videos
    // Glossa's subtitles on/off (the player's toggle, subtitle-source.js); off: no requests at all.
    on: false,
    // videoId -> the key of the track Glossa chose as source (subtitle-source.js), or null
    // when the player gave no track list (then the track the player loaded is used).
    // Absent: not known yet — nothing is translated until it is.
    wanted: new Map(),
    dropped: null, // the video whose track the host could not read (its caption DOM is read instead)
    display: { font_size: 100, position: "bottom", dual: false },
    shown: null,
  };
  const dom = G.captionsDom; // the caption-DOM fallback (captions-dom.js)

  const videoIdNow = () => G.videoId(); // content.js: /watch, /shorts/, /embed/, /live/

  // A track's text can be megabytes, and a tab can go through hundreds of videos (YouTube
  // navigates in-page; hovering thumbnails plays previews with captions): keep only the
  // tracks a navigation can still need — the current video's, the previous one's (Back),
  // and one that arrived just before its navigation finished.
  const SEEN_TRACKS = 3;
  /** Tracks kept per video: the player may load several (its default, Glossa's, the viewer's). */
  const TRACKS_PER_VIDEO = 3;
  function rememberTrack(v, key, announcement) {
    const tracks = state.seenTracks.get(v) || new Map();
    state.seenTracks.delete(v); // re-inserted as the newest
    state.seenTracks.set(v, tracks);
    tracks.delete(key);
    tracks.set(key, announcement);
    while (tracks.size > TRACKS_PER_VIDEO) tracks.delete(tracks.keys().next().value);
    while (state.seenTracks.size > SEEN_TRACKS) state.seenTracks.delete(state.seenTracks.keys().next().value);
  }

  /**
   * A caption track's key: video, language, manual or ASR, and YouTube's own machine
   * translation (`tlang`) — a different text from the track it translates, so a track of
   * its own.
   */
  G.trackKey = (v, lang, asr, tlang) => `youtube:${v}:${lang}:${asr ? "asr" : "standard"}${tlang ? `:tlang=${tlang}` : ""}`;
  const keyOfUrl = (v, url) =>
    G.trackKey(v, url.searchParams.get("lang") || "", url.searchParams.get("kind") === "asr", url.searchParams.get("tlang") || "");

  /** The caption formats glossa-host reads (CaptionFormat in the protocol crate). */
  const FORMATS = new Set(["json3", "srv3", "vtt"]);

  window.addEventListener("message", (e) => {
    if (e.source !== window || !e.data || e.data.source !== "glossa-page" || e.data.type !== "timedtext") return;
    if (typeof e.data.url !== "string" || typeof e.data.body !== "string" || !FORMATS.has(e.data.format)) return;
    let url;
    try { url = new URL(e.data.url); } catch (err) { return; }
    const v = url.searchParams.get("v");
    if (!v) return;
    rememberTrack(v, keyOfUrl(v, url), { url, body: e.data.body, format: e.data.format });
    if (v === videoIdNow()) useTrack(v);
  });

  function useTrack(v) {
    if (!state.on || !state.wanted.has(v)) return;
    const tracks = state.seenTracks.get(v);
    if (!tracks) return;
    const wanted = state.wanted.get(v);
    // The chosen track, or (no track list) the one the player loaded last.
    const key = wanted === null ? [...tracks.keys()].pop() : wanted;
    const seen = tracks.get(key);
    if (!seen) return; // the player has not loaded it yet
    rememberTrack(v, key, seen); // in use: the last to be dropped
    // A machine-translated track's text is in its `tlang`.
    const lang = seen.url.searchParams.get("tlang") || seen.url.searchParams.get("lang") || "";
    if (state.track && state.track.key === key) return; // the player fetched it again
    stopTrack();
    // The file goes to the host as it came: the host reads it (as `translate-subs` does).
    const captions = { format: seen.format, text: seen.body };
    state.track = {
      key, videoId: v, lang, captions, cues: [], translations: new Map(), requestId: null, failed: null,
      whole: false, cost: null, spentBefore: { input_tokens: 0, output_tokens: 0 },
    };
    requestTrack();
    loadDisplay();
  }

  /** The user's display settings (dual lines, size, position), read again per video. */
  function loadDisplay() {
    G.request({ type: "get_settings" }, (ev) => {
      if (ev.event === "settings" && ev.display) { state.display = ev.display; render(true); }
      if (ev.event === "settings") G.keyframe.setting(ev.subtitles);
    });
  }

  function requestTrack() {
    const tr = state.track;
    const video = G.findVideo();
    tr.failed = null;
    // Tokens the track's earlier requests used still count for this video.
    if (tr.cost) tr.spentBefore = addTokens(tr.spentBefore, tr.cost.used);
    tr.cost = null;
    const body = {
      type: "translate_track", track: tr.key, captions: tr.captions,
      playhead: video ? video.currentTime : 0, rate: effectiveRate(video),
    };
    if (tr.lang) body.from = tr.lang;
    if (tr.whole) body.whole = true; // the user asked for every line (the player menu)
    const keyframe = G.keyframe.now(video); // what the viewer sees: context for the lines (keyframe.js)
    if (keyframe) body.keyframe = keyframe;
    tr.requestId = G.request(body, (ev) => {
      if (state.track !== tr) return;
      if (ev.event === "track") {
        tr.cues = ev.cues || [];
        if (ev.keyframes) G.keyframe.follow(() => (state.track === tr ? tr.requestId : null), ev.keyframes, keyframe);
        // Nothing to show (an empty track): the player's caption DOM may still have lines.
        if (!tr.cues.length) dropTrack(tr);
      } else if (ev.event === "error" && !tr.cues.length && (ev.code === "bad_request" || ev.code === "too_large")) {
        dropTrack(tr); // the host could not read the file: fall back to the caption DOM
      } else if (ev.event === "cues") {
        for (const c of ev.cues || []) tr.translations.set(String(c.id), c);
        render(true);
      } else if (ev.event === "cost") {
        tr.cost = ev; // paid providers only: tokens used, and the estimate for the rest
      } else if (ev.event === "done") {
        tr.requestId = null;
      } else if (ev.event === "error") {
        tr.requestId = null;
        tr.failed = ev;
        render(true);
      }
    });
  }

  const addTokens = (a, b) => ({ input_tokens: a.input_tokens + b.input_tokens, output_tokens: a.output_tokens + b.output_tokens });

  /** The current video's track for the player menu (menu.js), or null: its lines, the
   * translations so far, what it cost (paid providers), and a way to ask for all of it. */
  G.subtitleTrack = () => {
    const tr = state.track;
    if (!tr || tr.videoId !== videoIdNow()) return null;
    return {
      videoId: tr.videoId, lang: tr.lang, cues: tr.cues, translations: tr.translations, failed: tr.failed,
      whole: tr.whole, running: !!tr.requestId,
      cost: tr.cost && { used: addTokens(tr.spentBefore, tr.cost.used), rest: tr.cost.rest, rest_units: tr.cost.rest_units },
      translateWhole() {
        if (state.track !== tr || (tr.whole && (tr.requestId || !tr.failed))) return;
        tr.whole = true;
        if (tr.requestId) G.cancel(tr.requestId); // what it already translated is in the cache
        requestTrack();
      },
    };
  };

  /** Give up on track `tr` without a notice, so the caption-DOM fallback can take over. */
  function dropTrack(tr) {
    if (state.track !== tr) return;
    if (tr.requestId) G.cancel(tr.requestId);
    state.track = null;
    state.dropped = tr.videoId;
    readShownCaption();
    render(true);
  }

  function stopTrack() {
    const tr = state.track;
    state.track = null;
    if (tr && tr.requestId) G.cancel(tr.requestId);
    dom.stop();
    render(true);
  }

  /** How fast the playhead moves: 0 while paused, so the host does not run ahead of it. */
  function effectiveRate(video) {
    if (!video) return 1;
    return video.paused ? 0 : video.playbackRate;
  }

  /** The viewer moved: re-prioritise (a running request's window follows the playhead), or
   * ask again if the host already finished (lines left behind by a seek) or failed. */
  function playheadMoved() {
    const tr = state.track;
    const video = G.findVideo();
    if (!tr || !video) return;
    if (tr.requestId) {
      G.request({ type: "playhead", target: tr.requestId, time: video.currentTime, rate: effectiveRate(video) }, () => {});
      return;
    }
    const t = video.currentTime;
    const missing = tr.cues.some((c) => c.end > t && c.start < t + 30 && !tr.translations.has(c.id));
    if (missing || tr.failed) requestTrack(); // cached lines cost nothing
  }

  function cueAt(cues, t) {
    let lo = 0, hi = cues.length - 1, found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cues[mid].start <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // Overlapping cues: the latest one that started and has not ended.
    for (let i = found; i !== null && i >= 0 && i > found - 4; i--) if (cues[i].end > t) return cues[i];
    return null;
  }

  let hideStyle = null;
  function hideNativeCaptions(hide) {
    if (hide && !hideStyle) {
      hideStyle = G.el("style", { "data-glossa": "hide-native-captions" },
        ".html5-video-player .ytp-caption-window-container { visibility: hidden !important; }");
      document.documentElement.append(hideStyle);
    } else if (!hide && hideStyle) {
      hideStyle.remove();
      hideStyle = null;
    }
  }

  function overlayBox() {
    const layer = G.layer();
    if (!layer) return null;
    let box = layer.querySelector("[data-glossa='subtitle-overlay']");
    if (!box) {
      box = G.el("div", { class: "subs", "data-glossa": "subtitle-overlay", "aria-live": "polite" });
      layer.append(box);
      // Theatre mode, fullscreen, a rotated phone: the line's size follows the player's.
      new ResizeObserver(() => render(true)).observe(layer.getRootNode().host);
    }
    return box;
  }

  function render(force) {
    const video = G.findVideo();
    const player = G.findPlayer();
    const tr = state.track;
    if (!tr && !dom.active() && !state.shown && !force && !(G.burninShown && G.burninShown(0))) return;
    const box = overlayBox();
    if (!box || !video) return;
    const ad = G.adShowing();
    const sameVideo = tr && tr.videoId === videoIdNow();
    const cue = tr && sameVideo && !ad ? cueAt(tr.cues, video.currentTime) : null;
    let line = cue ? tr.translations.get(cue.id) : null;
    let original = cue ? cue.text : "";
    let cueId = cue ? cue.id : "";
    let at = cue ? cue.start : video.currentTime; // where the line starts, for a study card
    const fromDom = !tr && !ad ? dom.shown(video.currentTime) : null;
    if (fromDom) {
      line = fromDom.translation;
      original = fromDom.text;
      cueId = "dom";
    }
    // Burned-in mode (burnin.js): the line read from the picture, where no track or caption DOM speaks.
    const burnin = !tr && !fromDom && !ad && G.burninShown ? G.burninShown(video.currentTime) : null;
    if (burnin && burnin.cue) {
      line = { text: burnin.cue.translation, reading: burnin.cue.reading, host_words: burnin.cue.hostWords };
      original = burnin.cue.text;
      cueId = burnin.cue.id;
      at = burnin.cue.start;
    }
    const behind = burnin && burnin.behind ? G.t("burninBehind") : "";
    if (line && !line.text.trim()) line = null; // a blank cue: no line, so no empty box
    const failed = tr ? tr.failed : dom.failed() || (burnin && burnin.failed);
    const said = failed && G.errorText(failed);
    const notice = failed ? `${G.t("subtitlesUnavailable", [said.message])} ${said.hint}` : "";
    const d = state.display;
    box.classList.toggle("top", d.position === "top");
    box.classList.toggle("controls", !!player && !player.classList.contains("ytp-autohide") && d.position !== "top");
    const base = Math.max(12, (player ? player.clientHeight : 360) * 0.045);
    box.style.fontSize = `${Math.round((base * (d.font_size || 100)) / 100)}px`;
    const key = `${cueId}|${line ? line.text : ""}|${d.dual}|${notice}|${behind}|${line && line.reading ? "r" : ""}`;
    if (key === state.shown && !force) return;
    state.shown = key;
    box.textContent = "";
    if (line) {
      const l = G.el("span", { class: "line", "data-glossa": "subtitle-line", "data-cue-id": cueId }, line.text);
      if (line.untranslated) {
        // The host could not translate this line: its original is shown, marked as such.
        l.dataset.untranslated = "true";
        l.title = G.t("subtitleUntranslated");
      }
      if (G.studyButton) l.append(G.studyButton({ sentence: original, translation: line.text, lang: tr ? tr.lang : "", at }));
      box.append(l);
      if (d.dual) {
        // Its words are elements a click explains (word-gloss.js). A line no page named a
        // language for (the caption DOM of a live stream, a burned-in line) is looked up in
        // the language the host tells by its script.
        const words = G.wordLine
          ? G.wordLine({
            text: original, cueId, lang: tr ? tr.lang : "", tokens: line.reading, hostWords: !!line.host_words,
            translation: line.untranslated ? "" : line.text, at,
          })
          : null;
        box.append(words || G.el("span", { class: "line original", "data-glossa": "subtitle-original", "data-cue-id": cueId }, original));
      }
      if (line.reading) box.append(readingLine(line.reading, cueId));
    }
    if (notice) box.append(G.el("span", { class: "notice", "data-glossa": "subtitle-notice" }, notice));
    if (behind) box.append(G.el("span", { class: "notice", "data-glossa": "burnin-behind" }, behind));
    // The player's own captions stay hidden while Glossa shows a line in their place, and
    // while Glossa's track for this video is on its way (it had the player load it).
    hideNativeCaptions(!!line || (!!tr && sameVideo && !ad && !tr.failed));
  }

  /**
   * The caption DOM is read only where no caption file will come: the player gave no track
   * list (a live stream), or the host could not read the track. Elsewhere the player's
   * captions may show another track (its default, YouTube's auto-translation) until
   * Glossa's arrives.
   */
  /**
   * Read the caption the player shows, when the caption DOM is what Glossa reads: on every
   * DOM change, and when it becomes the source (turned on, no track, a track dropped),
   * since a paused player makes no change.
   */
  function readShownCaption() {
    if (readsCaptionDom()) dom.read();
  }

  function readsCaptionDom() {
    const v = videoIdNow();
    if (!v) return state.on; // a page without a watch id: no track list is read there
    return state.on && (state.wanted.get(v) === null || state.dropped === v);
  }

  /**
   * The reading under the original (the host sends it with the cue when the user turned
   * readings on for the language), one element per word: ruby over the kanji and hanzi
   * where the host cut the word for it (Japanese, Chinese), else the word's reading as a
   * plain line (Korean, Russian, Ukrainian, Greek).
   */
  function readingLine(tokens, cueId) {
    const l = G.el("span", { class: "line reading", "data-glossa": "subtitle-reading", "data-cue-id": cueId });
    for (const t of tokens) {
      if (!t.reading) { l.append(document.createTextNode(t.surface)); continue; }
      const word = G.el("span", { class: "word", "data-glossa": "reading-word" });
      if (!t.ruby || !t.ruby.length) word.textContent = t.reading;
      for (const [base, rt] of t.ruby || []) {
        if (!rt) { word.append(document.createTextNode(base)); continue; }
        const r = G.el("ruby", {}, base);
        r.append(G.el("rt", {}, rt));
        word.append(r);
      }
      l.append(word);
    }
    return l;
  }

  let frame = 0;
  function tick() {
    frame = 0;
    render(false);
    const video = G.findVideo();
    if (video && !video.paused && (state.track || dom.active())) frame = requestAnimationFrame(tick);
  }
  const kick = () => { if (!frame) frame = requestAnimationFrame(tick); };

  G.startSubtitles = () => {
    // Media events do not bubble, but capture-phase listeners on the document see them.
    for (const type of ["play", "pause", "timeupdate", "loadedmetadata"]) document.addEventListener(type, kick, true);
    for (const type of ["seeked", "ratechange", "pause", "play"]) {
      document.addEventListener(type, () => { playheadMoved(); render(true); }, true);
    }
    document.addEventListener("yt-navigate-start", stopTrack);
    document.addEventListener("yt-navigate-finish", () => {
      const v = videoIdNow();
      if (state.track && state.track.videoId !== v) stopTrack();
      if (v) useTrack(v);
    });
    dom.attach({ changed: () => render(true), newVideo: loadDisplay });
    new MutationObserver(() => {
      readShownCaption();
      if (G.findPlayer() && (state.track || dom.active())) kick();
    }).observe(document.documentElement, { subtree: true, childList: true, characterData: true, attributeFilter: ["class"] });
    const v = videoIdNow();
    if (v) useTrack(v);
    window.postMessage({ source: "glossa-content", type: "replay" }, location.origin);
  };

  /** Show the line for the playhead now (burned-in mode, burnin.js, times its own lines). */
  G.renderSubtitles = (force) => render(!!force);
  /** Read the user's display settings again (dual lines, size, position). */
  G.loadSubtitleDisplay = loadDisplay;

  /** Glossa's subtitles on or off (off: nothing shown or asked, the player's captions as they were). */
  G.setSubtitlesOn = (on) => {
    state.on = on;
    if (!on) return stopTrack();
    const v = videoIdNow();
    if (v) useTrack(v);
    readShownCaption();
  };

  /** The track video `v` is translated from (its key), or null: the one the player loads. */
  G.setSubtitleSource = (v, key) => {
    state.wanted.delete(v);
    state.wanted.set(v, key);
    while (state.wanted.size > SEEN_TRACKS) state.wanted.delete(state.wanted.keys().next().value);
    if (v === videoIdNow()) useTrack(v);
    readShownCaption();
  };
})();
