// A word's meaning, in the player: the original subtitle line as words (overlay.js asks
// for it in dual mode), and the gloss panel a click on one opens — the offline dictionary's
// entries at once (`lookup_word` → `word_entries`), then the model's note on the word in
// this line as it streams in. The video pauses while the panel is open; ←/→ step through
// the line's words, Esc closes it and resumes what Glossa paused. "Save" keeps the word as
// a study card (study.js). All text goes in through textContent. A line the host says it
// cuts (Japanese, Chinese: `host_words`) shown without readings is drawn at once with the
// browser's word segmentation, then cut again with the host's words (`line_words`): the cut
// a lookup finds the dictionary form by.
"use strict";
(() => {
  const G = globalThis.glossa;
  const WORDLIKE = /[\p{L}\p{N}]/u;

  const STYLE = `
    .subs .original .gloss-word { pointer-events: auto; cursor: pointer; border-radius: 2px; }
    .subs .original .gloss-word:hover, .subs .original .gloss-word:focus-visible { background: rgba(255,255,255,.22); outline: none; }
    .subs .original .gloss-word[aria-current] { background: rgba(255,210,127,.38); box-shadow: 0 0 0 1px rgba(255,210,127,.8); }
    .word-gloss { position: absolute; pointer-events: auto; box-sizing: border-box; width: min(360px, 70%); max-height: 55%;
      overflow: auto; background: rgba(28,28,28,.95); color: #fff; border-radius: 8px; padding: 8px 12px 10px;
      font-size: 14px; line-height: 1.4; box-shadow: 0 4px 16px rgba(0,0,0,.5); text-align: left; }
    .word-gloss .wg-head { display: flex; align-items: center; gap: 8px; margin-bottom: 4px; }
    .word-gloss .wg-word { flex: 1; font-size: 12px; color: #aaa; }
    .word-gloss button { background: rgba(255,255,255,.12); color: #fff; border: 0; border-radius: 4px;
      padding: 2px 8px; font: inherit; font-size: 12px; cursor: pointer; }
    .word-gloss button:hover, .word-gloss button:focus-visible { background: rgba(255,255,255,.25); }
    .word-gloss button[data-state="saved"] { color: #ffd27f; }
    .word-gloss .wg-entry + .wg-entry { margin-top: 6px; padding-top: 6px; border-top: 1px solid rgba(255,255,255,.12); }
    .word-gloss .wg-headword { font-size: 18px; font-weight: 600; }
    .word-gloss .wg-reading { margin-left: 8px; color: #ddd; }
    .word-gloss .wg-pos { font-size: 12px; color: #9fc3ff; }
    .word-gloss ol { margin: 2px 0 0; padding-left: 1.4em; }
    .word-gloss .wg-credit, .word-gloss .wg-none, .word-gloss .wg-loading { font-size: 12px; color: #aaa; margin-top: 4px; }
    .word-gloss .wg-note { margin-top: 6px; white-space: pre-wrap; }
    .word-gloss .wg-note-label { font-size: 12px; color: #aaa; margin-top: 8px; }
    .word-gloss .wg-note-label + .wg-note { margin-top: 0; }
    .word-gloss .wg-error { margin-top: 6px; color: #ffb4a9; }
    .word-gloss .wg-error .hint { color: #ddd; font-size: 12px; }
  `;

  function ensureStyle(root) {
    if (root && !root.querySelector("style[data-glossa='word-gloss-style']")) root.append(G.el("style", { "data-glossa": "word-gloss-style" }, STYLE));
  }

  /** Whether the host's reading tokens for a line are its words (they make up its text). */
  const tokensFit = (text, tokens) => Array.isArray(tokens) && tokens.length > 0 && tokens.map((t) => t.surface).join("") === text;

  /**
   * `text` cut into pieces `{ text, word }` that concatenate to it: the host's reading
   * tokens when it sent them for this line (its analyser's words, the same the reading
   * line shows), else the host's words for the line (`hostCut`) when they came, else the
   * browser's word segmentation for the language.
   */
  function pieces(text, lang, tokens, hostCut) {
    if (tokensFit(text, tokens)) return tokens.map((t) => ({ text: t.surface, word: WORDLIKE.test(t.surface) }));
    if (hostCut) return hostCut.map((w) => ({ text: w, word: WORDLIKE.test(w) }));
    if (typeof Intl.Segmenter !== "function") return [{ text, word: false }];
    let segmenter;
    try {
      segmenter = new Intl.Segmenter(lang || undefined, { granularity: "word" });
    } catch (e) {
      segmenter = new Intl.Segmenter(undefined, { granularity: "word" }); // a tag the browser does not know
    }
    return [...segmenter.segment(text)].map((s) => ({ text: s.segment, word: !!s.isWordLike }));
  }

  // The host's words of lines shown without reading tokens, by language and text: an array
  // once they came, null while asked (or when the host could not cut the line: the
  // browser's cut stays). Asked once per line; the oldest are forgotten past the cap.
  const HOST_CUTS_MAX = 300;
  const hostCuts = new Map();
  const drawn = new WeakMap(); // a shown line's element → the line it was drawn from, and whether with the host's words

  /**
   * Whether the browser's cut of `line` should give way to the host's: the host says so with
   * the line (`host_words`: Japanese and Chinese, which the browser segments otherwise than
   * its analyser — Firefox: 今日|はい|い|天気), unless the reading's tokens are its words.
   */
  const cutByHost = (line) => !!line.hostWords && !!line.text && !tokensFit(line.text, line.tokens);

  const cutKey = (line) => `${line.lang || ""}\n${line.text}`;

  function rememberCut(key, words) {
    hostCuts.delete(key); // kept as the newest
    hostCuts.set(key, words);
    while (hostCuts.size > HOST_CUTS_MAX) hostCuts.delete(hostCuts.keys().next().value);
  }

  /** The host's words for `line` when they came; else asks for them (once) and gives null. */
  function hostCutOf(line) {
    if (!cutByHost(line)) return null;
    const key = cutKey(line);
    if (hostCuts.has(key)) return hostCuts.get(key);
    rememberCut(key, null);
    G.request({ type: "line_words", lang: line.lang || "", text: line.text }, (ev) => {
      if (ev.event === "line_words") {
        const words = Array.isArray(ev.words) ? ev.words.map(String) : [];
        if (words.join("") !== line.text) {
          console.debug("Glossa: the host's words do not make up the line; the browser's cut stays", words);
          return;
        }
        rememberCut(key, words);
        recut(key);
      } else if (ev.event === "error") {
        // The analyser's data is not installed: the browser's cut stays.
        console.debug(`Glossa: no host words for a ${line.lang || "script-told"} line: ${ev.code || ""} ${ev.message || ""}`);
      }
    });
    return null;
  }

  /** The shown lines of `key` drawn before the host's words came: drawn again with them. */
  function recut(key) {
    const layer = G.layer();
    if (!layer) return;
    for (const el of layer.querySelectorAll("[data-glossa='subtitle-original']")) {
      const was = drawn.get(el);
      if (!was || was.hostCut || cutKey(was.line) !== key || el.textContent !== was.line.text) continue;
      const root = el.getRootNode();
      const focused = root.activeElement && el.contains(root.activeElement) ? Number(root.activeElement.dataset.offset) : null;
      const fresh = G.wordLine(was.line);
      el.replaceWith(fresh);
      if (focused !== null) { // a keyboard user stays on the word they were on
        const words = [...fresh.querySelectorAll("[data-glossa='word']")];
        const here = words.filter((w) => Number(w.dataset.offset) <= focused).pop() || words[0];
        for (const w of words) w.setAttribute("tabindex", w === here ? "0" : "-1");
        here?.focus();
      }
    }
  }

  // The gloss open now, or null: { line, words, index, panel, requestId, resume, entries, note, lang }
  // (lang: the language the host looked the word up in).
  let open = null;
  let target = null; // the user's target language (settings), asked once per opened gloss

  function targetLanguage() {
    if (!target) {
      target = new Promise((resolve) => {
        G.request({ type: "get_settings" }, (ev) => {
          if (ev.event === "settings") resolve(ev.target_language || "en");
          else if (ev.event === "error") { target = null; resolve("en"); }
        });
      });
    }
    return target;
  }

  /**
   * The original line as shown in dual mode, its words as elements a click explains:
   * `line` is { text, cueId, lang, tokens, hostWords, translation, at } (tokens: the host's
   * reading tokens, when it sent them; hostWords: the host said its words are its analyser's,
   * to ask for). `lang` is "" for a line no page named a language for (the caption DOM of a
   * live stream, a burned-in line): the host tells it by the line's script.
   * The line's text is exactly `text`.
   */
  G.wordLine = (line) => {
    const l = G.el("span", { class: "line original", "data-glossa": "subtitle-original", "data-cue-id": line.cueId });
    if (line.lang) l.lang = line.lang; // the language's glyphs (CJK fonts differ) and a screen reader's voice
    const words = [];
    let offset = 0;
    const hostCut = hostCutOf(line);
    drawn.set(l, { line, hostCut: !!hostCut });
    l.dataset.words = tokensFit(line.text, line.tokens) ? "reading" : hostCut ? "host" : "browser"; // whose cut it is
    for (const piece of pieces(line.text, line.lang, line.tokens, hostCut)) {
      if (!piece.word) {
        l.append(document.createTextNode(piece.text));
      } else {
        const index = words.length;
        // The line is one Tab stop (its first word); Enter there opens the gloss, ←/→ go on.
        const w = G.el("span", {
          class: "gloss-word", "data-glossa": "word", "data-word-index": String(index), "data-offset": String(offset),
          role: "button", tabindex: index ? "-1" : "0",
        }, piece.text);
        words.push({ text: piece.text, offset });
        // The player must not take the click as play/pause, nor Enter or Space on a word.
        for (const type of ["mousedown", "mouseup", "dblclick"]) w.addEventListener(type, (e) => e.stopPropagation());
        w.addEventListener("click", (e) => {
          e.stopPropagation();
          e.preventDefault();
          show(line, words, index);
        });
        w.addEventListener("keydown", (e) => {
          if (e.key !== "Enter" && e.key !== " ") return;
          e.stopPropagation();
          e.preventDefault();
          show(line, words, index);
        });
        l.append(w);
      }
      offset += piece.text.length; // UTF-16 code units, as the host's `offset` counts
    }
    // The line was drawn again (a pause, a resize, the host's words came) while its gloss
    // is open: keep the mark, on the word that holds the one looked up.
    if (open && open.line.cueId === line.cueId && open.line.text === line.text) {
      const at = open.words[open.index] ? open.words[open.index].offset : 0;
      open.line = line;
      open.words = words;
      open.index = Math.max(0, words.findLastIndex((w) => w.offset <= at));
      queueMicrotask(() => mark(l));
    }
    queueMicrotask(() => ensureStyle(l.getRootNode()));
    return l;
  };

  /** The word elements of the open gloss's line, as shown now. */
  function lineElement() {
    const layer = G.layer();
    if (!layer || !open) return null;
    return [...layer.querySelectorAll("[data-glossa='subtitle-original']")].find((n) => n.dataset.cueId === String(open.line.cueId)) || null;
  }

  function mark(lineEl) {
    if (!lineEl || !open) return;
    for (const w of lineEl.querySelectorAll("[data-glossa='word']")) {
      if (Number(w.dataset.wordIndex) === open.index) w.setAttribute("aria-current", "true");
      else w.removeAttribute("aria-current");
    }
    place();
  }

  /** Above the line (below it when the subtitles are at the top), under the word. */
  function place() {
    if (!open) return;
    const layer = G.layer();
    const lineEl = lineElement();
    const word = lineEl && lineEl.querySelector(`[data-glossa='word'][data-word-index='${open.index}']`);
    if (!layer || !word) return;
    const base = layer.getBoundingClientRect();
    const box = word.closest("[data-glossa='subtitle-overlay']") || lineEl;
    const r = word.getBoundingClientRect(), lines = box.getBoundingClientRect();
    const panel = open.panel;
    const width = panel.offsetWidth;
    const left = Math.max(8, Math.min(base.width - width - 8, (r.left + r.right) / 2 - base.left - width / 2));
    panel.style.left = `${left}px`;
    const atTop = box.classList.contains("top");
    panel.style.top = atTop ? `${lines.bottom - base.top + 8}px` : "";
    panel.style.bottom = atTop ? "" : `${base.bottom - lines.top + 8}px`;
  }

  function buildPanel(layer) {
    const panel = G.el("div", { class: "word-gloss", "data-glossa": "word-gloss", role: "dialog", "aria-label": G.t("wordGlossTitle") });
    const head = G.el("div", { class: "wg-head" });
    const word = G.el("span", { class: "wg-word", "data-glossa": "word-gloss-word" });
    const save = G.el("button", { type: "button", "data-glossa": "word-gloss-save" }, G.t("wordGlossSave"));
    const closeLabel = G.t("panelClose");
    const closeBtn = G.el("button", { type: "button", "data-glossa": "word-gloss-close", title: closeLabel, "aria-label": closeLabel }, "✕");
    head.append(word, save, closeBtn);
    const body = G.el("div", { "data-glossa": "word-gloss-body" });
    panel.append(head, body);
    for (const type of ["mousedown", "mouseup", "click", "dblclick"]) panel.addEventListener(type, (e) => e.stopPropagation());
    save.addEventListener("click", () => saveCard(save));
    closeBtn.addEventListener("click", () => close(true));
    layer.append(panel);
    return panel;
  }

  /** Open the gloss on word `index` of `line` (or move the open one there) and look it up. */
  function show(line, words, index) {
    const layer = G.layer();
    if (!layer || !words[index]) return;
    ensureStyle(layer.getRootNode());
    if (!open) {
      const video = G.findVideo();
      let resume = null;
      if (video && !video.paused) { video.pause(); resume = video; }
      open = { line, words, index, panel: buildPanel(layer), requestId: null, resume, entries: [], note: "", lang: "" };
    }
    open.line = line;
    open.words = words;
    open.index = index;
    mark(lineElement());
    lookUp();
  }

  async function lookUp() {
    const mine = open;
    if (mine.requestId) G.cancel(mine.requestId);
    mine.requestId = null;
    const { line, words, index, panel } = mine;
    const word = words[index];
    mine.entries = [];
    mine.note = "";
    mine.lang = line.lang;
    panel.querySelector("[data-glossa='word-gloss-word']").textContent = word.text;
    const save = panel.querySelector("[data-glossa='word-gloss-save']");
    delete save.dataset.state;
    const body = panel.querySelector("[data-glossa='word-gloss-body']");
    body.textContent = "";
    const loading = G.el("div", { class: "wg-loading", "data-glossa": "word-gloss-loading", role: "status" }, G.t("wordGlossLoading"));
    body.append(loading);
    panel.dataset.state = "loading";
    place();
    const to = await targetLanguage();
    if (open !== mine || mine.index !== index) return; // closed or moved on meanwhile
    const request = { type: "lookup_word", word: word.text, lang: line.lang || "", to, line: line.text, offset: word.offset };
    if (line.translation) request.translation = line.translation;
    let noteBox = null;
    const id = G.request(request, (ev) => {
      if (open !== mine || mine.requestId !== id) return;
      if (ev.event === "word_entries") {
        mine.entries = Array.isArray(ev.entries) ? ev.entries : [];
        if (typeof ev.lang === "string" && ev.lang) mine.lang = ev.lang; // the one the line's script says, when the page knew none
        loading.before(entriesView(mine.entries));
        panel.dataset.state = "entries";
      } else if (ev.event === "delta") {
        if (!noteBox) {
          noteBox = G.el("div", { class: "wg-note", "data-glossa": "word-gloss-note" });
          body.append(G.el("div", { class: "wg-note-label" }, G.t("wordGlossInLine")), noteBox);
          panel.dataset.state = "note";
        }
        mine.note += String(ev.text || "");
        noteBox.textContent = mine.note;
      } else if (ev.event === "done" || ev.event === "error") {
        mine.requestId = null;
        loading.remove();
        panel.dataset.state = ev.event;
        if (ev.event === "error") {
          // The entries stay: only the note could not be had.
          const said = G.errorText(ev);
          const error = G.el("div", { class: "wg-error", "data-glossa": "word-gloss-error", role: "alert" }, said.message);
          if (said.hint) error.append(G.el("div", { class: "hint" }, said.hint));
          body.append(error);
        }
      }
      place();
    });
    mine.requestId = id;
  }

  /** The dictionary's entries (or that it has none), and whose they are. */
  function entriesView(entries) {
    const view = G.el("div", { "data-glossa": "word-gloss-entries" });
    if (!entries.length) {
      view.append(G.el("div", { class: "wg-none", "data-glossa": "word-gloss-none" }, G.t("wordGlossNoEntry")));
      return view;
    }
    for (const e of entries) { // the host sends the best few
      const entry = G.el("div", { class: "wg-entry", "data-glossa": "word-gloss-entry" });
      const title = G.el("div");
      title.append(G.el("span", { class: "wg-headword", "data-glossa": "word-gloss-headword" }, String(e.headword || "")));
      if (e.reading) title.append(G.el("span", { class: "wg-reading", "data-glossa": "word-gloss-reading" }, String(e.reading)));
      entry.append(title);
      if (Array.isArray(e.pos) && e.pos.length) entry.append(G.el("div", { class: "wg-pos", "data-glossa": "word-gloss-pos" }, e.pos.join(", ")));
      const senses = G.el("ol", { lang: e.senses_lang || "" });
      for (const s of e.senses || []) senses.append(G.el("li", { "data-glossa": "word-gloss-sense" }, String(s)));
      entry.append(senses);
      view.append(entry);
    }
    const sources = [...new Set(entries.map((e) => e.source).filter(Boolean))];
    if (sources.length) view.append(G.el("div", { class: "wg-credit", "data-glossa": "word-gloss-credit" }, G.t("wordGlossCredit", [sources.join(", ")])));
    return view;
  }

  /** Keep the word as a study card: its dictionary form, reading and meaning, with the line. */
  function saveCard(button) {
    if (!open || button.dataset.state) return;
    const { line, words, index, entries, note, lang } = open;
    const first = entries[0];
    const meaning = [first ? (first.senses || []).join("; ") : "", note.trim()].filter(Boolean).join(" — ");
    const card = {
      word: first ? first.headword : words[index].text, reading: first ? first.reading || "" : "", meaning,
      sentence: line.text, translation: line.translation || "", lang: lang || line.lang || "", at: line.at,
    };
    button.dataset.state = "saving";
    G.saveStudyCard(card).then((saved) => {
      if (saved) button.dataset.state = "saved";
      else delete button.dataset.state;
    }, () => { delete button.dataset.state; });
  }

  /** Close the gloss; `resume`: play again if Glossa paused the video for it. */
  function close(resume) {
    if (!open) return;
    const { requestId, panel, resume: video } = open;
    open = null;
    target = null; // asked again next time: the user may change it meanwhile
    if (requestId) G.cancel(requestId);
    panel.remove();
    for (const w of G.layer()?.querySelectorAll("[data-glossa='word'][aria-current]") || []) w.removeAttribute("aria-current");
    if (resume && video) video.play().catch(() => {});
  }
  G.closeWordGloss = close;

  const editable = (node) => !!node && node.nodeType === 1 && (node.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(node.tagName));

  // The keys are taken at the window, before any page listener (the player's), and again
  // at the document: in Firefox a content script stopping the event at the window does not
  // keep it from the page's listeners. Only while the gloss is open: the player's own
  // arrow-key seeking and Esc stay as they are otherwise.
  const taken = new WeakSet(); // keys already acted on, stopped again at the next target
  function onKey(e) {
    if (taken.has(e)) { e.stopImmediatePropagation(); return; }
    if (!open || e.altKey || e.ctrlKey || e.metaKey || editable(e.composedPath()[0])) return;
    if (e.key === "Escape") {
      close(true);
    } else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      const next = open.index + (e.key === "ArrowRight" ? 1 : -1);
      if (next >= 0 && next < open.words.length) show(open.line, open.words, next);
    } else {
      return;
    }
    taken.add(e);
    e.preventDefault();
    e.stopImmediatePropagation();
  }

  for (const target of [window, document]) target.addEventListener("keydown", onKey, true);

  // The line the gloss explains is gone once the video plays on, moves elsewhere, or
  // another video starts.
  for (const type of ["play", "seeked"]) document.addEventListener(type, () => close(false), true);
  document.addEventListener("yt-navigate-start", () => close(false));
})();
