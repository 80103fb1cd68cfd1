#!/bin/sh
# test-gtk-i18n.sh LANG XVFB_RUN TEST_GTK_I18N ACTORSCOPE_GTK ACTORSCOPE [cli]
# Without "cli": the catalogue for LANG is complete (no untranslated or
# fuzzy entry) and the desktop app (window and --help) comes up in LANG.
# With "cli": the CLI's --help comes up in LANG.
set -u
lang=$1 xvfb=$2 test_i18n=$3 gtk_exe=$4 cli_exe=$5 mode=${6:-app}
po="$ACTORSCOPE_SOURCE_ROOT/po/$lang.po"
fail=0

case $lang in
  fr) title="Aucune trace ouverte"; gtk_help="Afficher la version et quitter" ;;
  de) title="Keine Aufzeichnung geöffnet"; gtk_help="Version anzeigen und beenden" ;;
  *) echo "no expectations for $lang"; exit 1 ;;
esac

if [ "$mode" = app ]; then
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

exit $fail
fi

# The CLI: it honours ACTORSCOPE_LOCALEDIR as actorscope-gtk does, so its
# catalogue in the build tree is found uninstalled: no skip.
case $lang in
  fr) cli_text="Visualiser et mesurer les traces" ;;
  de) cli_text="Aufzeichnungen von Akteursystemen" ;;
esac
out=$(LANGUAGE=$lang "$cli_exe" --help 2>&1)
if printf '%s' "$out" | grep -qF "$cli_text"; then
  echo "ok: actorscope --help in $lang"
else
  echo "FAIL: actorscope --help not in $lang:"; printf '%s\n' "$out" | head -5; fail=1
fi
exit $fail
