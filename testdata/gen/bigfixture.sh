#!/usr/bin/env bash
# Build actrescue's large generated fixture (issue 9; docs/performance.md)
# into OUTDIR (default $BIGFIXTURE_DIR, else /tmp/actrescue-bigfixture):
#
#   OUTDIR/disk.img   sparse GPT disk, 500 GiB apparent size:
#                     ESP (FAT32) | MSR | Windows (NTFS, ~499 GiB) | WinRE (NTFS)
#   OUTDIR/hives/     copies of the four hives, for the icat+reglookup anchor
#   OUTDIR/README.txt what is inside, with sizes and fragment counts
#
# The Windows volume holds Windows 11 Pro (the gpt-win11 scenario's keys,
# public generic/GVLK keys only) with a 130 MB SOFTWARE hive (about 300,000
# keys, CurrentVersion at Microsoft\Windows NT\CurrentVersion among 518
# Microsoft subkeys), a 29 MB SYSTEM hive with two Source OS keys,
# System32 with 5,457 entries, a 4.5 MB tokens.dat, and Windows.old (Windows 10
# Pro, 102 MB SOFTWARE). The hives are written last into the holes left by
# freeing every other filler file on an otherwise full data zone, so they are
# fragmented the way hives on a used disk are.
#
# Needs: python3, Go, ntfs-3g (mkntfs, ntfscp, ntfstruncate, ntfsfallocate,
# ntfsinfo), wimtools, dosfstools, sleuthkit (icat). No root, no FUSE. About
# 20 s on a 2-core machine and 1.5 GB of temporary space (under OUTDIR); the
# disk image itself uses about 470 MB. KEEP_WORK=1 keeps the work folder.
set -euo pipefail
out=${1:-${BIGFIXTURE_DIR:-/tmp/actrescue-bigfixture}}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
for t in python3 go mkntfs ntfscp ntfstruncate ntfsfallocate ntfsinfo ntfsls wimlib-imagex mkfs.fat icat; do
  command -v "$t" >/dev/null || { echo "bigfixture: $t is missing (apt-get install python3 ntfs-3g wimtools dosfstools sleuthkit)" >&2; exit 2; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "$out/.work.XXXXXX")
[ -n "${KEEP_WORK:-}" ] || trap 'rm -rf "$work"' EXIT
export TZ=UTC
start=$(date +%s)
step() { echo "[$(( $(date +%s) - start ))s] $*"; }

GiB=$((1 << 30)); MiB=$((1 << 20))
DISK_SIZE=$((500 * GiB))
ESP=$((100 * MiB)); MSR=$((16 * MiB)); WINRE=$((1 * GiB))
# 1 MiB alignment before each partition, 1 MiB for the backup GPT at the end.
WIN=$((DISK_SIZE - ESP - MSR - WINRE - 6 * MiB))

(cd "$repo" && go build -o "$work/bigfixture" ./internal/bigfixture)
bf="$work/bigfixture"

step "registry sources (testdata/gen/mkreg.py, public keys only)"
python3 "$here/mkpkeyconfig.py" "$work/pkeyconfig" >/dev/null
mkdir -p "$work/reg/cur" "$work/reg/old"
python3 "$here/mkreg.py" gpt-win11 "$work/reg/cur"
python3 "$here/mkreg.py" gpt-win11-old "$work/reg/old"
# A second, older upgrade in the history: 21H2 -> 22H2 with the generic Pro key.
python3 - "$here" "$work/reg/cur/SYSTEM-history.reg" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import mkreg
t = 1640995200  # 2022-01-01T00:00:00Z
key = 'VK7JG-NPHTM-C97JM-9MPGT-3V66T'
hist = {'Setup\\Source OS (Updated on 5/16/2022 01:15:44)': {
    'ProductName': mkreg.sz('Windows 10 Pro'), 'EditionID': mkreg.sz('Professional'), 'DisplayVersion': mkreg.sz('21H2'),
    'CurrentBuild': mkreg.sz('19044'), 'CurrentBuildNumber': mkreg.sz('19044'), 'UBR': mkreg.dword(1645),
    'InstallationType': mkreg.sz('Client'), 'ProductId': mkreg.sz('00330-80000-00000-AA222'),
    'InstallDate': mkreg.dword(t), 'InstallTime': mkreg.qword(mkreg.FT(t)),
    'DigitalProductId': mkreg.binary(mkreg.pid3(key, '00330-80000-00000-AA222', '[TH]X19-98841', 0, t)),
    'DigitalProductId4': mkreg.binary(mkreg.pid4(key, '03612-03310-000-000000-00-1033-19044.0000-1352022',
                                                 mkreg.PRO_ACT, 'Professional', '[TH]X19-98841', 'Retail', 'Retail')),
}}
mkreg.write_reg(sys.argv[2], 'HKEY_LOCAL_MACHINE\\SYSTEM', hist)
PY

step "hives (Go regf writer, internal/bigfixture)"
mkdir -p "$work/hives/cur" "$work/hives/old"
cfgname='\??\C:\Windows\System32\config'
"$bf" hive -kind software -reg "$work/reg/cur/SOFTWARE.reg" -target $((132 * MiB)) -seed cur-software -name "$cfgname\\SOFTWARE" -out "$work/hives/cur/SOFTWARE"
"$bf" hive -kind system -reg "$work/reg/cur/SYSTEM.reg,$work/reg/cur/SYSTEM-history.reg" -target $((23 * MiB)) -seed cur-system -name "$cfgname\\SYSTEM" -out "$work/hives/cur/SYSTEM"
"$bf" hive -kind software -reg "$work/reg/old/SOFTWARE.reg" -target $((100 * MiB)) -seed old-software -name "$cfgname\\SOFTWARE" -out "$work/hives/old/SOFTWARE"
"$bf" hive -kind system -reg "$work/reg/old/SYSTEM.reg" -target $((20 * MiB)) -seed old-system -name "$cfgname\\SYSTEM" -out "$work/hives/old/SYSTEM"
hive_bytes=$(cat "$work"/hives/*/* | wc -c)

step "folder tree (System32 with 5,400 entries, Windows.old, fillers)"
t="$work/tree"
"$bf" tree -root "$t" -install current -pkeyconfig "$work/pkeyconfig"
"$bf" tree -root "$work/oldtree" -install old -pkeyconfig "$work/pkeyconfig"
mkdir -p "$t/Windows.old"
mv "$work/oldtree/Windows" "$t/Windows.old/Windows"
# Ballast files take every free cluster of the data zone (see below).
mkdir -p "$t/Ballast"
for i in $(seq 0 399); do : > "$t/Ballast/$(printf 'b%03d' "$i")"; done
# Fillers: about 2.6 times the hives, half of which become holes.
"$bf" filler -dir "$t/Filler" -total $((hive_bytes * 26 / 10)) -seed filler

step "NTFS volume of $((WIN / GiB)) GiB (mkntfs, wimlib-imagex apply)"
win="$work/win.img"
truncate -s "$WIN" "$win"
mkntfs -F -Q -q -T -L Windows -c 4096 -s 512 -p $(((ESP + MSR + MiB) / 512)) -H 255 -S 63 "$win" >/dev/null 2>&1
printf '[ExclusionList]\n' > "$work/capture.cfg"
wimlib-imagex capture "$t" "$work/tree.wim" Windows --no-acls --compress=fast --config="$work/capture.cfg" >/dev/null
wimlib-imagex apply "$work/tree.wim" 1 "$win" >/dev/null
rm -f "$work/tree.wim"

step "fill the data zone (ntfsfallocate Ballast/*), free every other filler"
zone_end=$(ntfsinfo -m "$win" 2>/dev/null | awk -F': *' '/MFT Zone End/ {print $2}')
total=$(ntfsinfo -m "$win" 2>/dev/null | awk -F': *' '/Volume Size in Clusters/ {print $2}')
icat "$win" 6 > "$work/bitmap"
# libntfs-3g spreads new files 16 MiB apart, so the free space is thousands
# of extents: one ballast file per 64 of them keeps each runlist in its MFT
# record (ntfsfallocate fails on longer ones).
"$bf" freeclusters -bitmap "$work/bitmap" -from "$zone_end" -to "$total" -group 64 > "$work/groups"
[ "$(wc -l < "$work/groups")" -le 400 ] || { echo "bigfixture: too many free extents" >&2; exit 1; }
i=0
while read -r n; do
  ntfsfallocate -l $((n * 4096)) "$win" "/Ballast/$(printf 'b%03d' "$i")" >/dev/null 2>&1
  i=$((i + 1))
done < "$work/groups"
icat "$win" 6 > "$work/bitmap"
left=$("$bf" freeclusters -bitmap "$work/bitmap" -from "$zone_end" -to "$total" 2>/dev/null)
"$bf" lcns -img "$win" -dir Filler | sort -n -k2 | awk 'NR % 2 == 1 {print $1}' > "$work/holes"
while read -r ino; do ntfstruncate -q "$win" "$ino" 0 >/dev/null 2>&1; done < "$work/holes"
echo "  data zone filled by $i ballast files ($left clusters left free); $(wc -l < "$work/holes") filler files freed"

step "hives into the holes (ntfscp)"
for h in cur/SOFTWARE cur/SYSTEM old/SOFTWARE old/SYSTEM; do
  dst=/Windows/System32/config/${h#*/}
  [ "${h%%/*}" = old ] && dst=/Windows.old$dst
  ntfscp -f "$win" "$work/hives/$h" "$dst" >/dev/null 2>&1
  echo "  $dst: $(stat -c %s "$work/hives/$h") bytes, $("$bf" lcns -img "$win" -runs "$dst") fragments"
done > "$work/fragments"
cat "$work/fragments"

step "ESP, MSR, WinRE"
truncate -s "$ESP" "$work/esp.img"
mkfs.fat -F 32 -n SYSTEM "$work/esp.img" >/dev/null
truncate -s "$MSR" "$work/msr.img"
mkdir -p "$work/re/Recovery/WindowsRE"
printf '<?xml version="1.0"?><WindowsRE version="2.0"/>\r\n' > "$work/re/Recovery/WindowsRE/ReAgent.xml"
truncate -s "$WINRE" "$work/re.img"
mkntfs -F -Q -q -T -L Recovery -c 4096 -s 512 "$work/re.img" >/dev/null 2>&1
wimlib-imagex capture "$work/re" "$work/re.wim" Recovery --no-acls --config="$work/capture.cfg" >/dev/null
wimlib-imagex apply "$work/re.wim" 1 "$work/re.img" >/dev/null

step "disk image (sparse GPT, $((DISK_SIZE / GiB)) GiB)"
"$bf" disk -out "$out/disk.img.tmp" -size "$DISK_SIZE" -seed bigfixture \
  "esp:$work/esp.img:EFI system partition" "msr:$work/msr.img:Microsoft reserved partition" \
  "basic:$work/win.img:Basic data partition" "winre:$work/re.img:Windows RE"
mv "$out/disk.img.tmp" "$out/disk.img"
rm -rf "$out/hives"
mv "$work/hives" "$out/hives"

sys32=$(find "$t/Windows/System32" -mindepth 1 -maxdepth 1 | wc -l)
{
  echo "actrescue big fixture (testdata/gen/bigfixture.sh), built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(( $(date +%s) - start ))s"
  echo "disk.img: $(stat -c %s "$out/disk.img") bytes apparent, $(du -k "$out/disk.img" | cut -f1) KiB on disk"
  echo "System32 entries: $sys32"
  echo "tokens.dat: $(stat -c %s "$t/Windows/System32/spp/store/2.0/tokens.dat") bytes (Windows.old: $(stat -c %s "$t/Windows.old/Windows/System32/spp/store/2.0/tokens.dat"))"
  echo "hives (fragments on the volume):"
  cat "$work/fragments"
} > "$out/README.txt"
cat "$out/README.txt"
