package hive

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzReplay applies the fuzz bytes as a LOG1 to a fixed dirty copy of
// minimalHive: no panic, no error (the primary is sound), and a consistent
// report and result.
func FuzzReplay(f *testing.F) {
	p := dirtyMinimal()
	hb := addedValue(p)
	f.Add(logFile(p, 1, 6, hvleEntry(1, 4096, dirtyPage{0, hb}), hvleEntry(2, 8192, dirtyPage{0, withN(hb, 8)}, dirtyPage{4096, hb})))
	f.Add(logFile(p, 1, 6, hvleEntry(1, 4096, dirtyPage{512, hb[:1024]})))
	f.Add(oldLog(p, 2, 0xff, hb))
	f.Add(oldLog(p, 2, 0x81, hb))
	f.Add(logFile(p, 1, 6))
	f.Add([]byte("regf"))
	f.Fuzz(func(t *testing.T, b []byte) {
		opts := Options{MaxSize: 1 << 20, MaxValueSize: 1 << 16}
		logs := []LogFile{{Name: "H.LOG1", R: bytes.NewReader(b), Size: int64(len(b))}}
		r, n, rep, err := Replay(bytes.NewReader(p), int64(len(p)), logs, opts)
		if err != nil {
			t.Fatalf("sound primary: %v", err)
		}
		if !rep.Applied {
			if n != int64(len(p)) || len(rep.Entries) != 0 {
				t.Fatalf("not applied but size %d, %+v", n, rep)
			}
			return
		}
		if n < int64(len(p)) || n > opts.MaxSize {
			t.Fatalf("result size %d", n)
		}
		base := make([]byte, 4096)
		if k, err := r.ReadAt(base, 0); k != len(base) {
			t.Fatalf("read base block: %v", err)
		}
		hdr, err := ParseHeader(base)
		if err != nil || !hdr.ChecksumOK || hdr.Primary != hdr.Secondary || hdr.Primary != rep.FinalSequence {
			t.Fatalf("base block %+v, %v; report %+v", hdr, err, rep)
		}
		if int64(hdr.HiveBinsSize)+4096 > n || rep.Pages*4096 > int(n) {
			t.Fatalf("hive bins %d / pages %d outside the %d-byte result", hdr.HiveBinsSize, rep.Pages, n)
		}
		// Reads across the whole result, unaligned.
		buf := make([]byte, 5000)
		for off := int64(1); off < n; off += 4999 {
			if k, err := r.ReadAt(buf, off); k != int(min(5000, n-off)) {
				t.Fatalf("read at %d: %d, %v", off, k, err)
			}
		}
		if bytes.Equal(p[4096:8192], hb) || binary.LittleEndian.Uint32(p[4:]) != 2 {
			t.Fatal("primary modified")
		}
		h, err := Open(r, n, opts)
		if err != nil {
			return
		}
		root, err := h.Root()
		if err != nil {
			return
		}
		vals, _ := root.Values()
		for _, v := range vals {
			_, _ = v.String()
		}
		subs, _ := root.Subkeys()
		for _, s := range subs {
			_, _ = s.Values()
		}
	})
}
