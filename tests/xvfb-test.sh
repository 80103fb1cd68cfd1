#!/bin/sh
# xvfb-test.sh [-a] [-s SERVER-ARGS] COMMAND [ARG...]: runs COMMAND on a
# display of its own, as `xvfb-run -a -s SERVER-ARGS` does (same options,
# so it stands in for xvfb-run wherever a test is given one), and exits
# with COMMAND's status.
#
# Why not xvfb-run -a: it picks a number by looking for a free lock file
# and only then starts the server, so two tests starting at once can pick
# the same number and one of them fails with "Xvfb failed to start". Here
# Xvfb picks the number itself (-displayfd), under its own lock: the gui
# tests run beside each other and beside other tests' displays.
set -u
server_args='-screen 0 1280x1024x24'
while [ $# -gt 0 ]; do
  case $1 in
    -a) shift ;;
    -s) server_args=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: xvfb-test.sh [-a] [-s SERVER-ARGS] COMMAND [ARG...]" >&2; exit 2; }
command -v Xvfb >/dev/null 2>&1 || { echo "SKIP: Xvfb is not installed"; exit 77; }

dir=$(mktemp -d) || exit 1
xpid=
cpid=
cleanup() {
  [ -z "$cpid" ] || kill "$cpid" 2>/dev/null
  [ -z "$xpid" ] || { kill "$xpid" 2>/dev/null; wait "$xpid" 2>/dev/null; }
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Xvfb writes the display number and a newline to fd 3 once it accepts
# clients. Unquoted on purpose: server_args is a list of arguments.
# shellcheck disable=SC2086
Xvfb -displayfd 3 -nolisten tcp $server_args 3>"$dir/display" 2>"$dir/log" &
xpid=$!
tries=0
until grep -q '^[0-9][0-9]*$' "$dir/display" 2>/dev/null; do
  if ! kill -0 "$xpid" 2>/dev/null || [ "$tries" -ge 300 ]; then
    echo "xvfb-test.sh: Xvfb did not start:" >&2
    cat "$dir/log" >&2
    exit 1
  fi
  tries=$((tries + 1))
  sleep 0.1
done

DISPLAY=:$(cat "$dir/display")
export DISPLAY
"$@" &
cpid=$!
rc=0
wait "$cpid" || rc=$?
cpid=
exit "$rc"
