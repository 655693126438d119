#!/usr/bin/env python3
"""Writes the 10-minute caption fixtures in host/tests/fixtures/captions/.

YouTube's own formats, made from one lecture text (written for Glossa, free to use):
  manual.json3 / manual.vtt  — a hand-made track: sentences cut into 2–5 s cues.
  asr.json3    / asr.vtt     — an auto-generated (ASR) track: lower case, no
                               punctuation, words timed one by one, rolling two-line
                               windows ("aAppend" newline events in json3; repeated
                               previous line and 10 ms cues in VTT), a [Music] intro.
Speech runs at about 150 words a minute. Deterministic: same output on every run.
    python3 tests/tools/gen-caption-fixtures.py
"""
import json
import os
import random
import re

LECTURE = """
Welcome back. Today we are going to talk about rivers, and about why almost every old city you can name was built beside one.
Before there were roads, a river was the easiest way to move anything heavy. A boat carrying grain could travel in a day what a cart would take a week to cover.
So towns grew where boats could stop. They grew at the first place a river could be crossed on foot, and at the last place a ship could sail up from the sea.
London is a good example. The Romans built a bridge at the lowest point where the Thames could be bridged, and the city grew around that bridge.
Paris began on an island in the Seine. The island made it easy to defend, and the river made it easy to trade.
But rivers did more than carry boats. They brought water for drinking, for animals, and for fields.
Every spring, many rivers flooded. The flood was dangerous, but it also spread a thin layer of mud across the valley floor.
That mud was full of nutrients. Farmers who planted in it could grow far more food than farmers on the hills above.
This is why the earliest civilizations appear along the Nile, the Tigris and the Euphrates, the Indus, and the Yellow River.
In Egypt, the whole calendar was organised around the flood. There was a season of inundation, a season of growing, and a season of harvest.
Officials measured the height of the water each year with marked stone stairs called nilometers. A high flood meant a good harvest and higher taxes.
A low flood meant hunger. A flood that was too high could wash away whole villages.
So living beside a river always meant living with risk. People learned to read the river, to build on higher ground, and to store grain for bad years.
Now let us look at how a river actually works. Rain falls on high ground and runs downhill, first in tiny channels, then in streams, then in larger rivers.
The whole area that drains into one river is called its basin, or its catchment.
The Amazon basin is almost the size of Australia. The Mississippi collects water from more than thirty American states and two Canadian provinces.
As the water moves, it carries sediment with it. Fast water can move pebbles and even boulders. Slow water can only carry fine sand and silt.
This is the key to understanding the shape of a river. Where the water is fast, the river cuts down into its bed. Where it slows, it drops what it was carrying.
In the mountains, rivers are steep and fast. They cut narrow valleys shaped like the letter V.
When a river reaches flatter land, it slows down and begins to swing from side to side. These loops are called meanders.
On the outside of each bend, the water flows faster and eats into the bank. On the inside of the bend, it slows and builds up a beach of sand.
Over many years, the loops grow wider and wider. Eventually two bends may meet, and the river takes the shortcut.
The old loop is left behind as a curved lake. In English we call it an oxbow lake, because its shape reminded farmers of the collar of an ox.
If you ever fly over a large plain, look down. You will often see the ghosts of old meanders, traced in the shapes of fields and ponds.
Finally, the river reaches the sea. Here it slows almost to a stop and drops the last of its load.
If the sea is calm, the sediment builds up into a delta, a fan of new land crossed by many small channels.
The name comes from the Greek letter delta, because the mouth of the Nile has roughly that triangular shape.
Deltas are some of the most fertile land on Earth, and some of the most crowded. Millions of people live on the deltas of the Ganges, the Mekong and the Nile.
They are also some of the most fragile. A delta is only a few metres above the sea, and it is slowly sinking as the mud beneath it settles.
For thousands of years, new mud from the river made up for that sinking. Today, dams upstream trap much of that mud before it can reach the coast.
This brings us to the way people have changed rivers. We have straightened them, deepened them, and lined their banks with stone and concrete.
We have built dams to store water, to prevent floods and to make electricity.
A large dam can supply water to a whole region through a dry summer. It can also flood valleys where people have lived for generations.
Straightening a river lets ships pass more easily, but the water then runs faster and may flood towns further downstream.
In many countries, engineers are now doing something that would have surprised their grandparents. They are giving rivers back some of their room.
Old embankments are moved back from the water, and low fields are allowed to flood in winter. This gives the water a place to spread out and slow down.
The Netherlands, a country that spent centuries fighting the water, calls this programme Room for the River.
Cities are also rediscovering their rivers. In Seoul, a highway built over a buried stream was torn down, and the stream was opened to the sky again.
It is now a long park, several degrees cooler than the streets around it in summer.
Let me add one more story before we finish, because it shows all of these ideas at once.
In the nineteenth century, the city of Chicago had a serious problem. The city drank water from Lake Michigan, and it also poured its sewage into the Chicago River, which flowed into the same lake.
Every heavy rain washed the waste far out into the lake, towards the pipes that carried drinking water back into the city. Thousands of people died of cholera and typhoid.
The engineers of the time came up with a bold answer. If the river carried the dirt into the lake, then the river would have to flow the other way.
They dug a deep canal across the low ridge that separated the lake from the Mississippi basin. When the canal opened in the year nineteen hundred, the Chicago River began to flow backwards, away from the lake.
The drinking water became much cleaner, and the city grew rapidly. But the waste did not disappear. It simply travelled south, towards the towns along the Illinois River.
The state of Missouri went to court, arguing that Chicago was sending its sewage downstream to them. The case went all the way to the Supreme Court of the United States.
Chicago won that case, but the argument about how much water it may take from the lake continued for most of the century.
I like this story because it reminds us that a river is shared. What one city does upstream arrives, sooner or later, at someone else's door.
The same is true of the great international rivers. The Nile flows through eleven countries. The Danube flows through ten, more than any other river in the world.
When one country builds a dam, its neighbours downstream worry about how much water will be left for their farms and their cities.
Treaties that share the water of a river are some of the oldest agreements between nations, and some of the hardest to keep.
Engineers can measure the flow of a river to the litre. Deciding who deserves that water is a different kind of question.
It is a question of history, of law and of fairness, and it is one that geography alone cannot answer.
So what should you take away from today? First, that rivers shaped where people live, because they offered transport, water and fertile soil.
Second, that a river is always moving material from the mountains to the sea, and that this movement explains its shape.
And third, that when we change one part of a river, the effects travel downstream, sometimes for hundreds of kilometres.
For next week, please read the chapter on coasts. We will see how the sediment that rivers deliver is moved again by waves and tides.
If you live near a river, go and look at it this week. Notice where the water is fast and where it is slow, and where it is building and where it is cutting.
You may never look at a river in quite the same way again. Thank you, and see you next week.
"""

WPM = 150.0
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "host", "tests", "fixtures", "captions")


def sentences():
    text = " ".join(LECTURE.split())
    return [s for s in re.split(r"(?<=[.?!])\s+", text) if s]


def speech_timeline(rng, words, start_ms):
    """Each word gets a start time; speech at ~WPM with small pauses between sentences."""
    t = start_ms
    timed = []
    for w in words:
        timed.append((t, w))
        # Longer words take longer to say; ~150 words a minute overall, pauses included.
        t += int(60000 / WPM * 0.95 * rng.uniform(0.8, 1.2) * (0.7 + 0.065 * len(w.strip(".,?!"))))
        if w.endswith((".", "?", "!")):
            t += rng.randint(200, 500)
    return timed, t


def manual_cues(rng):
    """Sentences cut into cues of up to ~84 characters (two lines), 2–5 s each."""
    cues = []
    t = 1200
    for sentence in sentences():
        words = sentence.split()
        timed, end = speech_timeline(rng, words, t)
        chunk = []
        for i, (wt, w) in enumerate(timed):
            chunk.append((wt, w))
            text = " ".join(x for _, x in chunk)
            last = i == len(timed) - 1
            next_break = len(text) >= 40 and (w.endswith(",") or len(text) >= 60)
            if last or next_break or len(text) >= 78:
                start = chunk[0][0]
                stop = timed[i + 1][0] if not last else end
                dur = max(2000, min(5000, stop - start))
                cues.append([start, dur, wrap(text)])
                chunk = []
        t = end + rng.randint(150, 400)
    # No overlaps: a cue ends before the next begins.
    for a, b in zip(cues, cues[1:]):
        a[1] = min(a[1], b[0] - a[0] - 40)
        a[1] = max(a[1], 800)
    return cues


def wrap(text, width=42):
    if len(text) <= width:
        return text
    words = text.split()
    best = None
    for i in range(1, len(words)):
        a, b = " ".join(words[:i]), " ".join(words[i:])
        score = max(len(a), len(b))
        if best is None or score < best[0]:
            best = (score, a + "\n" + b)
    return best[1]


def asr_words(rng):
    """Lower case, no punctuation, each word with its own time."""
    words = []
    t = 5200  # after the [Music] intro
    for sentence in sentences():
        timed, end = speech_timeline(rng, sentence.split(), t)
        for wt, w in timed:
            w = re.sub(r"[.,?!;:]", "", w).lower()
            if w:
                words.append((wt, w))
        t = end + rng.randint(100, 300)
    return words, t


def asr_lines(rng, words):
    """ASR windows show lines of a few words (up to ~32 characters)."""
    lines, line = [], []
    for wt, w in words:
        line.append((wt, w))
        if len(" ".join(x for _, x in line)) >= rng.randint(22, 34):
            lines.append(line)
            line = []
    if line:
        lines.append(line)
    return lines


def ms(t):
    h, rest = divmod(t, 3600000)
    m, rest = divmod(rest, 60000)
    s, milli = divmod(rest, 1000)
    return f"{h:02}:{m:02}:{s:02}.{milli:03}"


def write(name, text):
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def manual_json3(cues):
    events = [{"tStartMs": s, "dDurationMs": d, "segs": [{"utf8": t}]} for s, d, t in cues]
    return json.dumps({"wireMagic": "pb3", "pens": [{}], "wsWinStyles": [{}], "wpWinPositions": [{}], "events": events}, indent=2, ensure_ascii=False) + "\n"


def manual_vtt(cues):
    out = ["WEBVTT\nKind: captions\nLanguage: en\n"]
    for s, d, t in cues:
        out.append(f"{ms(s)} --> {ms(s + d)}\n{t}\n")
    return "\n".join(out)


def asr_json3(lines, end):
    events = [{"tStartMs": 0, "dDurationMs": end, "id": 1, "wpWinPosId": 1, "wsWinStyleId": 1}]
    events.append({"tStartMs": 160, "dDurationMs": 4900, "wWinId": 1, "segs": [{"utf8": "[Music]"}]})
    for i, line in enumerate(lines):
        start = line[0][0]
        # A line stays up until the line after next starts (two-line rolling window).
        until = lines[i + 2][0][0] if i + 2 < len(lines) else end
        if i > 0:
            # The line break that rolls the window lasts until the line above it ends (as
            # YouTube's do), not as long as the new line.
            above_until = lines[i + 1][0][0] if i + 1 < len(lines) else end
            events.append({"tStartMs": start - 10, "dDurationMs": above_until - start + 10, "wWinId": 1, "aAppend": 1, "segs": [{"utf8": "\n"}]})
        segs = []
        for k, (wt, w) in enumerate(line):
            seg = {"utf8": (" " if k else "") + w, "acAsrConf": 0}
            if k:
                seg["tOffsetMs"] = wt - start
            segs.append(seg)
        events.append({"tStartMs": start, "dDurationMs": until - start, "wWinId": 1, "segs": segs})
    head = {"wireMagic": "pb3", "pens": [{}], "wsWinStyles": [{}, {"mhModeHint": 2, "juJustifCode": 0, "sdScrollDir": 3}],
            "wpWinPositions": [{}, {"apPoint": 6, "ahHorPos": 20, "avVerPos": 100, "rcRows": 2, "ccCols": 40}], "events": events}
    return json.dumps(head, indent=1, ensure_ascii=False) + "\n"


def asr_vtt(lines, end):
    out = ["WEBVTT\nKind: captions\nLanguage: en\n"]
    out.append(f"{ms(160)} --> {ms(5060)} align:start position:0%\n[Music]\n")
    prev = "[Music]"
    for i, line in enumerate(lines):
        start = line[0][0]
        nxt = lines[i + 1][0][0] if i + 1 < len(lines) else end
        timed = line[0][1] + "".join(f"<{ms(wt)}><c> {w}</c>" for wt, w in line[1:])
        out.append(f"{ms(start)} --> {ms(nxt - 10)} align:start position:0%\n{prev}\n{timed}\n")
        plain = " ".join(w for _, w in line)
        out.append(f"{ms(nxt - 10)} --> {ms(nxt)} align:start position:0%\n{plain}\n \n")
        prev = plain
    return "\n".join(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(7)
    cues = manual_cues(rng)
    write("manual.json3", manual_json3(cues))
    write("manual.vtt", manual_vtt(cues))
    words, end = asr_words(rng)
    lines = asr_lines(rng, words)
    write("asr.json3", asr_json3(lines, end))
    write("asr.vtt", asr_vtt(lines, end))
    print(f"manual: {len(cues)} cues, ends {cues[-1][0] / 1000:.0f} s; asr: {len(words)} words in {len(lines)} lines, ends {end / 1000:.0f} s")


if __name__ == "__main__":
    main()
