#!/usr/bin/env bash
# Run the windows/amd64 build under wine with the test-only
# bcryptprimitives.dll shim (Debian 12's wine 8.0 lacks it; Go 1.22+ needs
# its ProcessPrng). Usage: run-wine.sh ACTRESCUE.EXE ARGS...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export WINEPREFIX=${WINEPREFIX:-$(mktemp -d)/wine}
export WINEDEBUG=-all
if [ ! -f "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
  wineboot -i >/dev/null 2>&1 || true
  dll=$(mktemp -d)/bcryptprimitives.dll
  x86_64-w64-mingw32-gcc -shared -O2 -o "$dll" "$here/bcryptprimitives.c" "$here/bcryptprimitives.def" -ladvapi32
  cp "$dll" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
fi
exec wine "$@"
