// What the fake player does beyond playing and captions, on every surface page: the
// fullscreen button asks for real fullscreen on the player (a user gesture, as YouTube's
// does; m.youtube.com's on #player-container-id, which also holds its controls), the
// size button toggles theatre mode (YouTube moves the player above the columns and
// widens it), and, when the fixture asks, the controls hide while the video plays and
// the mouse rests (the desktop player's `ytp-autohide`, m.youtube.com's overlay fading).
(() => {
  const fixture = window.__glossaFixture;
  const player = document.getElementById(fixture.playerId || "movie_player");
  const video = player.querySelector("video");
  const mobileOverlay = document.getElementById("player-control-overlay");
  const fullscreenTarget = document.getElementById("player-container-id") || player;

  const fullscreenButton = document.querySelector(".ytp-fullscreen-button, .fullscreen-icon");
  fullscreenButton?.addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else fullscreenTarget.requestFullscreen();
  });
  document.addEventListener("fullscreenchange", () => {
    const on = document.fullscreenElement === fullscreenTarget;
    player.classList.toggle("ytp-fullscreen", on);
    fullscreenButton?.setAttribute("aria-label", on ? "Exit full screen (f)" : "Full screen (f)");
  });

  const watch = document.querySelector("ytd-watch-flexy");
  document.querySelector(".ytp-size-button")?.addEventListener("click", () => {
    const container = document.getElementById("player-container");
    const theatre = !watch.hasAttribute("theater");
    watch.toggleAttribute("theater", theatre);
    (theatre ? document.getElementById("player-full-bleed-container") : document.getElementById("primary")).prepend(container);
  });

  if (fixture.autohideMs > 0) {
    let timer = 0;
    const hide = (hidden) => {
      player.classList.toggle("ytp-autohide", hidden);
      mobileOverlay?.classList.toggle("fadein", !hidden);
    };
    const rest = () => {
      hide(false);
      clearTimeout(timer);
      if (!video.paused) timer = setTimeout(() => hide(true), fixture.autohideMs);
    };
    for (const type of ["play", "pause"]) video.addEventListener(type, rest);
    fullscreenTarget.addEventListener("mousemove", rest);
    rest();
  }
})();
