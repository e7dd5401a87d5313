#!/usr/bin/env bash
# Checks a win-x64 mfaphone_native.dll with objdump -p: it imports only DLLs that every Windows
# has (no GCC, libstdc++, winpthread, curl, OpenSSL or zlib DLLs: those are linked statically),
# and exports only the SWIG entry points and the boundary helpers (CSharp_*, SWIGRegister*,
# MfaPhone_*: the same list as wrapper/exports.map on Linux). Exit 0 when both hold.
set -euo pipefail
dll="${1:?usage: check-dll.sh mfaphone_native.dll}"
objdump="${OBJDUMP:-x86_64-w64-mingw32-objdump}"
[ -f "$dll" ] || { echo "check-dll: $dll does not exist" >&2; exit 1; }
dump="$("$objdump" -p "$dll")"
grep -q 'file format pei-x86-64' <<<"$dump" || { echo "check-dll: $dll is not a PE32+ x86-64 image" >&2; exit 1; }

# Windows system DLLs (present on Windows Server 2016 and later, and in Azure Automation's sandbox).
allowed='^(kernel32|advapi32|user32|ws2_32|crypt32|secur32|bcrypt|ncrypt|msvcrt|ntdll|iphlpapi|shell32|ole32|normaliz|wldap32)\.dll$'
imports="$(sed -n 's/^[[:space:]]*DLL Name: //p' <<<"$dump" | sort -u)"
[ -n "$imports" ] || { echo "check-dll: no import table found" >&2; exit 1; }
echo "imports: $(tr '\n' ' ' <<<"$imports")"
bad_imports="$(tr 'A-Z' 'a-z' <<<"$imports" | grep -Ev "$allowed" || true)"

# Export table: the lines after "[Ordinal/Name Pointer] Table" up to the next blank line.
exports="$(awk '/\[Ordinal\/Name Pointer\] Table/ { on = 1; next } on && NF == 0 { on = 0 } on { print $NF }' <<<"$dump")"
count="$(grep -c . <<<"$exports" || true)"
echo "exports: $count"
bad_exports="$(grep -Ev '^(CSharp_|SWIGRegister|MfaPhone_)' <<<"$exports" || true)"

status=0
if [ -n "$bad_imports" ]; then
    echo "check-dll: imports DLLs that are not part of Windows: $(tr '\n' ' ' <<<"$bad_imports")" >&2
    status=1
fi
if [ "$count" -eq 0 ]; then
    echo "check-dll: exports nothing (the SWIG entry points are missing)" >&2
    status=1
elif [ -n "$bad_exports" ]; then
    echo "check-dll: exports symbols other than the SWIG entry points, e.g.: $(head -5 <<<"$bad_exports" | tr '\n' ' ')" >&2
    status=1
fi
exit $status
