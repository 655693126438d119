// A small stand-in for YouTube's player: plays the video, renders its captions into the
// caption DOM, and navigates between videos without reloading the page. Like the real
// player it fetches no captions at load: only when captions are switched on (the CC
// button, or the player API), through the track's signed baseUrl to which it adds its
// `pot` token and the format (json3, or srv3 for some videos) — and `tlang` for YouTube's
// own machine translation. A live video's captions come with the stream instead (its
// auto-generated ones word by word, in a rolling two-line window).
//
// The player API is the real one's shape (`#movie_player` methods, `ytInitialPlayerResponse`),
// with its inconvenient parts: `ytInitialPlayerResponse` stays the first video's after
// in-page navigation (getPlayerResponse() is current); getOption("captions", "tracklist")
// is empty until the captions module has loaded, which takes a moment after loadModule;
// setOption("captions", "track", …) does nothing before that; loading the module shows
// the default track. Every API call and fetch is logged in `window.__fakePlayerLog`.
(() => {
  // The page's player: #movie_player, or the Shorts player (a hidden watch page's
  // #movie_player may come first in the document there).
  const player = document.getElementById(window.__glossaFixture.playerId || "movie_player");
  const video = player.querySelector("video");
  const captions = player.querySelector(".ytp-caption-window-container");
  // m.youtube.com's CC button sits in its own control overlay, outside the player.
  const ccButton = player.querySelector(".ytp-subtitles-button") || document.querySelector("ytm-closed-captioning-button button");
  const fixture = window.__glossaFixture;
  const log = (window.__fakePlayerLog = []);
  const MODULE_LOAD_MS = 300;
  let cues = [];
  let current = null; // the video id loaded
  let module = "unloaded"; // "unloaded" | "loading" | "loaded"
  let track = null; // the caption track shown: a captionTracks entry, plus translationLanguage
  let request = 0; // the latest caption request; older answers are dropped
  let liveAsr = null; // { words, lingerSecs }: a live stream's auto-generated captions

  function videoId() {
    const url = new URL(location.href);
    return url.searchParams.get("v") || (url.pathname.match(/^\/(?:shorts|embed|live)\/([\w-]+)/) || [])[1] || null;
  }

  function parseJson3(text) {
    return JSON.parse(text).events.filter((e) => e.segs).map((e) => ({
      start: e.tStartMs / 1000, end: (e.tStartMs + e.dDurationMs) / 1000,
      text: e.segs.map((s) => s.utf8).join(""),
    }));
  }

  function parseSrv3(text) {
    const doc = new DOMParser().parseFromString(text, "text/xml");
    return [...doc.querySelectorAll("body > p")].map((p) => {
      const start = Number(p.getAttribute("t")) / 1000;
      return { start, end: start + Number(p.getAttribute("d")) / 1000, text: p.textContent };
    });
  }

  const meta = () => fixture.videos[current] || {};
  const response = () => (fixture.players[current] || null);
  const captionTracks = () => {
    const r = response();
    return (r && r.captions && r.captions.playerCaptionsTracklistRenderer.captionTracks) || [];
  };

  /** A captionTracks entry as getOption("captions", "tracklist") / ("track") give it. */
  function optionTrack(t, translationLanguage) {
    const o = {
      languageCode: t.languageCode, languageName: t.name.simpleText, displayName: t.name.simpleText, kind: t.kind || "",
      name: null, id: null, is_servable: true, is_default: !!t.isDefault, is_translateable: !!t.isTranslatable, vss_id: t.vssId,
    };
    if (translationLanguage) o.translationLanguage = translationLanguage;
    return o;
  }

  function setCc(on) {
    ccButton.setAttribute("aria-pressed", String(on));
  }

  function clearCaptions() {
    request++;
    cues = [];
    track = null;
    captions.textContent = "";
    captions.dataset.text = "";
    setCc(false);
  }

  /** Show track `t` (a captionTracks entry), machine-translated to `tlang` if given. */
  function showTrack(t, tlang) {
    const same = track && track.vssId === t.vssId && (track.tlang || "") === (tlang || "");
    if (same) return setCc(true); // already loaded: the player does not fetch it again
    clearCaptions();
    track = { ...t, tlang: tlang || "" };
    setCc(true);
    const m = meta();
    const url = new URL(t.baseUrl, location.href);
    url.searchParams.set("fmt", m.fmt || "json3");
    for (const [k, v] of [["xorb", "2"], ["xobt", "3"], ["xovt", "3"], ["cbr", "Chrome"], ["c", "WEB"]]) url.searchParams.set(k, v);
    if (tlang) url.searchParams.set("tlang", tlang);
    url.searchParams.set("pot", m.pot);
    const href = url.pathname + url.search;
    log.push({ op: "fetch", url: href });
    const mine = ++request;
    const id = current;
    const xhr = new XMLHttpRequest();
    xhr.open("GET", href);
    xhr.onload = () => {
      if (xhr.status !== 200 || mine !== request || current !== id) return;
      cues = m.fmt === "srv3" ? parseSrv3(xhr.responseText) : parseJson3(xhr.responseText);
      renderCaption();
    };
    xhr.send();
  }

  function defaultTrack() {
    const tracks = captionTracks();
    return tracks.find((t) => t.isDefault) || tracks[0] || null;
  }

  /** Load the captions module (it takes a moment); once loaded it shows `then()`'s track or the default. */
  function loadCaptionsModule(then) {
    if (module === "loaded") return then && then();
    if (module === "loading") return;
    module = "loading";
    const id = current;
    setTimeout(() => {
      if (current !== id || module !== "loading") return;
      module = "loaded";
      if (then) return then();
      const t = defaultTrack();
      if (t) showTrack(t);
    }, MODULE_LOAD_MS);
  }

  function unloadCaptionsModule() {
    module = "unloaded";
    clearCaptions();
  }

  function findTrack(want) {
    if (!want || typeof want !== "object" || !want.languageCode) return null;
    const tracks = captionTracks().filter((t) => t.languageCode === want.languageCode);
    if (want.kind !== undefined) return tracks.find((t) => (t.kind || "") === (want.kind || "")) || null;
    return tracks.find((t) => !t.kind) || tracks[0] || null;
  }

  // ---------------------------------------------------------------- the player API

  player.getPlayerResponse = () => response();
  player.getVideoData = () => ({ video_id: current });
  player.loadModule = (name) => {
    log.push({ op: "loadModule", name });
    if (name === "captions" && captionTracks().length) loadCaptionsModule();
  };
  player.unloadModule = (name) => {
    log.push({ op: "unloadModule", name });
    if (name === "captions") unloadCaptionsModule();
  };
  player.getOption = (name, option) => {
    if (name !== "captions" || module !== "loaded") return option === "tracklist" ? [] : undefined;
    if (option === "tracklist") return captionTracks().map((t) => optionTrack(t));
    if (option === "translationLanguages") return response().captions.playerCaptionsTracklistRenderer.translationLanguages;
    if (option === "track") {
      if (!track) return {};
      const tl = track.tlang
        ? response().captions.playerCaptionsTracklistRenderer.translationLanguages.find((l) => l.languageCode === track.tlang)
        : null;
      return optionTrack(track, tl ? { languageCode: tl.languageCode, languageName: tl.languageName.simpleText } : undefined);
    }
    return undefined;
  };
  player.setOption = (name, option, value) => {
    log.push({ op: "setOption", name, option, value: JSON.parse(JSON.stringify(value ?? null)) });
    if (name !== "captions" || option !== "track" || module !== "loaded") return; // not loaded: ignored
    if (!value || !value.languageCode) return clearCaptions(); // {}: captions off
    const t = findTrack(value);
    if (!t) return;
    const tl = value.translationLanguage;
    showTrack(t, typeof tl === "string" ? tl : tl && tl.languageCode);
  };

  // The CC button: captions on (the module loads and shows the default track) or off.
  ccButton.setAttribute("aria-pressed", "false");
  ccButton.addEventListener("click", () => {
    log.push({ op: "cc", on: ccButton.getAttribute("aria-pressed") !== "true" });
    if (ccButton.getAttribute("aria-pressed") === "true") return clearCaptions();
    if (module === "loaded") {
      const t = defaultTrack();
      if (t) showTrack(t);
    } else {
      loadCaptionsModule();
    }
  });

  function load(id) {
    clearCaptions();
    module = "unloaded";
    current = id;
    liveAsr = null;
    const m = fixture.videos[id];
    // The channel's link under the player, as YouTube's watch page has it (updated on in-page navigation).
    const owner = document.querySelector("ytd-watch-metadata");
    if (owner) {
      owner.hidden = !(m && m.channel);
      const link = owner.querySelector("ytd-channel-name a");
      link.setAttribute("href", m && m.channel ? `/${m.channel}` : "");
      link.textContent = m && m.channel ? m.channel.slice(1) : "";
    }
    if (!m) return;
    video.src = m.src || `/media/${id}.webm`;
    liveAsr = m.liveAsr ? { words: m.liveAsr, lingerSecs: m.lingerSecs || 4 } : null;
    if (m.liveCues) cues = m.liveCues;
    // A viewer who keeps captions on (YouTube remembers it): the module loads with their track.
    const user = m.userCaptions;
    if (user) {
      loadCaptionsModule(() => {
        const t = findTrack(user);
        if (t) showTrack(t, user.translationLanguage);
      });
    }
  }

  // Live auto-generated captions, built the way YouTube's player builds them: the recogniser
  // hands over one word at a time and the player rebuilds the whole caption window for each
  // (new elements every time), showing the last two lines of the rolling window; the top
  // line scrolls off when a third starts; a misheard word is revised when the next comes.
  // Follows the stream's clock, not timeupdate.
  function renderLiveAsr() {
    if (!liveAsr) return;
    const t = video.currentTime;
    const heard = liveAsr.words.filter((w) => w.t <= t);
    const last = heard[heard.length - 1];
    const lines = [];
    if (last && t - last.t < liveAsr.lingerSecs) {
      for (const w of heard) {
        if (w.line < last.line - 1) continue;
        const i = w.line - Math.max(0, last.line - 1);
        const word = w === last && w.guess ? w.guess : w.w; // revised when the next word comes
        lines[i] = lines[i] ? `${lines[i]} ${word}` : word;
      }
    }
    const text = lines.filter(Boolean).join("\n");
    if (captions.dataset.text === text) return;
    captions.dataset.text = text;
    captions.textContent = "";
    if (!text) return;
    const win = document.createElement("div");
    win.className = "caption-window ytp-caption-window-bottom ytp-caption-window-rollup";
    const body = document.createElement("span");
    body.className = "captions-text";
    for (const l of lines.filter(Boolean)) {
      const visual = document.createElement("span");
      visual.className = "caption-visual-line";
      const seg = document.createElement("span");
      seg.className = "ytp-caption-segment";
      seg.textContent = l;
      visual.append(seg);
      body.append(visual);
    }
    win.append(body);
    captions.append(win);
  }
  setInterval(renderLiveAsr, 50);
  video.addEventListener("seeked", renderLiveAsr);

  // The caption under the playhead; also drawn as soon as a track loads (a paused video too).
  function renderCaption() {
    if (liveAsr) return;
    const t = video.currentTime;
    const cue = cues.find((c) => c.start <= t && t < c.end);
    const text = cue ? cue.text : "";
    if (captions.dataset.text === text) return;
    captions.dataset.text = text;
    captions.textContent = "";
    if (text) {
      const seg = document.createElement("span");
      seg.className = "ytp-caption-segment";
      seg.textContent = text;
      captions.append(seg);
    }
  }
  video.addEventListener("timeupdate", renderCaption);

  function navigate(change) {
    document.dispatchEvent(new CustomEvent("yt-navigate-start", { bubbles: true }));
    change();
    load(videoId());
    document.dispatchEvent(new CustomEvent("yt-navigate-finish", { bubbles: true }));
  }

  document.getElementById("next-video")?.addEventListener("click", (e) => {
    e.preventDefault();
    const href = e.currentTarget.getAttribute("href");
    navigate(() => history.pushState({}, "", href));
  });
  // YouTube's keyboard seeking: ←/→ jump 5 s back or ahead, from anywhere on the page but a
  // text field (it listens on the document; a page script's key is its key too).
  const SEEK_KEY_SECS = 5;
  document.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    const to = Math.max(0, video.currentTime + (e.key === "ArrowRight" ? SEEK_KEY_SECS : -SEEK_KEY_SECS));
    log.push({ op: "seek-key", key: e.key, to });
    video.currentTime = to;
  });
  // The browser's Back button: YouTube navigates in-page again.
  window.addEventListener("popstate", () => navigate(() => {}));

  load(videoId());
})();
