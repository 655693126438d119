// Burned-in subtitle mode (issue #16): for a video whose subtitles are part of the picture.
// While it is on, the caption strip at the bottom of the picture is sampled 4 times a
// second, small and gray, and sent to the background, whose wasm detector (glossa-burnin,
// the same as `glossa-host burnin`) says when a line appeared or left. Each new line's strip
// goes to glossa-host once (`translate_burnin_line`: read and translated by the frame model,
// cached per video and time); the overlay (overlay.js) shows the translation from the
// line's appearance to its leaving. Thin by design: sampling and display here, detection in
// the background, reading in the host. All text goes in through textContent.
"use strict";
(() => {
  const G = globalThis.glossa;
  // As content.js: YouTube's own helper frames take no part.
  if (window !== window.top && !location.pathname.startsWith("/embed/")) return;

  const SAMPLE_MS = 250;
  /** The detector's strip width (glossa_burnin::Config::strip_width): sampled at that size to begin with. */
  const STRIP_WIDTH = 256;
  /** Where subtitles usually are (glossa_burnin::Band::DEFAULT), as fractions of the picture's height. */
  const BAND = { top: 0.75, bottom: 0.97 };
  /** The strip sent to the host for reading: the picture's width, at most this. */
  const READ_WIDTH = 1280;
  /** A line detected again within this of a line already read (a seek back) is that line: no call. */
  const SAME_LINE_SECS = 0.6;
  /** The behind note stays this long after a line left the screen untranslated. */
  const BEHIND_SECS = 10;
  /** Videos whose burned-in state is kept (YouTube navigates in-page). */
  const KEPT_VIDEOS = 5;
  const COMMAND = "burnin-toggle";

  // videoId -> { videoId, on, cues: [{ id, start, end, endKnown, seenTo, reading, rows }], queue, asking, lateAt }
  // A cue's `reading` ({ text, translation, state: queued|asking|done|failed }) is shared
  // by the repeats of one line.
  const videos = new Map();
  let detection = null; // { id, lines: Map(detector line -> cue) } of the current video
  let seq = 0;
  let timer = 0;
  let frame = 0;
  let backdropOn = true;
  // Figures for the browser test: time spent sampling, and from a sample to the background's answer (in order).
  const stats = { samples: 0, sampleMs: 0, readMs: 0, via: "", canvasMs: 0, canvasRuns: 0, answers: 0, answerMs: 0, sentAt: [] };

  const stateOf = (v) => {
    let st = videos.get(v);
    if (!st) {
      st = { videoId: v, on: false, cues: [], queue: [], asking: null, lateAt: null, failed: null };
      videos.set(v, st);
      while (videos.size > KEPT_VIDEOS) videos.delete(videos.keys().next().value);
    }
    return st;
  };
  const current = () => {
    const v = G.videoId();
    const st = v ? videos.get(v) : null;
    return st && st.on ? st : null;
  };

  // ---------------------------------------------------------------- sampling

  const small = document.createElement("canvas");
  let smallCtx = null;

  /** The strip's rows in the video's pixels. */
  function bandRows(video) {
    const top = Math.floor(video.videoHeight * BAND.top);
    return { top, height: Math.max(1, Math.ceil(video.videoHeight * BAND.bottom) - top) };
  }

  function newDetection() {
    // Lines still open in the old detection end where they were last seen.
    const st = current();
    if (st) for (const c of st.cues) if (c.end === null) c.end = c.seenTo;
    detection = { id: `b${++seq}`, lines: new Map() };
  }

  /** The strip as `w × h` gray bytes through a canvas: draw, read back, BT.601 luma in
   * integers as glossa_burnin::GrayImage::from_rgba. Null when the picture cannot be read. */
  function canvasGray(video, band, w, h) {
    if (small.width !== w || small.height !== h || !smallCtx) {
      small.width = w;
      small.height = h;
      smallCtx = small.getContext("2d", { willReadFrequently: true });
    }
    smallCtx.drawImage(video, 0, band.top, video.videoWidth, band.height, 0, 0, w, h);
    let rgba;
    try {
      rgba = smallCtx.getImageData(0, 0, w, h).data;
    } catch (e) {
      return null; // a cross-origin picture
    }
    const gray = new Uint8Array(w * h);
    for (let i = 0, j = 0; j < gray.length; i += 4, j++) gray[j] = (77 * rgba[i] + 150 * rgba[i + 1] + 29 * rgba[i + 2]) >> 8;
    return gray;
  }

  /** The luma planes a decoder hands over (WebCodecs VideoFrame formats). */
  const PLANAR = new Set(["I420", "I420A", "I422", "I444", "NV12"]);
  let framesUnusable = typeof VideoFrame !== "function";

  /**
   * The strip as `w × h` gray bytes straight from the decoded frame's luma plane (WebCodecs):
   * no colour conversion, no canvas, no read-back — a few times cheaper than canvasGray.
   * Box-filtered to `w × h`, and video-range luma (16–235) stretched to full range as a
   * canvas would give it. Null where frames are not in a planar YUV format (then the
   * canvas is used from then on).
   */
  async function frameGray(video, w, h) {
    if (framesUnusable) return null;
    let frame;
    try {
      frame = new VideoFrame(video);
      if (!PLANAR.has(frame.format)) { framesUnusable = true; return null; }
      const vis = frame.visibleRect;
      // Chroma is subsampled: the rectangle starts and spans on even rows and columns.
      const top = (vis.y + Math.floor(vis.height * BAND.top)) & ~1;
      const rows = Math.max(2, (Math.ceil(vis.height * BAND.bottom) - (top - vis.y)) & ~1);
      const rect = { x: vis.x & ~1, y: top, width: vis.width & ~1, height: Math.min(rows, (vis.y + vis.height - top) & ~1) };
      const buffer = new Uint8Array(frame.allocationSize({ rect }));
      const layout = await frame.copyTo(buffer, { rect });
      const { offset, stride } = layout[0];
      const sw = rect.width, sh = rect.height;
      const sums = new Uint32Array(w * h), counts = new Uint32Array(w * h);
      const xs = new Uint16Array(sw);
      for (let x = 0; x < sw; x++) xs[x] = Math.min(w - 1, Math.floor((x * w) / sw));
      for (let y = 0; y < sh; y++) {
        const row = Math.min(h - 1, Math.floor((y * h) / sh)) * w;
        const src = offset + y * stride;
        for (let x = 0; x < sw; x++) { sums[row + xs[x]] += buffer[src + x]; counts[row + xs[x]]++; }
      }
      const gray = new Uint8Array(w * h);
      for (let i = 0; i < gray.length; i++) {
        const yv = counts[i] ? sums[i] / counts[i] : 0;
        gray[i] = Math.max(0, Math.min(255, Math.round(((yv - 16) * 255) / 219)));
      }
      return gray;
    } catch (e) {
      framesUnusable = true; // e.g. a cross-origin video: the canvas path says so
      return null;
    } finally {
      if (frame) frame.close();
    }
  }

  let sampling = false;
  async function sample() {
    const st = current();
    const video = G.findVideo();
    if (!st || !video) return stopSampling();
    if (sampling || video.paused || video.seeking || video.readyState < 2 || !video.videoWidth || G.adShowing()) return;
    sampling = true;
    try {
      const t0 = performance.now();
      const band = bandRows(video);
      const w = STRIP_WIDTH, h = Math.max(1, Math.round((band.height * w) / video.videoWidth));
      const time = video.currentTime;
      const id = detection.id;
      let gray = await frameGray(video, w, h);
      const via = gray ? "frame" : "canvas";
      if (!gray) gray = canvasGray(video, band, w, h);
      if (!gray || id !== detection.id || !current()) return;
      stats.readMs += performance.now() - t0;
      stats.via = via;
      // The baseline, measured now and then in the same run: the canvas path's cost.
      if (via === "frame" && stats.samples % 8 === 0) {
        const c0 = performance.now();
        canvasGray(video, band, w, h);
        stats.canvasMs += performance.now() - c0;
        stats.canvasRuns++;
      }
      let bin = "";
      for (let i = 0; i < gray.length; i += 0x8000) bin += String.fromCharCode.apply(null, gray.subarray(i, i + 0x8000));
      lastGray = { gray, w, h };
      stats.sentAt.push(performance.now());
      if (stats.sentAt.length > 64) stats.sentAt.shift(); // answers lost with the background
      G.burninSample({ id, time, width: w, height: h, gray: btoa(bin) });
      stats.samples++;
      stats.sampleMs += performance.now() - t0;
      for (const c of st.cues) if (c.end === null) c.seenTo = time;
    } finally {
      sampling = false;
    }
  }
  let lastGray = null;

  /** The rows of the latest sample that hold light text, as fractions of the picture's height (for the backdrop). */
  function textRows() {
    if (!lastGray) return null;
    const { gray, w, h } = lastGray;
    let first = -1, last = -1;
    for (let y = 0; y < h; y++) {
      let light = 0;
      for (let x = 0; x < w; x++) if (gray[y * w + x] >= 160) light++;
      if (light >= w * 0.02) { if (first < 0) first = y; last = y; }
    }
    if (first < 0) return null;
    const span = BAND.bottom - BAND.top;
    return { top: BAND.top + (Math.max(0, first - 2) / h) * span, bottom: BAND.top + (Math.min(h, last + 3) / h) * span };
  }

  /** The strip as the host reads it: full width (at most READ_WIDTH), JPEG, base64. */
  function readStrip(video) {
    const band = bandRows(video);
    const scale = Math.min(1, READ_WIDTH / video.videoWidth);
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.max(1, Math.round(band.height * scale));
    canvas.getContext("2d").drawImage(video, 0, band.top, video.videoWidth, band.height, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL("image/jpeg", 0.9).split(",")[1];
  }

  // ---------------------------------------------------------------- lines

  G.onBurnin = ({ id, lines }) => {
    const sent = stats.sentAt.shift();
    if (sent !== undefined) {
      stats.answers++;
      stats.answerMs += performance.now() - sent;
    }
    const st = current();
    if (!st || !detection || id !== detection.id) return;
    for (const ev of lines || []) {
      if (ev.kind === "appeared") appeared(st, ev);
      else if (ev.kind === "left") {
        const cue = detection.lines.get(ev.line);
        if (!cue) continue;
        cue.end = ev.at;
        cue.endKnown = true;
        if (cue.reading.state !== "done") st.lateAt = ev.at; // left before its translation came
      }
    }
    showStats();
  };

  function appeared(st, ev) {
    const known = ev.repeat_of != null ? detection.lines.get(ev.repeat_of) : null;
    // Seen before in this video (a seek back, a re-watch): the same cue, read once.
    const again = st.cues.find((c) => Math.abs(c.start - ev.at) <= SAME_LINE_SECS);
    if (again) {
      if (!again.endKnown) again.end = null; // shown until it leaves, this time
      again.seenTo = ev.seen_at;
      detection.lines.set(ev.line, again);
      if (again.reading.state === "failed") queueReading(st, again); // the host failed last time: once more
      return;
    }
    const cue = { id: `burnin-${ev.at.toFixed(2)}`, start: ev.at, end: null, endKnown: false, seenTo: ev.seen_at, rows: textRows(), reading: null };
    if (known) {
      cue.reading = known.reading; // the same line shown again: its reading
    } else {
      cue.reading = { text: "", translation: "", state: "queued" };
      queueReading(st, cue);
    }
    st.cues.push(cue);
    st.cues.sort((a, b) => a.start - b.start);
    detection.lines.set(ev.line, cue);
  }

  /** Queue `cue`'s strip, as on screen now, for reading. */
  function queueReading(st, cue) {
    const video = G.findVideo();
    let image = null;
    try { image = video ? readStrip(video) : null; } catch (e) { /* unreadable picture */ }
    if (!image) { cue.reading.state = "failed"; return; }
    cue.reading.state = "queued";
    st.queue.push({ cue, image });
    ask(st);
  }

  /** One line at a time to the host, the newest first: a line still on screen matters more
   * than one that already left (which is still read, for the export, but never shown late). */
  function ask(st) {
    if (st.asking || !st.queue.length) return;
    const { cue, image } = st.queue.pop();
    const reading = cue.reading;
    reading.state = "asking";
    // The video the line is from (the viewer may have moved on: it is still read, for a return).
    st.asking = G.request({ type: "translate_burnin_line", image, video: `youtube:${st.videoId}`, at: cue.start }, (ev) => {
      if (ev.event === "burnin_line") {
        reading.text = ev.text || "";
        reading.translation = ev.translation || "";
        reading.tokens = ev.reading || null; // how the line is read, when readings are on for its language
        reading.state = "done";
        G.renderSubtitles && G.renderSubtitles();
      } else if (ev.event === "done" || ev.event === "error") {
        if (reading.state !== "done") reading.state = "failed";
        // The host's last error (no frame model, host unavailable) is shown until a line is read.
        st.failed = ev.event === "error" ? ev : reading.state === "done" ? null : st.failed;
        st.asking = null;
        ask(st);
        showStats();
        if (G.renderSubtitles) G.renderSubtitles(); // a notice may come or go while paused
      }
    });
  }

  /** The cue to show at `t`, and whether the translations are behind the video. */
  function shownAt(st, t) {
    let cue = null;
    for (const c of st.cues) {
      if (c.start > t) break;
      if ((c.end === null || t < c.end) && c.reading.state === "done" && c.reading.translation.trim()) cue = c;
    }
    const behind = st.queue.length > 0 || (st.lateAt !== null && t >= st.lateAt && t - st.lateAt < BEHIND_SECS);
    return { cue, behind };
  }

  /** For overlay.js: the burned-in line at `t` ({ cue: {id, text, translation, reading} | null, behind, failed: the host's error event | null }), or null when the mode is off. */
  G.burninShown = (t) => {
    const st = current();
    if (!st) return null;
    const { cue, behind } = shownAt(st, t);
    return { cue: cue && { id: cue.id, text: cue.reading.text, translation: cue.reading.translation, reading: cue.reading.tokens || null }, behind, failed: st.failed };
  };

  /** For the menu's download (menu.js): the lines read so far as a track, or null. */
  G.burninTrack = () => {
    const st = current();
    if (!st) return null;
    const read = st.cues.filter((c) => c.reading.state === "done" && c.reading.translation.trim());
    const cues = read.map((c) => ({ id: c.id, start: c.start, end: c.end === null ? c.seenTo : c.end, text: c.reading.text }));
    return {
      videoId: G.videoId(), lang: "", cues, translations: new Map(read.map((c) => [c.id, { id: c.id, text: c.reading.translation }])),
      failed: null, whole: true, running: !!st.asking, cost: null, translateWhole() {},
    };
  };

  // ---------------------------------------------------------------- display

  /** A dark band over the burned-in text while its translation is shown (the user may turn it off: the menu). */
  function updateBackdrop(cue) {
    const layer = G.layer();
    const video = G.findVideo();
    if (!layer || !video) return;
    let box = layer.querySelector("[data-glossa='burnin-backdrop']");
    const rows = backdropOn && cue && cue.rows;
    if (!rows || !video.videoWidth) {
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = G.el("div", { "data-glossa": "burnin-backdrop" });
      box.style.cssText = "position:absolute;background:rgba(12,12,12,.88);backdrop-filter:blur(6px);border-radius:4px;";
      layer.prepend(box); // under the subtitle overlay
    }
    const pic = G.pictureRect(video);
    const host = layer.getRootNode().host.getBoundingClientRect();
    box.style.left = `${pic.left - host.left}px`;
    box.style.width = `${pic.width}px`;
    box.style.top = `${pic.top - host.top + rows.top * pic.height}px`;
    box.style.height = `${(rows.bottom - rows.top) * pic.height}px`;
  }

  function tick() {
    frame = 0;
    const st = current();
    const video = G.findVideo();
    if (!st || !video) { updateBackdrop(null); G.renderSubtitles && G.renderSubtitles(true); return; }
    updateBackdrop(G.adShowing() ? null : shownAt(st, video.currentTime).cue);
    if (G.renderSubtitles) G.renderSubtitles();
    if (!video.paused) frame = requestAnimationFrame(tick);
  }
  const kick = () => { if (!frame) frame = requestAnimationFrame(tick); };

  function startSampling() {
    if (!timer) timer = setInterval(sample, SAMPLE_MS);
    kick();
  }
  function stopSampling() {
    clearInterval(timer);
    timer = 0;
    kick(); // one last frame takes the line and backdrop away
  }

  /** Figures for the browser test (it cannot reach this world): on the toggle, per sample. */
  function showStats() {
    const button = document.querySelector(`[data-glossa='${COMMAND}']`);
    if (!button || !stats.samples) return;
    button.dataset.samples = String(stats.samples);
    button.dataset.sampleMs = (stats.sampleMs / stats.samples).toFixed(3);
    button.dataset.readMs = (stats.readMs / stats.samples).toFixed(3);
    button.dataset.via = stats.via;
    if (stats.canvasRuns) button.dataset.canvasMs = (stats.canvasMs / stats.canvasRuns).toFixed(3);
    if (stats.answers) button.dataset.answerMs = (stats.answerMs / stats.answers).toFixed(3);
    const st = current();
    if (st) button.dataset.waiting = String(st.queue.length + (st.asking ? 1 : 0));
  }

  // ---------------------------------------------------------------- the control

  function setOn(on) {
    const v = G.videoId();
    if (!v) return;
    const st = stateOf(v);
    if (st.on === on) return;
    st.on = on;
    if (on) {
      G.loadSubtitleDisplay && G.loadSubtitleDisplay();
      newDetection();
      startSampling();
    } else {
      stopSampling();
    }
    refreshButton();
  }
  G.setBurninOn = setOn;
  const toggle = () => setOn(!current());

  let shortcut = "";
  const label = () => G.t("buttonBurnin", [shortcut]);
  const icon = () => G.controlIcon({
    frame: "M9 11h18a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9a2 2 0 0 1-2-2V13a2 2 0 0 1 2-2z", glyph: "字", y: "20.5", size: "10",
    extra: { d: "M11 22.5h14", stroke: "#fff", "stroke-width": "2" },
  });

  function refreshButton() {
    const button = document.querySelector(`[data-glossa='${COMMAND}']`);
    if (button) button.setAttribute("aria-pressed", String(!!current()));
  }

  function addButton() {
    const controls = G.controlSlot && G.controlSlot();
    if (!controls) return;
    const existing = document.querySelector(`[data-glossa='${COMMAND}']`);
    if (existing && existing.parentElement === controls) return;
    const button = existing || G.controlButton({ name: COMMAND, label: label(), content: icon(), onClick: toggle, attrs: { "aria-pressed": "false" } });
    G.placeControl(controls, button);
    refreshButton();
  }

  chrome.runtime.onMessage.addListener((msg) => {
    if (msg && msg.kind === "command" && msg.command === COMMAND) toggle();
  });
  // The shortcut the browser really has, for the label (the user may have chosen another).
  shortcut = ((chrome.runtime.getManifest().commands || {})[COMMAND] || { suggested_key: {} }).suggested_key.default || "";
  chrome.runtime.sendMessage({ kind: "shortcut", command: COMMAND }).then((s) => {
    if (typeof s !== "string" || s === shortcut) return;
    shortcut = s;
    const button = document.querySelector(`[data-glossa='${COMMAND}']`);
    if (button) for (const a of ["title", "aria-label", "data-tooltip-title", "data-title-no-tooltip"]) button.setAttribute(a, label());
  }, () => {});
  chrome.storage.local.get("burninBackdrop").then((s) => { backdropOn = s.burninBackdrop !== false; }, () => {});

  /** The backdrop over the burned-in text on or off (the menu), remembered. */
  G.burninBackdrop = () => backdropOn;
  G.setBurninBackdrop = (on) => {
    backdropOn = on;
    chrome.storage.local.set({ burninBackdrop: on }).catch(() => {});
    kick();
  };

  // Capture-phase listeners on the document see the (non-bubbling) media events.
  document.addEventListener("seeking", (e) => {
    if (e.target === G.findVideo() && current()) newDetection();
  }, true);
  for (const type of ["play", "seeked", "pause"]) document.addEventListener(type, () => { if (current()) kick(); }, true);
  document.addEventListener("yt-navigate-finish", () => {
    stopSampling();
    if (current()) { newDetection(); startSampling(); }
    refreshButton();
  });

  G.keepControl(addButton);
})();
