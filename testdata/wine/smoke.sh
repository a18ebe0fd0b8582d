#!/usr/bin/env bash
# Windows build under wine (test-only shim, see run-wine.sh): scan the demo
# disk and fixture images, JSON, backup to a temporary folder and verify it
# with both builds. Usage: smoke.sh (from the repository root).
set -euo pipefail
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export WINEPREFIX="$work/wine"
CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go build -trimpath -o "$work/actrescue.exe" ./cmd/actrescue
go build -o "$work/actrescue" ./cmd/actrescue
go build -o "$work/fixturegen" ./internal/fixturegen
win() { "$repo/testdata/wine/run-wine.sh" "$work/actrescue.exe" "$@"; }
winpath() { echo "Z:${1//\//\\}"; }
fail() { echo "wine smoke: $*" >&2; exit 1; }

win version | grep -q '^actrescue ' || fail "version"
win demo | grep -q 'Windows 11 Pro' || fail "demo"
for s in gpt-win11 mbr-ext-win10 gpt4k-server gpt-bitlocker-hiber vol-win11home; do
  "$work/fixturegen" decode "testdata/$s.img.d2.zst" "$work/$s.img"
  win scan --json "$(winpath "$work/$s.img")" > "$work/$s.json" || true
  # The Windows build must report exactly what the Linux build reports.
  "$work/actrescue" scan --json "$work/$s.img" > "$work/$s.linux.json" || true
  python3 - "$work/$s.json" "$work/$s.linux.json" "$s" <<'PY'
import json, sys
w, l = (json.load(open(p)) for p in sys.argv[1:3])
def keys(r):
    return sorted((i['name'], k['key'], k['class']) for t in r['targets'] for i in t['installations'] for k in i['keys'])
assert keys(w) == keys(l) and keys(w), (sys.argv[3], keys(w), keys(l))
print("  %s: %d keys, same as the Linux build" % (sys.argv[3], len(keys(w))))
PY
done
win backup --target "$(winpath "$work/gpt-win11.img")" --out "$(winpath "$work/set")" > "$work/backup.txt" || fail "backup: $(cat "$work/backup.txt")"
grep -q 'Verified' "$work/backup.txt" || fail "backup not verified"
"$work/actrescue" verify "$work/set" | grep -q '^OK' || fail "the Linux build does not verify the set written by the Windows build"
win verify "$(winpath "$work/set")" | grep -q '^OK' || fail "verify under wine"
win explain 0xC004F213 | grep -q 'SL_E_NO_PRODUCT_KEY_FOUND' || fail "explain"
win key check VK7JG-NPHTM-C97JM-9MPGT-3V66T | grep -q 'checksum valid' || fail "key check"
echo "wine smoke: windows/amd64 build OK (demo, 5 fixtures, JSON equal to Linux, backup verified by both builds)"
