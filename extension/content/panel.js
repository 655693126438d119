// Glossa's UI inside the player: one shadow root (so YouTube's CSS cannot reach it and it
// stays visible in fullscreen and theatre mode) holding the frame-result panel, the region
// selector and the subtitle overlay. Every text goes in through textContent.
"use strict";
(() => {
  const G = globalThis.glossa;
  /** C0 controls but tab and newline (a lone CR becomes a newline on a clipboard), and DEL. */
  const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F]/g;

  const STYLE = `
    :host { all: initial; }
    .layer { position: absolute; inset: 0; pointer-events: none; z-index: 60;
      font-family: "YouTube Noto", Roboto, Arial, sans-serif; }
    .panel { position: absolute; top: 12px; right: 12px; max-width: min(480px, 60%); max-height: 70%;
      overflow: auto; pointer-events: auto; background: rgba(28, 28, 28, 0.92); color: #fff;
      border-radius: 8px; padding: 10px 12px; font-size: 15px; line-height: 1.45;
      box-shadow: 0 4px 16px rgba(0,0,0,.5); }
    .head { display: flex; align-items: center; gap: 8px; margin-bottom: 6px; font-size: 12px; color: #aaa; }
    .head .title { flex: 1; font-weight: 600; letter-spacing: .02em; }
    .head button { background: rgba(255,255,255,.12); color: #fff; border: 0; border-radius: 4px;
      padding: 3px 8px; font: inherit; cursor: pointer; }
    .head button:hover { background: rgba(255,255,255,.25); }
    .text { white-space: pre-wrap; word-break: break-word; }
    .spinner { width: 18px; height: 18px; border: 2px solid rgba(255,255,255,.25); border-top-color: #fff;
      border-radius: 50%; animation: spin .8s linear infinite; margin: 4px 0; }
    @keyframes spin { to { transform: rotate(360deg); } }
    .error { color: #ffb4a9; }
    .error .hint { color: #ddd; margin-top: 4px; font-size: 13px; }
    [hidden] { display: none !important; }
    .region { position: absolute; inset: 0; pointer-events: auto; cursor: crosshair; background: rgba(0,0,0,.25); }
    .region .box { position: absolute; border: 2px dashed #fff; background: rgba(255,255,255,.1); }
    .region .hint { position: absolute; top: 10px; left: 50%; transform: translateX(-50%); color: #fff;
      background: rgba(0,0,0,.7); padding: 4px 10px; border-radius: 4px; font-size: 13px; }
    .subs { position: absolute; left: 0; right: 0; bottom: 8%; display: flex; flex-direction: column;
      align-items: center; gap: 2px; transition: bottom .15s; text-align: center; }
    .subs.top { top: 6%; bottom: auto; }
    .subs.controls { bottom: calc(8% + 50px); }
    .subs .line { display: inline-block; background: rgba(8, 8, 8, 0.75); color: #fff; padding: 1px 8px;
      border-radius: 3px; white-space: pre-wrap; max-width: 80%; }
    .subs .original { opacity: .8; font-size: .8em; }
    .subs .line[data-untranslated] { font-style: italic; opacity: .85; }
    .subs .reading { font-size: .8em; line-height: 1.9; }
    .subs .reading rt { font-size: .55em; opacity: .9; }
    .subs .reading ruby { margin: 0 .06em; }
    .subs .notice { font-size: 13px; color: #ffd27f; background: rgba(8,8,8,.75); padding: 2px 8px; border-radius: 3px; }
  `;

  function el(tag, attrs = {}, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  G.el = el;

  /** The shadow root inside the player, created on first use and moved with the player. */
  G.layer = () => {
    const player = G.findPlayer();
    if (!player) return null;
    let host = player.querySelector(":scope > [data-glossa='root']");
    if (!host) {
      host = el("div", { "data-glossa": "root", style: "position:absolute;inset:0;pointer-events:none;z-index:60" });
      const shadow = host.attachShadow({ mode: "open" });
      shadow.append(el("style", {}, STYLE), el("div", { class: "layer" }));
      player.append(host);
    }
    return host.shadowRoot.querySelector(".layer");
  };

  let current = null; // { id, panel, resumeVideo }

  function close() {
    if (!current) return;
    const { id, panel, resumeVideo } = current;
    current = null;
    if (id) G.cancel(id);
    panel.remove();
    if (resumeVideo) resumeVideo.play().catch(() => {});
  }
  G.closePanel = close;

  /** Open the result panel for one frame translation and return its handlers. */
  G.openPanel = () => {
    close();
    const layer = G.layer();
    if (!layer) return null;
    const panel = el("div", { class: "panel", "data-glossa": "frame-result", "data-state": "working", role: "dialog" });
    const head = el("div", { class: "head" });
    const copy = el("button", { "data-glossa": "copy-result", type: "button" }, G.t("panelCopy"));
    const closeBtn = el("button", { "data-glossa": "close-result", type: "button", title: G.t("panelClose"), "aria-label": G.t("panelClose") }, "✕");
    head.append(el("span", { class: "title" }, G.t("panelTitle")), copy, closeBtn);
    const spinner = el("div", { class: "spinner", "data-glossa": "frame-spinner", title: G.t("panelWorking") });
    const text = el("div", { class: "text", "data-glossa": "frame-text" });
    const error = el("div", { class: "error", "data-glossa": "frame-error", hidden: "" });
    const message = el("div", { "data-glossa": "error-message" });
    const hint = el("div", { class: "hint", "data-glossa": "error-hint" });
    error.append(message, hint);
    panel.append(head, spinner, text, error);
    layer.append(panel);

    copy.addEventListener("click", async (e) => {
      e.stopPropagation();
      try {
        await navigator.clipboard.writeText(text.textContent);
        copy.textContent = G.t("panelCopied");
      } catch (err) {
        // Clipboard refused (no focus, a policy): select the text for the user to copy.
        getSelection()?.selectAllChildren(text);
        copy.textContent = G.t("panelCopyManually");
      }
    });
    closeBtn.addEventListener("click", (e) => { e.stopPropagation(); close(); });
    panel.addEventListener("click", (e) => e.stopPropagation());

    current = { id: null, panel, resumeVideo: null };
    const mine = current;
    return {
      setRequest: (id) => { if (current === mine) mine.id = id; },
      isOpen: () => current === mine,
      /** Pause while the panel is open; playback resumes when it closes. */
      pauseVideo: (video) => {
        if (current !== mine || !video || video.paused) return;
        video.pause();
        mine.resumeVideo = video;
      },
      onEvent: (ev) => {
        if (current !== mine) return;
        if (ev.event === "delta") {
          spinner.hidden = true;
          panel.dataset.state = "streaming";
          // Control characters (a model's stray bytes) are no text: shown as nothing, and
          // Firefox's clipboard drops NULs, so Copy would give something else than shown.
          text.append(document.createTextNode(ev.text.replace(CONTROL_CHARS, "")));
        } else if (ev.event === "done") {
          spinner.hidden = true;
          panel.dataset.state = "done";
          mine.id = null;
        } else if (ev.event === "error") {
          spinner.hidden = true;
          panel.dataset.state = "error";
          panel.dataset.code = ev.code || "";
          const said = G.errorText(ev);
          message.textContent = said.message;
          hint.textContent = said.hint;
          error.hidden = false;
          mine.id = null;
        }
      },
    };
  };

  // Esc or a click outside the panel closes it (and cancels the translation).
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && current) close(); }, true);
  document.addEventListener("click", (e) => {
    if (!current) return;
    if (e.composedPath().some((n) => n.dataset && n.dataset.glossa === "translate-frame")) return;
    close();
  });

  /** Let the user drag a rectangle over the video; resolves to it (viewport px) or null. */
  G.selectRegion = (video) =>
    new Promise((resolve) => {
      const layer = G.layer();
      if (!layer || !video) return resolve(null);
      const sheet = el("div", { class: "region", "data-glossa": "region-select" });
      const box = el("div", { class: "box", hidden: "" });
      sheet.append(el("div", { class: "hint" }, G.t("regionHint")), box);
      layer.append(sheet);
      let start = null;
      const done = (rect) => { sheet.remove(); document.removeEventListener("keydown", onKey, true); resolve(rect); };
      const onKey = (e) => { if (e.key === "Escape") { e.stopPropagation(); done(null); } };
      document.addEventListener("keydown", onKey, true);
      const rectOf = (e) => {
        const left = Math.min(start.x, e.clientX), top = Math.min(start.y, e.clientY);
        return { left, top, width: Math.abs(e.clientX - start.x), height: Math.abs(e.clientY - start.y) };
      };
      sheet.addEventListener("pointerdown", (e) => { e.preventDefault(); e.stopPropagation(); start = { x: e.clientX, y: e.clientY }; sheet.setPointerCapture(e.pointerId); });
      sheet.addEventListener("pointermove", (e) => {
        if (!start) return;
        const r = rectOf(e), base = sheet.getBoundingClientRect();
        Object.assign(box.style, { left: `${r.left - base.left}px`, top: `${r.top - base.top}px`, width: `${r.width}px`, height: `${r.height}px` });
        box.hidden = false;
      });
      sheet.addEventListener("pointerup", (e) => { e.stopPropagation(); if (start) { const r = rectOf(e); done(r.width > 8 && r.height > 8 ? r : null); } });
      sheet.addEventListener("click", (e) => e.stopPropagation());
    });
})();
