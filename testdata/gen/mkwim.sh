#!/usr/bin/env bash
# Build small WIM and ESD files from a Windows partition image, for the wim
# package's tests (wim/*_test.go):
#   bash testdata/gen/mkwim.sh OUTDIR [VOL]
# VOL defaults to the decoded testdata/vol-win11home.img.d2.zst (zstd + a
# delta-2 undo, see testdata/README.md): Windows 11 Home 23H2, build 22631,
# EditionID Core, generic Home key. Tests pass the volume they decoded.
#
# wimlib-imagex captures the NTFS image directly through libntfs-3g (no
# mount, no root, no FUSE), and fills each image's XML <WINDOWS> block
# (EDITIONID, VERSION/BUILD, PRODUCTTYPE, ...) from the image's own hives.
#
# The outputs are NOT byte-reproducible (each WIM holds a random GUID and
# capture timestamps), so tests build them into a temporary directory when
# wimlib-imagex is installed. Two of them are small enough to commit and
# are kept in wim/testdata/ so that the tests always run:
#   cp OUTDIR/win11home-lzx.wim OUTDIR/win11home-xpress.wim wim/testdata/
# Needs wimlib-imagex (Debian wimtools); zstd and python3 only when VOL is
# not given.
#
# Writes into OUTDIR:
#   vol.img                     the partition image (when VOL is not given)
#   win11home-none.wim          uncompressed resources
#   win11home-xpress.wim        XPRESS (Huffman), 32 KiB chunks
#   win11home-lzx.wim           LZX, 32 KiB chunks (the common install.wim)
#   win11home-lzx64k.wim        LZX, 64 KiB chunks (go-winio refuses these)
#   win11home-solid-lzx.wim     solid LZX resources, LZX metadata (version 3584)
#   win11home-lzms.wim          LZMS, non-solid (--compress=LZMS)
#   win11home.esd               solid LZMS, as Microsoft's install.esd (--solid)
#   win11home-2images.wim       LZX, two images of the same volume
set -euo pipefail
out=${1:?usage: mkwim.sh OUTDIR [VOL]}
vol=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

command -v wimlib-imagex >/dev/null || { echo "mkwim: wimlib-imagex is missing (apt-get install wimtools)" >&2; exit 2; }

if [ -z "$vol" ]; then
  vol="$out/vol.img"
  (cd "$repo" && go run ./internal/fixturegen decode "testdata/vol-win11home.img.d2.zst" "$vol")
fi

name="Windows 11 Home"
cap() { # OUT [options...]
  local dst=$1
  shift
  rm -f "$out/$dst"
  wimlib-imagex capture "$vol" "$out/$dst" "$name" "$@" >/dev/null
}
cap win11home-none.wim --compress=none
cap win11home-xpress.wim --compress=XPRESS
cap win11home-lzx.wim --compress=LZX
cap win11home-lzx64k.wim --compress=LZX --chunk-size=65536
cap win11home-solid-lzx.wim --compress=LZX --solid --solid-compress=LZX
cap win11home-lzms.wim --compress=LZMS
cap win11home.esd --solid
cap win11home-2images.wim --compress=LZX
wimlib-imagex append "$vol" "$out/win11home-2images.wim" "$name (copy)" >/dev/null

for f in "$out"/win11home*.wim "$out"/win11home.esd; do
  echo "  $(basename "$f"): $(stat -c %s "$f") bytes"
done
