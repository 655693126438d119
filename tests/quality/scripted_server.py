"""An OpenAI-compatible server that answers Glossa from the fixtures' true translations,
well or badly on purpose, so the quality harness can prove each of Glossa's answer checks.

It speaks what host/src/providers/openai.rs uses: GET /v1/models and POST
/v1/chat/completions streamed as server-sent events, each response cut into HTTP chunks at
awkward byte boundaries (inside `data:` lines and inside UTF-8 characters), with `usage` in
the last event as OpenAI sends it for `stream_options.include_usage`.

The harness scripts it with POST /script {"mode", "from", "to", "frame"} (which also resets
its counters) and reads GET /script/stats. Modes, for subtitle batches (JSON items):
  good       every line's true translation, {id, src, text}, with the names' renderings as
             `terms` when the prompt asks for {"lines", "terms"}
  shifted    from a third of the batch on, each id carries the next line's answer; the last id is missing
  merged     two lines' answers in one item, the ids after it renumbered; the last id is missing
  split      one line's answer in two items, the ids after it renumbered; one id made up at the end
  echo       every third line answered with its source text; one line (ECHO_ALWAYS) every time it is asked
  truncated  the answer cut off at 60 % (finish_reason "length"), as when max_tokens runs out
  names      the recurring names spelled one way per request, unless the prompt already shows
             a spelling (as context or glossary): then that one, as a real model follows it
  plain      (frames) plain lines whatever the prompt asks, as a model that ignores the format
The echo mode never echoes a line that is one short word (a name, a number, an interjection:
those may rightly stay the same). The first four misbehave only on a request none of whose lines was asked before: a model
asked again for fewer lines does better. `src` is always true to the line the item's text
translates (that is what lets Glossa catch a shifted, merged or split answer).

How the request is read (one function, `lines_to_translate`, to adapt if the prompt changes):
the last JSON array in the user message whose objects have an `id` and a source line of the
fixture; failing that, a prompt that ends with one source line (the one-line fallback).
Frames: it cannot see pictures, so it answers for the frame named by /script: JSON items
{original, translation, box} when the prompt asks for boxes or sets a response format,
otherwise plain lines (original above translation when the prompt asks for the original).
    python3 tests/quality/scripted_server.py [PORT]    serve (prints the URL)
"""
import json
import math
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import story as fixtures

MODEL = "scripted-quality"
MODES = ["good", "shifted", "merged", "split", "echo", "truncated", "names", "plain"]
# The line the echo mode always answers with its source ("Good news, I hope.").
ECHO_ALWAYS = 9
# HTTP chunk sizes, cycled: they cut `data:` lines and multi-byte characters apart.
CUTS = [1, 5, 2, 11, 3, 17, 7, 4]


def src_of(line):
    """The first words of a source line, as a checked answer repeats them: up to 6 words
    (text with spaces) or 12 characters (text without)."""
    words = line.split()
    return " ".join(words[:6]) if len(words) > 1 else line[:12]


class Script:
    def __init__(self, story):
        self.story = story
        self.lock = threading.Lock()
        self.set({})

    def set(self, body):
        self.mode = body.get("mode", "good")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode}")
        self.source = body.get("from", "ja")
        self.target = body.get("to", "en")
        self.frame = body.get("frame")
        self.index = {line[self.source].strip(): i for i, line in enumerate(self.story["lines"])}
        self.asked = {}
        self.stats = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "refused": [], "batches": [], "requests": []}

    def truth(self, i):
        return self.story["lines"][i][self.target]

    def source_line(self, i):
        return self.story["lines"][i][self.source]


def text_of(content):
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return str(content or "")


def json_arrays(text):
    decoder = json.JSONDecoder()
    for m in re.finditer(r"\[", text):
        try:
            value, _ = decoder.raw_decode(text, m.start())
        except ValueError:
            continue
        if isinstance(value, list):
            yield m.start(), value


# Words that introduce lines sent as context only: an array after them is not to translate
# (unless no other array is there).
CONTEXT_ONLY = re.compile(r"context|do not translate|don't translate|already translated", re.I)


def lines_to_translate(script, user):
    """[(id, line index)] of a batch, or None; the one-line fallback gives [(None, index)]."""
    candidates = []
    for start, array in json_arrays(user):
        intro = user[:start].rstrip().rsplit("\n", 1)[-1]
        items = []
        for item in array:
            if not isinstance(item, dict) or "id" not in item or "translation" in item:
                break
            text = next((item[k] for k in ("text", "src", "source") if isinstance(item.get(k), str)), None)
            i = script.index.get((text or "").strip())
            if i is None:
                break
            items.append((str(item["id"]), i))
        else:
            if items:
                candidates.append((bool(CONTEXT_ONLY.search(intro)), items))
    to_translate = [items for context, items in candidates if not context] or [items for _, items in candidates]
    if to_translate:
        return to_translate[-1]
    tail = user.rstrip()
    ends = [i for s, i in script.index.items() if s and tail.endswith(s)]
    if ends:
        return [(None, max(ends, key=lambda i: len(script.source_line(i))))]
    return None


def names_spelled(script, texts, prompt, counter):
    """The truth `texts` with each recurring name spelled as this request spells it."""
    out = list(texts)
    for name in script.story["names"]:
        renders = name["render"].get(fixtures.lang_code(script.target))
        if not renders or len(renders) < 2:
            continue
        seen = [r for r in renders if r in prompt]
        chosen = seen[0] if seen else renders[counter % len(renders)]
        out = [t.replace(renders[0], chosen) for t in out]
    return out


def batch_reply(script, lines, prompt, first_ask, counter):
    """(reply text, truncated?) for a batch [(id, index)]."""
    mode = script.mode
    ids = [i for i, _ in lines]
    idx = [i for _, i in lines]
    texts = [script.truth(i) for i in idx]
    srcs = [src_of(script.source_line(i)) for i in idx]
    if mode == "names":
        texts = names_spelled(script, texts, prompt, counter)
    items = [{"id": a, "src": s, "text": t} for a, s, t in zip(ids, srcs, texts)]
    n = len(items)
    if first_ask and mode == "shifted" and n >= 2:
        m = n // 3
        items = [{"id": ids[k], "src": srcs[k + 1 if k >= m else k], "text": texts[k + 1 if k >= m else k]} for k in range(n - 1)]
    elif first_ask and mode == "merged" and n >= 2:
        m = n // 2 if n > 2 else 0
        merged = {"id": ids[m], "src": srcs[m], "text": texts[m] + " " + texts[m + 1]}
        items = items[:m] + [merged] + [{"id": ids[k - 1], "src": srcs[k], "text": texts[k]} for k in range(m + 2, n)]
    elif first_ask and mode == "split" and n >= 1:
        m = n // 2
        words = texts[m].split()
        if len(words) > 1:
            half = (words[: len(words) // 2], words[len(words) // 2:])
            head, tail = " ".join(half[0]), " ".join(half[1])
        else:
            cut = max(1, len(texts[m]) // 2)
            head, tail = texts[m][:cut], texts[m][cut:]
        extra = [str(int(ids[-1]) + 1) if ids[-1].isdigit() else ids[-1] + "+"]
        new_ids = ids + extra
        items = items[:m] + [{"id": ids[m], "src": srcs[m], "text": head}, {"id": new_ids[m + 1], "src": srcs[m], "text": tail}]
        items += [{"id": new_ids[k + 1], "src": srcs[k], "text": texts[k]} for k in range(m + 1, n)]
    if mode == "echo":
        for k, i in enumerate(idx):
            if i == ECHO_ALWAYS or (first_ask and k % 3 == 1 and not one_short_word(script.source_line(i))):
                items[k]["text"] = script.source_line(i)
    return items, first_ask and mode == "truncated"


def one_short_word(line):
    """"ハルカ！", "19:30", "¡Haruka!": a name, number or interjection alone."""
    bare = re.sub(r"[^\w:]", "", line)
    return " " not in line.strip() and len(bare) <= 8


def wrap(items, body, terms=None):
    """The answer in the shape asked for: the `{"lines", "terms"}` object when the prompt (or
    the response_format's schema) asks for terms; else the object a schema with one array
    describes; else a bare array."""
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") or {}
    props = schema.get("properties") or {}
    arrays = [k for k, v in props.items() if isinstance(v, dict) and v.get("type") == "array"]
    if terms is not None and ("terms" in props or '"terms"' in system_of(body)):
        return json.dumps({"lines": items, "terms": terms}, ensure_ascii=False)
    if schema.get("type") == "object" and len(arrays) == 1:
        return json.dumps({arrays[0]: items}, ensure_ascii=False)
    return json.dumps(items, ensure_ascii=False)


def system_of(body):
    return "\n".join(text_of(m.get("content")) for m in body.get("messages") or [] if m.get("role") == "system")


def terms_of(script, idx, texts):
    """The names in these lines as rendered in `texts` ({source, target}), as a model lists them."""
    out = []
    source_lang, target_lang = fixtures.lang_code(script.source), fixtures.lang_code(script.target)
    for name in script.story["names"]:
        if not set(name["lines"]) & set(idx):
            continue
        renders = name["render"].get(target_lang) or []
        used = next((r for t in texts for r in renders if r in t), None)
        source = (name["render"].get(source_lang) or [name["id"]])[0]
        if used:
            out.append({"source": source, "target": used})
    return out


def frame_reply(script, body, system):
    frame = script.frame
    if not frame:
        raise LookupError("a picture, but no frame scripted (POST /script with \"frame\")")
    to = frame["to"]
    structured = script.mode != "plain" and ("box" in system or body.get("response_format") is not None)
    if structured:
        items = [{"original": it["text"], "translation": it["translation"][to], "box": it["box"]} for it in frame["items"]]
        if '"items"' in system:  # the object the prompt shows
            return json.dumps({"items": items}, ensure_ascii=False)
        return wrap(items, body)
    rows = []
    for it in frame["items"]:
        if re.search(r"original", system, re.I):
            rows.append(it["text"])
        rows.append(it["translation"][to])
    return "\n".join(rows)


def answer(script, body):
    """(reply, finish_reason)."""
    messages = body.get("messages") or []
    system = system_of(body)
    users = [m for m in messages if m.get("role") == "user"]
    user = text_of(users[-1].get("content")) if users else ""
    prompt = "\n".join(text_of(m.get("content")) for m in messages)
    if '"image_url"' in json.dumps(messages):
        return frame_reply(script, body, system), "stop"
    lines = lines_to_translate(script, user)
    if not lines:
        raise LookupError(f"no fixture line to translate in the prompt (if its format changed, adapt "
                          f"lines_to_translate in tests/quality/scripted_server.py): {user[-200:]!r}")
    with script.lock:
        first_ask = all(script.asked.get(i, 0) == 0 for _, i in lines)
        for _, i in lines:
            script.asked[i] = script.asked.get(i, 0) + 1
        counter = script.stats["calls"]
        script.stats["batches"].append([i for _, i in lines])
    if lines[0][0] is None:  # one line, answered in plain text
        i = lines[0][1]
        if script.mode == "echo" and i == ECHO_ALWAYS:
            return script.source_line(i), "stop"
        text = script.truth(i)
        if script.mode == "names":
            text = names_spelled(script, [text], prompt, counter)[0]
        return text, "stop"
    items, truncated = batch_reply(script, lines, prompt, first_ask, counter)
    reply = wrap(items, body, terms_of(script, [i for _, i in lines], [it["text"] for it in items]))
    if truncated:
        return reply[: int(len(reply) * 0.6)], "length"
    return reply, "stop"


def sse_events(reply, finish, usage):
    out = []
    chars = list(reply)
    for k in range(0, len(chars), 4):
        chunk = {"object": "chat.completion.chunk", "model": MODEL, "choices": [{"index": 0, "delta": {"content": "".join(chars[k:k + 4])}}]}
        out.append(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n")
    out.append(f"data: {json.dumps({'object': 'chat.completion.chunk', 'choices': [{'index': 0, 'delta': {}, 'finish_reason': finish}]})}\n\n")
    out.append(f"data: {json.dumps({'object': 'chat.completion.chunk', 'choices': [], 'usage': usage})}\n\n")
    out.append("data: [DONE]\n\n")
    return "".join(out).encode("utf-8")


def tokens(text):
    """About four characters a token (the server has no tokenizer; the harness compares runs)."""
    return math.ceil(len(text) / 4)


def make_handler(script):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def send_json(self, status, value):
            data = json.dumps(value, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/v1/models":
                return self.send_json(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "glossa-tests"}]})
            if self.path == "/script/stats":
                with script.lock:
                    return self.send_json(200, script.stats)
            self.send_json(404, {"error": {"message": f"no route GET {self.path}"}})

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/script":
                try:
                    with script.lock:
                        script.set(json.loads(raw or b"{}"))
                except (ValueError, KeyError) as e:
                    return self.send_json(400, {"error": {"message": str(e)}})
                return self.send_json(200, {"ok": True})
            if self.path != "/v1/chat/completions":
                return self.send_json(404, {"error": {"message": f"no route POST {self.path}"}})
            try:
                body = json.loads(raw)
                reply, finish = answer(script, body)
            except (ValueError, LookupError) as e:
                with script.lock:
                    script.stats["refused"].append(str(e))
                return self.send_json(500, {"error": {"message": f"scripted quality server: {e}"}})
            prompt = json.dumps(body.get("messages"), ensure_ascii=False)
            usage = {"prompt_tokens": tokens(prompt), "completion_tokens": tokens(reply)}
            with script.lock:
                script.stats["calls"] += 1
                script.stats["prompt_tokens"] += usage["prompt_tokens"]
                script.stats["completion_tokens"] += usage["completion_tokens"]
                script.stats["requests"].append({"request": body, "reply": reply})
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            data = sse_events(reply, finish, usage)
            pos, k = 0, 0
            while pos < len(data):
                piece = data[pos:pos + CUTS[k % len(CUTS)]]
                pos, k = pos + len(piece), k + 1
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    return Handler


def start(port=0):
    """A running server in a thread: (server, script, url)."""
    script = Script(fixtures.load())
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(script))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, script, f"http://127.0.0.1:{server.server_address[1]}"


if __name__ == "__main__":
    server, _, url = start(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
