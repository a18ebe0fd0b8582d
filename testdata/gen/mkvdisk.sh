#!/usr/bin/env bash
# Convert a raw disk into virtual-disk and forensic image containers for the
# image package's container tests (image/vdisk_test.go):
#   bash testdata/gen/mkvdisk.sh OUTDIR [RAW]
# RAW defaults to the decoded testdata/mbr-win7.img.d2.zst (zstd + a delta-2
# undo, see testdata/README.md); tests pass the raw disk they decoded.
#
# The outputs are NOT byte-reproducible (qemu-img writes random UUIDs and
# timestamps) and are never committed: tests build them into a temporary
# directory when qemu-img is installed. Needs qemu-img (Debian qemu-utils);
# ewfacquire (ewf-tools) is optional: without it no E01 files are made.
# qemu-img cannot create VHD differencing disks ("Backing file not supported
# for file format 'vpc'"), so the tests build their differencing children.
#
# Writes into OUTDIR:
#   raw.img                               the raw disk (when RAW is not given)
#   fixed.vhd, dynamic.vhd                VHD, subformat fixed / dynamic
#   disk.vhdx, disk-1m.vhdx               VHDX, default (32 MiB) and 1 MiB blocks
#   sparse.vmdk                           VMDK monolithicSparse
#   stream.vmdk                           VMDK streamOptimized (compressed grains)
#   split.vmdk + split-s001.vmdk          VMDK descriptor + sparse extent
#   flat.vmdk + flat-flat.vmdk            VMDK descriptor + flat extent
#   disk.E01                              EWF, deflate, one segment   (ewfacquire)
#   split.E01, split.E02, ...             EWF, uncompressed, 4 MiB segments
set -euo pipefail
out=${1:?usage: mkvdisk.sh OUTDIR [RAW]}
raw=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

command -v qemu-img >/dev/null || { echo "mkvdisk: qemu-img is missing (apt-get install qemu-utils)" >&2; exit 2; }

if [ -z "$raw" ]; then
  raw="$out/raw.img"
  (cd "$repo" && go run ./internal/fixturegen decode "testdata/mbr-win7.img.d2.zst" "$raw")
fi

conv() { qemu-img convert -q -f raw "$@"; }
# force_size keeps the virtual size exactly the raw size (no CHS rounding).
conv -O vpc -o subformat=fixed,force_size=on "$raw" "$out/fixed.vhd"
conv -O vpc -o subformat=dynamic,force_size=on "$raw" "$out/dynamic.vhd"
conv -O vhdx "$raw" "$out/disk.vhdx"
conv -O vhdx -o block_size=1M "$raw" "$out/disk-1m.vhdx"
conv -O vmdk -o subformat=monolithicSparse "$raw" "$out/sparse.vmdk"
conv -O vmdk -o subformat=streamOptimized "$raw" "$out/stream.vmdk"
conv -O vmdk -o subformat=twoGbMaxExtentSparse "$raw" "$out/split.vmdk"
conv -O vmdk -o subformat=monolithicFlat "$raw" "$out/flat.vmdk"

if command -v ewfacquire >/dev/null; then
  ewfacquire -q -u -c deflate:fast -t "$out/disk" -D mkvdisk -e actrescue "$raw" >/dev/null
  ewfacquire -q -u -c none -S 4MiB -t "$out/split" -D mkvdisk -e actrescue "$raw" >/dev/null
else
  echo "mkvdisk: ewfacquire not found (apt-get install ewf-tools): no E01 files" >&2
fi
