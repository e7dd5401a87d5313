#!/usr/bin/env bash
# Benchmark harness: runs each benchmark against a fresh emulator and prints ratios taken in
# one run (these machines are shared and noisy; absolute times mean little).
#   bench/run.sh BUILD_DIR [--users N] [--latency MS] [--sync-users N[,N...]] [--full] [--only get|sync]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:?usage: bench/run.sh BUILD_DIR [--users N] [--latency MS]}"
shift
users=400
latency=20
sync_users="2000,10000"
only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --users) users="$2"; shift 2 ;;
        --latency) latency="$2"; shift 2 ;;
        --sync-users) sync_users="$2"; shift 2 ;;
        --full) sync_users="2000,10000,100000"; shift ;;
        --only) only="$2"; shift 2 ;;
        *) echo "bench/run.sh: unknown option $1" >&2; exit 64 ;;
    esac
done

# shellcheck source=../tools/emulator.sh
. "$root/tools/emulator.sh"
trap emulator_stop EXIT
out="$build_dir/bench"
emulator_start "$build_dir" "$out" --seed 1 --latency "$latency"
echo "emulator on $EMULATOR_URL, $users users, ${latency} ms added latency per request" >&2

export PSModulePath="$build_dir/module"
# The host: pwsh when installed, else the bundled one (sync.ps1 starts its measured runs in
# fresh hosts of the same kind).
if command -v pwsh >/dev/null; then
    ps_host=("$(command -v pwsh)")
else
    ps_host=("$(command -v dotnet)" "$build_dir/tools/pshost/mfaphone-pwsh.dll")
fi
run_ps() { "${ps_host[@]}" -NoProfile -NonInteractive -File "$@"; }
if [ "$only" != sync ]; then
    run_ps "$root/bench/get-mfaphone.ps1" -Endpoint "$EMULATOR_URL" -Users "$users" -ResultFile "$out/get-mfaphone.json"
fi
if [ "$only" != get ]; then
    # Sync: its own emulator, with the latency it sets per pass (30 +- 10 ms) and throttling on.
    emulator_stop
    emulator_start "$build_dir" "$out/sync" --seed 2
    host_args=(-HostFile "${ps_host[0]}")
    [ "${#ps_host[@]}" -gt 1 ] && host_args+=(-HostDll "${ps_host[1]}")
    run_ps "$root/bench/sync.ps1" -Endpoint "$EMULATOR_URL" -Users "$sync_users" -ResultFile "$out/sync.json" "${host_args[@]}"
fi

# Relay overhead at 100 messages/s against the same emulator (its Teams receiver).
"$root/bench/relay-overhead.sh" "$build_dir" "$EMULATOR_URL" "$out"
