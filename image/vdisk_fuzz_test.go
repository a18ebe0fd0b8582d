package image

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/actrescue/actrescue/internal/safeio"
	"github.com/actrescue/actrescue/internal/testenv"
)

// vhdFuzzSeeds are small VHDs built in test code: a valid dynamic disk of
// 64 KiB (one 512 KiB block, of which only the used part is stored), a
// sparse one, a truncated one, and a differencing child (parent missing).
func vhdFuzzSeeds() [][]byte {
	const bs = 512 << 10
	data := testPattern(64 << 10)
	full := newDynamicVHD(data, bs, 1).bytes()
	// Keep the block's bitmap and the 64 KiB in use, then the footer.
	blockEnd := 1536 + 512 + 512 + len(data)
	small := append(bytes.Clone(full[:blockEnd]), full[len(full)-512:]...)

	sparse := newDynamicVHD(make([]byte, 2*bs), bs, 2).bytes()
	cut := bytes.Clone(small[:len(small)-512-4096])
	diff := newDiffVHD(bs, bs, "parent.vhd", [16]byte{1}, 3, map[int64]byte{3: 0xAA})
	diff.locators = []vhdLoc{{"W2ru", utf16Bytes(`.\parent.vhd`, binary.LittleEndian)}}
	d := diff.bytes()
	diffSmall := append(bytes.Clone(d[:1536+512+512+4096]), d[len(d)-1024:]...)
	return [][]byte{small, sparse, cut, diffSmall}
}

// TestVHDFuzzSeeds: the valid seed reads back as built.
func TestVHDFuzzSeeds(t *testing.T) {
	seeds := vhdFuzzSeeds()
	tg, err := OpenImageReader("seed.vhd", bytes.NewReader(seeds[0]), int64(len(seeds[0])))
	if err != nil || tg.Kind != KindVHD || !bytes.Equal(readAllTarget(t, tg), testPattern(64<<10)) {
		t.Fatalf("seed 0: %v %+v", err, tg)
	}
	if _, err := OpenImageReader("seed.vhd", bytes.NewReader(seeds[3]), int64(len(seeds[3]))); !errors.Is(err, ErrMissingFile) {
		t.Fatalf("seed 3: %v", err)
	}
}

func FuzzOpenVHD(f *testing.F) {
	for _, s := range vhdFuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMax {
			return
		}
		tg, err := OpenImageReader("fuzz.vhd", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if errors.Is(err, safeio.ErrPanic) {
				t.Fatalf("recovered panic: %v", err)
			}
			return
		}
		if tg.Size <= 0 {
			return
		}
		// Read the start and the end of the virtual disk (it may be huge and sparse).
		buf := make([]byte, 64<<10)
		for _, off := range []int64{0, 64 << 10, max(tg.Size-int64(len(buf)), 0)} {
			n, err := tg.ReadAt(buf, off)
			if errors.Is(err, safeio.ErrPanic) {
				t.Fatalf("read at %d: recovered panic: %v", off, err)
			}
			if err == nil && n != len(buf) {
				t.Fatalf("read at %d: %d bytes without an error", off, n)
			}
		}
		if n, err := tg.ReadAt(buf, tg.Size); n != 0 || err != io.EOF {
			t.Fatalf("read at the end: %d, %v", n, err)
		}
		if n, err := tg.ReadAt(buf, tg.Size-1); n > 1 || (err != io.EOF && n == 1) {
			t.Fatalf("read across the end: %d, %v", n, err)
		}
		if _, err := Scan(tg); errors.Is(err, safeio.ErrPanic) {
			t.Fatalf("scan: recovered panic: %v", err)
		}
	})
}

// FuzzOpenImage fuzzes container detection and every container reader
// (VHD, VMDK, EWF), seeded with the VHD seeds and, when the shared corpus is
// present, its small EWF and VMDK files.
func FuzzOpenImage(f *testing.F) {
	for _, s := range vhdFuzzSeeds() {
		f.Add(s)
	}
	dir := os.Getenv(testenv.EnvShared)
	if dir == "" {
		dir = filepath.Join(testenv.RepoRoot(f), "..", "shared", "testdata")
	}
	for _, name := range []string{"plaso/test_data/image.E01", "dfvfs/test_data/ext2.E01", "plaso/test_data/image.vmdk"} {
		if b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name))); err == nil && len(b) <= fuzzMax {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMax {
			return
		}
		tg, err := OpenImageReader("fuzz.img", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if errors.Is(err, safeio.ErrPanic) {
				t.Fatalf("recovered panic: %v", err)
			}
			return
		}
		buf := make([]byte, 64<<10)
		for _, off := range []int64{0, max(tg.Size-int64(len(buf)), 0)} {
			if _, err := tg.ReadAt(buf, off); errors.Is(err, safeio.ErrPanic) {
				t.Fatalf("read at %d: recovered panic: %v", off, err)
			}
		}
		if n, err := tg.ReadAt(buf, tg.Size); n != 0 || err != io.EOF {
			t.Fatalf("read at the end: %d, %v", n, err)
		}
	})
}
