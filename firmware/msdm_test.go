package firmware

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMSDM(t *testing.T) {
	for _, key := range []string{keyPro, keyHome} {
		m, err := ParseMSDM(buildMSDM(key))
		if err != nil {
			t.Fatalf("ParseMSDM: %v", err)
		}
		if m.Key != key || m.Version != 1 || m.DataType != 1 || m.DataLength != 29 || m.Reserved != 0 || m.DataReserved != 0 {
			t.Errorf("got %+v", m)
		}
		if !m.Table.ChecksumOK || m.Table.Header.Length != MSDMLength || len(m.Warnings) != 0 {
			t.Errorf("table %+v warnings %q", m.Table.Header, m.Warnings)
		}
	}
}

func TestParseMSDMWarnings(t *testing.T) {
	m, err := ParseMSDM(buildMSDMWith(msdmBody{Version: 2, Reserved: 7, DataType: 3, DataReserved: 1, DataLength: 29}, keyPro))
	if err != nil {
		t.Fatalf("ParseMSDM: %v", err)
	}
	if len(m.Warnings) != 4 {
		t.Errorf("warnings = %q, want 4", m.Warnings)
	}
}

// withKeyByte replaces key character i (0-based) and fixes the checksum.
func withKeyByte(key string, i int, c byte) []byte {
	b := buildMSDM(key)
	b[0x38+i] = c
	fixChecksum(b)
	return b
}

func TestParseMSDMCorrupt(t *testing.T) {
	cases := []struct {
		name     string
		in       []byte
		want     error
		wantMSDM bool
		wantText string
	}{
		{"length 0", putLen(buildMSDM(keyPro), 0), ErrBadLength, false, "is 0"},
		{"length below header", putLen(buildMSDM(keyPro), 35), ErrBadLength, false, "less than"},
		{"length beyond data", putLen(buildMSDM(keyPro), 86), ErrBadLength, false, "only 85"},
		{"truncated file", buildMSDM(keyPro)[:30], ErrShortTable, false, "30 bytes"},
		{"truncated table", buildTable("MSDM", "FIXTUR", "FIXTURE1", make([]byte, 12)), ErrShortTable, false, "fields end at offset 0x38"},
		{"key cut short", buildTable("MSDM", "FIXTUR", "FIXTURE1", append([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 29, 0, 0, 0}, "VK7JG"...)), ErrShortTable, false, "needs 85"},
		{"bad checksum", func() []byte { b := buildMSDM(keyPro); b[9] ^= 0xFF; return b }(), ErrBadChecksum, true, "checksum"},
		{"data length 28", buildMSDMWith(msdmBody{Version: 1, DataType: 1, DataLength: 28}, keyPro), ErrBadLength, false, "offset 0x34 is 28"},
		{"data length huge", buildMSDMWith(msdmBody{Version: 1, DataType: 1, DataLength: 0xFFFFFFFF}, keyPro), ErrBadLength, false, "want 29"},
		{"wrong signature", func() []byte { b := buildMSDM(keyPro); copy(b, "SLIC"); fixChecksum(b); return b }(), ErrBadSignature, false, "\"SLIC\""},
		{"letter A", withKeyByte(keyPro, 0, 'A'), ErrBadKey, true, "offset 0x38"},
		{"letter O", withKeyByte(keyPro, 7, 'O'), ErrBadKey, true, "offset 0x3F"},
		{"lowercase", withKeyByte(keyPro, 28, 'T'+32), ErrBadKey, true, "offset 0x54"},
		{"digit 0", withKeyByte(keyPro, 2, '0'), ErrBadKey, true, "'0'"},
		{"NUL", withKeyByte(keyPro, 3, 0), ErrBadKey, true, "byte 0x00"},
		{"missing dash", withKeyByte(keyPro, 11, 'B'), ErrBadKey, true, "want '-'"},
		{"two N", withKeyByte(keyPro, 0, 'N'), ErrBadKey, true, "second 'N' at offset 0x3E"},
		{"no N", withKeyByte(keyPro, 6, 'B'), ErrBadKey, true, "no 'N'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := ParseMSDM(c.in)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if (m != nil) != c.wantMSDM {
				t.Errorf("MSDM returned = %v, want %v", m != nil, c.wantMSDM)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.wantText) {
				t.Errorf("error %q does not mention %q", msg, c.wantText)
			}
			assertNoKey(t, msg)
		})
	}
}

func TestParseMSDMChecksumAndKeyJoined(t *testing.T) {
	b := withKeyByte(keyPro, 0, 'A')
	b[9]++
	m, err := ParseMSDM(b)
	if !errors.Is(err, ErrBadChecksum) || !errors.Is(err, ErrBadKey) || m == nil {
		t.Fatalf("m=%v err=%v, want both sentinels and a result", m != nil, err)
	}
}

// assertNoKey fails if an error message leaks any 5-character key group.
func assertNoKey(t *testing.T, msg string) {
	t.Helper()
	for _, key := range []string{keyPro, keyHome} {
		for _, g := range strings.Split(key, "-") {
			if strings.Contains(msg, g) {
				t.Errorf("error message leaks key group %q: %q", g, msg)
			}
		}
	}
}
