// Burned-in subtitle mode (issue #16): for a video whose subtitles are part of the picture.
// While it is on, the caption strip is sampled 4 times a second, small and gray, and sent
// to the background, whose wasm detector (glossa-burnin, the same as `glossa-host burnin`)
// says when a line appeared or left. Until the strip is known, the lower half of the
// picture is sampled instead and the background finds the strip in it (where text-like
// edges change), then says where it is; the samples from then on cover only the strip. Each new line's strip
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
  const DEFAULT_BAND = { top: 0.75, bottom: 0.97 };
  /** Where the strip is searched for while it is not known (glossa_burnin::band::SEARCH_FROM down). */
  const SEARCH = { top: 0.5, bottom: 1.0 };
  /** The strip sent to the host for reading: the picture's width, at most this. */
  const READ_WIDTH = 1280;
  /** A line detected again within this of a line already read (a seek back) is that line: no call. */
  const SAME_LINE_SECS = 0.6;
  /** The behind note stays this long after a line left the screen untranslated. */
  const BEHIND_SECS = 10;
  /** Videos whose burned-in state is kept (YouTube navigates in-page). */
  const KEPT_VIDEOS = 5;
  const COMMAND = "burnin-toggle";

  // videoId -> { videoId, on, band: {top, bottom} | null (not found yet), cues: [{ id, start, end, endKnown, seenTo, reading, rows }], queue, asking, lateAt }
  // A cue's `reading` ({ text, translation, state: queued|asking|done|failed }) is shared
  // by the repeats of one line.
  const videos = new Map();
  let detection = null; // { id, lines: Map(detector line -> cue) } of the current video
  let seq = 0;
  let timer = 0;
  let frame = 0;
  let backdropOn = true;
  /** The strip a user set by hand, per channel: { channel: {top, bottom} } (chrome.storage.local "burninBands"). */
  let bandsByChannel = {};
  // Figures for the browser test: time spent sampling, and from a sample to the background's answer (in order).
  // busyMs: the page's own work per sample (what blocks its thread: not the wait for the
  // decoder's copy); detectMs: the background's, as it says.
  const stats = {
    samples: 0, sampleMs: 0, readMs: 0, busyMs: 0, frameMs: 0, encodeMs: 0, postMs: 0, via: "", canvasMs: 0, canvasRuns: 0, answers: 0, answerMs: 0, detectMs: 0, detects: 0, sentAt: [],
  };
  /** The page's own time in the last frameGray (without the awaited copy). */
  let frameBusyMs = 0;

  const stateOf = (v) => {
    let st = videos.get(v);
    if (!st) {
      st = { videoId: v, on: false, band: null, cues: [], queue: [], asking: null, lateAt: null, failed: null };
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
  function bandRows(video, band) {
    const top = Math.floor(video.videoHeight * band.top);
    return { top, height: Math.max(1, Math.ceil(video.videoHeight * band.bottom) - top) };
  }

  /**
   * The picture rows a sample of `region` reads: `rows` sample rows of `k` picture rows each,
   * on a grid from the picture's top (k ≈ the width's downscale). A band the background
   * finds in a taller sample is on that grid too, so sampling the band alone reads exactly
   * the rows it was cut from, and the detector sees the same strip before and after.
   */
  function sampleRows(video, region) {
    const k = Math.max(1, Math.round(video.videoWidth / STRIP_WIDTH));
    const cells = Math.floor(video.videoHeight / k);
    const first = Math.max(0, Math.min(Math.round((region.top * video.videoHeight) / k), cells - 1));
    const last = Math.max(first + 1, Math.min(Math.round((region.bottom * video.videoHeight) / k), cells));
    return { top: first * k, height: (last - first) * k, rows: last - first, k };
  }

  function newDetection() {
    // Lines still open in the old detection end where they were last seen.
    const st = current();
    if (st) for (const c of st.cues) if (c.end === null) c.end = c.seenTo;
    detection = { id: `b${++seq}`, lines: new Map() };
  }

  /** The strip as `w × h` gray bytes through a canvas: draw, read back, BT.601 luma in
   * integers as glossa_burnin::GrayImage::from_rgba. Null when the picture cannot be read. */
  function canvasGray(video, rows, w) {
    const h = rows.rows;
    if (small.width !== w || small.height !== h || !smallCtx) {
      small.width = w;
      small.height = h;
      smallCtx = small.getContext("2d", { willReadFrequently: true });
    }
    smallCtx.drawImage(video, 0, rows.top, video.videoWidth, rows.height, 0, 0, w, h);
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

  /** The decoder's copy, kept between samples of one size. */
  let copyBuffer = null;
  let columns = null;
  /** Which of `w` sample columns each of `sw` picture columns falls in, and how many fall in each. */
  function columnsOf(sw, w) {
    if (columns && columns.sw === sw && columns.w === w) return columns;
    const xs = new Uint16Array(sw), perColumn = new Uint32Array(w);
    for (let x = 0; x < sw; x++) perColumn[(xs[x] = Math.min(w - 1, Math.floor((x * w) / sw)))]++;
    columns = { sw, w, xs, perColumn };
    return columns;
  }

  /** The luma planes a decoder hands over (WebCodecs VideoFrame formats). */
  const PLANAR = new Set(["I420", "I420A", "I422", "I444", "NV12"]);
  let framesUnusable = typeof VideoFrame !== "function";

  /**
   * The strip as `w × h` gray bytes straight from the decoded frame's luma plane (WebCodecs):
   * no colour conversion, no canvas, no read-back — a few times cheaper than canvasGray.
   * Box-filtered to `w` columns and `rows.rows` rows (`rows.k` picture rows each), and video-range luma (16–235) stretched to full range as a
   * canvas would give it. Null where frames are not in a planar YUV format (then the
   * canvas is used from then on).
   */
  async function frameGray(video, rows, w) {
    if (framesUnusable) return null;
    const h = rows.rows;
    let frame;
    let mark = performance.now();
    try {
      frame = new VideoFrame(video);
      const vis = frame.visibleRect;
      // Another size than the video's (the grid is in the video's rows): the canvas, from then on.
      if (!PLANAR.has(frame.format) || vis.width !== video.videoWidth || vis.height !== video.videoHeight) { framesUnusable = true; return null; }
      // Chroma is subsampled: the rectangle starts and spans on even rows and columns.
      const top = (vis.y + rows.top) & ~1;
      const end = Math.min(vis.y + vis.height, (vis.y + rows.top + rows.height + 1) & ~1);
      const rect = { x: vis.x & ~1, y: top, width: vis.width & ~1, height: Math.max(2, end - top) };
      const size = frame.allocationSize({ rect });
      if (!copyBuffer || copyBuffer.length !== size) copyBuffer = new Uint8Array(size);
      const buffer = copyBuffer;
      const copied = frame.copyTo(buffer, { rect });
      frameBusyMs = performance.now() - mark;
      const layout = await copied;
      mark = performance.now();
      const { offset, stride } = layout[0];
      const sw = rect.width, sh = rect.height;
      const sums = new Uint32Array(w * h);
      const { xs, perColumn } = columnsOf(sw, w);
      const perRow = new Uint32Array(h);
      const skip = vis.y + rows.top - top; // the even start's extra row
      for (let y = 0; y < sh; y++) {
        const cell = Math.floor((y - skip) / rows.k);
        if (cell < 0 || cell >= h) continue;
        perRow[cell]++;
        const row = cell * w;
        const src = offset + y * stride;
        for (let x = 0; x < sw; x++) sums[row + xs[x]] += buffer[src + x];
      }
      const gray = new Uint8Array(w * h);
      for (let cell = 0, i = 0; cell < h; cell++) {
        for (let c = 0; c < w; c++, i++) {
          const n = perRow[cell] * perColumn[c];
          const yv = n ? sums[i] / n : 0;
          gray[i] = Math.max(0, Math.min(255, Math.round(((yv - 16) * 255) / 219)));
        }
      }
      frameBusyMs += performance.now() - mark;
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
      const search = !st.band;
      const rows = sampleRows(video, st.band || SEARCH);
      const w = STRIP_WIDTH, h = rows.rows;
      const region = { top: rows.top / video.videoHeight, bottom: (rows.top + rows.height) / video.videoHeight };
      const time = video.currentTime;
      const id = detection.id;
      let gray = await frameGray(video, rows, w);
      const via = gray ? "frame" : "canvas";
      let busy = frameBusyMs;
      if (gray) stats.frameMs += frameBusyMs;
      if (!gray) {
        const c0 = performance.now();
        gray = canvasGray(video, rows, w);
        busy = performance.now() - c0;
      }
      if (!gray || id !== detection.id || !current()) return;
      const t1 = performance.now();
      stats.readMs += t1 - t0;
      stats.via = via;
      // The baseline, measured now and then in the same run: the canvas path's cost (not counted in the sample's).
      let baselineMs = 0;
      if (via === "frame" && stats.samples % 8 === 0) {
        const c0 = performance.now();
        canvasGray(video, rows, w);
        baselineMs = performance.now() - c0;
        stats.canvasMs += baselineMs;
        stats.canvasRuns++;
      }
      let bin = "";
      for (let i = 0; i < gray.length; i += 0x8000) bin += String.fromCharCode.apply(null, gray.subarray(i, i + 0x8000));
      const encoded = btoa(bin);
      const te = performance.now();
      lastGray = { gray, w, h, region };
      stats.sentAt.push(performance.now());
      if (stats.sentAt.length > 64) stats.sentAt.shift(); // answers lost with the background
      G.burninSample({ id, time, width: w, height: h, gray: encoded, region, search });
      stats.samples++;
      const t2 = performance.now();
      stats.encodeMs += te - t1 - baselineMs;
      stats.postMs += t2 - te;
      stats.sampleMs += t2 - t0 - baselineMs;
      stats.busyMs += busy + (t2 - t1 - baselineMs);
      for (const c of st.cues) if (c.end === null) c.seenTo = time;
    } finally {
      sampling = false;
    }
  }
  let lastGray = null;

  /** The rows of the latest sample that hold light text, as fractions of the picture's height (for the backdrop). */
  function textRows(band) {
    if (!lastGray) return null;
    const { gray, w, h, region } = lastGray;
    const span = region.bottom - region.top;
    // Only the band's rows (a search sample shows more of the picture).
    const from = Math.max(0, Math.floor(((band.top - region.top) / span) * h));
    const to = Math.min(h, Math.ceil(((band.bottom - region.top) / span) * h));
    let first = -1, last = -1;
    for (let y = from; y < to; y++) {
      let light = 0;
      for (let x = 0; x < w; x++) if (gray[y * w + x] >= 160) light++;
      if (light >= w * 0.02) { if (first < 0) first = y; last = y; }
    }
    if (first < 0) return null;
    return { top: region.top + (Math.max(from, first - 2) / h) * span, bottom: region.top + (Math.min(to, last + 3) / h) * span };
  }

  /** The strip as the host reads it: full width (at most READ_WIDTH), JPEG, base64. */
  function readStrip(video, st) {
    const band = bandRows(video, st.band || DEFAULT_BAND);
    const scale = Math.min(1, READ_WIDTH / video.videoWidth);
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.max(1, Math.round(band.height * scale));
    canvas.getContext("2d").drawImage(video, 0, band.top, video.videoWidth, band.height, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL("image/jpeg", 0.9).split(",")[1];
  }

  // ---------------------------------------------------------------- lines

  G.onBurnin = ({ id, lines, band, detect_ms }) => {
    const sent = stats.sentAt.shift();
    if (sent !== undefined) {
      stats.answers++;
      stats.answerMs += performance.now() - sent;
    }
    if (typeof detect_ms === "number") {
      stats.detects++;
      stats.detectMs += detect_ms;
    }
    const st = current();
    if (!st || !detection || id !== detection.id) return;
    if (band && !st.band) st.band = band; // found: only the strip is sampled from now on
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
    const cue = { id: `burnin-${ev.at.toFixed(2)}`, start: ev.at, end: null, endKnown: false, seenTo: ev.seen_at, rows: textRows(st.band || DEFAULT_BAND), reading: null };
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
    try { image = video ? readStrip(video, st) : null; } catch (e) { /* unreadable picture */ }
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
        reading.hostWords = !!ev.host_words; // its words are the host's analyser's (word-gloss.js asks for them)
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

  /** For overlay.js: the burned-in line at `t` ({ cue: {id, start, text, translation, reading, hostWords} | null, behind, failed: the host's error event | null }), or null when the mode is off. */
  G.burninShown = (t) => {
    const st = current();
    if (!st) return null;
    const { cue, behind } = shownAt(st, t);
    return {
      cue: cue && {
        id: cue.id, start: cue.start, text: cue.reading.text, translation: cue.reading.translation, reading: cue.reading.tokens || null,
        hostWords: !!cue.reading.hostWords,
      },
      behind, failed: st.failed,
    };
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
    button.dataset.busyMs = (stats.busyMs / stats.samples).toFixed(3);
    button.dataset.parts = ["frameMs", "encodeMs", "postMs"].map((k) => (stats[k] / stats.samples).toFixed(3)).join(" ");
    if (stats.detects) button.dataset.detectMs = (stats.detectMs / stats.detects).toFixed(3);
    button.dataset.via = stats.via;
    if (stats.canvasRuns) button.dataset.canvasMs = (stats.canvasMs / stats.canvasRuns).toFixed(3);
    if (stats.answers) button.dataset.answerMs = (stats.answerMs / stats.answers).toFixed(3);
    const st = current();
    if (st) button.dataset.waiting = String(st.queue.length + (st.asking ? 1 : 0));
    if (st && st.band) button.dataset.band = `${st.band.top.toFixed(3)} ${st.band.bottom.toFixed(3)}`;
    else delete button.dataset.band;
  }

  // ---------------------------------------------------------------- the strip, by hand

  const BANDS_KEY = "burninBands";
  /** The thinnest strip a drag leaves (a line of small text), as a share of the picture's height. */
  const MIN_BAND = 0.04;
  /** An arrow key moves an edge (or, on the outline, the whole strip) by this share of the height. */
  const KEY_STEP = 0.01;

  /** The video's channel as its watch page links it ("@handle" or "channel/UC…"), or "" (none on the page). */
  function channelOf() {
    const a = document.querySelector("ytd-watch-metadata ytd-video-owner-renderer a[href], ytd-video-owner-renderer a[href]");
    const m = a && (a.getAttribute("href") || "").match(/^(?:https?:\/\/[^/]+)?\/(@[^/?#]+|channel\/[\w-]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  /** The strip set by hand: sampled from now on (a new detection: another strip), remembered for the channel. */
  function setBand(st, band) {
    st.band = band;
    if (detection) newDetection();
    const channel = channelOf();
    if (channel) {
      bandsByChannel = { ...bandsByChannel, [channel]: band };
      chrome.storage.local.set({ [BANDS_KEY]: bandsByChannel }).catch(() => {});
    }
    showStats();
  }

  let adjusting = null; // { box, off: () => void } while the outline is up

  /**
   * The outline of the strip over the picture (`burnin-band`), to drag into place: the
   * outline moves the strip, its top and bottom handles move an edge (also with the arrow
   * keys once focused); Esc or Done closes it. Each change is sampled from then on.
   */
  function adjustBand(on) {
    if (!on) {
      if (adjusting) adjusting.off();
      adjusting = null;
      return;
    }
    const st = current();
    const layer = G.layer();
    if (!st || !layer || adjusting) return;
    const band = () => st.band || DEFAULT_BAND;
    const box = G.el("div", { "data-glossa": "burnin-band", tabindex: "0", role: "group", "aria-label": G.t("burninBandLabel") });
    box.style.cssText = "position:absolute;box-sizing:border-box;border:2px dashed #ffd27f;background:rgba(255,210,127,.12);" +
      "pointer-events:auto;cursor:move;touch-action:none;z-index:5;";
    const handle = (edge) => {
      const h = G.el("div", {
        "data-glossa": `burnin-band-${edge}`, tabindex: "0", role: "slider", "aria-orientation": "vertical",
        "aria-label": G.t(edge === "top" ? "burninBandTop" : "burninBandBottom"),
      });
      h.style.cssText = `position:absolute;left:0;right:0;${edge}:-7px;height:12px;cursor:ns-resize;` +
        "background:linear-gradient(transparent 4px,#ffd27f 4px,#ffd27f 8px,transparent 8px);";
      h.dataset.edge = edge;
      return h;
    };
    const top = handle("top"), bottom = handle("bottom");
    const done = G.el("button", { type: "button", "data-glossa": "burnin-band-done" }, G.t("burninBandDone"));
    done.style.cssText = "position:absolute;right:4px;top:4px;font:13px Roboto,Arial,sans-serif;padding:2px 10px;cursor:pointer;";
    box.append(top, bottom, done);
    layer.append(box);

    const place = (b) => {
      const video = G.findVideo();
      if (!video || !video.videoWidth) return;
      const pic = G.pictureRect(video);
      const base = layer.getBoundingClientRect();
      box.style.left = `${pic.left - base.left}px`;
      box.style.width = `${pic.width}px`;
      box.style.top = `${pic.top - base.top + b.top * pic.height}px`;
      box.style.height = `${(b.bottom - b.top) * pic.height}px`;
      top.setAttribute("aria-valuenow", String(Math.round(b.top * 100)));
      bottom.setAttribute("aria-valuenow", String(Math.round(b.bottom * 100)));
    };
    /** `b` moved by `dy` (a share of the height): one edge, or the whole strip. */
    const moved = (b, edge, dy) => {
      if (edge === "top") return { top: Math.min(Math.max(0, b.top + dy), b.bottom - MIN_BAND), bottom: b.bottom };
      if (edge === "bottom") return { top: b.top, bottom: Math.max(Math.min(1, b.bottom + dy), b.top + MIN_BAND) };
      const d = Math.min(Math.max(dy, -b.top), 1 - b.bottom);
      return { top: b.top + d, bottom: b.bottom + d };
    };
    let drag = null; // { edge, y, from, draft }
    // The player must not take these for its own clicks (play/pause).
    const mine = (e) => e.stopPropagation();
    for (const type of ["click", "dblclick", "mousedown", "mouseup"]) box.addEventListener(type, mine);
    box.addEventListener("pointerdown", (e) => {
      if (e.target === done) return;
      e.stopPropagation();
      e.preventDefault();
      box.setPointerCapture(e.pointerId);
      drag = { edge: e.target.dataset.edge || "move", y: e.clientY, from: band(), draft: band() };
    });
    box.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const video = G.findVideo();
      const height = video ? G.pictureRect(video).height : 0;
      if (!height) return;
      drag.draft = moved(drag.from, drag.edge, (e.clientY - drag.y) / height);
      place(drag.draft);
    });
    const drop = (e) => {
      if (!drag) return;
      e.stopPropagation();
      const { draft, from } = drag;
      drag = null;
      if (draft.top !== from.top || draft.bottom !== from.bottom) setBand(st, draft);
    };
    box.addEventListener("pointerup", drop);
    box.addEventListener("pointercancel", drop);
    box.addEventListener("keydown", (e) => {
      if (e.key === "Escape" || e.key === "Enter") { e.stopPropagation(); e.preventDefault(); adjustBand(false); return; }
      if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
      e.stopPropagation(); // not the player's volume
      e.preventDefault();
      const edge = e.target.dataset ? e.target.dataset.edge || "move" : "move";
      const b = moved(band(), edge, e.key === "ArrowUp" ? -KEY_STEP : KEY_STEP);
      setBand(st, b);
      place(b);
    });
    done.addEventListener("click", (e) => { e.stopPropagation(); adjustBand(false); });
    const replace = () => place(band());
    window.addEventListener("resize", replace);
    document.addEventListener("fullscreenchange", replace);
    adjusting = {
      box,
      off() {
        window.removeEventListener("resize", replace);
        document.removeEventListener("fullscreenchange", replace);
        box.remove();
      },
    };
    place(band());
    box.focus({ preventScroll: true });
  }
  /** For the menu: the strip's outline up or down, and whether it is up. */
  G.adjustBurninBand = adjustBand;
  G.burninAdjusting = () => !!adjusting;

  // ---------------------------------------------------------------- the control

  function setOn(on) {
    const v = G.videoId();
    if (!v) return;
    const st = stateOf(v);
    if (st.on === on) return;
    st.on = on;
    if (on) {
      // The channel's strip, as a user set it: no search.
      const mine = bandsByChannel[channelOf()];
      if (!st.band && mine) st.band = { top: mine.top, bottom: mine.bottom };
      G.loadSubtitleDisplay && G.loadSubtitleDisplay();
      newDetection();
      startSampling();
    } else {
      stopSampling();
      adjustBand(false);
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
  chrome.storage.local.get(["burninBackdrop", BANDS_KEY]).then((s) => {
    backdropOn = s.burninBackdrop !== false;
    bandsByChannel = s[BANDS_KEY] || {};
  }, () => {});
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === "local" && changes[BANDS_KEY]) bandsByChannel = changes[BANDS_KEY].newValue || {};
  });

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
    adjustBand(false);
    if (current()) { newDetection(); startSampling(); }
    refreshButton();
  });

  G.keepControl(addButton);
})();
