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
    .items { display: flex; flex-direction: column; gap: 6px; white-space: normal; }
    .item .translation { white-space: pre-wrap; }
    .item .original { white-space: pre-wrap; font-size: 12px; color: #bbb; }
    .inplace { position: absolute; inset: 0; pointer-events: none; }
    .label { position: absolute; box-sizing: border-box; pointer-events: auto; display: flex; align-items: center;
      justify-content: center; overflow: hidden; background: rgba(12, 12, 12, 0.9); color: #fff; border-radius: 3px;
      padding: 0 2px; line-height: 1.15; text-align: center; overflow-wrap: anywhere; cursor: default; }
    .label .original { display: none; }
    .label:hover { background: rgba(40, 40, 40, 0.92); }
    .label:hover .original { display: inline; }
    .label:hover .translation { display: none; }
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

  let current = null; // { id, panel, resumeVideo, inplace }

  function close() {
    if (!current) return;
    const { id, panel, resumeVideo, inplace } = current;
    current = null;
    if (id) G.cancel(id);
    panel.remove();
    inplace?.remove();
    if (resumeVideo) resumeVideo.play().catch(() => {});
  }

  /** Smallest and largest font of a label drawn over the picture, in px. */
  const LABEL_FONT = { min: 9, max: 48 };

  /**
   * The labels drawn over the paused picture where the model read each text: `crop` is the
   * captured part of the picture in fractions of it (a dragged region, or all of it), and an
   * item's box is in fractions of that part. Placed against the picture as displayed now
   * (letterboxed inside the <video>, and again after a resize or fullscreen).
   */
  function inPlace(layer, video, crop) {
    const sheet = el("div", { class: "inplace", "data-glossa": "frame-inplace-layer" });
    layer.prepend(sheet);
    const labels = [];
    const place = (label) => {
      const pic = G.pictureRect(video);
      if (!pic.width || !pic.height) return;
      const base = layer.getBoundingClientRect();
      const [x, y, w, h] = label.box;
      const left = pic.left + (crop.x + x * crop.w) * pic.width, top = pic.top + (crop.y + y * crop.h) * pic.height;
      Object.assign(label.node.style, {
        left: `${left - base.left}px`, top: `${top - base.top}px`, width: `${w * crop.w * pic.width}px`, height: `${h * crop.h * pic.height}px`,
      });
      fit(label.node);
    };
    const placeAll = () => labels.forEach(place);
    const resized = new ResizeObserver(placeAll);
    resized.observe(video);
    window.addEventListener("resize", placeAll);
    document.addEventListener("fullscreenchange", placeAll);
    // The labels belong to the paused picture: once it moves on they would cover another.
    const onPlay = () => sheet.remove();
    video.addEventListener("play", onPlay);
    const stop = () => {
      resized.disconnect();
      window.removeEventListener("resize", placeAll);
      document.removeEventListener("fullscreenchange", placeAll);
      video.removeEventListener("play", onPlay);
    };
    return {
      add(item) {
        const node = el("div", { class: "label", "data-glossa": "frame-inplace", title: item.original });
        node.append(el("span", { class: "translation" }, clean(item.translation)), el("span", { class: "original" }, clean(item.original)));
        node.addEventListener("click", (e) => e.stopPropagation());
        sheet.append(node);
        const label = { node, box: item.box };
        labels.push(label);
        place(label);
      },
      remove() { stop(); sheet.remove(); },
    };
  }

  /** The largest font (within LABEL_FONT) at which the label's text fits its box. */
  function fit(node) {
    let lo = LABEL_FONT.min, hi = Math.max(LABEL_FONT.min, Math.min(LABEL_FONT.max, node.clientHeight * 0.85));
    node.style.fontSize = `${hi}px`;
    const fits = () => node.scrollWidth <= node.clientWidth + 1 && node.scrollHeight <= node.clientHeight + 1;
    if (fits()) return;
    for (let i = 0; i < 7; i++) {
      const mid = (lo + hi) / 2;
      node.style.fontSize = `${mid}px`;
      if (fits()) lo = mid; else hi = mid;
    }
    node.style.fontSize = `${lo}px`;
  }

  // Control characters (a model's stray bytes) are no text: shown as nothing, and
  // Firefox's clipboard drops NULs, so Copy would give something else than shown.
  const clean = (t) => String(t || "").replace(CONTROL_CHARS, "");
  G.closePanel = close;

  /** Open the result panel for one frame translation and return its handlers. */
  G.openPanel = () => {
    const opened = performance.now();
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

    // Items as read (translation, then its original): what Copy gives when the model answered in items.
    const items = [];
    const shownText = () => (items.length ? items.map((i) => (i.original && i.original !== i.translation ? `${i.translation}\n${i.original}` : i.translation)).join("\n\n") : text.textContent);
    copy.addEventListener("click", async (e) => {
      e.stopPropagation();
      try {
        await navigator.clipboard.writeText(shownText());
        copy.textContent = G.t("panelCopied");
      } catch (err) {
        // Clipboard refused (no focus, a policy): select the text for the user to copy.
        getSelection()?.selectAllChildren(text);
        copy.textContent = G.t("panelCopyManually");
      }
    });
    closeBtn.addEventListener("click", (e) => { e.stopPropagation(); close(); });
    panel.addEventListener("click", (e) => e.stopPropagation());

    current = { id: null, panel, resumeVideo: null, inplace: null };
    const mine = current;
    let list = null;
    const showItem = (ev) => {
      const item = { original: clean(ev.original), translation: clean(ev.translation) };
      items.push(item);
      if (!list) {
        list = el("div", { class: "items", "data-glossa": "frame-items" });
        text.append(list);
      }
      const row = el("div", { class: "item", "data-glossa": "frame-item" });
      row.append(el("div", { class: "translation", "data-glossa": "frame-translation" }, item.translation));
      if (item.original && item.original !== item.translation) row.append(el("div", { class: "original", "data-glossa": "frame-original" }, item.original));
      list.append(row);
      const box = Array.isArray(ev.box) && ev.box.length === 4 && ev.box.every(Number.isFinite) ? ev.box : null;
      if (box && mine.inplace) mine.inplace.add({ ...item, box });
    };
    return {
      setRequest: (id) => { if (current === mine) mine.id = id; },
      /** A measured time in ms, kept on the panel (the browser tests print them). */
      measured: (name, ms) => { panel.dataset[`${name}Ms`] = String(Math.round(ms * 10) / 10); },
      /** The size the picture was captured at (the browser tests check it is the model's). */
      capturedSize: (size) => { panel.dataset.captureSize = `${size.width}x${size.height}`; },
      /** The picture the items are read from: their boxes are drawn over it (crop: fractions of the picture). */
      setPicture: (video, crop) => {
        if (current !== mine || !video) return;
        mine.inplace?.remove();
        mine.inplace = inPlace(layer, video, crop || { x: 0, y: 0, w: 1, h: 1 });
      },
      isOpen: () => current === mine,
      /** Pause while the panel is open; playback resumes when it closes. */
      pauseVideo: (video) => {
        if (current !== mine || !video || video.paused) return;
        video.pause();
        mine.resumeVideo = video;
      },
      onEvent: (ev) => {
        if (current !== mine) return;
        if ((ev.event === "delta" || ev.event === "frame_item") && !panel.dataset.firstTokenMs) {
          panel.dataset.firstTokenMs = String(Math.round(performance.now() - opened));
        }
        if (ev.event === "delta") {
          spinner.hidden = true;
          panel.dataset.state = "streaming";
          text.append(document.createTextNode(clean(ev.text)));
        } else if (ev.event === "frame_item") {
          spinner.hidden = true;
          panel.dataset.state = "streaming";
          showItem(ev);
        } else if (ev.event === "done") {
          spinner.hidden = true;
          panel.dataset.state = "done";
          mine.id = null;
          // The model found nothing to translate (no text, only logos, or text already in
          // the target language): say so rather than leave an empty panel.
          if (!items.length && !text.textContent.trim()) text.append(el("div", { class: "empty", "data-glossa": "frame-empty" }, G.t("panelNoText")));
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
