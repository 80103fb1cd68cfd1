#!/bin/sh
# test-gtk-checkout.sh XVFB_RUN ACTORSCOPE_GTK TRACE
# The README's `build/app/actorscope-gtk TRACE` from a fresh checkout: no
# schema installed or named by GSETTINGS_SCHEMA_DIR, no settings backend
# requested, no D-Bus session. The app must come up with the trace and keep
# running (timeout ends it: exit 124), not abort on a missing schema.
set -u
xvfb=$1 gtk_exe=$2 trace=$3
home=$(mktemp -d) || exit 1
trap 'rm -rf "$home"' EXIT
env -u GSETTINGS_SCHEMA_DIR -u GSETTINGS_BACKEND -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR \
    XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" XDG_DATA_DIRS="$home/data" \
    timeout 4 "$xvfb" -a -s '-screen 0 1400x900x24' "$gtk_exe" "$trace" >"$home/log" 2>&1
rc=$?
if grep -q "is not installed\|Settings schema" "$home/log" || [ $rc -ne 124 ]; then
  echo "FAIL: actorscope-gtk exited $rc:"
  cat "$home/log"
  exit 1
fi
echo "ok: actorscope-gtk ran from the build tree"
