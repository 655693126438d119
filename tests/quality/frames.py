"""The frame fixtures: pictures with known text and boxes (signs, slides, captions in
ja/zh/ko/ru/en), rendered from fixtures/frames.json with Pillow and the Noto CJK fonts
(.ci/install-deps.sh installs fonts-noto-cjk) into $GLOSSA_CACHE/quality-frames-<hash>/,
once: the hash covers the spec and this file, so a change renders them again.
    python3 tests/quality/frames.py    print the folder (rendering it when needed)
"""
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, "fixtures", "frames.json")
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
# Faces in NotoSansCJK-Regular.ttc: the glyph shapes each language expects.
FACE = {"ja": 0, "ko": 1, "zh": 2}


def load_spec():
    with open(SPEC, encoding="utf-8") as f:
        return json.load(f)


def cache_dir():
    digest = hashlib.sha256()
    for path in (SPEC, os.path.abspath(__file__)):
        with open(path, "rb") as f:
            digest.update(f.read())
    root = os.environ.get("GLOSSA_CACHE") or os.path.expanduser("~/.cache/glossa-dev")
    return os.path.join(root, f"quality-frames-{digest.hexdigest()[:12]}")


def render(spec, dest):
    from PIL import Image, ImageDraw, ImageFont

    if not os.path.exists(FONT):
        sys.exit(f"frames.py: {FONT} is missing: install fonts-noto-cjk (.ci/install-deps.sh does)")
    truth = []
    for frame in spec["frames"]:
        w, h = frame["size"]
        img = Image.new("RGB", (w, h), tuple(frame["background"]))
        draw = ImageDraw.Draw(img)
        items = []
        for item in frame["items"]:
            font = ImageFont.truetype(FONT, item["px"], index=FACE.get(frame["lang"], 0))
            x, y = item["at"]
            left, top, right, bottom = draw.textbbox((x, y), item["text"], font=font)
            if item.get("plate"):
                pad = item["px"] // 4
                draw.rectangle((left - pad, top - pad, right + pad, bottom + pad), fill=tuple(item["plate"]))
            draw.text((x, y), item["text"], font=font, fill=tuple(item["color"]))
            box = [left / w, top / h, (right - left) / w, (bottom - top) / h]
            items.append({"text": item["text"], "box": [round(v, 4) for v in box], "translation": item["translation"]})
        path = os.path.join(dest, frame["name"] + ".png")
        img.save(path)
        truth.append({"name": frame["name"], "file": path, "lang": frame["lang"], "to": frame["to"], "items": items})
    with open(os.path.join(dest, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, ensure_ascii=False, indent=1)


def rendered():
    """The folder with the pictures and truth.json, rendered on first use."""
    dest = cache_dir()
    if not os.path.exists(os.path.join(dest, "truth.json")):
        tmp = dest + ".partial"
        os.makedirs(tmp, exist_ok=True)
        render(load_spec(), tmp)
        # truth.json names the files: point them at the final folder.
        with open(os.path.join(tmp, "truth.json"), encoding="utf-8") as f:
            truth = json.load(f)
        for t in truth:
            t["file"] = os.path.join(dest, os.path.basename(t["file"]))
        with open(os.path.join(tmp, "truth.json"), "w", encoding="utf-8") as f:
            json.dump(truth, f, ensure_ascii=False, indent=1)
        os.replace(tmp, dest)
    return dest


def truth():
    with open(os.path.join(rendered(), "truth.json"), encoding="utf-8") as f:
        return json.load(f)


if __name__ == "__main__":
    print(rendered())
