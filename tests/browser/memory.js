// Memory of the extension as Chromium's DevTools protocol sees it (Chromium only: Firefox
// has no CDP). The content script's isolated world lives in the page's renderer (same V8
// heap as the page), so it is measured through the page's target; the wasm background is
// the extension's service worker target.

/**
 * A DevTools session on the extension's service worker. Playwright only opens CDP
 * sessions on pages, so this goes through the browser session: attach to the worker's
 * target and exchange messages with it (Target.sendMessageToTarget).
 */
export async function workerProbe(context, urlPrefix) {
  const cdp = await context.browser().newBrowserCDPSession();
  const { targetInfos } = await cdp.send("Target.getTargets");
  const target = targetInfos.find((t) => t.type === "service_worker" && t.url.startsWith(urlPrefix));
  if (!target) throw new Error(`no service worker target for ${urlPrefix}`);
  const { sessionId } = await cdp.send("Target.attachToTarget", { targetId: target.targetId, flatten: false });
  let seq = 0;
  const waiting = new Map();
  cdp.on("Target.receivedMessageFromTarget", (e) => {
    if (e.sessionId !== sessionId) return;
    const msg = JSON.parse(e.message);
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.error) w.reject(new Error(`${w.method}: ${msg.error.message}`));
    else w.resolve(msg.result);
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      waiting.set(id, { resolve, reject, method });
      cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
    });
  return {
    targetId: target.targetId,
    call,
    /** Is the same worker still running (not stopped and restarted by the browser)? */
    async alive() {
      const { targetInfos: now } = await cdp.send("Target.getTargets");
      return now.some((t) => t.targetId === target.targetId);
    },
    /** JS heap after full garbage collections, and the wasm linear memory (never shrinks). */
    async measure() {
      for (let i = 0; i < 3; i++) await call("HeapProfiler.collectGarbage");
      const heap = await call("Runtime.getHeapUsage");
      const proto = await call("Runtime.evaluate", { expression: "WebAssembly.Memory.prototype", objectGroup: "glossa-probe" });
      const found = await call("Runtime.queryObjects", { prototypeObjectId: proto.result.objectId, objectGroup: "glossa-probe" });
      const sizes = await call("Runtime.callFunctionOn", {
        objectId: found.objects.objectId, returnByValue: true,
        functionDeclaration: "function () { return this.map((m) => m.buffer.byteLength); }",
      });
      await call("Runtime.releaseObjectGroup", { objectGroup: "glossa-probe" });
      return { heapUsed: heapBytes(heap), wasmBytes: sizes.result.value.reduce((a, b) => a + b, 0) };
    },
    close: () => cdp.detach(),
  };
}

/** A DevTools session on a page: its V8 heap (page + content script), DOM nodes, listeners. */
export async function pageProbe(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  return {
    async measure() {
      for (let i = 0; i < 3; i++) await cdp.send("HeapProfiler.collectGarbage");
      const heap = await cdp.send("Runtime.getHeapUsage");
      const { metrics } = await cdp.send("Performance.getMetrics");
      const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
      // Every node Glossa put in the page: its shadow root's tree and its own elements outside it.
      const glossaNodes = await page.evaluate(() => {
        let n = 0;
        const host = document.querySelector("[data-glossa='root']");
        if (host && host.shadowRoot) {
          const walk = document.createTreeWalker(host.shadowRoot, NodeFilter.SHOW_ALL);
          while (walk.nextNode()) n++;
        }
        return n + document.querySelectorAll("[data-glossa]").length;
      });
      return { heapUsed: heapBytes(heap), nodes: m.Nodes, listeners: m.JSEventListeners, documents: m.Documents, glossaNodes };
    },
    close: () => cdp.detach(),
  };
}

/** V8's heap and Blink's (DOM nodes live in the embedder heap, cppgc), used bytes. */
function heapBytes(usage) {
  return usage.usedSize + (usage.embedderHeapUsedSize || 0);
}

export const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
