package image

import (
	"encoding/binary"
	"testing"
)

func geometryBuf(bytesPerSector uint32, size int64) []byte {
	b := make([]byte, 64)
	binary.LittleEndian.PutUint64(b[0:], 3891) // cylinders
	binary.LittleEndian.PutUint32(b[8:], 12)   // FixedMedia
	binary.LittleEndian.PutUint32(b[12:], 255)
	binary.LittleEndian.PutUint32(b[16:], 63)
	binary.LittleEndian.PutUint32(b[geometryBytesPerSector:], bytesPerSector)
	binary.LittleEndian.PutUint64(b[geometryDiskSize:], uint64(size))
	return b
}

func TestParseGeometryEx(t *testing.T) {
	cases := []struct {
		buf    []byte
		size   int64
		sector int
		ok     bool
	}{
		{geometryBuf(512, 500107862016), 500107862016, 512, true},
		{geometryBuf(4096, 2000398934016), 2000398934016, 4096, true}, // 4Kn disk
		{geometryBuf(0, 1<<30), 1 << 30, 512, true},                   // no sector size: 512
		{geometryBuf(520, 1<<30), 1 << 30, 512, true},                 // not a power of two
		{geometryBuf(1<<20, 1<<30), 1 << 30, 512, true},               // absurd
		{geometryBuf(512, 0), 0, 512, false},
		{geometryBuf(512, -5), 0, 512, false},
		{make([]byte, 20), 0, 0, false},
	}
	for i, c := range cases {
		size, sector, ok := parseGeometryEx(c.buf)
		if size != c.size || sector != c.sector || ok != c.ok {
			t.Errorf("case %d: %d %d %v, want %d %d %v", i, size, sector, ok, c.size, c.sector, c.ok)
		}
	}
	if n, ok := parseLengthInfo([]byte{0, 0, 0, 0x40, 0, 0, 0, 0}); !ok || n != 1<<30 {
		t.Errorf("length info %d %v", n, ok)
	}
	if _, ok := parseLengthInfo([]byte{1, 2}); ok {
		t.Errorf("short length info accepted")
	}
}
