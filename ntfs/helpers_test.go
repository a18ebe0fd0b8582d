package ntfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/actrescue/actrescue/image"
	"github.com/actrescue/actrescue/internal/testenv"
)

// Paths inside the fixtures.
const (
	pSoftware = "Windows/System32/config/SOFTWARE"
	pSystem   = "Windows/System32/config/SYSTEM"
	pConfig   = "Windows/System32/config"
	pTokens   = "Windows/System32/spp/store/2.0/tokens.dat"
	pDataDat  = "Windows/System32/spp/store/2.0/data.dat"
	pCacheDat = "Windows/System32/spp/store/2.0/cache/cache.dat"
	pReadme   = "Users/Public/readme.txt"
)

var (
	fixtureMu    sync.Mutex
	fixtureCache = map[string][]byte{}
)

// fixtureDisk decodes testdata/NAME once per test binary. Callers must not
// modify the result (clone it first).
func fixtureDisk(tb testing.TB, name string) []byte {
	tb.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if b, ok := fixtureCache[name]; ok {
		return b
	}
	f, err := os.Open(testenv.Fixture(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	b, err := image.ReadD2Zst(f, 256<<20)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	fixtureCache[name] = b
	return b
}

// fixtureVolume returns the NTFS partition number idx (1-based) of a
// fixture disk, found with image.ScanReader; it must start at byte start.
func fixtureVolume(tb testing.TB, name string, sector, idx int, start int64) []byte {
	tb.Helper()
	b := fixtureDisk(tb, name)
	l, err := image.ScanReader(bytes.NewReader(b), int64(len(b)), sector)
	if err != nil {
		tb.Fatalf("%s: scan: %v", name, err)
	}
	for _, p := range l.Partitions {
		if p.Index == idx {
			if p.Content != image.ContentNTFS || p.Start != start {
				tb.Fatalf("%s: partition %d holds %v at byte %d, want NTFS at %d", name, idx, p.Content, p.Start, start)
			}
			return b[p.Start : p.Start+p.Size]
		}
	}
	tb.Fatalf("%s: no partition %d", name, idx)
	return nil
}

// The three NTFS fixtures: unpartitioned, GPT #2 at 5 MiB, 4Kn GPT #2 at 2 MiB.
func win11Volume(tb testing.TB) []byte {
	return fixtureVolume(tb, "vol-win11home.img.d2.zst", 512, 1, 0)
}

func hiberVolume(tb testing.TB) []byte {
	return fixtureVolume(tb, "gpt-bitlocker-hiber.img.d2.zst", 512, 2, 5<<20)
}

func server4kVolume(tb testing.TB) []byte {
	return fixtureVolume(tb, "gpt4k-server.img.d2.zst", 4096, 2, 2<<20)
}

func openBytes(tb testing.TB, b []byte) *Volume {
	tb.Helper()
	v, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return v
}

// readAll reads a File through ReadAt in odd-sized chunks.
func readAll(f File) ([]byte, error) {
	var out []byte
	buf := make([]byte, 3000)
	for off := int64(0); ; {
		n, err := f.ReadAt(buf, off)
		out = append(out, buf[:n]...)
		off += int64(n)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if n == 0 {
			return out, fmt.Errorf("no progress at offset %d", off)
		}
	}
}

// countingReader counts bytes and calls.
type countingReader struct {
	r     io.ReaderAt
	bytes atomic.Int64
	calls atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.calls.Add(1)
	n, err := c.r.ReadAt(p, off)
	c.bytes.Add(int64(n))
	return n, err
}

var errInjected = errors.New("injected I/O error")

// failAfter serves budget bytes, then fails every read that would exceed it.
type failAfter struct {
	r      io.ReaderAt
	budget int64
	used   atomic.Int64
}

func (f *failAfter) ReadAt(p []byte, off int64) (int, error) {
	if f.used.Load()+int64(len(p)) > f.budget {
		return 0, fmt.Errorf("sector at %d: %w", off, errInjected)
	}
	f.used.Add(int64(len(p)))
	return f.r.ReadAt(p, off)
}

// overlay reads base with patch laid over it at off (no 16 MiB copies).
type overlay struct {
	base  []byte
	off   int64
	patch []byte
}

func (o *overlay) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= int64(len(o.base)) {
		return 0, io.EOF
	}
	n := copy(p, o.base[off:])
	// Intersect [off, off+n) with the patch.
	lo, hi := max(off, o.off), min(off+int64(n), o.off+int64(len(o.patch)))
	if lo < hi {
		copy(p[lo-off:hi-off], o.patch[lo-o.off:hi-o.off])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// sleuthkit returns the path of a sleuthkit tool or skips.
func sleuthkit(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("sleuthkit %s not installed (apt-get install sleuthkit): skipping oracle check", tool)
	}
	return p
}

// writeTemp writes b to a file in t.TempDir.
func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOverlayReader(t *testing.T) {
	base := []byte("0123456789")
	o := &overlay{base: base, off: 3, patch: []byte("abc")}
	got := make([]byte, 10)
	if n, err := o.ReadAt(got, 0); n != 10 || err != nil || string(got) != "012abc6789" {
		t.Fatalf("got %q %d %v", got, n, err)
	}
	got = make([]byte, 4)
	if n, err := o.ReadAt(got, 4); n != 4 || err != nil || string(got) != "bc67" {
		t.Fatalf("got %q %d %v", got, n, err)
	}
	if n, err := o.ReadAt(got, 8); n != 2 || err != io.EOF {
		t.Fatalf("tail: %d %v", n, err)
	}
}
