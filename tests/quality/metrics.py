"""What the quality harness measures, as plain functions of a run's output and the
fixture's reference (no I/O here, so each is unit-tested in test_quality.py)."""
import unicodedata


def norm(text):
    """Compared as a viewer reads: Unicode-normalised, case and spacing folded."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def bigrams(text):
    t = norm(text).replace(" ", "")
    return [t[k:k + 2] for k in range(len(t) - 1)] if len(t) > 1 else [t]


def similarity(a, b):
    """Dice coefficient of character bigrams, 0–1 (works without word boundaries)."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    pool = {}
    for g in y:
        pool[g] = pool.get(g, 0) + 1
    common = 0
    for g in x:
        if pool.get(g, 0) > 0:
            pool[g] -= 1
            common += 1
    return 2 * common / (len(x) + len(y))


# A translation "is" the reference when this close: a name spelled differently still is,
# half a line (split) or two lines in one (merged) is not.
SAME_TRANSLATION = 0.8


def belongs_to(text, refs, i, strict=True):
    """Does `text` translate cue i, judged against the references of every cue? Strict (a
    scripted server answers with the references themselves): close to ref i and closer to
    it than to any other; otherwise (a real model's own words): closer to ref i than to any other."""
    scores = [similarity(text, r) for r in refs]
    own = scores[i]
    if own == 0 or (strict and own < SAME_TRANSLATION):
        return False
    return own >= max(scores)


def subtitle_metrics(sources, refs, shown, names, target, strict, src_matched=None, untranslated=None):
    """Metrics of one translated track.

    sources, refs: the source line and reference translation of each cue.
    shown: {i: text} what the viewer sees as cue i's translation (lines marked
      untranslated are not in it).
    names: the fixture's recurring names ({"lines", "render": {lang: [canonical, variants…]}}).
    src_matched: {i: bool or None} the report's `src` check of the first answer for each line
      (how often the model itself kept alignment, before any re-ask), when there is a report.
    untranslated: lines the pipeline marked untranslated (count), when known.
    """
    n = len(sources)
    # A name spelled another way is the same translation (glossary consistency counts it).
    canon = lambda t: canonical_names(t, names, target)
    refs = [canon(r) for r in refs]
    echo_lines = [i for i, t in shown.items() if norm(t) == norm(sources[i]) and norm(refs[i]) != norm(sources[i])]
    # An echo is its cue's source, not a translation that belongs to it.
    judged = {i: i not in echo_lines and belongs_to(canon(t), refs, i, strict) for i, t in shown.items()}
    method = "reference" if strict else "nearest reference"
    kept = sum(judged.values())
    first = [bool(v) for v in (src_matched or {}).values() if v is not None]
    glossary = consistency(names, shown, target)
    return {
        "lines": n,
        "shown": len(shown),
        "untranslated": untranslated,
        "alignment_kept": kept / len(judged) if judged else None,
        "alignment_method": method,
        "misaligned": sorted(i for i, ok in judged.items() if not ok),
        "first_answers_aligned": sum(first) / len(first) if first else None,
        "echo_rate": len(echo_lines) / n if n else None,
        "echo_lines": sorted(echo_lines),
        "glossary_consistency": glossary["consistency"],
        "glossary_as_reference": glossary["as_reference"],
        "glossary_spellings": glossary["spellings"],
    }


def canonical_names(text, names, target):
    """`text` with every known rendering of a recurring name replaced by the reference's."""
    for name in names:
        renders = name["render"].get(target) or []
        for r in renders[1:]:
            text = text.replace(r, renders[0])
    return text


def consistency(names, shown, target):
    """Each recurring name rendered one way across the track: of the lines where a known
    rendering of the name shows, the share using the name's most common rendering; and
    the share using the reference's own."""
    same = found = canonical = 0
    spellings = {}
    for name in names:
        renders = name["render"].get(target)
        if not renders:
            continue
        counts = {}
        for i in name["lines"]:
            text = shown.get(i)
            if text is None:
                continue
            hit = next((r for r in renders if r in text), None)
            if hit is not None:
                counts[hit] = counts.get(hit, 0) + 1
        if counts:
            same += max(counts.values())
            found += sum(counts.values())
            canonical += counts.get(renders[0], 0)
        spellings[name["id"]] = counts
    return {
        "consistency": same / found if found else None,
        "as_reference": canonical / found if found else None,
        "spellings": spellings,
    }


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def substring_distance(needle, hay):
    """Edits to make `needle` out of the best-matching part of `hay` (text around it is free)."""
    prev = [0] * (len(hay) + 1)
    for i, cn in enumerate(needle, 1):
        cur = [i]
        for j, ch in enumerate(hay, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (cn != ch)))
        prev = cur
    return min(prev)


def iou(a, b):
    """Intersection over union of two [x, y, w, h] boxes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = w * h
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def valid_box(box):
    return isinstance(box, list) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box)


def frame_metrics(known, candidates, items=None):
    """Transcription character error rate of one picture: for each known text, the edits to
    the closest thing the model wrote, over the known characters. `candidates` are the
    structured items' originals (compared whole), or else the lines of a plain answer (where
    the text may sit beside its translation: compared with the best-matching part of a line).
    Box IoU: each known item against the structured item whose original is closest (0 when
    it has no box)."""
    chars = edits = 0
    distance = levenshtein if items is not None else substring_distance
    for k in known:
        target = norm(k["text"])
        chars += len(target)
        edits += min((distance(target, norm(c)) for c in candidates), default=len(target))
    ious = None
    if items is not None:
        ious = []
        for k in known:
            best = min(items, key=lambda it: levenshtein(norm(k["text"]), norm(it.get("original", ""))), default=None)
            box = best.get("box") if best else None
            ious.append(iou(k["box"], box) if valid_box(box) else 0.0)
    return {"cer": edits / chars if chars else None, "iou": sum(ious) / len(ious) if ious else None}
