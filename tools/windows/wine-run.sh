#!/usr/bin/env bash
# Runs a win-x64 program under Wine for the tests, headless and isolated:
#   WINEPREFIX   a private prefix (CTest passes one under build/); created on first use, under
#                a lock so parallel tests share one initialisation
#   WINEDEBUG=-all, no display, no Mono/Gecko installers when the prefix is made
#   MFAPHONE_WINE_TIMEOUT  seconds before the program is stopped (default 1200: generous, so a
#                loaded machine is slow rather than failing)
# The program's exit code is returned.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: wine-run.sh program.exe [args...]" >&2; exit 2; }
: "${WINEPREFIX:?wine-run.sh: set WINEPREFIX to a private prefix}"
# No Gecko installer; no winedbg on a crash (with it, a crashed program exits with 0). Wine's own
# mscoree.dll stays enabled for programs: the loader needs it to map IL-only assemblies, which
# CoreCLR loads through LoadLibrary (without it, System.Runtime.dll fails with "Module not found").
# Only while the prefix is made is it disabled, so wineboot does not offer to install Wine Mono.
export WINEPREFIX WINEDEBUG=-all WINEDLLOVERRIDES="mshtml=;winedbg.exe=d" WINEARCH=win64
# .NET's W^X double mapping of JIT code does not survive Wine 8: freeing a dynamic method's code
# (PowerShell compiles script blocks into them) ends the process with "Internal CLR error
# (0x80131506)" in a finalizer. Real Windows keeps the default.
export DOTNET_EnableWriteXorExecute=0
unset DISPLAY WAYLAND_DISPLAY
wine=/usr/lib/wine/wine64
[ -x "$wine" ] || wine="$(command -v wine64 || command -v wine)" ||
    { echo "wine-run.sh: Wine is not installed (apt-get install wine64)" >&2; exit 2; }
timeout_s="${MFAPHONE_WINE_TIMEOUT:-1200}"

mkdir -p "$(dirname "$WINEPREFIX")"
(
    flock -w 900 9 || { echo "wine-run.sh: timed out waiting for the Wine prefix lock" >&2; exit 1; }
    if [ ! -f "$WINEPREFIX/.mfaphone-ready" ]; then
        rm -rf "$WINEPREFIX"
        echo "wine-run.sh: creating the Wine prefix $WINEPREFIX" >&2
        WINEDLLOVERRIDES="mscoree=;$WINEDLLOVERRIDES" timeout 900 "$wine" wineboot -i >/dev/null 2>&1 || { echo "wine-run.sh: wineboot failed" >&2; exit 1; }
        # Windows 10 (what the programs target), and no debugger attached to a crashing program.
        timeout 300 "$wine" winecfg -v win10 >/dev/null 2>&1 || true
        timeout 300 "$wine" reg add 'HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug' \
            /v Debugger /t REG_SZ /d '' /f >/dev/null 2>&1 || true
        timeout 300 wineserver -w || true
        touch "$WINEPREFIX/.mfaphone-ready"
    fi
) 9>"$WINEPREFIX.lock"

# MFAPHONE_WINE_EXPECT: an extended regex the program's output must match (a second guard, next
# to the exit code, that the program ran to its end).
status=0
if [ -n "${MFAPHONE_WINE_EXPECT:-}" ]; then
    out="$(mktemp)"
    timeout -k 30 "$timeout_s" "$wine" "$@" 2>&1 | tee "$out" || status=$?
    if [ "$status" -eq 0 ] && ! grep -Eq "$MFAPHONE_WINE_EXPECT" "$out"; then
        echo "wine-run.sh: the output of $1 does not show /$MFAPHONE_WINE_EXPECT/" >&2
        status=1
    fi
    rm -f "$out"
else
    timeout -k 30 "$timeout_s" "$wine" "$@" || status=$?
fi
[ "$status" -eq 124 ] && echo "wine-run.sh: $1 did not finish within ${timeout_s}s" >&2
exit "$status"
