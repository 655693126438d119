// Glossa on a YouTube page: the translate-frame button in the player's control bar, the
// shortcut, and the subtitle overlay's lifecycle. Thin by design: capture and display
// here, everything else in the background and glossa-host.
"use strict";
(() => {
  const G = globalThis.glossa;

  // Which video this page is about and where its player is, on every surface a viewer
  // uses: /watch?v=, /shorts/ID, /embed/ID (also on youtube-nocookie.com, in iframes of
  // other sites), /live/ID, and m.youtube.com. Everything else asks these below.
  const ID_IN_PATH = /^\/(?:shorts|embed|live)\/([\w-]{6,})/;
  G.videoId = () => {
    const v = new URL(location.href).searchParams.get("v");
    if (v) return v;
    const m = location.pathname.match(ID_IN_PATH);
    return m ? m[1] : null;
  };

  const isMobileSite = () => location.hostname.startsWith("m.");

  /** The video's title (context for the frame prompt): the watch page's heading, the embedded player's title, or the tab's. */
  const TITLE_PLACES = ["h1.ytd-watch-metadata", ".slim-video-information-title", ".ytp-title-link", ".ytp-title"];
  G.videoTitle = () => {
    const shown = TITLE_PLACES.map((sel) => document.querySelector(sel)?.textContent.trim()).find(Boolean);
    const title = shown || document.title.replace(/^\(\d+\)\s*/, "").replace(/\s*-\s*YouTube$/, "").trim();
    return title ? title.slice(0, 200) : null;
  };

  /**
   * The player element of the video being watched: the one Glossa's layer goes in (on
   * m.youtube.com the container of the html5 player and its controls). On /shorts/ the
   * watch page's #movie_player may still be in the document (YouTube keeps it across
   * in-page navigation), so the Shorts player comes first there.
   */
  G.findPlayer = () => {
    if (location.pathname.startsWith("/shorts/")) {
      const shorts = document.querySelector("#shorts-player") ||
        document.querySelector("ytd-reel-video-renderer[is-active] .html5-video-player");
      if (shorts) return shorts;
    }
    // m.youtube.com draws its controls (#player-control-overlay) over the player as a
    // sibling inside #player-container-id: Glossa's layer goes in the container, above them.
    if (isMobileSite()) {
      const container = document.querySelector("#player-container-id");
      if (container) return container;
    }
    return document.querySelector("#movie_player") || document.querySelector(".html5-video-player");
  };

  /** Whether an ad plays in the player's <video> instead of the video: YouTube marks its html5 player. */
  G.adShowing = () => {
    const player = G.findPlayer();
    return !!player && (player.classList.contains("ad-showing") || !!player.querySelector(".html5-video-player.ad-showing"));
  };

  G.findVideo = () => {
    const player = G.findPlayer();
    return (player && (player.querySelector("video.html5-main-video") || player.querySelector("video"))) ||
      document.querySelector("video");
  };

  /**
   * Where the frame button goes: the 2025–26 player splits .ytp-right-controls into a left
   * and a right group (a button put beside the groups breaks their layout), the older one
   * holds its buttons directly; m.youtube.com has its own top control row. Null where the
   * player shows no controls (Shorts): the shortcut still works there.
   */
  function buttonSlot() {
    const player = G.findPlayer();
    if (!player) return null;
    if (isMobileSite()) return player.querySelector(".player-controls-top");
    const controls = player.querySelector(".ytp-right-controls");
    if (!controls || player.classList.contains("ytp-hide-controls")) return null;
    return controls.querySelector(":scope > .ytp-right-controls-right") || controls;
  }

  G.controlSlot = buttonSlot;

  // Inside the frame whatever the font's widths (with DejaVu or Noto it overflowed).
  const icon = () => G.controlIcon({
    frame: "M9 11h18a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9a2 2 0 0 1-2-2V13a2 2 0 0 1 2-2z", glyph: "A→あ", y: "22.5", size: "10", fit: "18",
  });

  function addButton() {
    const controls = buttonSlot();
    if (!controls) return;
    // Moved, not duplicated, when the player rebuilds its controls in the other layout.
    const existing = document.querySelector("[data-glossa='translate-frame']");
    if (existing && existing.parentElement === controls) return;
    controls.prepend(existing || makeButton());
  }

  const makeButton = () => G.controlButton({
    name: "translate-frame", label: G.t("buttonTranslateFrame"), content: icon(), onClick: (e) => translateFrame(e.shiftKey),
  });

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
      ui.measured("capture", captured.ms);
      ui.capturedSize(captured.size);
    } catch (e) {
      const info = e.glossa || { message: String(e && e.message), hint: "" };
      ui.onEvent({ event: "error", code: "capture_failed", message: info.message, hint: info.hint });
      return;
    }
    if (!ui.isOpen()) return;
    ui.setPicture(video, captured.crop);
    const request = { type: "translate_frame", image: captured.image, items: true };
    const title = G.videoTitle();
    if (title) request.title = title;
    ui.setRequest(G.request(request, ui.onEvent));
  }
  G.translateFrame = translateFrame;

  // In frames (all_frames: YouTube embeds on other sites) only an embedded player takes
  // part: YouTube's own helper frames (live chat — which has a ?v= —, sign-in) do not.
  if (window !== window.top && !location.pathname.startsWith("/embed/")) return;

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

  G.keepControl(addButton);

  document.addEventListener("yt-navigate-start", () => G.closePanel());
  if (G.startSubtitles) G.startSubtitles();
})();
