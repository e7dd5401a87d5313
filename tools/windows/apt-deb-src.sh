#!/usr/bin/env bash
# Makes `apt-get source` work: writes deb-src entries mirroring this machine's own deb entries
# (same archive, suites and components) into a file the build owns, then refreshes the lists.
# Idempotent; run as root (or through sudo) by `./build.sh deps`.
set -euo pipefail
target=/etc/apt/sources.list.d/mfaphone-deb-src.sources
{
    echo "# Written by MfaPhone's build (tools/windows/apt-deb-src.sh): source packages for the"
    echo "# win-x64 dependencies. Safe to delete; the build writes it again when needed."
    # deb822 files: copy each stanza whose Types has deb, as deb-src.
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] && [ "$f" != "$target" ] || continue
        awk 'BEGIN { RS=""; ORS="\n\n" }
             /(^|\n)Types:[^\n]*(^|[ \t])deb([ \t]|\n|$)/ && !/(^|\n)Enabled: *no/ {
                 sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f"
    done
    # one-line files: deb lines become deb-src lines (deb822 form).
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -e "$f" ] || continue
        awk '$1 == "deb" { opts=""; i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) { opts = opts " " $i; i++ } opts = opts " " $i; i++ }
                           printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents:", $i, $(i+1);
                           for (j = i + 2; j <= NF; j++) printf " %s", $j; printf "\n";
                           if (opts ~ /signed-by=/) { match(opts, /signed-by=[^] ]*/); printf "Signed-By: %s\n", substr(opts, RSTART + 10, RLENGTH - 10) }
                           printf "\n" }' "$f"
    done
} > "$target.new"
if ! cmp -s "$target.new" "$target" 2>/dev/null; then
    mv "$target.new" "$target"
    apt-get update -qq
else
    rm -f "$target.new"
fi
