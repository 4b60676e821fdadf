#!/usr/bin/env bash
# build-corpus.sh — builds the Bulgarian text corpus used to train the golden
# SentencePiece fixture models (see README.md in this folder).
#
# Makes (all under tooling/tokenizer-fixtures/.work/, which is gitignored):
#   .work/debs/*.deb     Debian packages fetched with `apt-get download`
#   .work/x/<pkg>/       their unpacked contents (`dpkg -x`)
#   .work/sources/*.txt  Bulgarian strings kept from each source (after filtering and
#                        cross-source dedupe), one per line, for inspection
#   .work/corpus.txt     training text (everything except the held-out lines)
#   .work/heldout.txt    5000 held-out lines (never used for training)
#
# Run:  bash tooling/tokenizer-fixtures/build-corpus.sh
# Needs: Debian bookworm apt sources, /usr/bin/python3 (stdlib only), dpkg-deb.
# Idempotent: downloaded/unpacked packages are reused; the outputs are rewritten
# deterministically (sort -u order by code point, then a fixed-seed shuffle).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$HERE/.work"
mkdir -p "$WORK/debs" "$WORK/x" "$WORK/sources"

# --- Sources -----------------------------------------------------------------
# Dedicated Bulgarian packages:
#   libreoffice-l10n-bg   LibreOffice UI translation: resource/bg/LC_MESSAGES/*.mo
#                         and registry_bg.xcd (<value> strings)
#   firefox-esr-l10n-bg   Firefox language pack (.xpi = zip of .ftl/.properties/.dtd)
#   thunderbird-l10n-bg   Thunderbird language pack (same format)
#   mythes-bg             Bulgarian thesaurus (synonym lists, "(pos)|syn|syn|...")
#   dict-freedict-eng-bul English-Bulgarian dictionary (dictzip; Bulgarian
#                         translation lines, some with stress marks U+0301)
#   fortunes-bg           Bulgarian proverbs / quotes (fortune files, "%"-separated)
# Packages whose gettext catalogs (*/bg/LC_MESSAGES/*.mo) carry Bulgarian UI
# strings (msgstr values are used; msgid English is ignored):
GETTEXT_PKGS=(
  coreutils tar grep sed findutils diffutils wget gettext apt dpkg debconf-i18n
  libc-l10n iso-codes libglib2.0-data libgtk-3-common libgtk2.0-common
  evolution-common evolution-data-server-common gnome-control-center-data
  gnome-shell-common nautilus-data gedit-common gnome-software-common
  totem-common rhythmbox-data libgweather-4-common evince-common
  gnome-terminal-data gnome-disk-utility gnome-system-monitor gnome-maps
  simple-scan seahorse file-roller brasero-common cheese-common sound-juicer
  network-manager network-manager-gnome shotwell-common synaptic
  gimp-data inkscape gnucash-common gnumeric-common vlc-l10n filezilla-common
  geany-common thunar-data xfce4-settings libxfce4ui-common mate-desktop-common
  lxqt-panel-l10n pidgin-data gparted-common
  plasma-workspace-data plasma-desktop-data kwin-data dolphin konsole
  digikam-data kstars-data marble-data libkf5widgetsaddons-data
  libkf5xmlgui-data libkf5configwidgets-data libkf5textwidgets-data
  libkf5coreaddons-data
)
BG_PKGS=(libreoffice-l10n-bg firefox-esr-l10n-bg thunderbird-l10n-bg mythes-bg
  dict-freedict-eng-bul fortunes-bg)

# --- Download + unpack (skipped when already present) -------------------------
for pkg in "${BG_PKGS[@]}" "${GETTEXT_PKGS[@]}"; do
  if ! compgen -G "$WORK/debs/${pkg}_*.deb" >/dev/null; then
    (cd "$WORK/debs" && apt-get download "$pkg" >/dev/null)
  fi
  if [ ! -d "$WORK/x/$pkg" ]; then
    deb=$(ls "$WORK/debs/${pkg}"_*.deb | head -n1)
    mkdir -p "$WORK/x/$pkg.tmp"
    dpkg -x "$deb" "$WORK/x/$pkg.tmp"
    mv "$WORK/x/$pkg.tmp" "$WORK/x/$pkg"
  fi
done

# --- Extract Bulgarian strings, filter, dedupe, shuffle, split -----------------
/usr/bin/python3 - "$WORK" "${GETTEXT_PKGS[@]}" <<'PY'
import gzip, html, os, random, re, struct, sys, unicodedata, zipfile

work = sys.argv[1]
gettext_pkgs = sys.argv[2:]
X = os.path.join(work, "x")
SEED = 20240611
HELDOUT = 5000

def read_mo(path):
    """Yield msgstr strings (plural forms split) from a GNU .mo file."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic == 0x950412DE else ">"
    _, n, o_orig, o_trans = struct.unpack(e + "4I", data[4:20])
    for i in range(n):
        ol, oo = struct.unpack(e + "2I", data[o_orig + 8 * i : o_orig + 8 * i + 8])
        if ol == 0:
            continue  # header entry
        tl, to = struct.unpack(e + "2I", data[o_trans + 8 * i : o_trans + 8 * i + 8])
        s = data[to : to + tl].decode("utf-8", "replace")
        for part in s.split("\x00"):
            yield part

def bg_mo_files(root):
    for d, _, files in os.walk(root):
        parts = d.split(os.sep)
        for f in sorted(files):
            if f.endswith(".mo") and ("bg" in parts or "bg_BG" in parts or f in ("bg.mo", "bg_BG.mo")):
                yield os.path.join(d, f)

TAG = re.compile(r"</?[A-Za-z][^<>]{0,80}>")
PLACEABLE = re.compile(r"\{[^{}]*\}")

def clean_ui(s):
    s = TAG.sub("", s)
    s = re.sub(r"[_&](?=\w)", "", s)      # GTK/KDE mnemonic markers
    s = s.replace("\\n", " ")
    return s

def ftl_props_dtd(name, text):
    out = []
    if name.endswith(".dtd"):
        out += [html.unescape(m) for m in re.findall(r'<!ENTITY\s+\S+\s+"([^"]*)"', text)]
    elif name.endswith(".ftl") or name.endswith(".properties"):
        for line in text.splitlines():
            if line.lstrip().startswith("#"):
                continue
            v = line.split("=", 1)[1] if "=" in line else line
            out.append(PLACEABLE.sub("", v))
    return out

sources = {}
def add(src, s):
    sources.setdefault(src, []).append(s)

for pkg in gettext_pkgs + ["libreoffice-l10n-bg"]:
    for mo in bg_mo_files(os.path.join(X, pkg)):
        for s in read_mo(mo):
            add("gettext" if pkg != "libreoffice-l10n-bg" else "libreoffice", clean_ui(s))
# LibreOffice configuration registry (menu labels, help tips, ...)
for d, _, files in os.walk(os.path.join(X, "libreoffice-l10n-bg")):
    for f in sorted(files):
        if f.endswith(".xcd"):
            t = open(os.path.join(d, f), encoding="utf-8").read()
            for v in re.findall(r"<value[^>]*>(.*?)</value>", t, re.S):
                add("libreoffice", clean_ui(html.unescape(v)))
# Firefox / Thunderbird language packs
for pkg in ("firefox-esr-l10n-bg", "thunderbird-l10n-bg"):
    for d, _, files in os.walk(os.path.join(X, pkg)):
        for f in sorted(files):
            if f.endswith(".xpi"):
                with zipfile.ZipFile(os.path.join(d, f)) as z:
                    for name in sorted(z.namelist()):
                        if name.endswith((".ftl", ".properties", ".dtd")):
                            for s in ftl_props_dtd(name, z.read(name).decode("utf-8", "replace")):
                                add("mozilla", clean_ui(s))
# Thesaurus: "(pos)|syn1|syn2|..." -> "syn1, syn2, ..."
for d, _, files in os.walk(os.path.join(X, "mythes-bg")):
    for f in sorted(files):
        if f.endswith(".dat"):
            for line in open(os.path.join(d, f), encoding="utf-8", errors="replace"):
                if line.startswith("("):
                    add("mythes", ", ".join(p for p in line.rstrip("\n").split("|")[1:] if p))
# Dictionary: Bulgarian translation lines of the dictd database
for d, _, files in os.walk(os.path.join(X, "dict-freedict-eng-bul")):
    for f in sorted(files):
        if f.endswith(".dict.dz"):
            for line in gzip.open(os.path.join(d, f), "rt", encoding="utf-8", errors="replace"):
                add("freedict", line)
# Fortunes: entries separated by a line "%"; lines of one entry joined by a space
for d, _, files in os.walk(os.path.join(X, "fortunes-bg")):
    for f in sorted(files):
        p = os.path.join(d, f)
        if "." in f or os.path.islink(p) or "/fortunes/" not in p:
            continue
        for entry in open(p, encoding="utf-8", errors="replace").read().split("\n%\n"):
            add("fortunes", " ".join(entry.split()))

def cyrillic_ok(s):
    letters = [c for c in s if unicodedata.category(c).startswith("L")]
    cyr = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    return cyr >= 3 and cyr >= 0.6 * len(letters)

seen = set()
stats = {}
for src in sorted(sources):
    kept = 0
    kept_lines = []
    for s in sources[src]:
        s = " ".join(s.replace("\ufffd", " ").split())  # one line, single spaces
        if not s:
            continue
        if cyrillic_ok(s) and len(s.encode("utf-8")) < 4000 and s not in seen:
            seen.add(s)
            kept += 1
            kept_lines.append(s)
    stats[src] = kept
    with open(os.path.join(work, "sources", src + ".txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(kept_lines) + "\n")
lines = sorted(seen)
random.Random(SEED).shuffle(lines)
held, train = [], []
for s in lines:
    if len(held) < HELDOUT and 8 <= len(s) <= 400:
        held.append(s)
    else:
        train.append(s)
with open(os.path.join(work, "corpus.txt"), "w", encoding="utf-8") as f:
    f.write("\n".join(train) + "\n")
with open(os.path.join(work, "heldout.txt"), "w", encoding="utf-8") as f:
    f.write("\n".join(held) + "\n")
print("unique lines per source (first source wins on duplicates):", stats, file=sys.stderr)
print(f"corpus.txt: {len(train)} lines, heldout.txt: {len(held)} lines", file=sys.stderr)
PY
ls -la "$WORK/corpus.txt" "$WORK/heldout.txt"
