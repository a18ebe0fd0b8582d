package ntfs

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/actrescue/actrescue/image"
)

// readChunks reads f with ReadAt in chunks of size n.
func readChunks(f File, n int) ([]byte, error) {
	var out []byte
	buf := make([]byte, n)
	for off := int64(0); ; {
		k, err := f.ReadAt(buf, off)
		out = append(out, buf[:k]...)
		off += int64(k)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil || k == 0 {
			return out, err
		}
	}
}

// goNTFSBytes reads f through go-ntfs only (4 KiB at a time).
func goNTFSBytes(t *testing.T, f *file) []byte {
	t.Helper()
	out := make([]byte, f.info.Size)
	for off := int64(0); off < f.info.Size; off += 4096 {
		end := min(off+4096, f.info.Size)
		if n, err := f.r.ReadAt(out[off:end], off); n < int(end-off) {
			t.Fatalf("%s: go-ntfs read at %d: %d bytes, %v", f.info.Path, off, n, err)
		}
	}
	return out
}

// checkDirectReads reads every file under dir (at most max files) in
// large chunks (the direct path, with read-ahead), in odd large chunks at
// odd offsets, and through go-ntfs, and wants the same bytes each time.
func checkDirectReads(t *testing.T, v *Volume, dir string, max *int) (direct int) {
	t.Helper()
	ents, err := v.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir(%q): %v", dir, err)
	}
	for _, e := range ents {
		if *max <= 0 {
			return direct
		}
		p := path.Join(dir, e.Name)
		if e.IsDir {
			direct += checkDirectReads(t, v, p, max)
			continue
		}
		if e.Name == "$BadClus" || e.Name == "$Secure" || e.Name == "$UsnJrnl" || e.Size > 256<<20 {
			continue
		}
		*max--
		fi, err := v.Open(p)
		if err != nil {
			continue // system files without a plain $DATA stream
		}
		f := fi.(*file)
		if f.direct != nil {
			direct++
		}
		want := goNTFSBytes(t, f)
		for _, n := range []int{64 << 10, 20000, 1 << 20} {
			got, err := readChunks(f, n)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %d-byte chunks: %d bytes (want %d), %v, equal=%v", p, n, len(got), len(want), err, bytes.Equal(got, want))
			}
		}
		// Odd offsets, backwards: no read-ahead window can help.
		buf := make([]byte, 40000)
		for off := f.info.Size - 1; off >= 0 && f.info.Size > int64(len(buf)); off -= 77777 {
			n, err := f.ReadAt(buf, off)
			if n == 0 && err != nil && !errors.Is(err, io.EOF) {
				t.Errorf("%s at %d: %v", p, off, err)
				break
			}
			if !bytes.Equal(buf[:n], want[off:off+int64(n)]) {
				t.Errorf("%s: %d bytes at %d differ", p, n, off)
				break
			}
		}
	}
	return direct
}

func TestDirectReadsMatchGoNTFS(t *testing.T) {
	total := 0
	for name, b := range allFixtureVolumes(t) {
		t.Run(name, func(t *testing.T) {
			v := openBytes(t, b)
			max := 400
			total += checkDirectReads(t, v, "", &max)
		})
	}
	if total < 10 {
		t.Errorf("only %d files took the direct path", total)
	}
}

// The corpus holds compressed, sparse and 2 MiB-cluster volumes.
func TestDirectReadsMatchGoNTFSCorpus(t *testing.T) {
	for _, rel := range []string{"go-ntfs/tests/ads_with_same_ids/charlie.dd.bz2", "ntfs-samples/ntfs-lastaccess.raw.gz",
		"ntfs-samples/ntfs-ramslack.raw.gz"} { // ramslack: a 1 GiB disk with compressed files
		t.Run(filepath.Base(rel), func(t *testing.T) {
			b := sharedDecompress(t, rel, 1100<<20)
			vol := b
			if _, err := Open(bytes.NewReader(b), int64(len(b))); err != nil {
				l, err := image.ScanReader(bytes.NewReader(b), int64(len(b)), 512)
				if err != nil {
					t.Skipf("%s: %v", rel, err)
				}
				vol = nil
				for _, p := range l.Partitions {
					if p.Content == image.ContentNTFS {
						vol = b[p.Start : p.Start+p.Size]
						break
					}
				}
				if vol == nil {
					t.Skipf("%s: no NTFS volume", rel)
				}
			}
			v := openBytes(t, vol)
			max := 300
			n := checkDirectReads(t, v, "", &max)
			t.Logf("%d files read directly", n)
		})
	}
}

func TestDecodeRuns(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
		want []extent
		ok   bool
	}{
		{"one run", []byte{0x21, 0x10, 0x00, 0x01, 0}, []extent{{0, 16, 256}}, true},
		{"sparse then negative delta", []byte{0x11, 4, 100, 0x01, 8, 0x11, 2, 0xF6, 0},
			[]extent{{0, 4, 100}, {4, 8, -1}, {12, 2, 90}}, true},
		{"past the volume", []byte{0x31, 0x10, 0xFF, 0xFF, 0x7F, 0}, nil, false},
		{"zero length", []byte{0x11, 0, 5, 0}, nil, false},
		{"truncated", []byte{0x44, 1, 2}, nil, false},
		{"negative lcn", []byte{0x11, 1, 0x80, 0}, nil, false},
		{"empty", []byte{0}, nil, false},
	} {
		got, ok := decodeRuns(c.b, 0, 1<<20)
		if ok != c.ok || (ok && !equalExtents(got, c.want)) {
			t.Errorf("%s: %v %v, want %v %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func equalExtents(a, b []extent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadDirectInitializedSize(t *testing.T) {
	data := bytes.Repeat([]byte{0xAB}, 8192)
	m := &extentMap{ext: []extent{{0, 1, 0}, {1, 1, -1}}, cluster: 4096, size: 8192, initSize: 3000}
	got := make([]byte, 8192)
	if n, err := m.readDirect(bytes.NewReader(data), got, 0); n != 8192 || err != nil {
		t.Fatal(n, err)
	}
	if !bytes.Equal(got[:3000], data[:3000]) || !bytes.Equal(got[3000:], make([]byte, 5192)) {
		t.Error("bytes past the initialized size or in a sparse run are not zero")
	}
	if _, err := m.readDirect(bytes.NewReader(data), make([]byte, 100), 8190); err == nil {
		t.Error("a read past the runlist gave no error")
	}
}

// On the big fixture: the fragmented hives read back exactly, and hashing
// the 4.5 MB tokens.dat takes a handful of device reads.
func TestDirectReadsBig(t *testing.T) {
	r, size, dir := bigFixtureVolume(t)
	c := &countingReader{r: r}
	v, err := Open(c, size)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []struct{ vol, copy string }{
		{"Windows/System32/config/SOFTWARE", "hives/cur/SOFTWARE"}, {"Windows/System32/config/SYSTEM", "hives/cur/SYSTEM"},
		{"Windows.old/Windows/System32/config/SOFTWARE", "hives/old/SOFTWARE"},
	} {
		want, err := os.ReadFile(filepath.Join(dir, h.copy))
		if err != nil {
			t.Skipf("hive copies missing: %v", err)
		}
		f, err := v.Open(h.vol)
		if err != nil {
			t.Fatal(err)
		}
		if f.(*file).direct == nil {
			t.Errorf("%s: no direct map", h.vol)
		}
		b0, n0 := c.bytes.Load(), c.calls.Load()
		got, err := readChunks(f, 32<<10)
		if err != nil || sha256.Sum256(got) != sha256.Sum256(want) {
			t.Errorf("%s: %d bytes, %v, differs from %s", h.vol, len(got), err, h.copy)
		}
		t.Logf("%s: %d bytes in %d device reads", h.vol, c.bytes.Load()-b0, c.calls.Load()-n0)
	}
	f, err := v.Open("Windows/System32/spp/store/2.0/tokens.dat")
	if err != nil {
		t.Fatal(err)
	}
	b0, n0 := c.bytes.Load(), c.calls.Load()
	if _, err := readChunks(f, 32<<10); err != nil {
		t.Fatal(err)
	}
	if calls := c.calls.Load() - n0; calls > 12 {
		t.Errorf("tokens.dat (%d bytes) took %d reads", f.Size(), calls)
	} else {
		t.Logf("tokens.dat: %d bytes in %d reads", c.bytes.Load()-b0, calls)
	}
}
