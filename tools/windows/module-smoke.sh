#!/usr/bin/env bash
# The module smoke test on win-x64: starts the emulator (on Linux) with
# the demo tenant, then runs tests/windows/smoke.ps1 and examples/demo.ps1 in the self-contained
# win-x64 build of the bundled host under Wine, importing the staged module with its win-x64 DLL.
#   module-smoke.sh BUILD_DIR
# Needs WINEPREFIX (tools/windows/wine-run.sh). Known gaps of Wine, left to real Windows (the
# windows job of .github/workflows/platforms.yml): Schannel under Wine does not check server
# certificates against the Windows store, and curl turns ALPN (so HTTP/2) off under Wine; the
# smoke test therefore speaks plain HTTP/1.1 to the emulator on 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$(cd "${1:?usage: module-smoke.sh BUILD_DIR}" && pwd)"
host="$build/win-x64/pshost/mfaphone-pwsh.exe"
[ -f "$host" ] || { echo "module-smoke: $host is missing (the build publishes it: target mfaphone_pshost_win_x64)" >&2; exit 1; }
[ -f "$build/module/MfaPhone/runtimes/win-x64/native/mfaphone_native.dll" ] ||
    { echo "module-smoke: the staged module has no win-x64 DLL" >&2; exit 1; }

# shellcheck source=../emulator.sh
. "$root/tools/emulator.sh"
logs="$build/win-x64/smoke"
trap emulator_stop EXIT
emulator_start "$build" "$logs" --tenant "$root/emulator/tenants/demo.json" --seed 1 ||
    { echo "module-smoke: the emulator did not start (logs in $logs)" >&2; exit 1; }

# Wine maps / to Z:.
winpath() { printf 'Z:%s' "${1//\//\\}"; }
export PSModulePath
PSModulePath="$(winpath "$build/module")"
status=0
"$here/wine-run.sh" "$host" -NoProfile -NonInteractive -File "$(winpath "$root/tests/windows/smoke.ps1")" \
    -Endpoint "$EMULATOR_URL" 2>&1 | tee "$logs/smoke.out" || status=$?
if [ "$status" -ne 0 ]; then
    echo "module-smoke: the host exited with $status" >&2
    exit 1
fi
grep -q '^smoke: passed' "$logs/smoke.out" || { echo "module-smoke: the script did not finish" >&2; exit 1; }

# Then the demo (examples/demo.ps1: the webhook runbook end to end, Compare-MfaPhone) in the same
# host at 80 columns; it seeds its own tenant.
status=0
COLUMNS=80 "$here/wine-run.sh" "$host" -NoProfile -NonInteractive -File "$(winpath "$root/examples/demo.ps1")" \
    -Endpoint "$EMULATOR_URL" > "$logs/demo.out" 2>&1 || status=$?
if [ "$status" -ne 0 ] || ! grep -q '^== Done in' "$logs/demo.out"; then
    tail -n 30 "$logs/demo.out" >&2
    echo "module-smoke: the demo failed under Wine (exit $status; output in $logs/demo.out)" >&2
    exit 1
fi
echo "module-smoke: the demo ran to its end ($(grep -c '^== ' "$logs/demo.out") steps)"
