#!/usr/bin/env bash
# tools/windows/deps.sh reuses a dependency cache that was moved or copied from elsewhere: the
# paths its CMake packages, pkg-config files and curl-config name are rewritten to where it is
# now, binaries are left alone, and a cache with no record of where it was built is refused.
set -euo pipefail
deps="$(cd "$(dirname "$0")/../../tools/windows" && pwd)/deps.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "deps-relocate: $*" >&2; exit 1; }

export MFAPHONE_DEPS_CACHE="$tmp/new cache"
key="$(bash "$deps" --key)"
prefix="$MFAPHONE_DEPS_CACHE/win-x64/$key"
old="/gone/ci.cache/win-x64/$key"           # the '.' must not match any character
mkdir -p "$prefix/lib/pkgconfig" "$prefix/lib/cmake/CURL" "$prefix/bin" "$prefix/.stamps"
printf 'prefix=%s\nlibdir=${prefix}/lib\n' "$old" > "$prefix/lib/pkgconfig/libcurl.pc"
printf 'set(libs "%s/lib/libnghttp2.a;/gone/ciXcache/other.a")\n' "$old" > "$prefix/lib/cmake/CURL/CURLTargets.cmake"
printf '#!/bin/sh\necho %s/include\n' "$old" > "$prefix/bin/curl-config"
printf 'curl %s\n' "$old" > "$prefix/.stamps/curl"
printf '\0\1binary %s\0' "$old" > "$prefix/lib/libfake.a"
cp "$prefix/lib/libfake.a" "$tmp/libfake.a"
touch "$prefix/.complete"

out="$(bash "$deps" 2>"$tmp/log")" || { cat "$tmp/log" >&2; fail "a moved cache was not reused"; }
[ "$out" = "$prefix" ] || fail "printed '$out', expected the prefix '$prefix'"
grep -q "moved from $old" "$tmp/log" || fail "the log does not say the cache was moved"
grep -qxF "prefix=$prefix" "$prefix/lib/pkgconfig/libcurl.pc" || fail "libcurl.pc not rewritten"
grep -qF "\"$prefix/lib/libnghttp2.a;/gone/ciXcache/other.a\"" "$prefix/lib/cmake/CURL/CURLTargets.cmake" \
    || fail "CURLTargets.cmake not rewritten exactly: $(cat "$prefix/lib/cmake/CURL/CURLTargets.cmake")"
grep -qF "$prefix/include" "$prefix/bin/curl-config" || fail "curl-config not rewritten"
grep -qF "$old" "$prefix/.stamps/curl" || fail "a stamp was rewritten"
cmp -s "$prefix/lib/libfake.a" "$tmp/libfake.a" || fail "a binary file was rewritten"
[ "$(cat "$prefix/.built-at")" = "$prefix" ] || fail ".built-at does not record the new place"

# Reused again where it is: nothing to rewrite.
bash "$deps" >/dev/null 2>"$tmp/log2" || fail "the relocated cache was not reused"
! grep -q "moved from" "$tmp/log2" || fail "a cache in place was rewritten again"

# No record of where it was built: refused with what to do.
rm "$prefix/.built-at" "$prefix/lib/pkgconfig/libcurl.pc"
if bash "$deps" >/dev/null 2>"$tmp/log3"; then fail "a cache with no record was used"; fi
grep -q "no record of where it was built: delete it" "$tmp/log3" || fail "unclear refusal: $(cat "$tmp/log3")"
echo "deps-relocate: passed"
