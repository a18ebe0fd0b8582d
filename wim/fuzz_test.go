package wim

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/actrescue/actrescue/internal/safeio"
)

// FuzzOpen feeds arbitrary bytes through everything a scan does with a WIM:
// Open, Images, FS for every image, a bounded walk of the tree, reading
// files, Verify and CheckIntegrity. It must never panic (panics in this
// package are turned into errors wrapping safeio.ErrPanic, which the fuzz
// target reports as failures), hang or allocate without bound.
func FuzzOpen(f *testing.F) {
	f.Add(committed(f, "win11home-lzx.wim"))
	f.Add(committed(f, "win11home-xpress.wim"))
	f.Add(buildSynth(synthFiles).wim)
	f.Fuzz(fuzzOne)
}

func fuzzOne(t *testing.T, data []byte) {
	{
		lim := Limits{MaxMetadataSize: 16 << 20, MaxBlobTableSize: 1 << 20, MaxXMLSize: 1 << 20, MaxFileSize: 64 << 20, MaxDirEntries: 4096, MaxImages: 16, CacheBytes: 4 << 20}
		w, err := OpenLimits(bytes.NewReader(data), int64(len(data)), lim)
		if err != nil {
			if errors.Is(err, safeio.ErrPanic) {
				t.Fatalf("panic: %v", err)
			}
			return
		}
		_ = w.Notes()
		if err := w.CheckIntegrity(); errors.Is(err, safeio.ErrPanic) {
			t.Fatalf("panic: %v", err)
		}
		budget := 2000
		for _, im := range w.Images() {
			_ = im.Version()
			img, err := w.FS(im.Index)
			if err != nil {
				if errors.Is(err, safeio.ErrPanic) {
					t.Fatalf("panic: %v", err)
				}
				continue
			}
			_, _ = img.Stat("Windows/System32/config/SOFTWARE")
			var walk func(dir string, depth int)
			walk = func(dir string, depth int) {
				if depth > 8 || budget <= 0 {
					return
				}
				ents, err := img.ReadDir(dir)
				if errors.Is(err, safeio.ErrPanic) {
					t.Fatalf("panic: %v", err)
				}
				for _, e := range ents {
					if budget--; budget <= 0 {
						return
					}
					if e.IsDir {
						walk(e.Path, depth+1)
						continue
					}
					fh, err := img.OpenFile(e.Path)
					if err != nil {
						continue
					}
					n := min(fh.Size(), 1<<20)
					if _, err := io.ReadAll(io.NewSectionReader(fh, 0, n)); errors.Is(err, safeio.ErrPanic) {
						t.Fatalf("panic: %v", err)
					}
					if fh.Size() <= 4<<20 {
						if err := fh.Verify(); errors.Is(err, safeio.ErrPanic) {
							t.Fatalf("panic: %v", err)
						}
					}
				}
			}
			walk("", 0)
		}
	}
}
