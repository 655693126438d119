#!/usr/bin/env python3
"""Renders the burned-in subtitle test videos and their ground truth (issue #16).

One 48 s video per language (ja, zh, ko), 854x480 at 25 frames/s, WebM (VP8): subtitle
lines drawn into the picture (white, black outline, Noto Sans CJK from fonts-noto-cjk),
over a picture that never stands still: a running clock at the top left and a box
sliding across the middle. The timeline of every video has lines with gaps between them,
lines back to back, a line shown again later (a repeat), a line that fades in over 0.5 s,
a busy scene (ffmpeg's moving, colourful testsrc2) behind two lines, and a light textured
scene (a sunlit wall with dark marks) panning 3 px a frame, as a camera pans, behind a
5 s line and the line after it (the text stays put while its background moves).

Beside each NAME.webm, NAME.json holds the truth:
  {"language": "ja", "duration": 36, "strip": {"top": …, "bottom": …} (fractions of the height),
   "lines": [{"text": …, "start": s, "end": s, "repeat_of": index|null, "fade": bool, "busy": bool,
              "pan": bool}]}
A faded line's start is when it is half opaque. One more Japanese video,
burnin-ja-high, has the same lines higher in the picture (their top at 62 % of its
height, as some shows place them), outside the usual band at the bottom. Deterministic;
an existing video is kept (the version in the directory name changes when the content does).

    python3 tests/tools/render-burnin-videos.py [DIR]   # default $GLOSSA_CACHE/burnin-v2
"""
import fcntl
import json
import os
import subprocess
import sys

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
W, H, FPS, DURATION = 854, 480, 25, 48
FONT_SIZE = 34
TEXT_Y = H - 70  # top of the subtitle text
TEXT_Y_HIGH = 300  # … in burnin-ja-high
FADE = 0.5
BUSY = (20.0, 28.0)
PAN = (35.0, 47.0)
PAN_SPEED = 3 * FPS  # px a second: 3 px a frame
# The panning scene's texture, wide enough for the whole pan: a light wall (luma 130–235)
# with large dark marks and small grey specks, sharp-edged as sunlit detail is.
PAN_WIDTH = W + int((PAN[1] - PAN[0]) * PAN_SPEED) + 8
PAN_TEXTURE = (
    "if(gt(abs(sin(X*0.021+2.5*sin(Y*0.017))*sin(Y*0.05+1.7*sin(X*0.013))),0.82),60,"
    "if(gt(abs(sin(X*0.083+1.3*sin(Y*0.041))*sin(Y*0.097+0.9*sin(X*0.037))),0.9),95,"
    "min(240,170+40*sin(X*0.031)*sin(Y*0.023)+25*sin(X*0.11+Y*0.07))))"
)

TEXTS = {
    "ja": ["今日はいい天気ですね", "駅まで歩いて十分です", "この本はとても面白い", "明日また会いましょう",
           "ゆっくり話してください", "猫が窓の外を見ている", "電車が遅れています", "ありがとうございました",
           "空がだんだん明るくなってきた", "窓を開けてもいいですか"],
    "zh": ["今天天气很好", "我们一起去吃饭吧", "这本书非常有意思", "明天见",
           "请说慢一点", "猫在看窗外", "火车晚点了", "谢谢你的帮助",
           "天空慢慢地变亮了", "我可以打开窗户吗"],
    "ko": ["오늘 날씨가 좋네요", "역까지 걸어서 십 분이에요", "이 책은 정말 재미있어요", "내일 또 만나요",
           "천천히 말해 주세요", "고양이가 창밖을 보고 있어요", "기차가 늦어지고 있어요", "도와줘서 고마워요",
           "하늘이 점점 밝아지고 있어요", "창문을 열어도 될까요"],
}

# (text index, start, end, fade): gaps, back to back, a repeat of line 0, a fade-in, two
# lines over the busy scene, two more back to back, and two back to back over the panning
# scene (which starts 1 s before the first of them and ends 2 s after the second).
TIMELINE = [
    (0, 1.5, 4.0, False),
    (1, 4.0, 6.5, False),
    (2, 7.5, 10.0, False),
    (3, 10.0, 12.0, False),
    (0, 13.0, 15.5, False),
    (4, 16.5, 19.5, True),
    (5, 21.0, 23.5, False),
    (6, 23.5, 26.5, False),
    (7, 29.0, 31.5, False),
    (2, 31.5, 34.0, False),
    (8, 36.0, 41.0, False),
    (9, 41.0, 45.0, False),
]


def escape(path):
    return path.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")


def render(lang, out_dir, name=None, text_y=TEXT_Y):
    base = os.path.join(out_dir, name or f"burnin-{lang}")
    video, truth = base + ".webm", base + ".json"
    if os.path.exists(video) and os.path.exists(truth):
        return
    filters = []
    lines = []
    first_shown = {}
    for n, (i, start, end, fade) in enumerate(TIMELINE):
        text_file = f"{base}.line{n}.txt"
        with open(text_file, "w", encoding="utf-8") as f:
            f.write(TEXTS[lang][i])
        alpha = f"min(1\\,(t-{start})/{FADE})" if fade else "1"
        filters.append(
            f"drawtext=fontfile={FONT}:textfile='{escape(text_file)}':fontsize={FONT_SIZE}:fontcolor=white"
            f":borderw=3:bordercolor=black:x=(w-text_w)/2:y={text_y}:alpha='{alpha}'"
            f":enable='between(t\\,{start}\\,{end - 0.001})'"
        )
        lines.append({
            "text": TEXTS[lang][i],
            "start": start + FADE / 2 if fade else start,
            "end": end,
            "repeat_of": first_shown.get(i),
            "fade": fade,
            "busy": BUSY[0] <= start < BUSY[1],
            "pan": PAN[0] <= start < PAN[1],
        })
        first_shown.setdefault(i, n)
    clock = f"drawtext=fontfile={FONT}:text='%{{pts\\:hms}}':fontsize=24:fontcolor=yellow:x=16:y=12"
    graph = (
        f"color=c=0x203040:s={W}x{H}:r={FPS}:d={DURATION}[bg];"
        f"testsrc2=s={W}x{H}:r={FPS}:d={DURATION}[busy];"
        f"color=c=0xd0d0d0:s=60x60:r={FPS}:d={DURATION}[box];"
        # The texture is drawn once, then shown frame after frame through a moving window.
        f"color=c=gray:s={PAN_WIDTH}x{H}:r=1:d=1,settb=1/{FPS},format=yuv444p,geq=lum='{PAN_TEXTURE}':cb=118:cr=138,"
        f"loop=loop=-1:size=1,setpts=N/({FPS}*TB),trim=duration={DURATION},"
        f"crop={W}:{H}:x='min({PAN_WIDTH - W}\\,max(0\\,(t-{PAN[0]})*{PAN_SPEED}))':y=0,format=yuv420p[pan];"
        f"[bg][busy]overlay=enable='between(t\\,{BUSY[0]}\\,{BUSY[1]})'[scene0];"
        f"[scene0][pan]overlay=enable='between(t\\,{PAN[0]}\\,{PAN[1]})'[scene];"
        f"[scene][box]overlay=x='mod(t*180\\,{W})':y=200[moving];"
        f"[moving]{clock},{','.join(filters)},format=yuv420p[out]"
    )
    part = video + ".part.webm"
    subprocess.run([
        "ffmpeg", "-loglevel", "error", "-y", "-filter_complex", graph, "-map", "[out]",
        "-c:v", "libvpx", "-b:v", "800k", "-g", str(FPS * 2), "-deadline", "realtime", "-cpu-used", "8", "-an", part,
    ], check=True)
    os.rename(part, video)  # a cut-short encode is never reused
    with open(truth, "w", encoding="utf-8") as f:
        strip = {"top": round((text_y - 8) / H, 3), "bottom": round((text_y + FONT_SIZE + 14) / H, 3)}
        json.dump({"language": lang, "duration": DURATION, "fps": FPS, "strip": strip, "lines": lines}, f,
                  ensure_ascii=False, indent=1)
    for n in range(len(TIMELINE)):
        os.remove(f"{base}.line{n}.txt")


def main():
    cache = os.environ.get("GLOSSA_CACHE", os.path.expanduser("~/.cache/glossa-dev"))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(cache, "burnin-v2")
    os.makedirs(out_dir, exist_ok=True)
    # Tests render on first use, several at once (nextest runs test binaries side by side):
    # one renders while the others wait, then find the videos there.
    with open(os.path.join(out_dir, ".render.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for lang in TEXTS:
            render(lang, out_dir)
        render("ja", out_dir, name="burnin-ja-high", text_y=TEXT_Y_HIGH)
    print(out_dir)


if __name__ == "__main__":
    main()
