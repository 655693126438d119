// Caption-DOM fallback for the subtitle overlay: when no caption file was seen for this
// video (a live stream's captions come with the stream), translate what the player shows
// in its caption DOM (.ytp-caption-segment). overlay.js calls `read()` on every DOM change
// while it has no track, and shows `shown(time)`.
//
// Live and auto-generated captions grow a word at a time in a rolling two-line window,
// without punctuation, and the recogniser revises its last word now and then. So the words
// the window adds (or corrects) are collected into a transcript, and a sentence is asked
// for only once it is complete: at a sentence end, or when the window has not changed for
// STABLE_MS (the speaker paused). One request per sentence, never cancelled for a new word.
// Each translated sentence is shown whole, while its words are still in the player's
// window or for as long as it took to say, whichever is longer; the newest translated
// sentence wins.
"use strict";
(() => {
  const G = globalThis.glossa;
  /** A window unchanged this long ends the sentence being spoken (ASR has no punctuation). */
  const STABLE_MS = 700;
  /** The recogniser may still revise this many words at the window's end. */
  const REVISED_WORDS = 2;
  /** A sentence is cut here even without a pause. */
  const MAX_WORDS = 40;
  /** Words of the transcript kept to recognise the window's old words. */
  const HEARD_WORDS = 80;
  /** Sentences kept per video (the shown one and a few before it, for dual lines). */
  const KEPT_SENTENCES = 8;
  /** Translations kept per video, so a sentence seen again costs no request. */
  const KNOWN_SENTENCES = 200;

  let hooks = { changed() {}, newVideo() {} };
  let session = null; // one video's transcript: see newSession
  let seq = 0;

  const videoIdNow = () => G.videoId(); // content.js: /watch, /shorts/, /embed/, /live/
  const endsSentence = (word) => /[.!?。！？…]["'”’)\]]*$/.test(word);

  function newSession(v) {
    return {
      v,
      windowText: "",
      heard: [], // the last HEARD_WORDS words of finished sentences
      pending: [], // words of the sentence being spoken
      pendingFrom: 0, // video time its first word appeared
      pendingTo: 0, // … and its last
      total: 0, // words in the transcript so far (finished and pending)
      windowStart: 0, // transcript index of the window's first word
      sentences: [], // { id, text, first, count, from, to, requestId, translation, failed, shownAt }
      known: new Map(), // sentence text -> its translation
      timer: 0,
    };
  }

  /**
   * Where the window `win` sits in `seen` (the transcript's last words): the start `p` and
   * length `j` of their longest common run (seen[p..p+j] is win[0..j]), the latest on ties.
   * Words of `seen` after p + j are no longer in the window: the recogniser revised them.
   */
  function align(seen, win) {
    let best = { p: seen.length, j: 0 };
    for (let p = seen.length - 1; p >= 0; p--) {
      let j = 0;
      while (j < win.length && p + j < seen.length && seen[p + j] === win[j]) j++;
      if (j > best.j) best = { p, j };
    }
    return best;
  }

  function read() {
    const player = G.findPlayer(); // content.js: the Shorts player too
    const segs = player ? [...player.querySelectorAll(".ytp-caption-segment")].map((s) => s.textContent) : [];
    const text = segs.join("\n").trim();
    const v = videoIdNow() || location.pathname;
    if (session && session.v !== v) {
      stop(); // never a line of another video
      hooks.changed();
    }
    if (!session) {
      if (!text) return;
      session = newSession(v);
      hooks.newVideo();
    }
    const s = session;
    if (s.windowText === text) return;
    s.windowText = text;
    const video = G.findVideo();
    const t = video ? video.currentTime : 0;
    const win = text.split(/\s+/).filter(Boolean);
    clearTimeout(s.timer);
    if (!win.length) {
      // The player cleared its window: the sentence it showed is over, what comes next is new.
      finish(s, t);
      s.heard = [];
      s.windowStart = s.total;
      return hooks.changed();
    }
    const seen = s.heard.concat(s.pending);
    const { p, j } = align(seen, win);
    const revised = seen.length - (p + j);
    let fresh = win.slice(j);
    if (revised > 0 && j >= 2 && revised <= Math.min(REVISED_WORDS, s.pending.length)) {
      // The recogniser corrected its last word(s), not asked for yet: they are replaced.
      s.pending.length -= revised;
      s.total -= revised;
    } else if (j === 0 || revised > 0) {
      // Not a continuation: the player shows another caption. What was pending is over.
      finish(s, t);
      fresh = win;
    }
    for (const word of fresh) {
      if (!s.pending.length) s.pendingFrom = t;
      s.pending.push(word);
      s.pendingTo = t;
      s.total++;
      if (endsSentence(word) || s.pending.length >= MAX_WORDS) finish(s, t);
    }
    s.windowStart = s.total - win.length;
    if (s.pending.length) s.timer = setTimeout(() => finish(s, s.pendingTo), STABLE_MS);
    hooks.changed();
  }

  /** The sentence being spoken is complete: ask for its translation (once). */
  function finish(s, t) {
    if (!s.pending.length || session !== s) return;
    const text = s.pending.join(" ");
    const sentence = {
      id: `d${++seq}`, text, first: s.total - s.pending.length, count: s.pending.length, from: s.pendingFrom, to: s.pendingTo,
      requestId: null, translation: s.known.get(text) || null, failed: null, shownAt: null,
    };
    s.heard = s.heard.concat(s.pending).slice(-HEARD_WORDS);
    s.pending = [];
    s.sentences.push(sentence);
    if (s.sentences.length > KEPT_SENTENCES) s.sentences.shift();
    if (sentence.translation) return hooks.changed();
    sentence.requestId = G.request({
      type: "translate_track", track: `youtube:${s.v}:dom`, playhead: t,
      cues: [{ id: sentence.id, start: sentence.from, end: Math.max(t, sentence.to) + 10, text }],
    }, (ev) => {
      if (ev.event === "cues" && ev.cues && ev.cues[0]) {
        sentence.translation = ev.cues[0];
        // Kept even when untranslated: the model answered, and the host refused what it
        // wrote twice (an echo, a misaligned line); asking again would pay for the same.
        s.known.set(text, sentence.translation);
        if (s.known.size > KNOWN_SENTENCES) s.known.delete(s.known.keys().next().value);
      }
      if (ev.event === "done" || ev.event === "error") sentence.requestId = null;
      if (ev.event === "error") sentence.failed = ev; // say why, as for a track
      if (session === s) hooks.changed();
    });
  }

  /** Forget everything (another video, or a caption file took over). */
  function stop() {
    if (!session) return;
    clearTimeout(session.timer);
    for (const x of session.sentences) if (x.requestId) G.cancel(x.requestId);
    session = null;
  }

  /** The newest translated sentence, if it is still due at video time `t`. */
  function shown(t) {
    if (!session) return null;
    const s = session;
    const x = [...s.sentences].reverse().find((y) => y.translation && y.translation.text.trim());
    if (!x) return null;
    if (x.shownAt === null || t < x.shownAt) x.shownAt = t;
    const inWindow = s.windowText && x.first + x.count > s.windowStart;
    const spokenFor = x.to - x.from;
    if (!inWindow && t - x.shownAt > spokenFor) return null;
    return { text: x.text, translation: x.translation };
  }

  G.captionsDom = {
    /** `changed`: the line to show may have changed; `newVideo`: the display settings may differ. */
    attach(h) { hooks = h; },
    read,
    stop,
    /** Whether there is anything to show or wait for. */
    active: () => !!session && (session.pending.length > 0 || session.sentences.length > 0),
    shown,
    /** The error the host gave for the newest sentence, if any. */
    failed: () => {
      const last = session && session.sentences[session.sentences.length - 1];
      return last ? last.failed : null;
    },
  };
})();
