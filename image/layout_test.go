package image

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
)

type wantPart struct {
	index       int
	start, size int64
	content     ContentKind
	typeName    string
	typeID      string
	name        string
	logical     bool
	boot        bool
}

type wantLayout struct {
	fixture string
	size    int64
	table   string
	sector  int
	parts   []wantPart
}

const (
	tESP   = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
	tMSR   = "e3c9e316-0b5c-4db8-817d-f92df00215ae"
	tBasic = "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7"
	tWinRE = "de94bba4-06d1-4d40-a16a-bfd50179d6ac"
	tLinux = "0fc63daf-8483-4772-8e79-3d69d8477de4"
)

// Ground truth from testdata/gen/make-fixtures.sh (1 MiB alignment).
var fixtureLayouts = []wantLayout{
	{"gpt-win11", 32505856, TableGPT, 512, []wantPart{
		{1, 1 * mib, 8 * mib, ContentFAT, "EFI system", tESP, "EFI system partition", false, false},
		{2, 9 * mib, 1 * mib, ContentEmpty, "Microsoft reserved", tMSR, "Microsoft reserved partition", false, false},
		{3, 10 * mib, 16 * mib, ContentNTFS, "Microsoft basic data", tBasic, "Basic data partition", false, false},
		{4, 26 * mib, 4 * mib, ContentNTFS, "Windows recovery", tWinRE, "Windows RE", false, false},
	}},
	{"mbr-ext-win10", 28 * mib, TableMBR, 512, []wantPart{
		{1, 1 * mib, 4 * mib, ContentNTFS, "NTFS/exFAT", "0x07", "", false, true},
		{2, 5 * mib, 22 * mib, ContentExtended, "extended (LBA)", "0x0f", "", false, false},
		{5, 6 * mib, 4 * mib, ContentFAT, "FAT32 (LBA)", "0x0c", "", true, false},
		{6, 11 * mib, 16 * mib, ContentNTFS, "NTFS/exFAT", "0x07", "", true, false},
	}},
	{"gpt4k-server", 35 * mib, TableGPT, 4096, []wantPart{
		{1, 1 * mib, 1 * mib, ContentEmpty, "Microsoft reserved", tMSR, "Microsoft reserved partition", false, false},
		{2, 2 * mib, 32 * mib, ContentNTFS, "Microsoft basic data", tBasic, "Basic data partition", false, false},
	}},
	{"gpt-nowin", 11 * mib, TableGPT, 512, []wantPart{
		{1, 1 * mib, 8 * mib, ContentNTFS, "Microsoft basic data", tBasic, "Data", false, false},
		{2, 9 * mib, 1 * mib, ContentOther, "Linux filesystem", tLinux, "root", false, false},
	}},
	{"gpt-bitlocker-hiber", 22 * mib, TableGPT, 512, []wantPart{
		{1, 1 * mib, 4 * mib, ContentBitLocker, "Microsoft basic data", tBasic, "Basic data partition", false, false},
		{2, 5 * mib, 16 * mib, ContentNTFS, "Microsoft basic data", tBasic, "Basic data partition", false, false},
	}},
	{"mbr-win7", 18 * mib, TableMBR, 512, []wantPart{
		{1, 1 * mib, 16 * mib, ContentNTFS, "NTFS/exFAT", "0x07", "", false, true},
	}},
	{"vol-win11home", 16 * mib, TableNone, 512, []wantPart{
		{1, 0, 16 * mib, ContentNTFS, "whole volume", "", "", false, false},
	}},
}

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestLayoutFixtures(t *testing.T) {
	for _, w := range fixtureLayouts {
		t.Run(w.fixture, func(t *testing.T) {
			img := fixture(t, w.fixture)
			if int64(len(img)) != w.size {
				t.Fatalf("decoded size %d, want %d", len(img), w.size)
			}
			l, err := Scan(OpenBytes(w.fixture, img))
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			if l.Table != w.table || l.SectorSize != w.sector {
				t.Errorf("table %s/%d, want %s/%d", l.Table, l.SectorSize, w.table, w.sector)
			}
			if len(l.Warnings) != 0 {
				t.Errorf("unexpected warnings %q", l.Warnings)
			}
			if w.table == TableGPT && !guidRE.MatchString(l.DiskGUID) {
				t.Errorf("disk GUID %q", l.DiskGUID)
			}
			if len(l.Partitions) != len(w.parts) {
				t.Fatalf("%d partitions, want %d: %+v", len(l.Partitions), len(w.parts), l.Partitions)
			}
			for i, wp := range w.parts {
				p := l.Partitions[i]
				got := wantPart{p.Index, p.Start, p.Size, p.Content, p.TypeName, p.TypeID, p.Name, p.Logical, p.Bootable}
				if got != wp {
					t.Errorf("partition %d:\n got %+v\nwant %+v", i, got, wp)
				}
				if p.Table != w.table || p.Err != nil {
					t.Errorf("#%d: table %q err %v", p.Index, p.Table, p.Err)
				}
				if w.table == TableGPT && !guidRE.MatchString(p.GUID) {
					t.Errorf("#%d: GUID %q", p.Index, p.GUID)
				}
				if p.Content == ContentExtended {
					if p.Reader != nil {
						t.Errorf("#%d: extended partition has a reader", p.Index)
					}
					continue
				}
				checkReader(t, img, p)
			}
		})
	}
}

// checkReader: the reader yields exactly img[Start:Start+Size], EOF at Size,
// and the bounded reader beneath refuses reads past the end.
func checkReader(t *testing.T, img []byte, p Partition) {
	t.Helper()
	if p.Reader == nil || p.Reader.Size() != p.Size {
		t.Fatalf("#%d: reader %v for size %d", p.Index, p.Reader, p.Size)
	}
	all, err := io.ReadAll(io.NewSectionReader(p.Reader, 0, p.Size+4096))
	if err != nil || int64(len(all)) != p.Size {
		t.Fatalf("#%d: read %d bytes (%v), want %d", p.Index, len(all), err, p.Size)
	}
	if !bytes.Equal(all, img[p.Start:p.Start+p.Size]) {
		t.Errorf("#%d: reader content differs from the image extent", p.Index)
	}
	buf := make([]byte, 16)
	if n, err := p.Reader.ReadAt(buf, p.Size-1); n != 1 || err != io.EOF {
		t.Errorf("#%d: read across the end: n=%d err=%v, want 1, EOF", p.Index, n, err)
	}
	if n, err := p.Reader.ReadAt(buf, p.Size); n != 0 || err != io.EOF {
		t.Errorf("#%d: read at Size: n=%d err=%v, want 0, EOF", p.Index, n, err)
	}
	if n, err := p.Reader.ReadAt(buf, p.Size+1); n != 0 || err == nil {
		t.Errorf("#%d: read past Size: n=%d err=%v, want an error", p.Index, n, err)
	}
	// A whole volume reads the target directly (EOF past its end); a
	// partition goes through a bounded reader that says ErrOutOfRange.
	inner, _, _ := p.Reader.Outer()
	if _, ok := inner.(*bounded); !ok {
		if p.Table != TableNone {
			t.Errorf("#%d: reader is not bounded: %T", p.Index, inner)
		}
		return
	}
	if n, err := inner.ReadAt(buf, p.Size+1); n != 0 || !errors.Is(err, ErrOutOfRange) {
		t.Errorf("#%d: bounded read past Size: n=%d err=%v, want ErrOutOfRange", p.Index, n, err)
	}
	if _, err := inner.ReadAt(buf, -1); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("#%d: bounded read at -1: %v, want ErrOutOfRange", p.Index, err)
	}
}

// extent is one partition as an external tool reports it, in bytes.
type extent struct {
	index       int // 0 when the tool does not number partitions
	start, size int64
}

func ourExtents(l *Layout, withExtended, numbered bool) []extent {
	var out []extent
	for _, p := range l.Partitions {
		if p.Content == ContentExtended && !withExtended {
			continue
		}
		e := extent{p.Index, p.Start, p.Size}
		if !numbered {
			e.index = 0
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (apt-get install %s): skipping this oracle", name, pkg)
	}
	return p
}

// TestLayoutOracle compares Scan with sgdisk, sfdisk and mmls.
func TestLayoutOracle(t *testing.T) {
	for _, w := range fixtureLayouts {
		if w.table == TableNone {
			continue // no table for the tools to read
		}
		t.Run(w.fixture, func(t *testing.T) {
			img := fixture(t, w.fixture)
			l, err := Scan(OpenBytes(w.fixture, img))
			if err != nil {
				t.Fatal(err)
			}
			path := writeTemp(t, w.fixture+".img", img)
			t.Run("sgdisk", func(t *testing.T) {
				bin := tool(t, "sgdisk", "gdisk")
				if l.SectorSize != 512 {
					t.Skipf("sgdisk reads image files with 512-byte sectors only; %d-byte GPT skipped", l.SectorSize)
				}
				out, err := exec.Command(bin, "-p", path).CombinedOutput()
				if err != nil {
					t.Fatalf("sgdisk: %v\n%s", err, out)
				}
				got := parseSgdisk(t, string(out))
				if want := ourExtents(l, false, true); !equalExtents(got, want) {
					t.Errorf("sgdisk %v, Scan %v\n%s", got, want, out)
				}
			})
			t.Run("sfdisk", func(t *testing.T) {
				bin := tool(t, "sfdisk", "fdisk")
				if l.SectorSize != 512 {
					t.Skipf("this sfdisk reads image files with 512-byte sectors only; %d-byte GPT skipped", l.SectorSize)
				}
				out, err := exec.Command(bin, "--json", path).Output()
				if err != nil {
					t.Fatalf("sfdisk: %v\n%s", err, out)
				}
				checkSfdisk(t, l, out)
			})
			t.Run("mmls", func(t *testing.T) {
				bin := tool(t, "mmls", "sleuthkit")
				args := []string{path}
				if l.SectorSize == 4096 {
					args = []string{"-b", "4096", path}
				}
				out, err := exec.Command(bin, args...).CombinedOutput()
				if err != nil {
					t.Fatalf("mmls: %v\n%s", err, out)
				}
				got := parseMmls(t, string(out))
				if want := ourExtents(l, false, false); !equalExtents(got, want) {
					t.Errorf("mmls %v, Scan %v\n%s", got, want, out)
				}
			})
		})
	}
}

func equalExtents(a, b []extent) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func parseSgdisk(t *testing.T, out string) []extent {
	t.Helper()
	m := regexp.MustCompile(`Sector size \(logical\): (\d+) bytes`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("sgdisk: no sector size in\n%s", out)
	}
	ss, _ := strconv.ParseInt(m[1], 10, 64)
	row := regexp.MustCompile(`^\s+(\d+)\s+(\d+)\s+(\d+)\s`)
	var got []extent
	for _, line := range strings.Split(out, "\n") {
		if r := row.FindStringSubmatch(line); r != nil {
			n, _ := strconv.Atoi(r[1])
			s, _ := strconv.ParseInt(r[2], 10, 64)
			e, _ := strconv.ParseInt(r[3], 10, 64)
			got = append(got, extent{n, s * ss, (e - s + 1) * ss})
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i].start < got[j].start })
	return got
}

func parseMmls(t *testing.T, out string) []extent {
	t.Helper()
	m := regexp.MustCompile(`Units are in (\d+)-byte sectors`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("mmls: no unit in\n%s", out)
	}
	ss, _ := strconv.ParseInt(m[1], 10, 64)
	// Data rows have a numeric slot ("000" or "001:000"); Meta and
	// unallocated rows do not.
	row := regexp.MustCompile(`^\d+:\s+\d+(?::\d+)?\s+(\d+)\s+(\d+)\s+(\d+)\s`)
	var got []extent
	for _, line := range strings.Split(out, "\n") {
		if r := row.FindStringSubmatch(line); r != nil {
			s, _ := strconv.ParseInt(r[1], 10, 64)
			n, _ := strconv.ParseInt(r[3], 10, 64)
			got = append(got, extent{0, s * ss, n * ss})
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i].start < got[j].start })
	return got
}

func checkSfdisk(t *testing.T, l *Layout, out []byte) {
	t.Helper()
	var doc struct {
		PT struct {
			Label      string `json:"label"`
			ID         string `json:"id"`
			SectorSize int64  `json:"sectorsize"`
			Partitions []struct {
				Node     string `json:"node"`
				Start    int64  `json:"start"`
				Size     int64  `json:"size"`
				Type     string `json:"type"`
				UUID     string `json:"uuid"`
				Name     string `json:"name"`
				Bootable bool   `json:"bootable"`
			} `json:"partitions"`
		} `json:"partitiontable"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("sfdisk json: %v\n%s", err, out)
	}
	pt := doc.PT
	wantLabel := map[string]string{TableGPT: "gpt", TableMBR: "dos"}[l.Table]
	if pt.Label != wantLabel {
		t.Fatalf("sfdisk label %q, want %q", pt.Label, wantLabel)
	}
	if l.Table == TableGPT && strings.ToLower(pt.ID) != l.DiskGUID {
		t.Errorf("disk GUID: sfdisk %s, Scan %s", pt.ID, l.DiskGUID)
	}
	if l.Table == TableMBR && pt.ID != "0x"+l.DiskGUID {
		t.Errorf("disk id: sfdisk %s, Scan %s", pt.ID, l.DiskGUID)
	}
	byIndex := map[int]Partition{}
	for _, p := range l.Partitions {
		byIndex[p.Index] = p
	}
	if len(pt.Partitions) != len(l.Partitions) {
		t.Errorf("sfdisk lists %d partitions, Scan %d", len(pt.Partitions), len(l.Partitions))
	}
	for _, sp := range pt.Partitions {
		idx, err := strconv.Atoi(sp.Node[strings.LastIndex(sp.Node, ".img")+4:])
		if err != nil {
			t.Fatalf("sfdisk node %q", sp.Node)
		}
		p, ok := byIndex[idx]
		if !ok {
			t.Errorf("sfdisk partition %d missing from Scan", idx)
			continue
		}
		if sp.Start*pt.SectorSize != p.Start || sp.Size*pt.SectorSize != p.Size {
			t.Errorf("#%d: sfdisk %d+%d sectors, Scan %d+%d bytes", idx, sp.Start, sp.Size, p.Start, p.Size)
		}
		switch l.Table {
		case TableGPT:
			if strings.ToLower(sp.Type) != p.TypeID || strings.ToLower(sp.UUID) != p.GUID || sp.Name != p.Name {
				t.Errorf("#%d: sfdisk %s/%s/%q, Scan %s/%s/%q", idx, sp.Type, sp.UUID, sp.Name, p.TypeID, p.GUID, p.Name)
			}
		case TableMBR:
			typ, _ := strconv.ParseUint(sp.Type, 16, 8)
			if fmt.Sprintf("0x%02x", typ) != p.TypeID || sp.Bootable != p.Bootable {
				t.Errorf("#%d: sfdisk type %s boot %v, Scan %s boot %v", idx, sp.Type, sp.Bootable, p.TypeID, p.Bootable)
			}
		}
	}
}

// corruption helpers

func truncated(n int) func([]byte) []byte {
	return func(b []byte) []byte { return b[:n] }
}

// gptCheck expects a GPT with the given partitions: index → content.
func gptCheck(parts map[int]ContentKind, warn string) func(*testing.T, *Layout) {
	return func(t *testing.T, l *Layout) {
		t.Helper()
		if warn == "" && len(l.Warnings) != 0 {
			t.Errorf("unexpected warnings %q", l.Warnings)
		}
		if warn != "" && !strings.Contains(strings.Join(l.Warnings, "\n"), warn) {
			t.Errorf("warnings %q lack %q", l.Warnings, warn)
		}
		if len(l.Partitions) != len(parts) {
			t.Fatalf("%d partitions, want %d: %+v", len(l.Partitions), len(parts), l.Partitions)
		}
		for _, p := range l.Partitions {
			want, ok := parts[p.Index]
			if !ok || p.Content != want {
				t.Errorf("#%d: content %v, want %v", p.Index, p.Content, want)
			}
			switch {
			case p.Content == ContentUnreadable:
				if !errors.Is(p.Err, ErrOutOfRange) || p.Reader != nil {
					t.Errorf("#%d: unreadable with err %v, reader %v; want ErrOutOfRange and no reader", p.Index, p.Err, p.Reader)
				}
			case p.Content != ContentExtended:
				b := make([]byte, 512)
				if n, err := p.Reader.ReadAt(b, 0); n != 512 || err != nil {
					t.Errorf("#%d: first sector: n=%d err=%v", p.Index, n, err)
				}
			}
		}
	}
}

var win11All = map[int]ContentKind{1: ContentFAT, 2: ContentEmpty, 3: ContentNTFS, 4: ContentNTFS}

// TestScanCorruption damages fixtures and checks what Scan still finds.
func TestScanCorruption(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	random := func(n int) []byte {
		b := make([]byte, n)
		rnd.Read(b)
		b[510], b[511] = 0, 0 // no boot signature
		return b
	}
	tests := []struct {
		name    string
		fixture string
		mutate  func([]byte) []byte
		wantErr error // sentinel; nil means Scan succeeds
		check   func(*testing.T, *Layout)
	}{
		{name: "truncated to 256 bytes", fixture: "gpt-win11", mutate: truncated(256), wantErr: ErrNoTable},
		{name: "truncated inside the primary GPT header", fixture: "gpt-win11", mutate: truncated(1000), wantErr: ErrBadTable},
		{name: "truncated inside the primary entry array", fixture: "gpt-win11", mutate: truncated(4096), wantErr: ErrBadTable},
		{name: "truncated after the primary GPT", fixture: "gpt-win11", mutate: truncated(34 * 512),
			check: gptCheck(map[int]ContentKind{1: ContentUnreadable, 2: ContentUnreadable, 3: ContentUnreadable, 4: ContentUnreadable}, "")},
		{name: "truncated inside partition 3", fixture: "gpt-win11", mutate: truncated(12 * mib),
			check: gptCheck(map[int]ContentKind{1: ContentFAT, 2: ContentEmpty, 3: ContentUnreadable, 4: ContentUnreadable}, "")},
		{name: "truncated one byte short", fixture: "gpt-win11", mutate: func(b []byte) []byte { return b[:len(b)-1] },
			check: gptCheck(win11All, "")},
		{name: "truncated MBR inside the extended partition", fixture: "mbr-ext-win10", mutate: truncated(12 * mib),
			check: gptCheck(map[int]ContentKind{1: ContentNTFS, 2: ContentUnreadable, 5: ContentFAT, 6: ContentUnreadable}, "")},
		{name: "primary GPT header CRC broken", fixture: "gpt-win11",
			mutate: func(b []byte) []byte { b[512+60] ^= 0xFF; return b },
			check:  gptCheck(win11All, "backup GPT")},
		{name: "primary GPT entry CRC broken", fixture: "gpt-win11",
			mutate: func(b []byte) []byte { b[1024+56] ^= 0xFF; return b },
			check:  gptCheck(win11All, "backup GPT")},
		{name: "4K primary GPT header CRC broken", fixture: "gpt4k-server",
			mutate: func(b []byte) []byte { b[4096+60] ^= 0xFF; return b },
			check:  gptCheck(map[int]ContentKind{1: ContentEmpty, 2: ContentNTFS}, "backup GPT")},
		{name: "primary GPT signature zeroed", fixture: "gpt-win11",
			mutate: func(b []byte) []byte { copy(b[512:520], make([]byte, 8)); return b },
			check:  gptCheck(win11All, "backup header")},
		{name: "4K primary GPT signature zeroed", fixture: "gpt4k-server",
			mutate: func(b []byte) []byte { copy(b[4096:4104], make([]byte, 8)); return b },
			check:  gptCheck(map[int]ContentKind{1: ContentEmpty, 2: ContentNTFS}, "backup header")},
		{name: "both GPT headers gone", fixture: "gpt-win11",
			mutate: func(b []byte) []byte {
				copy(b[512:520], make([]byte, 8))
				copy(b[len(b)-512:], make([]byte, 8))
				return b
			},
			wantErr: ErrBadTable},
		{name: "GPT entry count huge", fixture: "gpt-win11",
			mutate:  func(b []byte) []byte { le.PutUint32(b[512+80:], 1<<20); fixHeaderCRC(b[512:]); return b },
			wantErr: ErrBadTable},
		{name: "GPT entry count times size overflows", fixture: "gpt-win11",
			mutate: func(b []byte) []byte {
				le.PutUint32(b[512+80:], 0xFFFFFFFF)
				le.PutUint32(b[512+84:], 0xFFFFFFF8)
				fixHeaderCRC(b[512:])
				return b
			},
			wantErr: ErrBadTable},
		{name: "GPT entry array past the disk end", fixture: "gpt-win11",
			mutate:  func(b []byte) []byte { le.PutUint64(b[512+72:], uint64(len(b)/512-4)); fixHeaderCRC(b[512:]); return b },
			wantErr: ErrBadTable},
		{name: "damaged primary, backup entry count overflows", fixture: "gpt-win11",
			mutate: func(b []byte) []byte {
				b[512+60] ^= 0xFF
				bk := b[len(b)-512:]
				le.PutUint32(bk[80:], 0xFFFFFFFF)
				le.PutUint32(bk[84:], 0xFFFFFFF8)
				fixHeaderCRC(bk)
				return b
			},
			wantErr: ErrBadTable},
		{name: "damaged primary, backup entry count huge", fixture: "gpt-win11",
			mutate: func(b []byte) []byte {
				b[512+60] ^= 0xFF
				bk := b[len(b)-512:]
				le.PutUint32(bk[80:], 1<<22) // 512 MiB of entries
				fixHeaderCRC(bk)
				return b
			},
			wantErr: ErrBadTable},
		{name: "GPT partition 4 ends past the disk", fixture: "gpt-win11",
			mutate: func(b []byte) []byte {
				le.PutUint64(b[1024+3*128+40:], 0xFFFFFFFF)
				fixEntriesCRC(b, 512, 512)
				return b
			},
			check: gptCheck(map[int]ContentKind{1: ContentFAT, 2: ContentEmpty, 3: ContentNTFS, 4: ContentUnreadable}, "")},
		{name: "GPT partition 3 starts past the disk", fixture: "gpt-win11",
			mutate: func(b []byte) []byte {
				le.PutUint64(b[1024+2*128+32:], 1<<40)
				le.PutUint64(b[1024+2*128+40:], 1<<40+10)
				fixEntriesCRC(b, 512, 512)
				return b
			},
			check: gptCheck(map[int]ContentKind{1: ContentFAT, 2: ContentEmpty, 3: ContentUnreadable, 4: ContentNTFS}, "")},
		{name: "GPT partition end before start", fixture: "gpt-win11",
			mutate: func(b []byte) []byte { le.PutUint64(b[1024+40:], 100); fixEntriesCRC(b, 512, 512); return b },
			check:  gptCheck(map[int]ContentKind{1: ContentUnreadable, 2: ContentEmpty, 3: ContentNTFS, 4: ContentNTFS}, "")},
		{name: "MBR primary past the disk end", fixture: "mbr-ext-win10",
			mutate: func(b []byte) []byte { le.PutUint32(b[446+12:], 0xFFFFFF); return b },
			check:  gptCheck(map[int]ContentKind{1: ContentUnreadable, 2: ContentExtended, 5: ContentFAT, 6: ContentNTFS}, "")},
		{name: "EBR chain loops", fixture: "mbr-ext-win10",
			mutate: func(b []byte) []byte {
				last := b[10*mib : 10*mib+512] // second EBR
				last[462+4] = 0x05
				le.PutUint32(last[462+8:], 0) // back to the first EBR
				le.PutUint32(last[462+12:], 1)
				return b
			},
			check: gptCheck(map[int]ContentKind{1: ContentNTFS, 2: ContentExtended, 5: ContentFAT, 6: ContentNTFS}, "loops")},
		{name: "EBR link past the disk", fixture: "mbr-ext-win10",
			mutate: func(b []byte) []byte {
				first := b[5*mib : 5*mib+512]
				le.PutUint32(first[462+8:], 0x7FFFFFFF)
				return b
			},
			check: gptCheck(map[int]ContentKind{1: ContentNTFS, 2: ContentExtended, 5: ContentFAT}, "outside the disk")},
		{name: "EBR without signature", fixture: "mbr-ext-win10",
			mutate: func(b []byte) []byte { b[10*mib+511] = 0; return b },
			check:  gptCheck(map[int]ContentKind{1: ContentNTFS, 2: ContentExtended, 5: ContentFAT}, "no 55AA")},
		{name: "random 512 bytes", mutate: func([]byte) []byte { return random(512) }, wantErr: ErrNoTable},
		{name: "random 64 KiB", mutate: func([]byte) []byte { return random(64 << 10) }, wantErr: ErrNoTable},
		{name: "zeros", mutate: func([]byte) []byte { return make([]byte, 4096) }, wantErr: ErrNoTable},
		{name: "100 bytes", mutate: func([]byte) []byte { return make([]byte, 100) }, wantErr: ErrNoTable},
		{name: "511 bytes of a GPT", fixture: "gpt-win11", mutate: truncated(511), wantErr: ErrNoTable},
		{name: "empty", mutate: func([]byte) []byte { return nil }, wantErr: ErrNoTable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var img []byte
			if tc.fixture != "" {
				img = fixture(t, tc.fixture)
			}
			img = tc.mutate(img)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			l, err := Scan(OpenBytes(tc.name, img))
			runtime.ReadMemStats(&after)
			// A hostile table must not make Scan allocate much.
			if d := after.TotalAlloc - before.TotalAlloc; d > 64<<20 {
				t.Errorf("Scan allocated %d MiB", d>>20)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			tc.check(t, l)
		})
	}
}

func TestScanReaderArgs(t *testing.T) {
	img := fixture(t, "gpt4k-server")
	// The hint does not matter: GPT headers are looked for at 512 and 4096.
	for _, hint := range []int{0, 512, 4096} {
		l, err := ScanReader(bytes.NewReader(img), int64(len(img)), hint)
		if err != nil || l.SectorSize != 4096 || len(l.Partitions) != 2 {
			t.Errorf("hint %d: %v %+v", hint, err, l)
		}
	}
	// A volume reports the hinted sector size.
	vol := fixture(t, "vol-win11home")
	if l, err := ScanReader(bytes.NewReader(vol), int64(len(vol)), 4096); err != nil || l.SectorSize != 4096 {
		t.Errorf("volume with hint 4096: %v %+v", err, l)
	}
	// A size larger than the reader: the head read fails with an error.
	if _, err := ScanReader(bytes.NewReader(make([]byte, 600)), 1<<20, 512); err == nil {
		t.Error("short reader: no error")
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{ContentNTFS.String(), "ntfs"}, {ContentBitLocker.String(), "bitlocker"}, {ContentFAT.String(), "fat"},
		{ContentExFAT.String(), "exfat"}, {ContentEmpty.String(), "empty"}, {ContentExtended.String(), "extended"},
		{ContentUnreadable.String(), "unreadable"}, {ContentOther.String(), "other"}, {ContentKind(99).String(), "other"},
		{KindFile.String(), "image-file"}, {KindDevice.String(), "block-device"}, {KindMemory.String(), "memory"},
		{Kind(9).String(), "unknown"},
		{gptTypeName("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"), "Microsoft basic data"},
		{gptTypeName("00000000-1111-2222-3333-444444444444"), "unknown (00000000-1111-2222-3333-444444444444)"},
		{mbrTypeName(0x07), "NTFS/exFAT"}, {mbrTypeName(0xAB), "unknown"},
		{cleanName("Data\x00\x00  "), "Data"}, {cleanName("a\x07b\x7f"), "ab"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	sector := func(f func(b []byte)) []byte {
		b := make([]byte, 512)
		f(b)
		return b
	}
	tests := []struct {
		name string
		b    []byte
		want ContentKind
	}{
		{"short", make([]byte, 100), ContentOther},
		{"zeros", make([]byte, 512), ContentEmpty},
		{"ntfs", sector(func(b []byte) { copy(b[3:], "NTFS    ") }), ContentNTFS},
		{"bitlocker", sector(func(b []byte) { copy(b[3:], "-FVE-FS-") }), ContentBitLocker},
		{"exfat", sector(func(b []byte) { copy(b[3:], "EXFAT   ") }), ContentExFAT},
		{"bitlocker to go", sector(func(b []byte) { copy(b[3:], "MSWIN4.1"); copy(b[0xB0:], "-FVE-FS-") }), ContentBitLocker},
		{"fat16", sector(func(b []byte) { copy(b[54:], "FAT16   "); b[510], b[511] = 0x55, 0xAA }), ContentFAT},
		{"fat32", sector(func(b []byte) { copy(b[82:], "FAT32   "); b[510], b[511] = 0x55, 0xAA }), ContentFAT},
		{"fat without signature", sector(func(b []byte) { copy(b[82:], "FAT32   ") }), ContentOther},
		{"other", sector(func(b []byte) { b[0] = 1 }), ContentOther},
	}
	for _, tc := range tests {
		if got := classify(tc.b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
