#!/bin/sh
# desktop.sh BUILD_DIR OUT_DIR: the README's desktop screenshots, taken of
# the app as it is: build/app/actorscope-gtk on a bundled sample under Xvfb
# (1400x900), one start per view (the view is a setting, preset in a key
# file of a throw-away config dir), captured with ImageMagick's `import`.
# Usage from a checkout: tools/screenshots/desktop.sh build data/screenshots
set -eu
build=$(cd "$1" && pwd) out=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT

# Xvfb starts with the pointer in the middle of the screen, where it would
# raise a tooltip over the view: park-pointer.py moves it outside the window.
park="$src/tools/screenshots/park-pointer.py"

shoot () { # VIEW TRACE NAME
  mkdir -p "$home/config/actorscope"
  printf '[io/github/actorscope/Actorscope]\nview=%s\nwindow-width=1360\nwindow-height=840\n' "'$1'" \
    > "$home/config/actorscope/settings.ini"
  env -u GSETTINGS_BACKEND -u DBUS_SESSION_BUS_ADDRESS XDG_CONFIG_HOME="$home/config" \
      XDG_RUNTIME_DIR= GSK_RENDERER=cairo GDK_BACKEND=x11 NO_AT_BRIDGE=1 \
      xvfb-run -a -s '-screen 0 1400x900x24' sh -c \
      "'$build/app/actorscope-gtk' '$2' & app=\$!; sleep 5; python3 '$park'; sleep 2; import -window root '$home/$3.png'; kill \$app"
  convert "$home/$3.png" -crop 1360x840+0+0 +repage "$out/$3.png"
  echo "$out/$3.png"
}

shoot graph "$src/data/traces/mswitch-rpc.json" graph
shoot sequence "$src/data/traces/mswitch-rpc.json" sequence
shoot timeline "$src/data/traces/akka-supervision.ndjson" timeline
