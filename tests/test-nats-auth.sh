#!/bin/bash
# test-nats-auth.sh ACTORSCOPE ACTORSCOPE-GEN: credentials and strict mode.
#
# A real nats-server requiring a user and password:
# - serve with wrong credentials (from the environment) stops with exit 1
#   and says the server refused them;
# - publish and serve with the right ones from a --nats-user-file work
#   (a group-readable file is warned about);
# - serve --strict stops at a line that is not JSON, naming subject and
#   stream sequence, and leaves that message unacked.
set -eu

cli=$1
gen=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cleanup () { stop_node n1 KILL; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
. "$here/test-nats-common.sh"

read -r p1 <<< "$(free_ports 1)"
write_node_conf n1 "$p1" ""
cat >> "$tmp/n1.conf" <<CONF
authorization { user: bob, password: "s3cret" }
CONF
start_node n1
url="nats://127.0.0.1:$p1"
fail=0
"$gen" -q -n 2000 -s 5 -o "$tmp/t.ndjson"

rc=0
NATS_USER=bob NATS_PASSWORD=wrong timeout 20 "$cli" serve -p 0 --no-data-dir --nats "$url" \
  --stream EV > /dev/null 2> "$tmp/wrong.err" || rc=$?
[ $rc = 1 ] || { echo "FAIL: wrong credentials: exit $rc, not 1"; fail=1; }
grep -q "refused the credentials" "$tmp/wrong.err" \
  || { echo "FAIL: no clear error for wrong credentials"; cat "$tmp/wrong.err"; fail=1; }

printf 'bob\ns3cret\n' > "$tmp/user"
chmod 640 "$tmp/user"
"$cli" publish --nats "$url" --nats-user-file "$tmp/user" --subject actorscope.t.h1 --stream EV \
  "$tmp/t.ndjson" 2> "$tmp/pub.err" || { echo "FAIL: publish with credentials"; cat "$tmp/pub.err"; fail=1; }
grep -q "can be read by other users" "$tmp/pub.err" \
  || { echo "FAIL: no warning about a readable credentials file"; fail=1; }
chmod 600 "$tmp/user"

"$cli" serve -p 0 -q --nats "$url" --nats-user-file "$tmp/user" --stream EV --durable ok \
  --data-dir "$tmp/data" > /dev/null 2> "$tmp/ok.err" &
spid=$!
wait_events "$tmp/data" 2000 20 || { echo "FAIL: collector with credentials holds $(events_in "$tmp/data")"; fail=1; }
kill -TERM $spid; wait $spid || { echo "FAIL: collector exit status"; fail=1; }

# Strict: the 3rd line of the message is not JSON.
printf '{"ts":1,"ev":"mark","text":"a"}\n{"ts":2,"ev":"mark","text":"b"}\nnot json\n' > "$tmp/bad.ndjson"
"$cli" publish -q --nats "$url" --nats-user-file "$tmp/user" --subject actorscope.t.bad "$tmp/bad.ndjson"
rc=0
timeout 20 "$cli" serve -p 0 -q --strict --nats "$url" --nats-user-file "$tmp/user" --stream EV \
  --subjects actorscope.t.bad --durable strict --data-dir "$tmp/strict" > /dev/null 2> "$tmp/strict.err" || rc=$?
[ $rc = 1 ] || { echo "FAIL: --strict on a bad line: exit $rc, not 1"; fail=1; }
grep -q 'nats:actorscope.t.bad#[0-9]*:3:1:' "$tmp/strict.err" \
  || { echo "FAIL: --strict error does not name subject, sequence and line"; cat "$tmp/strict.err"; fail=1; }

[ $fail = 0 ] && echo "ok: credentials refused and accepted, strict stops at subject#seq:line"
exit $fail
