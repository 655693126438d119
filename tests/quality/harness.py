"""Glossa's quality harness: translates the fixtures through the command line a user runs
(`glossa-host translate-subs`, `translate-image`) with one provider, measures what a viewer
would read, prints a table, and against the scripted servers asserts what each misbehaviour
must come to (issue #15). The README's "Translation quality" says what each number means;
run it with tests/quality/run.sh.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import frames
import metrics
import story as fixtures

# Checks that fail until the work they measure lands (empty: every check holds). A listed
# check that fails prints XFAIL; one that passes prints XPASS and fails the run, so this
# list only ever shrinks.
EXPECTED_TO_FAIL_UNTIL_MERGED = []

def host_binary():
    if os.environ.get("GLOSSA_HOST"):
        return os.environ["GLOSSA_HOST"]
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(os.environ.get("GLOSSA_CACHE", os.path.expanduser("~/.cache/glossa-dev")), "target")
    for profile in ("debug", "release"):
        path = os.path.join(target, profile, "glossa-host")
        if os.path.exists(path):
            return path
    sys.exit(f"quality: no glossa-host in {target}/debug or /release: build it, or set GLOSSA_HOST")


class Host:
    """glossa-host with its own data dir (so no run reads another's cache) and settings."""

    def __init__(self, binary, settings, workdir):
        self.binary = binary
        self.data = tempfile.mkdtemp(prefix="data-", dir=workdir)
        self.env = dict(os.environ, GLOSSA_DATA_DIR=self.data, GLOSSA_DETECT_OLLAMA="", GLOSSA_DETECT_OPENAI="", NO_COLOR="1")
        for key, value in settings.items():
            rc, _, err, _ = self.run(["settings", "set", key, value])
            if rc != 0:
                sys.exit(f"quality: cannot set {key}: {err}")

    def run(self, args, timeout=900):
        start = time.monotonic()
        p = subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr, time.monotonic() - start


def accepts(binary, command, flag):
    """Feature detection: does this build's `command` take `flag`?"""
    p = subprocess.run([binary, command, "--help"], capture_output=True, text=True)
    return flag in p.stdout


def read_report(path, sources):
    """The `--report` JSON: ({line: text or None}, {line: src_matched}, usage, calls)."""
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    by_source = {metrics.norm(s): i for i, s in enumerate(sources)}
    lines = report.get("lines") or []
    indices = [l.get("index") for l in lines if isinstance(l.get("index"), int)]
    one_based = bool(indices) and min(indices) >= 1 and max(indices) == len(sources)
    texts, matched = {}, {}
    for l in lines:
        i = by_source.get(metrics.norm(l.get("source") or ""))
        if i is None and isinstance(l.get("index"), int):
            i = l["index"] - (1 if one_based else 0)
        if i is None or not 0 <= i < len(sources):
            continue
        texts[i] = l.get("text")
        matched[i] = (l.get("checks") or {}).get("src_matched")
    return texts, matched, report.get("usage") or {}, report.get("calls")


def usage_tokens(usage):
    tin = usage.get("input_tokens", usage.get("prompt_tokens"))
    tout = usage.get("output_tokens", usage.get("completion_tokens"))
    return tin, tout


def translate_track(host, story, src, tgt, limit, report_flag, workdir, strict):
    n = min(limit or len(story["lines"]), len(story["lines"]))
    sub = dict(story, lines=story["lines"][:n])
    name = f"{src}-{tgt}"
    inp = os.path.join(workdir, f"{name}.srt")
    with open(inp, "w", encoding="utf-8") as f:
        f.write(fixtures.srt(sub, src))
    out = os.path.join(workdir, f"{name}.out.srt")
    rep = os.path.join(workdir, f"{name}.report.json")
    args = ["translate-subs", inp, "--to", fixtures.lang_code(tgt), "--from", fixtures.lang_code(src), "-o", out]
    if report_flag:
        args += ["--report", rep]
    rc, stdout, stderr, secs = host.run(args)
    sources = [l[src] for l in sub["lines"]]
    refs = [l[tgt] for l in sub["lines"]]
    result = {"rc": rc, "stderr": stderr.strip(), "secs": secs, "calls": None, "tokens_in": None, "tokens_out": None}
    if rc != 0:
        return result
    with open(out, encoding="utf-8") as f:
        shown = fixtures.by_line(sub, fixtures.parse_srt(f.read()))
    src_matched = None
    untranslated = None
    m = re.search(r"with (\d+) provider calls?", stderr)
    if m:
        result["calls"] = int(m.group(1))
    left = re.search(r"(\d+) left in the original", stderr)
    if report_flag and os.path.exists(rep):
        texts, src_matched, usage, calls = read_report(rep, sources)
        shown = {i: t for i, t in texts.items() if t is not None}
        untranslated = sum(1 for t in texts.values() if t is None)
        result["calls"] = calls if calls is not None else result["calls"]
        result["tokens_in"], result["tokens_out"] = usage_tokens(usage)
    else:
        # No report: the lines the CLI says it left in the original are the ones written
        # as their source; they are not shown as translations.
        untranslated = int(left.group(1)) if left else 0
        same = [i for i, t in sorted(shown.items()) if metrics.norm(t) == metrics.norm(sources[i])]
        for i in same[:untranslated]:
            del shown[i]
    result.update(metrics.subtitle_metrics(sources, refs, shown, story["names"], fixtures.lang_code(tgt), strict,
                                           src_matched=src_matched, untranslated=untranslated))
    return result


def parse_frame_json(stdout):
    """What `translate-image --json` printed: (items, the model's own text when it did not
    answer in items, usage). One JSON object {items, text, usage, ms}, or a bare array, or
    one item per line."""
    def items_of(value):
        if isinstance(value, dict) and isinstance(value.get("items"), list):
            value = value["items"]
        elif isinstance(value, dict):
            value = [value]
        return [it for it in value if isinstance(it, dict) and "original" in it] if isinstance(value, list) else []

    try:
        value = json.loads(stdout)
        whole = value if isinstance(value, dict) else {}
        return items_of(value), str(whole.get("text") or ""), whole.get("usage") or {}
    except ValueError:
        pass
    items = []
    for line in stdout.splitlines():
        try:
            items += items_of(json.loads(line))
        except ValueError:
            continue
    return items, "", {}


def translate_frame(host, frame, json_flag):
    args = ["translate-image", frame["file"], "--to", frame["to"]]
    args += ["--json"] if json_flag else ["--with-original"]
    rc, stdout, stderr, secs = host.run(args)
    result = {"rc": rc, "stdout": stdout, "stderr": stderr.strip(), "secs": secs, "cer": None, "iou": None}
    if rc != 0:
        return result
    m = re.search(r"(\d+) tokens in, (\d+) out", stderr)
    result["tokens_in"], result["tokens_out"] = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    items = None
    if json_flag:
        items, text, usage = parse_frame_json(stdout)
        if usage:
            result["tokens_in"], result["tokens_out"] = usage_tokens(usage)
        candidates = [str(it.get("original") or "") for it in items]
        if not items and text:
            # The model answered in prose: its lines are the transcription.
            items, candidates = None, [l for l in text.splitlines() if l.strip()]
    else:
        candidates = [l for l in stdout.splitlines() if l.strip()]
    result.update(metrics.frame_metrics(frame["items"], candidates, items))
    return result


def pct(v):
    return "n/a" if v is None else f"{v * 100:.1f} %"


def num(v):
    return "n/a" if v is None else str(v)


def track_rows(label, r):
    if r["rc"] != 0:
        return [(label, "run", f"FAILED: {r['stderr'][-200:]}", "")]
    return [
        (label, "lines shown as translations", f"{r['shown']}/{r['lines']}", "all but those marked"),
        (label, "lines marked untranslated", num(r["untranslated"]), ""),
        (label, f"alignment kept ({r['alignment_method']})", pct(r["alignment_kept"]), "100 %"),
        (label, "first answers aligned (report src)", pct(r["first_answers_aligned"]), ""),
        (label, "echoes shown as translations", pct(r["echo_rate"]), "0 %"),
        (label, "glossary consistency", pct(r["glossary_consistency"]), "100 %"),
        (label, "names as in the reference", pct(r["glossary_as_reference"]), ""),
        (label, "provider calls", num(r["calls"]), ""),
        (label, "tokens in / out", f"{num(r['tokens_in'])} / {num(r['tokens_out'])}", ""),
        (label, "time", f"{r['secs']:.1f} s", ""),
    ]


def frame_rows(label, r):
    if r["rc"] != 0:
        return [(label, "run", f"FAILED: {r['stderr'][-200:]}", "")]
    return [
        (label, "transcription CER", pct(r["cer"]), "≤ 5 %"),
        (label, "box IoU", "n/a" if r["iou"] is None else f"{r['iou']:.2f}", "≥ 0.5"),
        (label, "tokens in / out", f"{num(r['tokens_in'])} / {num(r['tokens_out'])}", ""),
        (label, "time", f"{r['secs']:.1f} s", ""),
    ]


def print_table(title, rows):
    widths = [max(len(str(r[k])) for r in rows + [("fixture", "metric", "value", "goal")]) for k in range(4)]
    print(f"\n{title}")
    for r in [("fixture", "metric", "value", "goal")] + rows:
        print("  ".join(str(c).ljust(widths[k]) for k, c in enumerate(r)).rstrip())
    sys.stdout.flush()


# What each scripted misbehaviour must come to (issue #15): every line either its own
# translation or marked untranslated, never an echo, names one way.
def track_checks(mode, r):
    if r["rc"] != 0:
        return [("completes", False, r["stderr"][-300:])]
    checks = [
        ("alignment kept", r["alignment_kept"] == 1.0, f"{pct(r['alignment_kept'])}, misaligned lines {r['misaligned']}"),
        ("no echo shown", r["echo_rate"] == 0, f"{pct(r['echo_rate'])}, lines {r['echo_lines']}"),
        ("glossary consistent", r["glossary_consistency"] in (None, 1.0), f"{pct(r['glossary_consistency'])}: {r['glossary_spellings']}"),
    ]
    if mode == "echo":
        # The line echoed every time it is asked is refused twice and marked untranslated.
        checks.append(("echoed line marked untranslated", r["untranslated"] == 1 and r["shown"] == r["lines"] - 1,
                       f"{r['untranslated']} marked, {r['shown']}/{r['lines']} shown"))
    else:
        checks.append(("every line translated", r["shown"] == r["lines"] and not r["untranslated"],
                       f"{r['shown']}/{r['lines']} shown, {r['untranslated']} marked untranslated"))
    return checks


def frame_checks(mode, frame, r):
    if r["rc"] != 0:
        return [("completes", False, r["stderr"][-300:])]
    missing = [it["translation"][frame["to"]] for it in frame["items"] if it["translation"][frame["to"]] not in r["stdout"]]
    checks = [("translations shown", not missing, f"missing {missing}")]
    if mode == "good":
        checks += [
            ("transcription exact", r["cer"] == 0, pct(r["cer"])),
            ("boxes read", r["iou"] is not None and r["iou"] >= 0.99, "n/a (no --json)" if r["iou"] is None else f"{r['iou']:.2f}"),
        ]
    return checks


def post(url, body):
    req = urllib.request.Request(url, json.dumps(body).encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def provider_settings(provider, url, model, frame_model, key):
    if provider == "openai":
        s = {"provider": "openai", "openai.base_url": url, "openai.subtitle_model": model or "", "openai.frame_model": frame_model or model or ""}
        if key:
            s["openai.api_key"] = key
    elif provider == "ollama":
        s = {"provider": "ollama", "ollama.url": url, "ollama.subtitle_model": model, "ollama.frame_model": frame_model or model}
    elif provider == "anthropic":
        s = {"provider": "anthropic", "anthropic.api_key": key}
        if url:
            s["anthropic.base_url"] = url
        if model:
            s["anthropic.subtitle_model"] = model
            s["anthropic.frame_model"] = frame_model or model
    else:
        sys.exit(f"quality: unknown provider {provider}")
    return {k: v for k, v in s.items() if v}


def run_scripted(args, binary, workdir, report_flag, json_flag):
    import scripted_server

    server, _, url = scripted_server.start()
    settings = provider_settings("openai", url + "/v1", scripted_server.MODEL, None, None)
    story = fixtures.load()
    rows, results = [], []
    modes = args.modes or scripted_server.MODES
    try:
        for mode in modes:
            pairs = fixtures.PAIRS if mode == "good" else [("ja", "en"), ("en-asr", "ja")]
            for src, tgt in pairs:
                post(url + "/script", {"mode": mode, "from": src, "to": tgt})
                r = translate_track(Host(binary, settings, workdir), story, src, tgt, args.lines, report_flag, workdir, strict=True)
                stats = get(url + "/script/stats")
                if r.get("tokens_in") is None:
                    r["tokens_in"], r["tokens_out"] = stats["prompt_tokens"], stats["completion_tokens"]
                if stats["refused"]:
                    r = dict(r, rc=1, stderr=f"the scripted server could not read a request: {stats['refused'][0]}")
                label = f"{mode} {src}→{tgt}"
                rows += track_rows(label, r)
                results += [(f"{label}: {name}", ok, detail) for name, ok, detail in track_checks(mode, r)]
        if not args.no_frames:
            for frame_mode in ("good", "plain"):
                for frame in frames.truth():
                    post(url + "/script", {"mode": frame_mode, "frame": frame})
                    r = translate_frame(Host(binary, settings, workdir), frame, json_flag)
                    label = f"{frame_mode} frame {frame['name']}→{frame['to']}"
                    rows += frame_rows(label, r)
                    results += [(f"{label}: {name}", ok, detail) for name, ok, detail in frame_checks(frame_mode, frame, r)]
    finally:
        server.shutdown()
    print_table(f"Quality — scripted OpenAI-compatible server, one table row per fixture × metric "
                f"(--report {'read' if report_flag else 'not available: from the SRT'}, "
                f"--json {'read' if json_flag else 'not available: plain output'})", rows)
    return judge(results)


def judge(results):
    expected = set(EXPECTED_TO_FAIL_UNTIL_MERGED)
    failed = xpass = 0
    print()
    for name, ok, detail in results:
        if name in expected:
            status = "XPASS (remove it from EXPECTED_TO_FAIL_UNTIL_MERGED)" if ok else "XFAIL"
            xpass += ok
        else:
            status = "ok" if ok else "FAIL"
            failed += not ok
        if status != "ok":
            print(f"{status:5}  {name}: {detail}")
    unknown = expected - {name for name, _, _ in results}
    for name in sorted(unknown):
        print(f"UNKNOWN  {name} is in EXPECTED_TO_FAIL_UNTIL_MERGED but no such check ran")
    passed = sum(1 for name, ok, _ in results if ok and name not in expected)
    print(f"\nquality checks: {passed} passed, {failed} failed, "
          f"{sum(1 for n, ok, _ in results if n in expected and not ok)} expected to fail until merged, {xpass} unexpectedly passed")
    return 1 if failed or xpass or unknown else 0


def run_provider(args, binary, workdir, report_flag, json_flag, settings, title, with_frames):
    story = fixtures.load()
    rows = []
    failures = 0
    pairs = [tuple(p.split(":")) for p in args.pairs.split(",")] if args.pairs else fixtures.PAIRS
    for src, tgt in pairs:
        r = translate_track(Host(binary, settings, workdir), story, src, tgt, args.lines, report_flag, workdir, strict=False)
        rows += track_rows(f"{src}→{tgt}", r)
        failures += r["rc"] != 0
    if with_frames and not args.no_frames:
        for frame in frames.truth():
            r = translate_frame(Host(binary, settings, workdir), frame, json_flag)
            rows += frame_rows(f"frame {frame['name']}→{frame['to']}", r)
            failures += r["rc"] != 0
    elif not with_frames:
        rows.append(("frames", "not measured", "the model reads no images", ""))
    print_table(title, rows)
    return 1 if failures else 0


class LlamaServer:
    """llama.cpp's llama-server with a test model, on a port it picks (read from its log)."""

    def __init__(self, model, workdir):
        binary = os.environ.get("GLOSSA_LLAMA_SERVER")
        if not binary or not os.path.exists(binary):
            sys.exit("quality: GLOSSA_LLAMA_SERVER is not set (tests/run-all.sh sets it: bash tests/tools/build-llama-server.sh)")
        self.log = os.path.join(workdir, "llama-server.log")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([binary, "-m", model, "-t", "1", "-c", "4096", "--host", "127.0.0.1", "--port", "0", "--no-webui"],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        self.url = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"quality: llama-server exited:\n{open(self.log).read()[-2000:]}")
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", open(self.log, errors="replace").read())
            if m:
                try:
                    with urllib.request.urlopen(m.group(1) + "/health", timeout=2) as r:
                        if r.status == 200:
                            self.url = m.group(1)
                            return
                except OSError:
                    pass
            time.sleep(0.2)
        self.stop()
        sys.exit("quality: llama-server not healthy after 180 s")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--provider", default=os.environ.get("GLOSSA_QUALITY_PROVIDER", "scripted"),
                    help="scripted (the misbehaving servers, with --check), llama (llama-server + SmolLM2), openai, ollama, anthropic")
    ap.add_argument("--url", default=os.environ.get("GLOSSA_QUALITY_URL"))
    ap.add_argument("--model", default=os.environ.get("GLOSSA_QUALITY_MODEL"))
    ap.add_argument("--frame-model", default=os.environ.get("GLOSSA_QUALITY_FRAME_MODEL"))
    ap.add_argument("--modes", nargs="*", help="scripted modes to run (default: all)")
    ap.add_argument("--pairs", help="source:target pairs, e.g. ja:en,en-asr:ja (default: all fixtures)")
    ap.add_argument("--lines", type=int, help="only the first N lines of each track")
    ap.add_argument("--no-frames", action="store_true")
    args = ap.parse_args()
    binary = host_binary()
    report_flag = accepts(binary, "translate-subs", "--report")
    json_flag = accepts(binary, "translate-image", "--json")
    workdir = tempfile.mkdtemp(prefix="glossa-quality-")
    try:
        if args.provider == "scripted":
            return run_scripted(args, binary, workdir, report_flag, json_flag)
        if args.provider == "llama":
            models = os.environ.get("GLOSSA_TEST_MODELS") or os.path.join(os.environ.get("GLOSSA_CACHE", ""), "models")
            server = LlamaServer(os.path.join(models, "SmolLM2-135M-Instruct.Q4_1.gguf"), workdir)
            try:
                settings = provider_settings("openai", server.url + "/v1", "", None, None)
                return run_provider(args, binary, workdir, report_flag, json_flag, settings,
                                    "Quality — llama-server + SmolLM2-135M-Instruct Q4_1 (a pipeline check: a 135M model's translations are noise)",
                                    with_frames=False)
            finally:
                server.stop()
        key = os.environ.get("GLOSSA_QUALITY_KEY") or {"openai": os.environ.get("OPENAI_API_KEY"), "anthropic": os.environ.get("ANTHROPIC_API_KEY")}.get(args.provider)
        url = args.url or {"openai": "https://api.openai.com/v1", "ollama": "http://localhost:11434"}.get(args.provider)
        settings = provider_settings(args.provider, url, args.model, args.frame_model, key)
        name = args.model or "the provider's default model"
        return run_provider(args, binary, workdir, report_flag, json_flag, settings,
                            f"Quality — {args.provider} · {name}", with_frames=args.provider != "openai" or bool(args.frame_model or args.model))
    finally:
        if not os.environ.get("GLOSSA_QUALITY_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"(kept {workdir})")


if __name__ == "__main__":
    sys.exit(main())
