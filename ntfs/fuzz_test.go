package ntfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// FuzzOpen feeds arbitrary volumes (at least 64 KiB, at most 1 MiB) to
// Open, Stat and ReadDir: errors are fine, panics are not.
func FuzzOpen(f *testing.F) {
	vol := win11Volume(f)
	head := bytes.Clone(vol[:64<<10])
	f.Add(head)
	f.Add(bytes.Clone(server4kVolume(f)[:64<<10]))
	f.Add(bytes.Clone(vol[:512]))
	for _, patch := range []func(b []byte){
		func(b []byte) { binary.LittleEndian.PutUint16(b[11:], 4096); b[13] = 1 }, // 4 KiB sectors
		func(b []byte) { b[13] = 0xF4 },                                           // 2 MiB clusters
		func(b []byte) { b[64] = 1 },                                              // 1-cluster records
		func(b []byte) { binary.LittleEndian.PutUint64(b[48:], 15) },              // last cluster
		func(b []byte) { clear(b[mftOff+5*recSize : mftOff+6*recSize]) },          // no root
	} {
		b := bytes.Clone(head)
		patch(b)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			data = data[:1<<20]
		}
		if len(data) < minVolume {
			data = append(data, make([]byte, minVolume-len(data))...)
		}
		v, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		_ = v.State()
		_, _ = v.Stat(pSoftware)
		_, _ = v.ReadDir("")
	})
}

// BenchmarkOpenAndRead opens vol-win11home from memory and reads SOFTWARE.
func BenchmarkOpenAndRead(b *testing.B) {
	vol := win11Volume(b)
	var bytesRead, calls int64
	buf := make([]byte, 1<<20)
	b.ReportAllocs()
	for b.Loop() {
		cr := &countingReader{r: bytes.NewReader(vol)}
		v, err := Open(cr, int64(len(vol)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Stat(pSoftware); err != nil {
			b.Fatal(err)
		}
		f, err := v.Open(pSoftware)
		if err != nil {
			b.Fatal(err)
		}
		if f.Size() > int64(len(buf)) {
			b.Fatalf("SOFTWARE is %d bytes", f.Size())
		}
		n, err := f.ReadAt(buf, 0)
		if int64(n) != f.Size() || !errors.Is(err, io.EOF) {
			b.Fatalf("read %d of %d bytes: %v", n, f.Size(), err)
		}
		bytesRead += cr.bytes.Load()
		calls += cr.calls.Load()
	}
	b.ReportMetric(float64(bytesRead)/float64(b.N), "bytes-read/op")
	b.ReportMetric(float64(calls)/float64(b.N), "read-calls/op")
}
