// Glossa's subtitle menu in the player: a button in the right controls beside Glossa's
// other controls, opening a popup (inside Glossa's shadow root, so it shows in fullscreen)
// with "Translate whole video", "Download translated subtitles (SRT)" / "(VTT)" and, for
// providers paid per token, the tokens this video used and an estimate for the rest.
// The track comes from overlay.js (G.subtitleTrack); the file is written by glossa-host
// (`write_captions`: the same SRT/VTT writer as `glossa-host translate-subs`).
// All text goes in through textContent.
"use strict";
(() => {
  const G = globalThis.glossa;

  const STYLE = `
    .menu { position: absolute; right: 12px; bottom: 60px; min-width: 260px; max-width: 70%; pointer-events: auto;
      background: rgba(28, 28, 28, 0.94); color: #fff; border-radius: 8px; padding: 6px 0; font-size: 14px;
      box-shadow: 0 4px 16px rgba(0,0,0,.5); z-index: 2; }
    .menu button { display: block; width: 100%; text-align: left; background: none; border: 0; color: inherit;
      font: inherit; padding: 8px 14px; cursor: pointer; }
    .menu button:hover:not(:disabled) { background: rgba(255,255,255,.12); }
    .menu button:disabled { opacity: .5; cursor: default; }
    .menu .info { padding: 6px 14px; font-size: 12px; color: #ccc; white-space: normal; }
    .menu .info:empty { display: none; }
  `;

  let menu = null; // { box, timer }
  let busy = null; // a message while a download waits for the whole track
  let notice = null; // why the last download failed

  /** The current video's track: its caption track's (overlay.js), else its burned-in lines read so far (burnin.js). */
  const currentTrack = () => G.subtitleTrack() || (G.burninTrack ? G.burninTrack() : null);
  const fmt = (n) => Number(n || 0).toLocaleString();
  const total = (u) => (u ? u.input_tokens + u.output_tokens : 0);
  const missing = (track) => track.cues.some((c) => !track.translations.has(String(c.id)));

  function addButton() {
    // Where the frame button goes (content.js, which loads after this file): the same group.
    const controls = G.controlSlot && G.controlSlot();
    if (!controls || controls.querySelector("[data-glossa='subtitles-menu']")) return;
    const button = G.controlButton({
      name: "subtitles-menu", label: G.t("menuButton"), content: "⋮", attrs: { "aria-haspopup": "menu" },
      onClick: () => { if (menu) close(); else open(); },
    });
    button.style.fontSize = "20px";
    button.style.color = "#fff";
    G.placeControl(controls, button);
  }

  function close() {
    if (!menu) return;
    clearInterval(menu.timer);
    menu.box.remove();
    menu = null;
  }

  function open() {
    const layer = G.layer();
    if (!layer) return;
    const root = layer.getRootNode();
    if (!root.querySelector("style[data-glossa='menu-style']")) root.append(G.el("style", { "data-glossa": "menu-style" }, STYLE));
    const box = G.el("div", { class: "menu", role: "menu", "data-glossa": "subtitles-menu-popup" });
    const item = (name, label, onClick) => {
      const b = G.el("button", { type: "button", role: "menuitem", "data-glossa": name }, label);
      b.addEventListener("click", (e) => { e.stopPropagation(); onClick(); });
      box.append(b);
      return b;
    };
    const whole = item("subtitles-translate-whole", G.t("menuTranslateWhole"), () => {
      const track = currentTrack();
      if (track) track.translateWhole();
      refresh();
    });
    const srt = item("subtitles-download-srt", G.t("menuDownloadSrt"), () => download("srt"));
    const vtt = item("subtitles-download-vtt", G.t("menuDownloadVtt"), () => download("vtt"));
    // Burned-in mode (burnin.js): the backdrop over the text in the picture, on or off.
    if (G.burninTrack && G.burninTrack()) {
      const backdrop = item("burnin-backdrop-toggle", "", () => { G.setBurninBackdrop(!G.burninBackdrop()); label(); });
      const label = () => { backdrop.textContent = G.t(G.burninBackdrop() ? "menuBurninShowText" : "menuBurninHideText"); };
      label();
      // The caption strip's outline, to drag into place (remembered for the channel).
      item("burnin-band-adjust", G.t("menuBurninAdjustStrip"), () => { close(); G.adjustBurninBand(!G.burninAdjusting()); });
    }
    const tokens = G.el("div", { class: "info", "data-glossa": "subtitles-tokens" });
    // Of those, the tokens read from the provider's prompt cache (cheaper), when it reports them.
    const cacheRead = G.el("div", { class: "info", "data-glossa": "subtitles-tokens-cache-read" });
    const status = G.el("div", { class: "info", "data-glossa": "subtitles-menu-status" });
    box.append(tokens, cacheRead, status);
    layer.append(box);
    menu = { box, timer: setInterval(refresh, 500) };

    function refresh() {
      if (!menu || menu.box !== box) return;
      const track = currentTrack();
      const ready = !!track && track.cues.length > 0;
      const translated = ready ? track.cues.filter((c) => track.translations.has(String(c.id))).length : 0;
      whole.disabled = !ready || (track.whole && !track.failed);
      srt.disabled = vtt.disabled = !ready || !!busy;
      // Paid providers only: the host sends costs for them alone.
      const cost = track && track.cost;
      tokens.textContent = cost
        ? G.t("menuTokens", [fmt(total(cost.used)), fmt(total(cost.rest)), fmt(cost.rest_units)])
        : "";
      const cached = cost ? Number(cost.used.cache_read_input_tokens || 0) : 0;
      cacheRead.textContent = cached > 0 ? G.t("menuTokensCacheRead", [fmt(cached)]) : "";
      cacheRead.hidden = cached === 0;
      status.textContent = !track ? G.t("menuNoTrack")
        : busy || notice || (track.failed ? G.t("subtitlesUnavailable", [track.failed.message || ""])
          : track.running ? G.t("menuProgress", [fmt(translated), fmt(track.cues.length)]) : "");
    }
    refresh();
  }

  /** Translate what is missing, then have the host write the file and save it. */
  async function download(format) {
    let track = currentTrack();
    if (!track || busy) return;
    notice = null;
    if (missing(track)) {
      track.translateWhole();
      busy = G.t("menuWaitingForWhole");
      while ((track = currentTrack()) && missing(track) && !track.failed) await new Promise((r) => setTimeout(r, 250));
      busy = null;
      if (!track || track.failed) return;
    }
    const { videoId, lang, cues, translations } = track;
    G.request({ type: "write_captions", format, cues, translations: [...translations.values()] }, (ev) => {
      if (ev.event === "captions") save(ev.text, `${videoId}${lang ? "." + lang : ""}.translated.${format}`, format);
      if (ev.event === "error") notice = `${ev.message || ""} ${ev.hint || ""}`.trim();
    });
  }

  function save(text, name, format) {
    const type = format === "vtt" ? "text/vtt" : "application/x-subrip";
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = G.el("a", { href: url, download: name, "data-glossa": "subtitles-download-link", style: "display:none" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  G.keepControl(addButton);
  document.addEventListener("yt-navigate-start", close);
  document.addEventListener("click", (e) => {
    // A person's click elsewhere closes it (not the download link's synthetic one).
    if (menu && e.isTrusted && !e.composedPath().some((n) => n === menu.box || (n.dataset && n.dataset.glossa === "subtitles-menu"))) close();
  });
})();
