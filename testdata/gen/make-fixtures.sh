#!/usr/bin/env bash
# Build every actrescue disk fixture into OUTDIR (see testdata/README.md).
#   bash testdata/gen/make-fixtures.sh OUTDIR
# Needs: python3, hivex (hivexregedit), ntfs-3g (mkntfs), wimtools, dosfstools,
# faketime, Go. No root and no FUSE: files are written into the NTFS images
# with `wimlib-imagex apply`, which uses libntfs-3g directly.
set -euo pipefail
out=${1:?usage: make-fixtures.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TZ=UTC
FAKE=(faketime -f '2024-10-01 00:00:00')

for t in python3 hivexregedit mkntfs wimlib-imagex mkfs.fat faketime go; do
  command -v "$t" >/dev/null || { echo "make-fixtures: $t is missing (see testdata/README.md)" >&2; exit 2; }
done
(cd "$repo" && go build -o "$work/fixturegen" ./internal/fixturegen)
gen="$work/fixturegen"
python3 "$here/mkpkeyconfig.py" "$work/pkeyconfig" >/dev/null

# hives SCENARIO DIR: SOFTWARE and SYSTEM from the scenario's .reg files.
hives() {
  local s=$1 d=$2
  mkdir -p "$d"
  python3 "$here/mkreg.py" "$s" "$d"
  python3 "$here/emptyhive.py" "$d/SOFTWARE" --name '\??\C:\Windows\System32\config\SOFTWARE'
  python3 "$here/emptyhive.py" "$d/SYSTEM" --name '\??\C:\Windows\System32\config\SYSTEM'
  hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$d/SOFTWARE" "$d/SOFTWARE.reg"
  hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$d/SYSTEM" "$d/SYSTEM.reg"
  rm "$d/SOFTWARE.reg" "$d/SYSTEM.reg"
}

# fake FILE SIZE LABEL: deterministic stand-in content (the real SPP store is
# Microsoft-copyrighted and never used in fixtures).
fake() {
  python3 - "$1" "$2" "$3" <<'PY'
import hashlib, sys
path, size, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
b = bytearray(('FIXTURE-' + label + '\0').encode())
h = hashlib.sha256(label.encode()).digest()
while len(b) < size:
    h = hashlib.sha256(h).digest()
    b += h
open(path, 'wb').write(bytes(b[:size]))
PY
}

# Activation ID of each scenario's installed key (public IDs, see mkreg.py).
declare -A ACTID=(
  [gpt-win11]=4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c [gpt-win11-old]=2de67392-b7a7-462a-b1ca-108dd189f588
  [mbr-ext-win10]=73111121-5638-40f6-bc11-f1d7b0d64300 [gpt4k-server]=9bd77860-9b31-4b7b-96ad-2564017315bf
  [gpt-server-eval]=9bd77860-9b31-4b7b-96ad-2564017315bf
  # The hibernated laptop's store was rebuilt for another edition: the
  # installed Home SKU is missing from it.
  [gpt-bitlocker-hiber]=4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c
  [vol-win11home]=2b1f36bb-c1cd-4306-bf5c-a0367c2d97d8 [mbr-win7]=b92e9980-b9d5-4821-9c94-140f632f6312
)

# tokens OUT SCENARIO: a valid version-3 token store whose licence entry
# names the scenario's SKU (placeholder text, never a Microsoft licence).
tokens() {
  local out=$1 s=$2 act=${ACTID[$2]}
  printf '<?xml version="1.0" encoding="utf-8"?><r:license xmlns:r="urn:mpeg:mpeg21:2003:01-REL-R-NS"><!-- FIXTURE placeholder for %s, not a Microsoft licence --><sku>%s</sku></r:license>' "$s" "$act" > "$work/lic.xrm-ms"
  printf '<?xml version="1.0"?><r:license xmlns:r="urn:mpeg:mpeg21:2003:01-REL-R-NS"><!-- FIXTURE placeholder: another product --></r:license>' > "$work/other.xrm-ms"
  "$gen" tokens "$out" "FIXTURE-$s-license.xrm=$work/lic.xrm-ms" "FIXTURE-other-license.xrm=$work/other.xrm-ms"
}

# windows_tree SCENARIO ROOT [win7]: a minimal Windows layout.
windows_tree() {
  local s=$1 r=$2
  local cfg="$r/Windows/System32/config"
  mkdir -p "$cfg"
  hives "$s" "$cfg"
  : > "$cfg/SOFTWARE.LOG1"; : > "$cfg/SOFTWARE.LOG2"; : > "$cfg/SYSTEM.LOG1"; : > "$cfg/SYSTEM.LOG2"
  mkdir -p "$cfg/RegBack"
  if [ "${3:-}" = win7 ]; then
    # Windows 7 still kept real RegBack copies.
    cp "$cfg/SOFTWARE" "$cfg/SYSTEM" "$cfg/RegBack/"
  else
    # Windows 10 1803 and later leave 0-byte files there.
    : > "$cfg/RegBack/SOFTWARE"; : > "$cfg/RegBack/SYSTEM"; : > "$cfg/RegBack/SAM"
  fi
  if [ "${3:-}" = win7 ]; then
    local sp="$r/Windows/ServiceProfiles/NetworkService/AppData/Roaming/Microsoft/SoftwareProtectionPlatform"
    mkdir -p "$sp"
    fake "$sp/tokens.dat" 8192 "$s-TOKENS-DAT"
  else
    mkdir -p "$r/Windows/System32/spp/store/2.0/cache"
    tokens "$r/Windows/System32/spp/store/2.0/tokens.dat" "$s"
    fake "$r/Windows/System32/spp/store/2.0/data.dat" 12288 "$s-DATA-DAT"
    fake "$r/Windows/System32/spp/store/2.0/cache/cache.dat" 4096 "$s-CACHE-DAT"
  fi
  # pkeyconfig with public IDs only (testdata/gen/mkpkeyconfig.py).
  local pk="$r/Windows/System32/spp/tokens/pkeyconfig"
  mkdir -p "$pk"
  if [ "${3:-}" = win7 ]; then
    cp "$work/pkeyconfig/pkeyconfig-downlevel.xrm-ms" "$pk/pkeyconfig.xrm-ms"
  else
    cp "$work/pkeyconfig/pkeyconfig.xrm-ms" "$work/pkeyconfig/pkeyconfig-csvlk.xrm-ms" "$pk/"
  fi
  mkdir -p "$r/Users/Public"
  printf 'actrescue fixture\r\n' > "$r/Users/Public/readme.txt"
}

# ntfs IMG MiB SECTOR LABEL TREE: format and fill an NTFS volume.
ntfs() {
  local img=$1 mib=$2 sector=$3 label=$4 tree=$5
  truncate -s "${mib}M" "$img"
  "${FAKE[@]}" mkntfs -F -Q -q -T -L "$label" -c 4096 -s "$sector" -p 2048 -H 255 -S 63 "$img" >/dev/null 2>&1
  if [ -n "$tree" ]; then
    find "$tree" -exec touch -h -d '2024-10-01 00:00:00' {} +
    # An explicit, empty exclusion list: wimlib's default one drops
    # hiberfil.sys and pagefile.sys, which the fixtures need.
    printf '[ExclusionList]\n' > "$work/capture.cfg"
    "${FAKE[@]}" wimlib-imagex capture "$tree" "$work/tree.wim" tree --no-acls --config="$work/capture.cfg" >/dev/null
    "${FAKE[@]}" wimlib-imagex apply "$work/tree.wim" 1 "$img" >/dev/null
    rm -f "$work/tree.wim"
  fi
}

fat() { truncate -s "${2}M" "$1"; "${FAKE[@]}" mkfs.fat --invariant -n "$3" "$1" >/dev/null; }

pack() { "$gen" d2zst "$1" "$out/$2.img.d2.zst"; echo "  $2: $(stat -c %s "$1") bytes -> $(stat -c %s "$out/$2.img.d2.zst") compressed"; }

echo "building fixtures into $out"

# 1. gpt-win11: the demo disk. ESP | MSR | Windows 11 Pro 24H2 | WinRE.
s=gpt-win11; t="$work/$s"; mkdir -p "$t/tree"
windows_tree "$s" "$t/tree"
mkdir -p "$t/old" "$t/tree/Windows.old"; windows_tree gpt-win11-old "$t/old"; mv "$t/old/Windows" "$t/tree/Windows.old/Windows"
# Windows Setup's working folder with rollback data and its logs (Go back).
bt="$t/tree/\$WINDOWS.~BT/Sources"; mkdir -p "$bt/Rollback" "$bt/Panther"
printf '2024-10-01 00:00:00, Info  SP  Setup phase: finalize\r\n' > "$bt/Panther/setupact.log"
# An earlier attempt that rolled back, as setuperr.log keeps it.
printf '2024-09-30 21:12:40, Error                 SP     Error READ, 0x00000570 while gathering/applying object\r\n2024-09-30 21:14:02, Error                 MOUPG  MoSetupPlatform: Operation failed: 0xC1900101 - 0x4000D\r\n' > "$bt/Panther/setuperr.log"
fake "$bt/Rollback/rollback.dat" 4096 ROLLBACK
ntfs "$t/win.img" 16 512 Windows "$t/tree"
mkdir -p "$t/re/Recovery/WindowsRE"; fake "$t/re/Recovery/WindowsRE/ReAgent.xml" 512 REAGENT
ntfs "$t/re.img" 4 512 Recovery "$t/re"
fat "$t/esp.img" 8 SYSTEM
truncate -s 1M "$t/msr.img"
"$gen" disk "$t/disk.img" -table gpt -sector 512 -seed "$s" \
  "esp:$t/esp.img:EFI system partition" "msr:$t/msr.img:Microsoft reserved partition" \
  "basic:$t/win.img:Basic data partition" "winre:$t/re.img:Windows RE"
pack "$t/disk.img" "$s"

# 2. mbr-ext-win10: System Reserved | extended { FAT data, Windows 10 Enterprise }.
s=mbr-ext-win10; t="$work/$s"; mkdir -p "$t/tree" "$t/sr/Boot"
windows_tree "$s" "$t/tree"
# A damaged licence store: one byte of an entry's data flipped.
python3 - "$t/tree/Windows/System32/spp/store/2.0/tokens.dat" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
b[len(b) - 40] ^= 0xFF
open(p, 'wb').write(b)
PY
fake "$t/sr/Boot/BCD" 8192 BCD
ntfs "$t/sr.img" 4 512 "System Reserved" "$t/sr"
fat "$t/data.img" 4 DATA
ntfs "$t/win.img" 16 512 Windows "$t/tree"
"$gen" disk "$t/disk.img" -table mbr -seed "$s" "primary:$t/sr.img" "logicalfat:$t/data.img" "logical:$t/win.img"
pack "$t/disk.img" "$s"

# 3. gpt4k-server: 4096-byte logical sectors, Windows Server 2022 Standard.
s=gpt4k-server; t="$work/$s"; mkdir -p "$t/tree"
windows_tree "$s" "$t/tree"
ntfs "$t/win.img" 32 4096 Windows "$t/tree" # go-ntfs refuses NTFS with fewer total sectors than bytes per cluster
truncate -s 1M "$t/msr.img"
"$gen" disk "$t/disk.img" -table gpt -sector 4096 -seed "$s" \
  "msr:$t/msr.img:Microsoft reserved partition" "basic:$t/win.img:Basic data partition"
pack "$t/disk.img" "$s"

# 4. gpt-nowin: an NTFS data volume and a Linux partition, no Windows.
s=gpt-nowin; t="$work/$s"; mkdir -p "$t/tree/Documents"
printf 'no windows here\r\n' > "$t/tree/Documents/notes.txt"
ntfs "$t/data.img" 8 512 Data "$t/tree"
fake "$t/linux.img" 65536 LINUX; truncate -s 1M "$t/linux.img"
"$gen" disk "$t/disk.img" -table gpt -sector 512 -seed "$s" "basic:$t/data.img:Data" "linux:$t/linux.img:root"
pack "$t/disk.img" "$s"

# 5. gpt-bitlocker-hiber: a locked BitLocker volume and a hibernated, dirty
# Windows 10 Home volume whose SOFTWARE hive is dirty too.
s=gpt-bitlocker-hiber; t="$work/$s"; mkdir -p "$t/tree" "$t/locked/x"
windows_tree "$s" "$t/tree"
# Power lost right after BackupProductKeyDefault was written: the primary
# SOFTWARE hive still lacks it (and is dirty), SOFTWARE.LOG1 holds it.
cfg="$t/tree/Windows/System32/config"
cp "$cfg/SOFTWARE" "$t/software.new"
hives gpt-bitlocker-hiber-old "$t/old"
cp "$t/old/SOFTWARE" "$t/software.old"
"$gen" hivelog "$t/software.old" "$t/software.new" "$cfg/SOFTWARE" "$cfg/SOFTWARE.LOG1"
python3 -c "import sys; open(sys.argv[1],'wb').write(b'HIBR' + bytes(65532))" "$t/tree/hiberfil.sys"
ntfs "$t/win.img" 16 512 Windows "$t/tree"
"$gen" ntfs-dirty "$t/win.img"
ntfs "$t/plain.img" 4 512 Data "$t/locked"
"$gen" fve "$t/plain.img" "$t/fve.img"
"$gen" disk "$t/disk.img" -table gpt -sector 512 -seed "$s" "basic:$t/fve.img:Basic data partition" "basic:$t/win.img:Basic data partition"
pack "$t/disk.img" "$s"

# 6. mbr-win7: Windows 7 Professional with its SPP store in NetworkService's profile.
s=mbr-win7; t="$work/$s"; mkdir -p "$t/tree"
windows_tree "$s" "$t/tree" win7
ntfs "$t/win.img" 16 512 Windows7 "$t/tree"
"$gen" disk "$t/disk.img" -table mbr -seed "$s" "primary:$t/win.img"
pack "$t/disk.img" "$s"

# 8. gpt-server-eval: Server 2022 Datacenter Evaluation with a Standard KMS key.
s=gpt-server-eval; t="$work/$s"; mkdir -p "$t/tree"
windows_tree "$s" "$t/tree"
ntfs "$t/win.img" 16 512 Windows "$t/tree"
"$gen" disk "$t/disk.img" -table gpt -sector 512 -seed "$s" "basic:$t/win.img:Basic data partition"
pack "$t/disk.img" "$s"

# 7. vol-win11home: an unpartitioned volume (a partition image, /dev/sda3).
s=vol-win11home; t="$work/$s"; mkdir -p "$t/tree"
windows_tree "$s" "$t/tree"
ntfs "$t/win.img" 16 512 Windows "$t/tree"
pack "$t/win.img" "$s"

# ACPI tables (MSDM with the generic Pro key, SLIC 2.1, SMBIOS, acpidump text
# in two styles), written byte by byte by the firmware package's test code so
# that no iasl version leaks in.
mkdir -p "$out/acpi"
(cd "$repo" && go test -count=1 -run '^TestWriteFixtures$' ./firmware/ -args -fixtures="$out/acpi" >/dev/null)
echo "  acpi: $(ls "$out/acpi" | tr '\n' ' ')"

echo "done"
