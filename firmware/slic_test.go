package firmware

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestParseSLIC(t *testing.T) {
	for _, v := range []struct {
		major, minor uint16
		want         string
	}{{2, 0, "2.0"}, {2, 1, "2.1"}, {2, 2, "2.2"}, {2, 4, "2.4"}} {
		s, err := ParseSLIC(buildSLIC("LENOVO", "TP-G2   ", "LENOVO", "TP-G2   ", v.major, v.minor))
		if err != nil {
			t.Fatalf("ParseSLIC %s: %v", v.want, err)
		}
		if s.Version != v.want {
			t.Errorf("Version = %q, want %q", s.Version, v.want)
		}
		k, m := s.PublicKey, s.Marker
		if k.Offset != 0x24 || k.Length != 0x9C || k.KeyType != 6 || k.Algorithm != 0x2400 || k.Magic != "RSA1" ||
			k.BitLength != 1024 || k.Exponent != 0x10001 || len(k.Modulus) != 128 || k.Modulus[1] != 8 {
			t.Errorf("public key %+v", k)
		}
		if m.Offset != 0xC0 || m.Type != 1 || m.Length != 0xB6 || m.OEMID != "LENOVO" || m.OEMTableID != "TP-G2" ||
			m.WindowsFlag != "WINDOWS" || len(m.Signature) != 128 || len(m.Reserved) != 16 {
			t.Errorf("marker %+v", m)
		}
		if !s.OEMIDMatch || !s.TableIDMatch || len(s.Warnings) != 0 {
			t.Errorf("match %v/%v warnings %q", s.OEMIDMatch, s.TableIDMatch, s.Warnings)
		}
	}
}

func TestParseSLICMismatch(t *testing.T) {
	s, err := ParseSLIC(buildSLIC("DELL  ", "CBX3   ", "LENOVO", "TP-G2   ", 2, 1))
	if err != nil {
		t.Fatal(err)
	}
	if s.OEMIDMatch || s.TableIDMatch || len(s.Warnings) != 2 {
		t.Errorf("match %v/%v warnings %q", s.OEMIDMatch, s.TableIDMatch, s.Warnings)
	}
}

// TestParseSLICVersionFallback: a zero SLIC version falls back to the
// marker version (0x00020000 = 2.0).
func TestParseSLICVersionFallback(t *testing.T) {
	s, err := ParseSLIC(buildSLIC("LENOVO", "TP-G2", "LENOVO", "TP-G2", 0, 0))
	if err != nil || s.Version != "2.0" {
		t.Fatalf("version %q err %v", s.Version, err)
	}
}

func TestParseSLICCorrupt(t *testing.T) {
	mod := func(f func(b []byte)) []byte {
		b := buildSLICDefault()
		f(b)
		fixChecksum(b)
		return b
	}
	cases := []struct {
		name     string
		in       []byte
		want     error
		wantSLIC bool
		wantText string
	}{
		{"truncated header", buildSLICDefault()[:20], ErrShortTable, false, "20 bytes"},
		{"length beyond data", buildSLICDefault()[:300], ErrBadLength, false, "only 300"},
		{"length 0", putLen(buildSLICDefault(), 0), ErrBadLength, false, "is 0"},
		{"bad checksum", func() []byte { b := buildSLICDefault(); b[0x100]++; return b }(), ErrBadChecksum, true, "checksum"},
		{"wrong signature", mod(func(b []byte) { copy(b, "MSDM") }), ErrBadSignature, false, "want \"SLIC\""},
		{"no marker flag", mod(func(b []byte) { copy(b[0xDA:], "LINUX   ") }), ErrBadSignature, true, "offset 0xDA"},
		{"bad magic", mod(func(b []byte) { copy(b[0x34:], "RSA2") }), ErrBadSignature, true, "offset 0x34"},
		{"structure length 0", mod(func(b []byte) { binary.LittleEndian.PutUint32(b[0x28:], 0) }), ErrBadLength, true, "offset 0x24 has length 0"},
		{"structure length huge", mod(func(b []byte) { binary.LittleEndian.PutUint32(b[0xC4:], 0xFFFFFFF0) }), ErrBadLength, true, "offset 0xC0"},
		{"short key structure", mod(func(b []byte) { binary.LittleEndian.PutUint32(b[0x28:], 0x10) }), ErrBadLength, true, "want 156"},
		{"unknown type", mod(func(b []byte) { binary.LittleEndian.PutUint32(b[0xC0:], 7) }), ErrBadSignature, true, "is 7"},
		{"header only", buildTable("SLIC", "LENOVO", "TP-G2", nil), ErrBadSignature, true, "no valid"},
		{"stray bytes", buildTable("SLIC", "LENOVO", "TP-G2", []byte{1, 2, 3}), ErrShortTable, true, "3 stray bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseSLIC(c.in)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if (s != nil) != c.wantSLIC {
				t.Errorf("SLIC returned = %v, want %v", s != nil, c.wantSLIC)
			}
			if !strings.Contains(err.Error(), c.wantText) {
				t.Errorf("error %q does not mention %q", err, c.wantText)
			}
		})
	}
}
