"""The subtitle fixtures: one dialogue in eight languages (fixtures/story.json, CC0), the
caption tracks made from it (fixtures/tracks/, checked in) and their reference answers.

Line i of every language is the true translation of line i of every other, so any pair of
languages is a fixture with a known answer for each cue.
    python3 tests/quality/story.py --write    rewrite fixtures/tracks/ from story.json
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
STORY = os.path.join(HERE, "fixtures", "story.json")
TRACKS = os.path.join(HERE, "fixtures", "tracks")

# The tracks measured, source → target. `en-asr` is the English as an auto-generated
# track shows it (no punctuation, misheard names).
PAIRS = [("ja", "en"), ("zh", "en"), ("ko", "en"), ("ru", "en"), ("es", "en"), ("fr", "en"), ("de", "en"), ("en-asr", "ja")]


def load():
    with open(STORY, encoding="utf-8") as f:
        return json.load(f)


def lang_code(lang):
    """`en-asr` is English."""
    return lang.split("-")[0]


def cue_times(story, i):
    first, step, length = story["cue_secs"]
    start = first + i * step
    return start, start + length


def srt_time(t):
    ms = int(round(t * 1000))
    return f"{ms // 3600000:02}:{ms // 60000 % 60:02}:{ms // 1000 % 60:02},{ms % 1000:03}"


def srt(story, lang):
    out = []
    for i, line in enumerate(story["lines"]):
        start, end = cue_times(story, i)
        out.append(f"{i + 1}\n{srt_time(start)} --> {srt_time(end)}\n{line[lang]}\n")
    return "\n".join(out)


def track_path(lang):
    return os.path.join(TRACKS, f"story.{lang}.srt")


def parse_srt(text):
    """[(start_secs, text)] of an SRT or WebVTT file (cue text rows joined by newlines)."""
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        rows = block.split("\n")
        for k, row in enumerate(rows):
            m = re.match(r"\s*(\d+):(\d\d):(\d\d)[,.](\d{3})\s*-->", row)
            if m:
                h, mi, s, ms = map(int, m.groups())
                cues.append((h * 3600 + mi * 60 + s + ms / 1000, "\n".join(rows[k + 1:]).strip()))
                break
    return cues


def by_line(story, cues):
    """Output cues mapped back to story line indices by start time: {index: text}."""
    starts = {round(cue_times(story, i)[0], 2): i for i in range(len(story["lines"]))}
    out = {}
    for start, text in cues:
        i = starts.get(round(start, 2))
        if i is not None:
            out[i] = text
    return out


def write_tracks(story):
    os.makedirs(TRACKS, exist_ok=True)
    for lang in story["languages"]:
        with open(track_path(lang), "w", encoding="utf-8") as f:
            f.write(srt(story, lang))


def tracks_up_to_date(story):
    for lang in story["languages"]:
        try:
            with open(track_path(lang), encoding="utf-8") as f:
                if f.read() != srt(story, lang):
                    return False
        except FileNotFoundError:
            return False
    return True


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write_tracks(load())
    else:
        sys.exit(__doc__)
