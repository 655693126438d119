// A small stand-in for YouTube's player: plays the video, fetches its captions through a
// signed timedtext URL (with a pot token) like the real player, renders them into the
// caption DOM, and navigates between videos without reloading the page.
(() => {
  const player = document.getElementById("movie_player");
  const video = player.querySelector("video");
  const captions = player.querySelector(".ytp-caption-window-container");
  let cues = [];

  function videoId() {
    return new URL(location.href).searchParams.get("v");
  }

  function load(id) {
    cues = [];
    captions.textContent = "";
    const meta = window.__glossaFixture.videos[id];
    if (!meta) return;
    video.src = meta.src || `/media/${id}.webm`;
    const xhr = new XMLHttpRequest();
    xhr.open("GET", meta.timedtext);
    xhr.onload = () => {
      if (xhr.status !== 200 || videoId() !== id) return;
      const json = JSON.parse(xhr.responseText);
      cues = json.events.filter((e) => e.segs).map((e) => ({
        start: e.tStartMs / 1000, end: (e.tStartMs + e.dDurationMs) / 1000,
        text: e.segs.map((s) => s.utf8).join(""),
      }));
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

  document.getElementById("next-video").addEventListener("click", (e) => {
    e.preventDefault();
    const href = e.currentTarget.getAttribute("href");
    navigate(() => history.pushState({}, "", href));
  });
  // The browser's Back button: YouTube navigates in-page again.
  window.addEventListener("popstate", () => navigate(() => {}));

  load(videoId());
})();
