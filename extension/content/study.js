// Study cards from the player: the "save" button on the subtitle line (overlay.js asks for
// one per line it shows), which keeps the line, its translation and a small picture of the
// frame as a study card in glossa-host (`save_study_card`). The options page exports them
// for Anki.
"use strict";
(() => {
  const G = globalThis.glossa;
  /** The card's picture: a thumbnail (Anki shows it beside the sentence). */
  const PICTURE_WIDTH = 320;
  const SHOWN_MS = 1800;

  const STYLE = `
    .subs .study-save { pointer-events: auto; margin-left: .4em; padding: 0 .25em; border: 0; border-radius: 3px;
      background: transparent; color: #fff; font: inherit; font-size: .8em; line-height: 1; cursor: pointer;
      opacity: .35; vertical-align: middle; }
    .subs .study-save::before { content: "☆"; }
    .subs .study-save:hover, .subs .study-save:focus-visible { opacity: 1; background: rgba(255,255,255,.2); }
    .subs .study-save[data-state="saved"]::before { content: "★"; }
    .study-saved { position: absolute; right: 12px; bottom: 22%; pointer-events: none; padding: 4px 10px;
      border-radius: 4px; background: rgba(8,8,8,.85); color: #fff; font-size: 13px; }
  `;

  function ensureStyle(root) {
    if (root && !root.querySelector("style[data-glossa='study-style']")) root.append(G.el("style", { "data-glossa": "study-style" }, STYLE));
  }

  /** The captured frame scaled down to a thumbnail, as base64 JPEG; null when it cannot be had. */
  async function thumbnail(video) {
    try {
      const captured = await G.captureFrame(video, null);
      const bytes = Uint8Array.from(atob(captured.image), (c) => c.charCodeAt(0));
      const img = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }));
      const scale = Math.min(1, PICTURE_WIDTH / img.width);
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(img.width * scale));
      canvas.height = Math.max(1, Math.round(img.height * scale));
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      return canvas.toDataURL("image/jpeg", 0.75).split(",")[1];
    } catch (e) {
      return null; // a card without a picture is still worth keeping
    }
  }

  function confirm(text) {
    const layer = G.layer();
    if (!layer) return;
    ensureStyle(layer.getRootNode());
    layer.querySelector("[data-glossa='study-saved']")?.remove();
    const note = G.el("div", { class: "study-saved", "data-glossa": "study-saved", role: "status" }, text);
    layer.append(note);
    setTimeout(() => note.remove(), SHOWN_MS);
  }

  /**
   * Keep `card` ({ sentence, translation, lang, at } and, for a word, { word, reading,
   * meaning }) as a study card of this video, with a picture of the frame; says so over
   * the player. Resolves to whether it was kept.
   */
  G.saveStudyCard = async (card) => {
    const video = G.findVideo();
    const videoId = G.videoId();
    if (!videoId) return false;
    const body = { type: "save_study_card", sentence: card.sentence, translation: card.translation, video: videoId, at: card.at };
    for (const field of ["word", "reading", "meaning", "lang"]) if (card[field]) body[field] = card[field];
    const picture = await thumbnail(video);
    if (picture) body.picture = picture;
    return new Promise((resolve) => {
      G.request(body, (ev) => {
        if (ev.event === "study_saved") {
          confirm(G.t("studySaved"));
          resolve(true);
        } else if (ev.event === "error") {
          confirm(G.t("studyNotSaved"));
          resolve(false);
        }
      });
    });
  };

  async function save(button, line) {
    if (await G.saveStudyCard(line)) button.dataset.state = "saved";
    else delete button.dataset.state;
  }

  /**
   * The save button for a line shown: `line` is { sentence, translation, lang, at } (the
   * original, what is shown, its language, and when the line starts in seconds). No text
   * of its own (its star is drawn by CSS), so the line's text stays the line's.
   */
  G.studyButton = (line) => {
    const label = G.t("studySave");
    const button = G.el("button", { type: "button", class: "study-save", "data-glossa": "study-save", "aria-label": label, title: label });
    // The player must not take the click or the key as play/pause.
    const stop = (e) => { e.stopPropagation(); };
    button.addEventListener("click", (e) => {
      stop(e);
      e.preventDefault();
      if (button.dataset.state) return; // saved, or being saved
      button.dataset.state = "saving";
      save(button, line).catch(() => { delete button.dataset.state; });
    });
    for (const type of ["mousedown", "mouseup", "keydown", "keyup", "keypress"]) button.addEventListener(type, stop);
    queueMicrotask(() => ensureStyle(button.getRootNode()));
    return button;
  };
})();
