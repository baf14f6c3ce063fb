#!/usr/bin/env bash
# The HTTP API's contract, checked with the ecosystem's own tools (issue 23):
#   1. openapi-spec-validator on docs/openapi.json;
#   2. a Python client generated from it by openapi-python-client runs the
#      README's Dropbox story (story.py) against a real `pond serve`;
#   3. schemathesis, every check, over every operation of the same server
#      (its data: the story's program, members and link, plus the seed below).
# The tools are pinned in requirements.txt and installed into a virtualenv
# under target/, so nothing leaks into the machine's Python.
#
# The server and the fuzzer run in a network namespace of their own with
# only loopback (`unshare -n`, as root): fuzzed webhook URLs can then reach
# nothing outside this machine. Without unshare the webhook-creating
# operation is left out of the fuzzing, for the same reason.
#
# Usage: tests/contract/run.sh [path/to/pond]   (default target/debug/pond)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
work="$root/target/contract"
here="$root/tests/contract"

if [ "${1:-}" = "--inside" ]; then
    shift
    pond="$1"
    ip link set lo up 2>/dev/null || true
    sandboxed="${2:-no}"
else
    pond="${1:-$root/target/debug/pond}"
    [ -x "$pond" ] || cargo build --quiet --locked -p pond
    mkdir -p "$work"
    if [ ! -x "$work/venv/bin/schemathesis" ]; then
        python3 -m venv "$work/venv"
    fi
    "$work/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

    echo "--> openapi-spec-validator docs/openapi.json"
    "$work/venv/bin/openapi-spec-validator" docs/openapi.json

    echo "--> openapi-python-client generate (warnings fail)"
    rm -rf "$work/client"
    mkdir -p "$work/client"
    "$work/venv/bin/openapi-python-client" generate --path docs/openapi.json --meta none \
        --config "$here/client.yaml" --output-path "$work/client/pond_client" --fail-on-warning

    if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
        exec unshare -n "$0" --inside "$pond" yes
    fi
    echo "(no network namespace here: POST /api/v1/webhooks is left out of the fuzzing)"
    exec "$0" --inside "$pond" no
fi

# A fresh shop on SQLite, in UTC, with a token.
rm -rf "$work/shop"
mkdir -p "$work/shop"
export POND_DATABASE_URL="sqlite://$work/shop/pond.db"
export POND_TIME_ZONE=UTC
token="$("$pond" token create --name contract | tail -n 1)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
"$pond" serve --listen "127.0.0.1:$port" >"$work/shop/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1] + '/healthz', timeout=1)" "$base" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/shop/serve.log"; exit 1; }
    sleep 0.2
done

echo "--> the README's Dropbox story through the generated client"
PYTHONPATH="$work/client" "$work/venv/bin/python" "$here/story.py" "$base" "$token"

# A little more to fuzz against: a live code with a target and an alert-free group.
PYTHONPATH="$work/client" "$work/venv/bin/python" "$here/seed.py" "$base" "$token"

echo "--> schemathesis, every check, every operation"
exclude=()
[ "$sandboxed" = yes ] || exclude=(--exclude-operation-id webhooks_create)
# From target/contract/, where schemathesis keeps its cache (.schemathesis/).
cd "$work"
"$work/venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run "$root/docs/openapi.json" --checks all \
    --url "$base" -H "Authorization: Bearer $token" "${exclude[@]}" \
    --report junit --report-junit-path "$work/schemathesis.xml" | tee "$work/schemathesis.log"
echo "contract: openapi-spec-validator, the generated client's story and schemathesis all passed"
