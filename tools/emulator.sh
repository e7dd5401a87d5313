# Shell helpers to run the emulator for the demo and the benchmarks. Source this file.
#   emulator_start BUILD_DIR LOG_DIR [emulator flags...]  sets EMULATOR_URL and EMULATOR_PID
#   emulator_stop
emulator_start() {
    local build_dir="$1" log_dir="$2"
    shift 2
    mkdir -p "$log_dir"
    dotnet "$build_dir/emulator/mfaphone-emulator.dll" --port 0 "$@" >"$log_dir/emulator.out" 2>"$log_dir/emulator.err" &
    EMULATOR_PID=$!
    local _
    for _ in $(seq 1 300); do
        grep -q "mfaphone-emulator ready" "$log_dir/emulator.out" 2>/dev/null && break
        if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
            cat "$log_dir/emulator.err" >&2
            echo "the emulator exited early" >&2
            return 1
        fi
        sleep 0.1
    done
    local line
    line=$(grep -m1 "listening on http://" "$log_dir/emulator.out") || { echo "the emulator did not report its port" >&2; return 1; }
    EMULATOR_URL="${line##* on }"
}

emulator_stop() {
    if [ -n "${EMULATOR_PID:-}" ]; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
        EMULATOR_PID=""
    fi
}
