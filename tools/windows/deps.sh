#!/usr/bin/env bash
# Builds the win-x64 dependencies of the native core with Debian's mingw-w64 (posix threads),
# from Debian's source packages, as static libraries in one prefix, and prints that prefix.
#
#   tools/windows/deps.sh            build what is missing (or reuse the cache), print the prefix
#   tools/windows/deps.sh --key      print the cache key only
#   tools/windows/deps.sh --prefix   print the prefix only (built or not)
#
# What goes in, and why:
#   zlib            libz-mingw-w64-dev (already a static mingw library; nothing to build)
#   nghttp2         HTTP/2 for curl
#   curl            Schannel TLS (the Windows certificate store; no OpenSSL in the transport),
#                   patches/curl-schannel-alpn-mingw.patch so HTTP/2 can be negotiated;
#                   cmake/curl-mingw-checks.cmake holds its configure checks' results
#   (no OpenSSL: the core's crypto on Windows is CNG, native/src/crypto/crypto_cng.cpp)
#   abseil, protobuf-lite, RE2 (+ unicode-data tables), ICU common
#                   libphonenumber's stack; libphonenumber itself with RE2 as regexp engine
#                   (patches/libphonenumber-re2-adapter.patch: that adapter does not compile as
#                   shipped in 8.12.57). Of abseil and ICU only the sources libphonenumber's
#                   code needs are compiled (cmake/abseil, cmake/icu-common say which; a link of
#                   all of libphonenumber against the stack checks nothing is missing)
#   cpp-httplib     header-only, for the native tests' HTTP servers
#
# The prefix lives outside the source tree, keyed by the source versions, the recipe revision
# below, the patches, the helper CMake files and the compiler, so every checkout on a machine shares it:
#   ${MFAPHONE_DEPS_CACHE:-$HOME/.cache/mfaphone}/win-x64/<key>
# Source packages are downloaded once into ${MFAPHONE_DEPS_CACHE}/sources. Each library is
# stamped when installed, so an interrupted build resumes where it stopped.
# Each stamp records the library's wall and CPU seconds (user+sys) and the load average.
# Environment: MFAPHONE_DEPS_JOBS (jobs of each step, default 2; the two chains below run at
# once), MFAPHONE_DEPS_NICE (default 10).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${MFAPHONE_DEPS_CACHE:-$HOME/.cache/mfaphone}"
jobs="${MFAPHONE_DEPS_JOBS:-2}"
nice_level="${MFAPHONE_DEPS_NICE:-10}"
triple=x86_64-w64-mingw32
cc="$triple-gcc-posix"
cxx="$triple-g++-posix"

# Debian source packages (bookworm), pinned: the versions are part of the cache key.
sources=(
    nghttp2=1.52.0-1+deb12u3
    curl=7.88.1-10+deb12u15
    abseil=20220623.1-1+deb12u2
    protobuf=3.21.12-3+deb12u1
    re2=20220601+dfsg-1
    icu=72.1-3+deb12u1
    libphonenumber=8.12.57+ds-3
    cpp-httplib=0.11.4+ds-1+deb12u1
)

log() { printf '\033[1;35m==> win-x64 deps:\033[0m %s\n' "$*" >&2; }
die() { printf 'tools/windows/deps.sh: %s\n' "$*" >&2; exit 1; }

# Bump when a build step or its options change (comments do not count).
recipe=5

cache_key() {
    {
        printf '%s\n' "recipe $recipe" "${sources[@]}"
        cat "$here/mingw-w64-x86_64.cmake"
        find "$here/patches" "$here/cmake" -type f | LC_ALL=C sort | xargs cat
        "$cxx" -dumpfullversion -dumpversion 2>/dev/null || echo "no compiler"
        dpkg-query -W -f='${Version}\n' mingw-w64-x86-64-dev libz-mingw-w64-dev 2>/dev/null || true
    } | sha256sum | cut -c1-16
}

key="$(cache_key)"
prefix="$cache/win-x64/$key"
case "${1:-}" in
    --key) echo "$key"; exit 0 ;;
    --prefix) echo "$prefix"; exit 0 ;;
    "") ;;
    *) die "unknown option '$1' (--key, --prefix)" ;;
esac

# The installed CMake packages, pkg-config files and curl-config name the prefix they were built
# in. A cache that was moved or copied (a CI cache restored elsewhere, a warmed cache copied in)
# has those paths rewritten to where it is now, or the build would link libraries from a folder
# that is gone.
built_at() {
    if [ -f "$prefix/.built-at" ]; then cat "$prefix/.built-at"
    else sed -n 's/^prefix=//p' "$prefix/lib/pkgconfig/libcurl.pc" 2>/dev/null || true; fi
}
relocate() {
    local old; old="$(built_at)"
    [ -n "$old" ] || die "$prefix has no record of where it was built: delete it to build again"
    [ "$old" = "$prefix" ] && return 0
    log "moved from $old: rewriting the paths its package files name"
    local old_re new_re
    old_re="$(printf '%s' "$old" | sed 's/[][\\.*^$|]/\\&/g')"
    new_re="$(printf '%s' "$prefix" | sed 's/[\\&|]/\\&/g')"
    { grep -rlIF --exclude-dir=.stamps -e "$old" "$prefix" || true; } | while IFS= read -r f; do
        sed -i "s|$old_re|$new_re|g" "$f"
    done
    if grep -rlIF --exclude-dir=.stamps -e "$old" "$prefix" >&2; then
        die "$prefix still names $old in the files above: delete it to build again"
    fi
    echo "$prefix" > "$prefix/.built-at"
}

if [ -f "$prefix/.complete" ]; then
    relocate
    log "cached in $prefix"
    echo "$prefix"
    exit 0
fi

command -v "$cxx" >/dev/null || die "$cxx is missing: install g++-mingw-w64-x86-64-posix (./build.sh deps does)."
command -v dpkg-source >/dev/null || die "dpkg-source is missing: install dpkg-dev (./build.sh deps does)."
command -v protoc >/dev/null || die "protoc is missing: install protobuf-compiler (./build.sh deps does)."
[ -f /usr/share/unicode/CaseFolding.txt ] || die "unicode-data is missing (RE2's tables are generated from it)."

work="$cache/win-x64/build-$key"
mkdir -p "$prefix/include" "$prefix/lib" "$prefix/.stamps" "$work" "$cache/sources"
run() { nice -n "$nice_level" "$@"; }
# -O1: the libraries spend their time waiting on the network; -O1 compiles much faster than the
# -O3 of a plain Release build, which matters for a from-scratch build on a 2-core CI machine.
toolchain=(-G Ninja -DCMAKE_TOOLCHAIN_FILE="$here/mingw-w64-x86_64.cmake" -DMFAPHONE_WIN_DEPS="$prefix"
           -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_PREFIX_PATH="$prefix"
           -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_STANDARD=17
           -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG")

# Unpacks one source package (Debian's patches applied) into $work and prints its directory.
unpack() {
    local spec="$1" name="${1%%=*}" version="${1#*=}" upstream dsc dir
    upstream="${version%-*}"; upstream="${upstream#*:}"
    dsc="$cache/sources/${name}_${version#*:}.dsc"
    dir="$work/$name-$upstream"
    if [ ! -f "$dsc" ]; then
        log "apt-get source $spec"
        (cd "$cache/sources" && apt-get source --download-only -qq "$spec" >/dev/null 2>&1) ||
            die "could not download the source package $spec (is a deb-src entry present? ./build.sh deps writes one)"
    fi
    if [ ! -d "$dir" ]; then
        (cd "$work" && dpkg-source -x "$dsc" "$dir" >/dev/null 2>&1) || die "could not unpack $dsc"
    fi
    echo "$dir"
}

done_already() { [ -f "$prefix/.stamps/$1" ]; }
stamp() { echo "$2" > "$prefix/.stamps/$1"; log "$1 done"; }
spec_of() { local s; for s in "${sources[@]}"; do [ "${s%%=*}" = "$1" ] && echo "$s"; done; }

build_nghttp2() {
    local src; src="$(unpack "$(spec_of nghttp2)")"
    run cmake -S "$src" -B "$work/nghttp2-build" "${toolchain[@]}" -DENABLE_LIB_ONLY=ON \
        -DENABLE_STATIC_LIB=ON -DENABLE_SHARED_LIB=OFF -DENABLE_DOC=OFF -DWITH_JEMALLOC=OFF \
        -DHAVE_CLOCK_GETTIME=0 >/dev/null  # 1.52 with both clock_gettime and GetTickCount64 misses a symbol
    run cmake --build "$work/nghttp2-build" -j "$jobs" --target install >/dev/null
}

build_curl() {
    local src; src="$(unpack "$(spec_of curl)")"
    if [ ! -f "$src/.mfaphone-patched" ]; then
        patch -d "$src" -p1 -s < "$here/patches/curl-schannel-alpn-mingw.patch"
        touch "$src/.mfaphone-patched"
    fi
    # The configure checks' results, recorded for this compiler and mingw-w64 only: with another
    # one curl's configure runs its checks itself (slower, same outcome).
    local checks=() seen
    seen="$("$cc" -dumpversion) $(dpkg-query -W -f='${Version}' mingw-w64-x86-64-dev 2>/dev/null || true)"
    if [ "$seen" = "12-posix 10.0.0-3" ]; then
        checks=(-C "$here/cmake/curl-mingw-checks.cmake")
    else
        echo "curl: configure checks run in full (cmake/curl-mingw-checks.cmake is for gcc 12-posix and mingw-w64 10.0.0-3, this is $seen)"
    fi
    run cmake "${checks[@]}" -S "$src" -B "$work/curl-build" "${toolchain[@]}" -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF \
        -DCURL_USE_SCHANNEL=ON -DCURL_USE_OPENSSL=OFF -DCURL_USE_LIBSSH2=OFF -DUSE_LIBIDN2=OFF \
        -DUSE_NGHTTP2=ON -DCURL_ZLIB=ON -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DHTTP_ONLY=ON \
        -DCURL_DISABLE_LDAP=ON -DENABLE_MANUAL=OFF -DCURL_STATIC_CRT=OFF -DENABLE_UNICODE=ON \
        -DNGHTTP2_INCLUDE_DIR="$prefix/include" -DNGHTTP2_LIBRARY="$prefix/lib/libnghttp2.a" \
        -DCMAKE_C_FLAGS="-DNGHTTP2_STATICLIB" >/dev/null
    # Every libcurl source starts with curl_setup.h (windows.h, winsock2.h: most of each file's
    # compile time): precompile it with libcurl's own compile command, next to the header, where
    # GCC picks it up. GCC uses it only where it is valid (same options, no conflicting macro
    # defined before the include) and otherwise reads the header, so the objects are the same
    # (they were byte for byte with and without it, 161 objects).
    local cmd
    cmd="$(cd "$work/curl-build" && ninja -t commands lib/CMakeFiles/libcurl.dir/url.c.obj | tail -n 1)"
    cmd="$(sed -E "s# -MD -MT [^ ]+ -MF [^ ]+##; s# -o [^ ]+ -c [^ ]+# -x c-header -o $src/lib/curl_setup.h.gch -c $src/lib/curl_setup.h#" <<< "$cmd")"
    run sh -c "$cmd"
    run cmake --build "$work/curl-build" -j "$jobs" --target install >/dev/null
}

build_abseil() {
    local src; src="$(unpack "$(spec_of abseil)")"
    run cmake -S "$here/cmake/abseil" -B "$work/abseil-build" "${toolchain[@]}" \
        -DABSL_SOURCE_DIR="$src" >/dev/null
    run cmake --build "$work/abseil-build" -j "$jobs" --target install >/dev/null
}

build_protobuf() {
    local src; src="$(unpack "$(spec_of protobuf)")"
    run cmake -S "$src" -B "$work/protobuf-build" "${toolchain[@]}" -Dprotobuf_BUILD_TESTS=OFF \
        -Dprotobuf_BUILD_PROTOC_BINARIES=OFF -Dprotobuf_WITH_ZLIB=OFF -Dprotobuf_BUILD_SHARED_LIBS=OFF \
        -Dprotobuf_BUILD_LIBPROTOC=OFF >/dev/null
    run cmake --build "$work/protobuf-build" -j "$jobs" --target libprotobuf-lite >/dev/null
    cp "$work/protobuf-build/libprotobuf-lite.a" "$prefix/lib/"
    (cd "$src/src" && find google \( -name '*.h' -o -name '*.inc' \) -print0 | xargs -0 cp --parents -t "$prefix/include")
}

build_re2() {
    local src; src="$(unpack "$(spec_of re2)")"
    # Debian strips the generated tables; regenerate them (Unicode ones from unicode-data).
    (cd "$src/re2" && python3 make_unicode_casefold.py > unicode_casefold.cc &&
        python3 make_unicode_groups.py > unicode_groups.cc && perl make_perl_groups.pl > perl_groups.cc)
    run cmake -S "$src" -B "$work/re2-build" "${toolchain[@]}" -DRE2_BUILD_TESTING=OFF >/dev/null
    run cmake --build "$work/re2-build" -j "$jobs" --target install >/dev/null
}

build_icu() {
    local src; src="$(unpack "$(spec_of icu)")"
    run cmake -S "$here/cmake/icu-common" -B "$work/icu-build" "${toolchain[@]}" \
        -DICU_SOURCE_DIR="$src/source" >/dev/null
    run cmake --build "$work/icu-build" -j "$jobs" --target install >/dev/null
}

build_libphonenumber() {
    local src; src="$(unpack "$(spec_of libphonenumber)")"
    if [ ! -f "$src/.mfaphone-patched" ]; then
        patch -d "$src" -p1 -s < "$here/patches/libphonenumber-re2-adapter.patch"
        touch "$src/.mfaphone-patched"
    fi
    run cmake -S "$here/cmake/libphonenumber" -B "$work/libphonenumber-build" "${toolchain[@]}" \
        -DPHONENUMBER_SOURCE_DIR="$src/cpp" >/dev/null
    run cmake --build "$work/libphonenumber-build" -j "$jobs" --target install >/dev/null
    # abseil and ICU are built as the subsets libphonenumber uses: link every object of
    # libphonenumber against the stack, as the native core links it, so a missing symbol fails
    # here, named, rather than in the cross build.
    echo 'int main() { return 0; }' > "$work/phonenumber-probe.cc"
    "$cxx" -static -o "$work/phonenumber-probe.exe" "$work/phonenumber-probe.cc" \
        -Wl,--whole-archive "$prefix/lib/libphonenumber.a" -Wl,--no-whole-archive \
        "$prefix/lib/libre2.a" "$prefix/lib/libprotobuf-lite.a" "$prefix/lib/libicuuc.a" \
        -Wl,--start-group "$prefix"/lib/libabsl_*.a -Wl,--end-group
}

build_cpp_httplib() {
    # Header-only as upstream ships it (Debian's -dev package splits it into a library); for
    # the native tests' HTTP servers.
    local src; src="$(unpack "$(spec_of cpp-httplib)")"
    cp "$src/httplib.h" "$prefix/include/"
}

# Two independent chains run side by side, so one keeps the cores busy while the other
# configures, unpacks or links: the transport (nghttp2, then curl over it) and
# libphonenumber's stack (abseil, protobuf-lite, RE2 and ICU, then libphonenumber over them).
# Each step runs $jobs jobs: while both chains compile there are up to twice as many compilers
# as jobs (the kernel shares the cores; throughput is the same), and no step is left with half
# the jobs once the other chain has finished (a make or ninja cannot be given more jobs later).
chains=("nghttp2 curl" "abseil protobuf re2 icu libphonenumber cpp-httplib")
# Builds each library of a chain that is not stamped yet; each one's output goes to a log, and
# its wall and CPU seconds (user+sys of everything it ran) to its stamp.
build_chain() {
    local lib t0 cpu rc
    for lib in $1; do
        done_already "$lib" && continue
        t0=$(date +%s)
        log "$lib ($(spec_of "$lib"))"
        # Not as an if/||/! condition: there bash ignores errexit inside the subshell, and a step
        # whose last command succeeds would pass after an earlier one failed.
        set +e
        ( set -e; "build_${lib//-/_}"; times > "$work/$lib.times" ) > "$work/$lib.log" 2>&1
        rc=$?
        set -e
        if [ "$rc" != 0 ]; then
            tail -n 40 "$work/$lib.log" >&2
            log "$lib failed to build (full log: $work/$lib.log)"
            return 1
        fi
        cpu=$(tail -n 1 "$work/$lib.times" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/);
              printf "%.0f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
        stamp "$lib" "$(spec_of "$lib") wall $(( $(date +%s) - t0 ))s cpu ${cpu}s load $(cut -d' ' -f1 /proc/loadavg)"
        # Its sources and build tree are not needed any more (removed now, while the other
        # chain still builds, rather than all at the end).
        rm -rf "$work/$lib-build" "$work/$lib-"[0-9]* "$work/${lib}_"*
    done
}

start=$(date +%s)
log "building into $prefix (key $key; -j$jobs, nice $nice_level)"
pids=()
for c in "${chains[@]}"; do
    build_chain "$c" &
    pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" = 0 ] || die "a dependency failed to build (see above); run again to resume"
echo "$prefix" > "$prefix/.built-at"
cat "$prefix"/.stamps/* > "$prefix/.complete"
rm -rf "$work"
log "done in $(( $(date +%s) - start ))s"
echo "$prefix"
