// Glossa on a YouTube page: the translate-frame button in the player's control bar, the
// shortcut, and the subtitle overlay's lifecycle. Thin by design: capture and display
// here, everything else in the background and glossa-host.
"use strict";
(() => {
  const G = globalThis.glossa;
  const SVG = "http://www.w3.org/2000/svg";

  G.findVideo = () =>
    document.querySelector("#movie_player video.html5-main-video") ||
    document.querySelector("#movie_player video") ||
    document.querySelector("video");

  function icon() {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 36 36");
    svg.setAttribute("width", "100%");
    svg.setAttribute("height", "100%");
    const frame = document.createElementNS(SVG, "path");
    frame.setAttribute("d", "M9 11h18a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9a2 2 0 0 1-2-2V13a2 2 0 0 1 2-2z");
    frame.setAttribute("fill", "none");
    frame.setAttribute("stroke", "#fff");
    frame.setAttribute("stroke-width", "2");
    const glyph = document.createElementNS(SVG, "text");
    glyph.setAttribute("x", "18");
    glyph.setAttribute("y", "22.5");
    glyph.setAttribute("text-anchor", "middle");
    glyph.setAttribute("font-size", "10");
    glyph.setAttribute("font-weight", "700");
    glyph.setAttribute("fill", "#fff");
    glyph.setAttribute("font-family", "Roboto, Arial, sans-serif");
    // Inside the frame whatever the font's widths (with DejaVu or Noto it overflowed).
    glyph.setAttribute("textLength", "18");
    glyph.setAttribute("lengthAdjust", "spacingAndGlyphs");
    glyph.textContent = "A→あ";
    svg.append(frame, glyph);
    return svg;
  }

  function addButton() {
    const controls = document.querySelector("#movie_player .ytp-right-controls, .ytp-right-controls");
    if (!controls || controls.querySelector("[data-glossa='translate-frame']")) return;
    const label = G.t("buttonTranslateFrame");
    const button = G.el("button", {
      class: "ytp-button glossa-translate-frame",
      "data-glossa": "translate-frame",
      type: "button",
      title: label,
      "aria-label": label,
      "data-tooltip-title": label,
      "data-title-no-tooltip": label,
    });
    button.style.cssText = "display:inline-flex;align-items:center;justify-content:center;padding:0 4px;";
    button.append(icon());
    button.addEventListener("click", (e) => {
      e.preventDefault();
      e.stopPropagation();
      translateFrame(e.shiftKey);
    });
    controls.prepend(button);
  }

  async function translateFrame(withRegion) {
    const video = G.findVideo();
    let region = null;
    if (withRegion) {
      region = await G.selectRegion(video);
      if (!region) return;
    }
    const ui = G.openPanel();
    if (!ui) return;
    G.request({ type: "get_settings" }, (ev) => {
      if (ev.event === "settings" && ev.display && ev.display.pause_on_frame) ui.pauseVideo(video);
    });
    let captured;
    try {
      captured = await G.captureFrame(video, region);
    } catch (e) {
      const info = e.glossa || { message: String(e && e.message), hint: "" };
      ui.onEvent({ event: "error", code: "capture_failed", message: info.message, hint: info.hint });
      return;
    }
    if (!ui.isOpen()) return;
    ui.setRequest(G.request({ type: "translate_frame", image: captured.image }, ui.onEvent));
  }
  G.translateFrame = translateFrame;

  chrome.runtime.onMessage.addListener((msg) => {
    if (msg && msg.kind === "command" && msg.command === "translate-frame") translateFrame(false);
  });

  // Name the shortcut the browser really has; the button is relabelled if already there.
  chrome.runtime.sendMessage({ kind: "shortcut" }).then((shortcut) => {
    if (!shortcut || shortcut === G.shortcut) return;
    G.shortcut = shortcut;
    document.querySelector("[data-glossa='translate-frame']")?.remove();
    addButton();
  }, () => {});

  // YouTube builds and rebuilds its player at will: keep the button in place.
  // Checked at most once per frame: YouTube mutates its DOM constantly.
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; addButton(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
  addButton();

  document.addEventListener("yt-navigate-start", () => G.closePanel());
  if (G.startSubtitles) G.startSubtitles();
})();
