// A small stand-in for YouTube's player: plays the video, fetches its captions through a
// signed timedtext URL (with a pot token) like the real player — json3, or srv3 for some
// videos; a live video's captions come with the stream instead — renders them into the
// caption DOM (a live stream's auto-generated ones word by word, in a rolling two-line
// window), and navigates between videos without reloading the page.
(() => {
  const player = document.getElementById("movie_player");
  const video = player.querySelector("video");
  const captions = player.querySelector(".ytp-caption-window-container");
  let cues = [];
  let liveAsr = null; // { words, lingerSecs }: a live stream's auto-generated captions

  function videoId() {
    return new URL(location.href).searchParams.get("v");
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

  function load(id) {
    cues = [];
    captions.textContent = "";
    const meta = window.__glossaFixture.videos[id];
    if (!meta) return;
    video.src = meta.src || `/media/${id}.webm`;
    liveAsr = meta.liveAsr ? { words: meta.liveAsr, lingerSecs: meta.lingerSecs || 4 } : null;
    delete captions.dataset.text;
    if (meta.liveCues) cues = meta.liveCues;
    if (!meta.timedtext) return;
    const xhr = new XMLHttpRequest();
    xhr.open("GET", meta.timedtext);
    xhr.onload = () => {
      if (xhr.status !== 200 || videoId() !== id) return;
      cues = new URL(meta.timedtext, location.href).searchParams.get("fmt") === "srv3" ? parseSrv3(xhr.responseText) : parseJson3(xhr.responseText);
    };
    xhr.send();
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

  video.addEventListener("timeupdate", () => {
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
  });

  function navigate(change) {
    document.dispatchEvent(new CustomEvent("yt-navigate-start", { bubbles: true }));
    change();
    load(videoId());
    document.dispatchEvent(new CustomEvent("yt-navigate-finish", { bubbles: true }));
  }

  document.getElementById("next-video").addEventListener("click", (e) => {
    e.preventDefault();
    const href = e.currentTarget.getAttribute("href");
    navigate(() => history.pushState({}, "", href));
  });
  // The browser's Back button: YouTube navigates in-page again.
  window.addEventListener("popstate", () => navigate(() => {}));

  load(videoId());
})();
