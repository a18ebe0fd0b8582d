package image

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"testing"

	"github.com/actrescue/actrescue/internal/safeio"
)

const fuzzMax = 1 << 20

// TestMain caps fuzz minimization at 200 calls unless -test.fuzzminimizetime
// is given: minimizing a disk-sized input takes the default full minute
// (and a time cap restarts the worker), which stalls short -fuzztime runs.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		flag.Set("test.fuzzminimizetime", "200x")
	}
	os.Exit(m.Run())
}

type seed struct {
	name string
	b    []byte
}

// fuzzSeeds: the first and last 64 KiB of GPT and MBR fixtures, plus
// damaged variants and small disks whose partitions fit inside.
func fuzzSeeds(tb testing.TB) []seed {
	const k64 = 64 << 10
	var seeds []seed
	for _, name := range []string{"gpt-win11", "mbr-ext-win10", "gpt4k-server"} {
		img := fixture(tb, name)
		seeds = append(seeds, seed{name + " head", bytes.Clone(img[:k64])}, seed{name + " tail", bytes.Clone(img[len(img)-k64:])})
	}
	gpt := fixture(tb, "gpt-win11")
	head := bytes.Clone(gpt[:k64])

	// Partitions shrunk into a 256 KiB disk, backup GPT rebuilt at its end.
	small := make([]byte, 256<<10)
	copy(small, head[:34*512])
	for i, se := range [][2]uint64{{40, 99}, {100, 163}, {164, 400}, {401, 460}} {
		e := small[1024+i*128:]
		le.PutUint64(e[32:], se[0])
		le.PutUint64(e[40:], se[1])
	}
	copy(small[100*512+3:], "NTFS    ")
	last := uint64(len(small)/512 - 1)
	le.PutUint64(small[512+32:], last)
	le.PutUint64(small[512+48:], last-33)
	fixEntriesCRC(small, 512, 512)
	copy(small[(last-32)*512:], small[1024:1024+16384])
	bk := small[last*512:]
	copy(bk, small[512:1024])
	le.PutUint64(bk[24:], last)
	le.PutUint64(bk[32:], 1)
	le.PutUint64(bk[72:], last-32)
	fixHeaderCRC(bk)
	seeds = append(seeds, seed{"small gpt", small})

	// Damaged variants.
	v := bytes.Clone(small)
	v[512+60] ^= 0xFF // primary CRC: backup used
	seeds = append(seeds, seed{"small gpt, bad primary crc", v})
	v = bytes.Clone(small)
	copy(v[512:520], make([]byte, 8)) // primary gone
	seeds = append(seeds, seed{"small gpt, no primary", v})
	v = bytes.Clone(head)
	le.PutUint32(v[512+80:], 0xFFFFFFFF)
	le.PutUint32(v[512+84:], 0xFFFFFFF8)
	fixHeaderCRC(v[512:])
	seeds = append(seeds, seed{"gpt head, overflowing entry count", v})

	// A small MBR disk with an extended partition and a looping EBR chain.
	mbr := make([]byte, 128<<10)
	put := func(sec []byte, slot int, typ byte, start, count uint32) {
		e := sec[446+16*slot:]
		e[4] = typ
		le.PutUint32(e[8:], start)
		le.PutUint32(e[12:], count)
		sec[510], sec[511] = 0x55, 0xAA
	}
	put(mbr, 0, 0x07, 8, 32)
	put(mbr, 1, 0x0F, 64, 180)
	copy(mbr[8*512+3:], "NTFS    ")
	put(mbr[64*512:], 0, 0x0C, 8, 32)
	put(mbr[64*512:], 1, 0x05, 100, 80)
	put(mbr[164*512:], 0, 0x07, 8, 60)
	seeds = append(seeds, seed{"small mbr", mbr})
	v = bytes.Clone(mbr)
	put(v[164*512:], 1, 0x05, 0, 100) // loop back to the first EBR
	seeds = append(seeds, seed{"small mbr, ebr loop", v})
	return seeds
}

func FuzzScanReader(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.b, 512)
		f.Add(s.b, 4096)
	}
	f.Fuzz(func(t *testing.T, data []byte, hint int) {
		if len(data) > fuzzMax {
			return
		}
		size := int64(len(data))
		l, err := ScanReader(bytes.NewReader(data), size, hint)
		if err != nil {
			if errors.Is(err, safeio.ErrPanic) {
				t.Fatalf("recovered panic: %v", err)
			}
			return
		}
		for _, p := range l.Partitions {
			if p.Content == ContentUnreadable {
				if p.Err == nil {
					t.Errorf("#%d: unreadable without an error", p.Index)
				}
				continue
			}
			if p.Start < 0 || p.Size < 0 || p.Start+p.Size > size {
				t.Fatalf("#%d: %d+%d outside the %d-byte disk (%v)", p.Index, p.Start, p.Size, size, p.Content)
			}
			if p.Content == ContentExtended {
				continue
			}
			if p.Reader == nil || p.Reader.Size() != p.Size {
				t.Fatalf("#%d: reader %v for size %d", p.Index, p.Reader, p.Size)
			}
			if p.Size > 0 {
				if n, _ := p.Reader.ReadAt(make([]byte, 1), p.Size-1); n != 1 {
					t.Errorf("#%d: last byte unreadable", p.Index)
				}
			}
		}
	})
}

// TestFuzzSeeds checks what the hand-built seeds decode to.
func TestFuzzSeeds(t *testing.T) {
	tests := map[string]struct {
		parts, warnings int
		content         map[int]ContentKind
	}{
		"small gpt":                  {4, 0, map[int]ContentKind{2: ContentNTFS}},
		"small gpt, bad primary crc": {4, 1, map[int]ContentKind{2: ContentNTFS}},
		"small gpt, no primary":      {4, 1, map[int]ContentKind{2: ContentNTFS}},
		"small mbr":                  {4, 0, map[int]ContentKind{1: ContentNTFS, 2: ContentExtended, 5: ContentEmpty, 6: ContentEmpty}},
		"small mbr, ebr loop":        {4, 1, map[int]ContentKind{1: ContentNTFS, 2: ContentExtended}},
	}
	seen := 0
	for _, s := range fuzzSeeds(t) {
		want, ok := tests[s.name]
		if !ok {
			continue
		}
		seen++
		l, err := ScanReader(bytes.NewReader(s.b), int64(len(s.b)), 512)
		if err != nil {
			t.Errorf("%s: %v", s.name, err)
			continue
		}
		if len(l.Partitions) != want.parts || len(l.Warnings) != want.warnings {
			t.Errorf("%s: %d partitions, warnings %q", s.name, len(l.Partitions), l.Warnings)
		}
		for _, p := range l.Partitions {
			if c, ok := want.content[p.Index]; ok && p.Content != c {
				t.Errorf("%s #%d: %v, want %v", s.name, p.Index, p.Content, c)
			}
		}
	}
	if seen != len(tests) {
		t.Errorf("checked %d of %d seeds", seen, len(tests))
	}
}
