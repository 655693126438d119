// Turns the current video frame (or a region of it) into a JPEG for glossa-host.
"use strict";
(() => {
  const G = globalThis.glossa;
  /**
   * Longest edge captured when the host does not say the frame model's size (an older
   * host): the host's own default, ImageBudget::DEFAULT in host/src/providers/image.rs.
   */
  const MAX_EDGE = 1536;
  /** What the screenshot fallback hides: Glossa's layer and the player's own overlays. */
  const OVER_PICTURE = [
    "[data-glossa='root']", ".html5-video-player .ytp-chrome-top", ".html5-video-player .ytp-chrome-bottom",
    ".html5-video-player .ytp-gradient-top", ".html5-video-player .ytp-gradient-bottom",
    ".html5-video-player .ytp-caption-window-container", "#player-control-overlay",
  ].join(", ");

  /** An error with a message and a hint, ready for the panel. */
  G.userError = (message, hint) => Object.assign(new Error(message), { glossa: { message, hint } });

  /** Where the picture is drawn inside the <video> element (object-fit: contain). */
  function pictureRect(video) {
    const r = video.getBoundingClientRect();
    const scale = Math.min(r.width / video.videoWidth, r.height / video.videoHeight);
    const w = video.videoWidth * scale, h = video.videoHeight * scale;
    return { left: r.left + (r.width - w) / 2, top: r.top + (r.height - h) / 2, width: w, height: h, scale };
  }
  G.pictureRect = pictureRect;

  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

  /**
   * The size the frame model reads a `width`×`height` picture at, as the host says
   * (capture_size): drawing and encoding fewer pixels is most of the capture's time, and the
   * host would scale a larger picture down anyway.
   */
  G.captureSize = (width, height) => new Promise((resolve) => {
    let size = null;
    G.request({ type: "capture_size", width, height }, (ev) => {
      if (ev.event === "capture_size") size = { width: ev.width, height: ev.height };
      else if (ev.event === "done" || ev.event === "error") {
        const scale = Math.min(1, MAX_EDGE / Math.max(width, height));
        resolve(size || { width: Math.round(width * scale), height: Math.round(height * scale) });
      }
    });
  });

  /** The part (sx, sy, sw, sh) of `source` drawn at `size` (never larger than the part). */
  function toJpeg(source, sx, sy, sw, sh, size) {
    const scale = Math.min(1, size.width / sw, size.height / sh);
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(sw * scale));
    canvas.height = Math.max(1, Math.round(sh * scale));
    canvas.getContext("2d").drawImage(source, sx, sy, sw, sh, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  /** Why the canvas cannot be used: "tainted", "black", or null when it is fine. */
  function unusable(canvas) {
    const probe = document.createElement("canvas");
    probe.width = probe.height = 16;
    const ctx = probe.getContext("2d");
    ctx.drawImage(canvas, 0, 0, 16, 16);
    let data;
    try {
      data = ctx.getImageData(0, 0, 16, 16).data;
    } catch (e) {
      return "tainted";
    }
    let max = 0;
    for (let i = 0; i < data.length; i += 4) max = Math.max(max, data[i], data[i + 1], data[i + 2]);
    return max < 12 ? "black" : null;
  }

  /**
   * Decode the screenshot's data URL. Not through an <img>: Firefox marks a canvas drawn
   * from one as tainted in the content script, so the black check could not read it.
   * A bitmap decoded from bytes is always readable.
   */
  async function loadImage(url) {
    const [head, data] = url.split(",", 2);
    const type = (head.match(/^data:([^;,]+)/) || [])[1] || "image/png";
    const bytes = Uint8Array.from(atob(data || ""), (c) => c.charCodeAt(0));
    try {
      return await createImageBitmap(new Blob([bytes], { type }));
    } catch (e) {
      throw new Error("screenshot could not be decoded");
    }
  }

  /**
   * Capture `video` as base64 JPEG at the frame model's size. `region` is {left, top,
   * width, height} in viewport pixels (a dragged rectangle) or null for the whole picture.
   * `ms` is the time spent drawing and encoding (asking the host the size is not counted).
   */
  G.captureFrame = async (video, region) => {
    if (!video) throw G.userError(G.t("errNoVideo"), G.t("errNoVideoHint"));
    if (video.readyState < 2 || !video.videoWidth) throw G.userError(G.t("errNoPicture"), G.t("errNoPictureHint"));
    const pic = pictureRect(video);
    // The part of the picture to capture, in viewport pixels.
    let view = { left: pic.left, top: pic.top, width: pic.width, height: pic.height };
    if (region) {
      const left = Math.max(pic.left, region.left), top = Math.max(pic.top, region.top);
      const right = Math.min(pic.left + pic.width, region.left + region.width);
      const bottom = Math.min(pic.top + pic.height, region.top + region.height);
      if (right - left >= 4 && bottom - top >= 4) view = { left, top, width: right - left, height: bottom - top };
    }
    // Whole pixels of the video (edges to the nearest): a crop that starts between two
    // would be resampled (small text blurs), and the answer's boxes are placed back by the
    // same numbers.
    const vw = video.videoWidth, vh = video.videoHeight;
    const sx = clamp(Math.round((view.left - pic.left) / pic.scale), 0, vw - 1);
    const sy = clamp(Math.round((view.top - pic.top) / pic.scale), 0, vh - 1);
    const sw = clamp(Math.round((view.left + view.width - pic.left) / pic.scale), sx + 1, vw) - sx;
    const sh = clamp(Math.round((view.top + view.height - pic.top) / pic.scale), sy + 1, vh) - sy;
    view = { left: pic.left + sx * pic.scale, top: pic.top + sy * pic.scale, width: sw * pic.scale, height: sh * pic.scale };
    // The captured part in fractions of the picture: where the answer's boxes lie on it.
    const crop = { x: sx / vw, y: sy / vh, w: sw / vw, h: sh / vh };
    const size = await G.captureSize(sw, sh);
    const started = performance.now();
    const canvas = toJpeg(video, sx, sy, sw, sh, size);
    const reason = unusable(canvas);
    if (!reason) {
      const image = canvas.toDataURL("image/jpeg", 0.9).split(",")[1];
      return { image, via: "video", crop, ms: performance.now() - started, size: { width: canvas.width, height: canvas.height } };
    }

    // An embedded player in another site's page: a frame cannot tell where it sits in the
    // tab, so a screenshot of the tab cannot be cropped to its picture.
    if (window !== window.top) throw G.userError(G.t("errCaptureFailed", [reason]), G.t("errCaptureEmbeddedHint"));

    // DRM or a cross-origin video: screenshot the tab and crop it to the picture, with
    // everything drawn over the picture hidden (Glossa's panel, the player's controls and
    // captions), so the host gets the picture alone, as from the video itself.
    const hide = G.el("style", { "data-glossa": "capture-hide" }, `${OVER_PICTURE} { visibility: hidden !important; }`);
    document.documentElement.append(hide);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    let shot;
    try {
      shot = await G.captureVisible();
    } finally {
      hide.remove();
    }
    if (shot.error || !shot.data_url) {
      throw G.userError(G.t("errCaptureFailed", [`${reason}; ${shot.error || "no screenshot"}`]), G.t("errCaptureFailedHint"));
    }
    const img = await loadImage(shot.data_url);
    const ratio = img.width / window.innerWidth;
    const cropped = toJpeg(img, view.left * ratio, view.top * ratio, view.width * ratio, view.height * ratio, size);
    // Black on screen too (DRM that the browser also hides from screenshots, or a black
    // scene): there is nothing to read, and a model would invent text from it.
    if (unusable(cropped) === "black") throw G.userError(G.t("errFrameBlack"), G.t("errFrameBlackHint"));
    const image = cropped.toDataURL("image/jpeg", 0.9).split(",")[1];
    return { image, via: "screenshot", crop, ms: performance.now() - started, size: { width: cropped.width, height: cropped.height } };
  };
})();
