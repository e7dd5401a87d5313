#!/usr/bin/env bash
# Relay overhead benchmark: mfaphone-relay between a load driver (signed Twilio webhooks at a
# fixed rate) and the emulator's Teams Workflows receiver. Reports p50/p99 of the relay's own
# overhead per message (its time minus the time waiting for Teams), from its log.
#   bench/relay-overhead.sh BUILD_DIR EMULATOR_URL OUT_DIR [--rate N] [--seconds N]
set -euo pipefail
build_dir="${1:?usage: bench/relay-overhead.sh BUILD_DIR EMULATOR_URL OUT_DIR [--rate N] [--seconds N]}"
emulator_url="${2:?emulator url}"
out="${3:?output directory}"
shift 3
rate=100
seconds=20
while [ $# -gt 0 ]; do
    case "$1" in
        --rate) rate="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        *) echo "relay-overhead.sh: unknown option $1" >&2; exit 64 ;;
    esac
done
mkdir -p "$out"
work=$(mktemp -d)
relay_pid=""
cleanup() {
    if [ -n "$relay_pid" ]; then kill "$relay_pid" 2>/dev/null || true; wait "$relay_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
umask 077
printf 'demo-twilio-auth-token-0001\n' >"$work/token"
printf '%s/teams/workflows/bench/triggers/manual/paths/invoke?api-version=1&sig=bench-sig\n' "$emulator_url" >"$work/teams.url"
cat >"$work/relay.json" <<JSON
{ "listen": {"address": "127.0.0.1", "port": 0, "path": "/sms"},
  "maxConcurrency": 64,
  "log": {"file": "$out/relay-bench.log"},
  "delivery": {"timeoutSeconds": 12},
  "twilio": {"accounts": [{"accountSid": "AC0123456789abcdef0123456789abcdef", "authTokenFile": "$work/token"}]},
  "routes": [{"tenant": "Bench", "to": "+15005550006",
              "sinks": [{"name": "bench-teams", "kind": "teams", "urlFile": "$work/teams.url"}]}] }
JSON
rm -f "$out/relay-bench.log"
"$build_dir/tools/relay/mfaphone-relay" --config "$work/relay.json" >"$work/relay.out" 2>"$work/relay.err" &
relay_pid=$!
for _ in $(seq 1 100); do grep -q "mfaphone-relay ready" "$work/relay.out" 2>/dev/null && break; sleep 0.1; done
relay_url=$(grep -m1 -o 'http://[0-9.:]*' "$work/relay.out") || { cat "$work/relay.err" >&2; exit 1; }
echo "relay on $relay_url, $rate messages/s for $seconds s, Teams = emulator" >&2
"$build_dir/tools/relay/mfaphone-relay-bench" --relay "$relay_url" --log "$out/relay-bench.log" \
    --rate "$rate" --seconds "$seconds" --out "$out/relay-overhead.json"
