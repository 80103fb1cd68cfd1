#!/bin/sh
# test-cli-terminal.sh ACTORSCOPE: trace text never drives a terminal.
#
# The CLI run on a real pty (util-linux `script -qec`) on the hostile sample
# prints no raw ESC, other C0 controls (besides tab/newline/CR), DEL, C1
# controls or bidi/format characters: `stats`, `stats --json`,
# `convert -o -`, `export -o -` and error messages quoting a hostile file
# name all show them escaped (visibly). The same commands into a pipe or a
# file keep the exact data (the bytes the trace holds).
set -eu

cli=$1
root=${ACTORSCOPE_SOURCE_ROOT:?ACTORSCOPE_SOURCE_ROOT not set}
hostile=$root/data/traces/hostile.ndjson

if ! command -v script >/dev/null 2>&1; then
  echo "SKIP: util-linux script(1) is not installed (needed for a pty)"
  exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

# A file name full of terminal controls: ESC [31m, a bidi override, BEL, C1 CSI.
evil_name=$(printf 'evil\033[31mred\342\200\256txt.\007\302\233X')
cp "$hostile" "$tmp/$evil_name"
printf '{"ts":1,"ev":"mark","text":"ok"}\n{"ts":2,"ev":"teleport"}\n' > "$tmp/${evil_name}.bad"

# Runs "$@" on a pty; its terminal output goes to file $out.
on_pty () {
  out=$1; shift
  cmd=""
  for a in "$@"; do
    cmd="$cmd '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
  done
  # script copies what the pty shows to its stdout; stdin from /dev/null.
  (cd "$tmp" && TERM=dumb COLUMNS=200 script -qec "$cmd" /dev/null < /dev/null > "$out" 2>&1) || true
}

# Checks that file $1 holds no byte sequence a terminal would act on.
check_inert () {
  python3 - "$1" "$2" <<'EOF' || fail=1
import sys, unicodedata
path, label = sys.argv[1], sys.argv[2]
data = open(path, 'rb').read()
bad = []
for i, b in enumerate(data):
    if (b < 0x20 and b not in (9, 10, 13)) or b == 0x7f:
        bad.append((i, 'C0/DEL 0x%02x' % b))
text = data.decode('utf-8', errors='replace')
for i, ch in enumerate(text):
    o = ord(ch)
    if 0x80 <= o < 0xa0:
        bad.append((i, 'C1 U+%04X' % o))
    elif unicodedata.category(ch) in ('Cf', 'Zl', 'Zp') :
        bad.append((i, 'format U+%04X' % o))
if len(data) < 20:
    bad.append((0, 'output too short (%d bytes): %r' % (len(data), data[:100])))
if bad:
    print('FAIL %s: %d raw control sequences, first: %s' % (label, len(bad), bad[:5]))
    sys.exit(1)
print('ok   %s: %d bytes, no raw controls' % (label, len(data)))
EOF
}

# Checks that $1 contains the text $2 (a visible escape).
check_contains () {
  if grep -qF -- "$2" "$1"; then
    echo "ok   $3: shows $2"
  else
    echo "FAIL $3: no '$2' in the output"
    fail=1
  fi
}

# --- on a terminal: escaped -------------------------------------------------
on_pty "$tmp/tty-stats" "$cli" stats "$evil_name"
check_inert "$tmp/tty-stats" "stats on a tty"
check_contains "$tmp/tty-stats" '\x1B[31m' "stats on a tty"
check_contains "$tmp/tty-stats" '\u{202E}' "stats on a tty"

on_pty "$tmp/tty-json" "$cli" stats --json "$evil_name"
check_inert "$tmp/tty-json" "stats --json on a tty"
check_contains "$tmp/tty-json" '\u001B[31m' "stats --json on a tty"

on_pty "$tmp/tty-convert" "$cli" convert -o - "$evil_name"
check_inert "$tmp/tty-convert" "convert -o - on a tty"
check_contains "$tmp/tty-convert" '\u202E' "convert -o - on a tty"

on_pty "$tmp/tty-export" "$cli" export -o - "$evil_name"
check_inert "$tmp/tty-export" "export -o - (SVG) on a tty"

# error messages: a missing file, a malformed record in a lenient and a
# strict run, each naming the hostile file
on_pty "$tmp/tty-missing" "$cli" stats "${evil_name}.missing"
check_inert "$tmp/tty-missing" "missing-file error on a tty"
check_contains "$tmp/tty-missing" 'evil\x1B[31mred\u{202E}txt.\x07\u{009B}X' "missing-file error on a tty"

on_pty "$tmp/tty-bad" "$cli" stats --strict "${evil_name}.bad"
check_inert "$tmp/tty-bad" "strict parse error on a tty"
check_contains "$tmp/tty-bad" 'txt.\x07\u{009B}X.bad:2:14: unknown "ev" value' "strict parse error on a tty"

on_pty "$tmp/tty-lenient" "$cli" stats "${evil_name}.bad"
check_inert "$tmp/tty-lenient" "lenient diagnostics on a tty"
check_contains "$tmp/tty-lenient" '.bad:2:14: unknown "ev" value' "lenient diagnostics on a tty"

# --- into a pipe or a file: exact data ----------------------------------------
(cd "$tmp" && { "$cli" convert -o - "$evil_name"; echo $? > pipe-convert.ndjson.rc; } | cat > pipe-convert.ndjson)
# sh has no pipefail: the CLI's own exit status (a crash or sanitizer exit
# after all output was written) is kept aside and checked.
if [ "$(cat "$tmp/pipe-convert.ndjson.rc")" != 0 ]; then
  echo "FAIL convert -o - into a pipe exited $(cat "$tmp/pipe-convert.ndjson.rc")"; fail=1
fi
(cd "$tmp" && "$cli" convert -o file-convert.ndjson "$evil_name")
if cmp -s "$tmp/pipe-convert.ndjson" "$tmp/file-convert.ndjson"; then
  echo "ok   convert -o - into a pipe equals the file output"
else
  echo "FAIL convert -o - into a pipe differs from the file output"; fail=1
fi
(cd "$tmp" && { "$cli" export -o - "$evil_name"; echo $? > pipe-export.svg.rc; } | cat > pipe-export.svg)
# sh has no pipefail: the CLI's own exit status (a crash or sanitizer exit
# after all output was written) is kept aside and checked.
if [ "$(cat "$tmp/pipe-export.svg.rc")" != 0 ]; then
  echo "FAIL export -o - into a pipe exited $(cat "$tmp/pipe-export.svg.rc")"; fail=1
fi
(cd "$tmp" && "$cli" export -o file-export.svg "$evil_name")
if cmp -s "$tmp/pipe-export.svg" "$tmp/file-export.svg"; then
  echo "ok   export -o - into a pipe equals the file output"
else
  echo "FAIL export -o - into a pipe differs from the file output"; fail=1
fi
(cd "$tmp" && "$cli" stats --json "$evil_name" > pipe-stats.json)

# The pipe outputs hold the hostile names exactly (raw ESC, bidi override).
python3 - "$tmp" "$hostile" <<'EOF' || fail=1
import json, sys, os
tmp, hostile = sys.argv[1], sys.argv[2]
names = set()
for line in open(hostile, 'rb'):
    o = json.loads(line.decode('utf-8', errors='replace'))
    if o.get('ev') == 'spawn':
        names.add(o['actor'])
want = ['/user/ctl\x01\x07\x1b[31mred\x1b[0m\x7f\x08end',
        '/user/bidi \u202egnp.exe\u202c \u2066isolate\u2069 zero\u200bwidth \ufeffbom']
ok = True
conv = set()
for line in open(os.path.join(tmp, 'pipe-convert.ndjson'), 'rb'):
    o = json.loads(line)
    if o.get('ev') == 'actor':
        conv.add(o['actor'])
stats = {a['name'] for a in json.load(open(os.path.join(tmp, 'pipe-stats.json')))['actors']}
for w in want:
    for label, got in (('convert', conv), ('stats --json', stats)):
        if w not in got:
            print('FAIL %s into a pipe lost %r' % (label, w)); ok = False
raw = open(os.path.join(tmp, 'pipe-convert.ndjson'), 'rb').read()
if '\u202e'.encode() not in raw:
    print('FAIL convert into a pipe escaped the bidi override (data changed)'); ok = False
svg = open(os.path.join(tmp, 'pipe-export.svg'), 'rb').read()
if b'&lt;script&gt;' not in svg:
    print('FAIL export into a pipe: no escaped <script> name'); ok = False
print('ok   pipe outputs keep the exact names' if ok else 'FAIL pipe outputs')
sys.exit(0 if ok else 1)
EOF

exit $fail
