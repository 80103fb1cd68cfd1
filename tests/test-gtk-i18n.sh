#!/bin/sh
# test-gtk-i18n.sh LANG XVFB_RUN TEST_GTK_I18N ACTORSCOPE_GTK ACTORSCOPE
# The catalogue for LANG is complete (no untranslated or fuzzy entry), and
# the desktop app (window and --help) and the CLI (--help) come up in LANG.
set -u
lang=$1 xvfb=$2 test_i18n=$3 gtk_exe=$4 cli_exe=$5
po="$ACTORSCOPE_SOURCE_ROOT/po/$lang.po"
fail=0

case $lang in
  fr) title="Aucune trace ouverte"; gtk_help="Afficher la version et quitter" ;;
  de) title="Keine Aufzeichnung geöffnet"; gtk_help="Version anzeigen und beenden" ;;
  *) echo "no expectations for $lang"; exit 1 ;;
esac

untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
if [ "$untranslated" -ne 0 ] || [ "$fuzzy" -ne 0 ]; then
  echo "FAIL: $po has $untranslated untranslated and $fuzzy fuzzy entries"
  msgattrib --untranslated --no-obsolete "$po" | grep '^msgid ' | head -20
  fail=1
else
  echo "ok: $po complete"
fi

if LANGUAGE=$lang "$xvfb" -a -s '-screen 0 1400x900x24' "$test_i18n" "$title" "No Trace Open" "Open a trace file (Ctrl+O)"; then
  echo "ok: window in $lang"
else
  echo "FAIL: window not in $lang"; fail=1
fi

out=$(LANGUAGE=$lang "$gtk_exe" --help 2>&1)
if printf '%s' "$out" | grep -qF "$gtk_help"; then
  echo "ok: actorscope-gtk --help in $lang"
else
  echo "FAIL: actorscope-gtk --help not in $lang:"; printf '%s\n' "$out"; fail=1
fi

# The CLI binds its catalogue to LOCALEDIR, or ACTORSCOPE_LOCALEDIR when set.
out=$(LANGUAGE=$lang "$cli_exe" --help 2>&1)
english=$(LANGUAGE=C LC_ALL=C "$cli_exe" --help 2>&1)
if [ "$out" != "$english" ]; then
  echo "ok: actorscope --help in $lang"
else
  echo "FAIL: actorscope --help is not translated to $lang"; fail=1
fi
exit $fail
