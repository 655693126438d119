// The one line to the background (which owns glossa-host), for the content script and the
// options page alike: numbered requests, their streamed events, cancel, and the screenshot
// fallback. The messages are ClientMessage / BackgroundMessage in
// host/protocol/src/envelope.rs (whose tests pin this JSON):
//   → {request: {id, body}}   → {cancel: {id}}   → {capture_visible: {id}}
//   ← {event: {id, body}}     ← {captured: {id, data_url | error}}
//   → {burnin_sample: {id, time, width, height, gray}}   ← {burnin: {id, lines}}
// `body` is a request (`{type: …}`) going out and an event (`{event: …}`) coming back.
"use strict";
(() => {
  const G = (globalThis.glossa = globalThis.glossa || {});
  let port = null;
  let seq = 0;
  const pending = new Map(); // request id -> onEvent
  const captures = new Map(); // capture id -> {resolve}

  // The messages name the manifest's shortcut; the browser may have another (Firefox, or
  // one the user chose): G.shortcut, once the background said which (content.js asks).
  const manifestShortcut = chrome.runtime.getManifest().commands["translate-frame"].suggested_key.default;
  G.shortcut = manifestShortcut;
  G.t = (name, subs) => {
    const text = chrome.i18n.getMessage(name, subs) || name;
    return G.shortcut === manifestShortcut ? text : text.split(manifestShortcut).join(G.shortcut);
  };

  /** A host sentence (`{key, args}`, args plain or themselves sentences) in the UI language; null when a key is unknown here. */
  const render = (text) => {
    if (!text || !text.key) return null;
    const args = (text.args || []).map((a) => (typeof a === "string" ? a : render(a)));
    return args.includes(null) ? null : chrome.i18n.getMessage(text.key, args) || null;
  };
  G.errorText = (ev) => ({ message: render(ev.message_text) || ev.message || "", hint: render(ev.hint_text) || ev.hint || "" });

  const lostEvent = () => ({ event: "error", code: "host_unavailable", message: G.t("errBackgroundLost"), hint: G.t("errBackgroundLostHint") });

  function lost() {
    port = null;
    const handlers = [...pending.values()];
    pending.clear();
    for (const h of handlers) h(lostEvent());
    for (const c of captures.values()) c.resolve({ error: G.t("errBackgroundLost") });
    captures.clear();
  }

  function ensure() {
    if (port) return port;
    port = chrome.runtime.connect({ name: "glossa-client" });
    port.onDisconnect.addListener(lost);
    port.onMessage.addListener((msg) => {
      if (msg.event) {
        const { id, body } = msg.event;
        const handler = pending.get(id);
        if (!handler) return;
        if (body.event === "done" || body.event === "error") pending.delete(id);
        handler(body);
      } else if (msg.captured) {
        const c = captures.get(msg.captured.id);
        captures.delete(msg.captured.id);
        if (c) c.resolve(msg.captured);
      } else if (msg.burnin && G.onBurnin) {
        G.onBurnin(msg.burnin);
      }
    });
    return port;
  }

  function post(msg) {
    try {
      ensure().postMessage(msg);
    } catch (e) {
      // The background restarted or the extension was reloaded: one fresh try.
      port = null;
      ensure().postMessage(msg);
    }
  }

  /** Send `body` to glossa-host; `onEvent` gets every event up to `done`/`error`. */
  G.request = (body, onEvent) => {
    const id = "c" + ++seq;
    pending.set(id, onEvent);
    try {
      post({ request: { id, body } });
    } catch (e) {
      pending.delete(id);
      onEvent(lostEvent());
    }
    return id;
  };

  /** Stop a request that is still running (its answer is no longer wanted). */
  G.cancel = (id) => {
    if (!pending.delete(id)) return;
    try { post({ cancel: { id } }); } catch (e) { /* background gone: nothing runs */ }
  };

  /** Ask the background for a screenshot of the visible tab: resolves to {data_url} or {error}. */
  G.captureVisible = () =>
    new Promise((resolve) => {
      const id = "v" + ++seq;
      captures.set(id, { resolve });
      try { post({ capture_visible: { id } }); } catch (e) { captures.delete(id); resolve({ error: String(e) }); }
    });

  /** Send one caption-strip sample of burned-in mode (burnin.js); the background's answer
   * goes to G.onBurnin. Dropped when the background is gone: the next sample tries again. */
  G.burninSample = (sample) => {
    try { post({ burnin_sample: sample }); } catch (e) { /* background gone */ }
  };

  /** A player-control icon in YouTube's style: an outlined frame (SVG path `frame`) with
   * `glyph` written inside, at baseline `y`, squeezed to `fit` units wide if given (fonts
   * differ between systems); `extra` draws more on top. */
  G.controlIcon = ({ frame, glyph, y, size, fit, extra }) => {
    const SVG = "http://www.w3.org/2000/svg";
    const node = (tag, attrs) => {
      const n = document.createElementNS(SVG, tag);
      for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
      return n;
    };
    const svg = node("svg", { viewBox: "0 0 36 36", width: "100%", height: "100%" });
    svg.append(node("path", { d: frame, fill: "none", stroke: "#fff", "stroke-width": "2" }));
    const text = node("text", {
      x: "18", y, "text-anchor": "middle", "font-size": size, "font-weight": "700", fill: "#fff", "font-family": "Roboto, Arial, sans-serif",
      ...(fit ? { textLength: fit, lengthAdjust: "spacingAndGlyphs" } : {}),
    });
    text.textContent = glyph;
    svg.append(text);
    if (extra) svg.append(node("path", extra));
    return svg;
  };

  /** A button for the player's controls, styled as the player's own (m.youtube.com's are
   * .icon-button, the desktop player's .ytp-button), labelled for people and for YouTube's
   * tooltip; `content` is its icon or text, `attrs` further attributes. */
  G.controlButton = ({ name, label, content, onClick, attrs = {} }) => {
    const look = location.hostname.startsWith("m.") ? "icon-button" : "ytp-button";
    const button = G.el("button", {
      class: `${look} glossa-${name}`, "data-glossa": name, type: "button",
      title: label, "aria-label": label, "data-tooltip-title": label, "data-title-no-tooltip": label, ...attrs,
    });
    button.style.cssText = "display:inline-flex;align-items:center;justify-content:center;padding:0 4px;";
    button.append(content);
    button.addEventListener("click", (e) => {
      e.preventDefault();
      e.stopPropagation();
      onClick(e);
    });
    return button;
  };

  /** Put `button` beside Glossa's frame button in `controls`, or first there. */
  G.placeControl = (controls, button) => {
    const frame = controls.querySelector("[data-glossa='translate-frame']");
    if (frame) frame.after(button);
    else controls.prepend(button);
  };

  // Controls Glossa adds to the player (the frame button, the subtitle toggle, the menu):
  // each `add` puts its control in place when it is missing. YouTube builds and rebuilds its
  // player at will, so they are checked again after DOM changes, at most once a frame.
  const controlAdders = [];
  let controlsQueued = false;
  G.keepControl = (add) => {
    controlAdders.push(add);
    if (controlAdders.length === 1) {
      new MutationObserver(() => {
        if (controlsQueued) return;
        controlsQueued = true;
        requestAnimationFrame(() => { controlsQueued = false; for (const a of controlAdders) a(); });
      }).observe(document.documentElement, { childList: true, subtree: true });
    }
    add();
  };
})();
