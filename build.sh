#!/usr/bin/env bash
# MfaPhone build entry point (Linux, CI). Tasks:
#   deps     install what is missing (Debian packages; NuGet packages through dotnet restore)
#   build    configure and build everything into build/ (runs deps first when needed)
#   test     build, then run every test suite through CTest
#   demo     build the module, emulator and host (not the tests), start the emulator, run
#            examples/demo.ps1 (the webhook runbook on a generated tenant), stop it
#   bench    build, then run the benchmark harness in bench/
#   package  build the module, then write build/package/MfaPhone.zip (Azure Automation) and
#            build/package/MfaPhone.<version>.nupkg (PowerShell Gallery); native libraries built
#            elsewhere are taken from $MFAPHONE_RUNTIMES/<rid>/native/
#   pwsh     run PowerShell with the built module importable: ./build.sh pwsh -Command '...'
#            or ./build.sh pwsh -File x.ps1 [args] (real pwsh when installed, else the
#            in-process host built on System.Management.Automation)
#   windows-deps  build the win-x64 dependencies into ~/.cache/mfaphone now (about 4 minutes
#            on 2 cores; the first build does it otherwise)
# Environment: MFAPHONE_PRESET (dev; ci when CI=true); MFAPHONE_BUILD_WIN_X64 (OFF: leave the
# win-x64 DLL and its tests out).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
caller_dir="$PWD"
cd "$root"
preset="${MFAPHONE_PRESET:-$([ "${CI:-}" = "true" ] && echo ci || echo dev)}"
build_dir="$root/build"

apt_packages=(cmake ninja-build g++ pkg-config swig libcurl4-openssl-dev libssl-dev openssl
              nlohmann-json3-dev catch2 libphonenumber-dev libcpp-httplib-dev ca-certificates)
# win-x64: the mingw-w64 cross compiler (posix threads), what tools/windows/deps.sh needs to build
# the dependencies from Debian's source packages, objdump for the DLL check, Wine for the tests.
apt_packages+=(g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64
               mingw-w64-x86-64-dev libz-mingw-w64-dev dpkg-dev xz-utils patch perl python3
               protobuf-compiler unicode-data wine64 wine)
deb_src_list=/etc/apt/sources.list.d/mfaphone-deb-src.sources

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

missing_packages() {
    local p
    for p in "${apt_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}

dotnet_projects() {
    printf '%s\n' module/MfaPhone.csproj emulator/MfaPhone.Emulator.csproj tools/pshost/MfaPhone.PsHost.csproj \
        tools/helpgen/MfaPhone.HelpGen.csproj \
        tests/module/MfaPhone.Module.Tests.csproj tests/emulator/MfaPhone.Emulator.Tests.csproj \
        tests/pshost/MfaPhone.PsHost.Tests.csproj tests/relay/MfaPhone.Relay.Tests.csproj | while read -r p; do [ -f "$p" ] && echo "$p"; done
}

task_deps() {
    local missing
    missing=$(missing_packages | tr '\n' ' ')
    if [ -n "${missing// /}" ]; then
        log "installing Debian packages: $missing"
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update -qq
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
    fi
    # deb-src entries (a file the build owns) so tools/windows/deps.sh can fetch source packages.
    if [ ! -f "$deb_src_list" ]; then
        log "adding deb-src entries ($deb_src_list)"
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo bash "$root/tools/windows/apt-deb-src.sh"
    fi
    command -v dotnet >/dev/null || die "the .NET SDK (dotnet, 8.0 or later) is not installed; install it and run again."
    local p
    for p in $(dotnet_projects); do
        log "dotnet restore $p"
        dotnet restore "$p" --nologo -v:q >/dev/null
    done
    touch "$build_dir/.deps-ok" 2>/dev/null || { mkdir -p "$build_dir"; touch "$build_dir/.deps-ok"; }
}

ensure_deps() {
    if [ ! -f "$build_dir/.deps-ok" ] || [ ! -f "$deb_src_list" ] || [ -n "$(missing_packages)" ]; then task_deps; fi
}

task_build() {
    ensure_deps
    log "configure ($preset)"
    cmake --preset "$preset" >/dev/null
    log "build"
    cmake --build --preset "$preset"
}

task_test() {
    task_build
    log "test"
    ctest --preset "$preset" "$@"
}

run_pwsh() {
    export PSModulePath="$build_dir/module${PSModulePath:+:$PSModulePath}"
    # Relative paths in the command (Import-Csv users.csv, -File x.ps1) are the caller's.
    cd "$caller_dir"
    if command -v pwsh >/dev/null; then
        exec pwsh -NoProfile -NonInteractive "$@"
    fi
    [ -f "$build_dir/tools/pshost/mfaphone-pwsh.dll" ] || (cd "$root" && task_build >&2)
    exec dotnet "$build_dir/tools/pshost/mfaphone-pwsh.dll" -NoProfile -NonInteractive "$@"
}

task_demo() {
    # Only what the demo runs: the module (with the native engine), the emulator and the host.
    ensure_deps
    log "configure ($preset)"
    cmake --preset "$preset" >/dev/null
    log "build the module, the emulator and the host"
    cmake --build --preset "$preset" --target mfaphone_module mfaphone_emulator mfaphone_pshost
    # shellcheck source=tools/emulator.sh
    . "$root/tools/emulator.sh"
    log "starting the emulator with the demo tenant"
    trap emulator_stop EXIT
    emulator_start "$build_dir" "$build_dir/demo" --tenant "$root/emulator/tenants/demo.json" --seed 1 ||
        die "the emulator did not start (logs in $build_dir/demo)"
    log "emulator on $EMULATOR_URL"
    (run_pwsh -File "$root/examples/demo.ps1" -Endpoint "$EMULATOR_URL")
}

task_package() {
    ensure_deps
    log "configure ($preset)"
    cmake --preset "$preset" >/dev/null
    log "build the module and the host"
    cmake --build --preset "$preset" --target mfaphone_module mfaphone_pshost
    # The native libraries to ship: this build's, without debug symbols, and those built
    # elsewhere (win-x64, osx-arm64) found in $MFAPHONE_RUNTIMES/<rid>/native/.
    local runtimes="$build_dir/package-runtimes" rid lib
    rm -rf "$runtimes"
    [ -n "${MFAPHONE_RUNTIMES:-}" ] && [ -d "$MFAPHONE_RUNTIMES" ] && cp -R "$MFAPHONE_RUNTIMES/." "$runtimes/"
    for lib in "$build_dir"/module/MfaPhone/runtimes/*/native/*; do
        rid=$(basename "$(dirname "$(dirname "$lib")")")
        mkdir -p "$runtimes/$rid/native"
        cp "$lib" "$runtimes/$rid/native/"
        command -v strip >/dev/null && strip --strip-unneeded "$runtimes/$rid/native/$(basename "$lib")"
    done
    (run_pwsh -File "$root/tools/package.ps1" -ModuleDirectory "$build_dir/module/MfaPhone" \
        -OutputDirectory "$build_dir/package" -LicenseFile "$root/LICENSE" -RuntimesDirectory "$runtimes")
}

task_bench() {
    task_build
    [ -x "$root/bench/run.sh" ] || die "bench/run.sh is missing"
    "$root/bench/run.sh" "$build_dir" "$@"
}

task="${1:-}"
[ $# -gt 0 ] && shift
case "$task" in
    deps) task_deps ;;
    build) task_build ;;
    test) task_test "$@" ;;
    demo) task_demo ;;
    bench) task_bench "$@" ;;
    package) task_package ;;
    pwsh) run_pwsh "$@" ;;
    windows-deps) ensure_deps; bash "$root/tools/windows/deps.sh" >/dev/null ;;
    ""|-h|--help|help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown task '$task' (deps, build, test, demo, bench, package, pwsh, windows-deps)" ;;
esac
