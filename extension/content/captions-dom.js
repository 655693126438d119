// Caption-DOM fallback for the subtitle overlay: when no caption file was seen for this
// video (a live stream's captions come with the stream), translate the lines the player
// shows in its DOM (.ytp-caption-segment), as they appear. overlay.js asks `read()` on every
// DOM change while it has no track, and shows `shown()`. All text goes in through
// textContent (overlay.js renders it).
"use strict";
(() => {
  const G = globalThis.glossa;
  let dom = null; // { text, requestId, translation, failed }
  let seq = 0;
  let video = null; // the video the display settings were last read for
  let hooks = { changed() {}, newVideo() {} };

  const videoIdNow = () => new URL(location.href).searchParams.get("v");

  // Glossa's line follows the player's: it goes as soon as the player's caption changes or
  // goes (a pause between lines shows nothing).
  function read() {
    const segs = document.querySelectorAll("#movie_player .ytp-caption-segment");
    const text = [...segs].map((s) => s.textContent).join(" ").trim();
    if ((dom ? dom.text : "") === text) return;
    if (dom && dom.requestId) G.cancel(dom.requestId);
    dom = null;
    if (!text) return hooks.changed();
    const el = G.findVideo();
    const t = el ? el.currentTime : 0;
    const mine = { text, requestId: null, translation: null, failed: null };
    dom = mine;
    hooks.changed();
    const v = videoIdNow() || location.pathname;
    if (video !== v) { video = v; hooks.newVideo(); }
    mine.requestId = G.request({
      type: "translate_track", track: `youtube:${v}:dom`, cues: [{ id: `d${++seq}`, start: t, end: t + 10, text }], playhead: t,
    }, (ev) => {
      if (dom !== mine) return;
      if (ev.event === "cues" && ev.cues && ev.cues[0]) { mine.translation = ev.cues[0]; hooks.changed(); }
      if (ev.event === "done" || ev.event === "error") mine.requestId = null;
      if (ev.event === "error") { mine.failed = ev; hooks.changed(); } // say why, as for a track
    });
  }

  /** Forget everything (another video, or a caption file took over). */
  function stop() {
    if (dom && dom.requestId) G.cancel(dom.requestId);
    dom = null;
    video = null;
  }

  G.captionsDom = {
    /** `changed`: the line to show changed; `newVideo`: the display settings may differ. */
    attach(h) { hooks = h; },
    read,
    stop,
    /** Whether there is anything to show or wait for. */
    active: () => !!dom,
    /** The line to show now: { text (the original), translation: {text, untranslated} } or null. */
    shown: () => (dom && dom.translation ? { text: dom.text, translation: dom.translation } : null),
    /** The error the host gave for the last request, if any. */
    failed: () => (dom ? dom.failed : null),
  };
})();
