// Video context for the subtitle model (#15, setting `subtitles.video_context`): one small
// frame of the video goes with the track request, and, while the host asks for them (the
// `track` event's `keyframes`: their long side, present only when the subtitle model reads
// images), a fresh one goes with a `playhead` report every EVERY_S seconds of playback and
// after a seek. The page can only capture the frame the viewer sees, never one of the lines
// ahead, so the host shows a batch the freshest frame taken near its lines.
"use strict";
(() => {
  const G = globalThis.glossa;
  /** The long side asked for before the host says (KEYFRAME_EDGE in host/protocol). */
  const EDGE = 384;
  /** Playback seconds between two frames: about a scene, a few batches. */
  const EVERY_S = 10;
  /** How often playback is looked at. */
  const LOOK_MS = 1000;
  /** Enough to tell who is on screen; a 384-px frame is then 15–30 KB. */
  const QUALITY = 0.8;
  const state = { on: true, timer: 0, canvas: null };

  /** The frame the viewer sees, `edge` px on its long side, as the protocol's Keyframe; null when
   * the picture cannot be read (not loaded, DRM or a cross-origin video:
   * no context then, rather than a screenshot of the tab every few seconds). */
  function capture(video, edge) {
    if (!video || video.readyState < 2 || !video.videoWidth) return null;
    const scale = Math.min(1, edge / Math.max(video.videoWidth, video.videoHeight));
    const canvas = state.canvas || (state.canvas = document.createElement("canvas"));
    canvas.width = Math.max(1, Math.round(video.videoWidth * scale));
    canvas.height = Math.max(1, Math.round(video.videoHeight * scale));
    try {
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      return { image: canvas.toDataURL("image/jpeg", QUALITY).split(",")[1], at: video.currentTime };
    } catch (e) {
      return null;
    }
  }

  G.keyframe = {
    /** The user's setting, from a `settings` event's `subtitles` (absent: an older host, on). */
    setting(subtitles) {
      state.on = !subtitles || subtitles.video_context !== false;
    },
    /** The frame to send with a track request, or null. */
    now: (video) => (state.on ? capture(video, EDGE) : null),
    /**
     * The host asked for frames of `edge` px for the request `requestOf()` names (null once
     * it ended): send one now unless `sent` (the request's own) is still fresh, then one
     * every EVERY_S seconds of playback or after a seek.
     */
    follow(requestOf, edge, sent) {
      clearInterval(state.timer);
      let last = sent ? sent.at : -Infinity;
      const look = () => {
        const target = requestOf();
        if (!target) return clearInterval(state.timer);
        const video = G.findVideo();
        if (!video || Math.abs(video.currentTime - last) < EVERY_S) return;
        const keyframe = capture(video, edge);
        if (!keyframe) return;
        last = keyframe.at;
        G.request({ type: "playhead", target, time: video.currentTime, rate: video.paused ? 0 : video.playbackRate, keyframe }, () => {});
      };
      look();
      state.timer = setInterval(look, LOOK_MS);
    },
  };

  G.request({ type: "get_settings" }, (ev) => {
    if (ev.event === "settings") G.keyframe.setting(ev.subtitles);
  });
})();
