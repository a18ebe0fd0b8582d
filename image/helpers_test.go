package image

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/actrescue/actrescue/internal/testenv"
)

const mib = 1 << 20

var le = binary.LittleEndian

// fixtureCache holds decoded fixtures by name; callers get copies.
var fixtureCache sync.Map

// fixture returns a private copy of a decoded testdata/NAME.img.d2.zst.
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	if b, ok := fixtureCache.Load(name); ok {
		return bytes.Clone(b.([]byte))
	}
	f, err := os.Open(testenv.Fixture(tb, name+".img.d2.zst"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	b, err := ReadD2Zst(f, 256<<20)
	if err != nil {
		tb.Fatalf("decode %s: %v", name, err)
	}
	fixtureCache.Store(name, b)
	return bytes.Clone(b)
}

// writeTemp writes b to a file in a fresh temp dir and returns its path.
func writeTemp(tb testing.TB, name string, b []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// fixHeaderCRC recomputes the CRC of the 92-byte GPT header at h.
func fixHeaderCRC(h []byte) {
	le.PutUint32(h[16:], 0)
	le.PutUint32(h[16:], crc32.ChecksumIEEE(h[:92]))
}

// fixEntriesCRC recomputes the entry-array CRC of the GPT header at hdrOff,
// then the header CRC.
func fixEntriesCRC(img []byte, hdrOff int64, ss int64) {
	h := img[hdrOff:]
	first := int64(le.Uint64(h[72:])) * ss
	n := int64(le.Uint32(h[80:])) * int64(le.Uint32(h[84:]))
	le.PutUint32(h[88:], crc32.ChecksumIEEE(img[first:first+n]))
	fixHeaderCRC(h)
}

// errIO is the failure faultyReader injects.
var errIO = errors.New("simulated I/O error")

// faultyReader is a test double for a failing disk: reads covering any
// offset in bad fail with errIO; reads past len(data) are short.
type faultyReader struct {
	data []byte
	bad  []int64
}

func (f *faultyReader) ReadAt(p []byte, off int64) (int, error) {
	for _, b := range f.bad {
		if b >= off && b < off+int64(len(p)) {
			return 0, errIO
		}
	}
	if off >= int64(len(f.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// encodedFixture returns the raw .img.d2.zst bytes.
func encodedFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(testenv.Fixture(tb, name+".img.d2.zst"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
