// A small stand-in for YouTube's player: plays the video, fetches its captions through a
// signed timedtext URL (with a pot token) like the real player — json3, or srv3 for some
// videos; a live video's captions come with the stream instead — renders them into the
// caption DOM, and navigates between videos without reloading the page.
(() => {
  // The page's player: #movie_player, or the Shorts player (a hidden watch page's
  // #movie_player may come first in the document there).
  const player = document.getElementById(window.__glossaFixture.playerId || "movie_player");
  const video = player.querySelector("video");
  const captions = player.querySelector(".ytp-caption-window-container");
  let cues = [];

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

  function load(id) {
    cues = [];
    captions.textContent = "";
    const meta = window.__glossaFixture.videos[id];
    if (!meta) return;
    video.src = meta.src || `/media/${id}.webm`;
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

  video.addEventListener("timeupdate", () => {
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

  document.getElementById("next-video")?.addEventListener("click", (e) => {
    e.preventDefault();
    const href = e.currentTarget.getAttribute("href");
    navigate(() => history.pushState({}, "", href));
  });
  // The browser's Back button: YouTube navigates in-page again.
  window.addEventListener("popstate", () => navigate(() => {}));

  load(videoId());
})();
