// The small part of Playwright's Page and Locator API the browser suites use, over a
// puppeteer-core page driving Firefox through WebDriver BiDi. Playwright itself cannot
// drive Debian's firefox-esr (its BiDi Firefox needs commands ESR lacks), so the suites
// are written in Playwright's terms once and Firefox gets this translation of them.
//
// Locators behave like Playwright's where the suites rely on it: CSS reaches into open
// shadow roots (Glossa's UI lives in one), actions wait for their element (30 s unless
// told), and a locator that matches more than one element fails instead of picking one.

const DEFAULT_TIMEOUT = 30_000;
const POLL_MS = 100; // not requestAnimationFrame: background tabs stop painting

/**
 * In-page source: the elements `chain` (a list of CSS selectors, each searched inside
 * the matches of the one before) designates, searching every open shadow root too.
 */
const LOCATE = `function locate(chain) {
  const deepAll = (scope, sel) => {
    const found = [], roots = scope.shadowRoot ? [scope, scope.shadowRoot] : [scope];
    for (let i = 0; i < roots.length; i++) {
      const r = roots[i];
      found.push(...r.querySelectorAll(sel));
      for (const el of r.querySelectorAll("*")) if (el.shadowRoot) roots.push(el.shadowRoot);
    }
    return [...new Set(found)];
  };
  let scopes = [document];
  for (const sel of chain) scopes = [...new Set(scopes.flatMap((s) => deepAll(s, sel)))];
  return scopes;
}
function visible(el) {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
}`;

/** A function to run in the page with `locate`/`visible` in scope; it gets (chain, arg). */
const inPage = (body) => new Function("chain", "arg", `${LOCATE}\n${body}`);

const STATE = inPage(`
  const els = locate(chain);
  if (arg === "detached") return els.length === 0;
  if (arg === "attached") return els.length > 0;
  if (arg === "hidden") return els.every((e) => !visible(e));
  return els.some(visible);
`);

/** Runs `op` on the one element; returns {count} instead when there is not exactly one. */
const ONE = (op) => inPage(`
  const els = locate(chain);
  if (els.length !== 1) return { count: els.length };
  const el = els[0];
  return { value: (${op})(el, arg) };
`);

const OPS = {
  textContent: ONE("(el) => el.textContent"),
  getAttribute: ONE("(el, name) => el.getAttribute(name)"),
  isChecked: ONE("(el) => el.checked"),
  inputValue: ONE("(el) => el.value"),
  isVisible: ONE("(el) => visible(el)"),
  boundingBox: ONE("(el) => { const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; }"),
  scrollIntoView: ONE("(el) => { el.scrollIntoView({ block: 'center', inline: 'center' }); const r = el.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; }"),
  selectOption: ONE(`(el, v) => {
    if (![...el.options].some((o) => o.value === v)) return false;
    el.value = v;
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }`),
  focus: ONE("(el) => { el.focus(); return true; }"),
  clearAndFocus: ONE("(el) => { el.focus(); el.select && el.select(); return true; }"),
};
const COUNT = inPage("return locate(chain).length;");
const HANDLE = inPage("return locate(chain)[0];");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class FirefoxLocator {
  constructor(page, chain) {
    this.page = page;
    this.chain = chain;
  }

  locator(selector) {
    return new FirefoxLocator(this.page, [...this.chain, selector]);
  }

  toString() {
    return this.chain.join(" >> ");
  }

  async waitFor({ state = "visible", timeout = DEFAULT_TIMEOUT } = {}) {
    try {
      await this.page.raw.waitForFunction(STATE, { timeout, polling: POLL_MS }, this.chain, state);
    } catch (e) {
      throw new Error(`locator(${this}).waitFor(${state}) failed after ${timeout} ms: ${e.message}`);
    }
  }

  /** Run a one-element op once the element is there (and, for actions, visible). */
  async one(op, arg, { state = "attached", timeout = DEFAULT_TIMEOUT } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      if (state === "visible") await this.waitFor({ state, timeout: Math.max(1, deadline - Date.now()) });
      const got = await this.page.raw.evaluate(OPS[op], this.chain, arg);
      if ("value" in got) return got.value;
      if (got.count > 1) throw new Error(`strict mode: locator(${this}) matches ${got.count} elements`);
      if (Date.now() > deadline) throw new Error(`locator(${this}).${op}: no element after ${timeout} ms`);
      await sleep(POLL_MS);
    }
  }

  count() { return this.page.raw.evaluate(COUNT, this.chain); }
  textContent(opts) { return this.one("textContent", null, opts); }
  getAttribute(name, opts) { return this.one("getAttribute", name, opts); }
  isChecked(opts) { return this.one("isChecked", null, opts); }
  inputValue(opts) { return this.one("inputValue", null, opts); }
  boundingBox(opts) { return this.one("boundingBox", null, opts); }
  focus(opts) { return this.one("focus", null, opts); }

  async isVisible() {
    const got = await this.page.raw.evaluate(OPS.isVisible, this.chain, null);
    if (got.count > 1) throw new Error(`strict mode: locator(${this}) matches ${got.count} elements`);
    return got.value === true;
  }

  async selectOption(value, opts) {
    const found = await this.one("selectOption", value, { ...opts, state: "visible" });
    if (!found) throw new Error(`locator(${this}).selectOption: no option ${value}`);
  }

  /** A real mouse click in the middle of the element, with `modifiers` held. */
  async click({ modifiers = [], timeout } = {}) {
    const at = await this.one("scrollIntoView", null, { state: "visible", timeout });
    const keyboard = this.page.raw.keyboard;
    for (const m of modifiers) await keyboard.down(m);
    try {
      await this.page.raw.mouse.click(at.x, at.y);
    } finally {
      for (const m of [...modifiers].reverse()) await keyboard.up(m);
    }
  }

  async check(opts) {
    if (!(await this.isChecked(opts))) await this.click(opts);
    if (!(await this.isChecked(opts))) throw new Error(`locator(${this}).check: still not checked`);
  }

  /** Replace the field's value by typing, as Playwright's fill ends up (input events fire). */
  async fill(value, opts) {
    await this.one("clearAndFocus", null, { ...opts, state: "visible" });
    await this.page.raw.keyboard.press("Backspace");
    if (value) await this.page.raw.keyboard.type(value);
  }

  async screenshot({ path }) {
    await this.waitFor();
    const handle = await this.page.raw.evaluateHandle(HANDLE, this.chain, null);
    try {
      await handle.asElement().screenshot({ path });
    } finally {
      await handle.dispose();
    }
  }
}

export class FirefoxPage {
  /** `raw` is the puppeteer-core Page. */
  constructor(raw) {
    this.raw = raw;
    this.keyboard = raw.keyboard;
    this.mouse = raw.mouse;
  }

  locator(selector) { return new FirefoxLocator(this, [selector]); }
  async goto(url) {
    if (!url.startsWith("moz-extension:")) return this.raw.goto(url, { timeout: DEFAULT_TIMEOUT });
    await this.raw.mainFrame().browsingContext.navigate(url, "none");
    await this.loaded((href) => href === url);
  }

  async reload() {
    if (!(await this.isExtensionPage())) return this.raw.reload({ timeout: DEFAULT_TIMEOUT });
    await this.raw.evaluate(() => { window.__glossaBeforeReload = true; });
    await this.raw.mainFrame().browsingContext.reload({ wait: "none" });
    await this.loaded(() => true, true);
  }

  /**
   * Firefox sends no navigation events for a tab that moved into the extension's process
   * (moz-extension:// pages), so puppeteer's own waiting never ends: poll the document.
   */
  async loaded(isTarget, afterReload = false) {
    const deadline = Date.now() + DEFAULT_TIMEOUT;
    for (;;) {
      const now = await this.raw.evaluate(() => ({ href: location.href, ready: document.readyState, old: !!window.__glossaBeforeReload }))
        .catch(() => null); // the document is being replaced
      if (now && isTarget(now.href) && now.ready === "complete" && !(afterReload && now.old)) return;
      if (Date.now() > deadline) throw new Error(`the page did not load within ${DEFAULT_TIMEOUT} ms (now: ${JSON.stringify(now)})`);
      await sleep(POLL_MS);
    }
  }

  isExtensionPage() {
    return this.raw.evaluate(() => location.protocol === "moz-extension:");
  }
  bringToFront() { return this.raw.bringToFront(); }
  /** The browser's Back, for the in-page navigations the suites make (YouTube's). */
  goBack() { return this.raw.evaluate(() => history.back()); }
  close() { return this.raw.close(); }
  waitForTimeout(ms) { return sleep(ms); }
  screenshot(opts) { return this.raw.screenshot(opts); }
  /** Playwright's (fn, arg): one argument. */
  evaluate(fn, arg) { return this.raw.evaluate(fn, arg); }
  /** Playwright's (fn, arg, { timeout }); polls instead of waiting for animation frames. */
  waitForFunction(fn, arg, { timeout = DEFAULT_TIMEOUT } = {}) {
    return this.raw.waitForFunction(fn, { timeout, polling: POLL_MS }, arg);
  }

  click(selector, opts) { return this.locator(selector).click(opts); }
  fill(selector, value, opts) { return this.locator(selector).fill(value, opts); }
  check(selector, opts) { return this.locator(selector).check(opts); }
  isChecked(selector, opts) { return this.locator(selector).isChecked(opts); }
  selectOption(selector, value, opts) { return this.locator(selector).selectOption(value, opts); }
  inputValue(selector, opts) { return this.locator(selector).inputValue(opts); }

  /** Dialogs arrive with Playwright's message()/dismiss(). */
  on(event, handler) {
    if (event !== "dialog") throw new Error(`FirefoxPage.on: only "dialog" is translated, not ${event}`);
    this.raw.on("dialog", handler);
    return this;
  }
}
