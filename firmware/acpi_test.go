package firmware

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseTableHeader(t *testing.T) {
	b := buildMSDM(keyPro)
	tab, err := ParseTable(append(bytes.Clone(b), 0xEE, 0xEE)) // trailing bytes are ignored
	if err != nil {
		t.Fatalf("ParseTable: %v", err)
	}
	want := Header{Signature: "MSDM", Length: 85, Revision: 3, Checksum: b[9], OEMID: "FIXTUR", OEMTableID: "FIXTURE1",
		OEMRevision: 1, CreatorID: "TEST", CreatorRevision: 0x20200925}
	if tab.Header != want {
		t.Errorf("header = %+v, want %+v", tab.Header, want)
	}
	if !tab.ChecksumOK || !bytes.Equal(tab.Raw, b) {
		t.Errorf("ChecksumOK=%v, Raw equal=%v", tab.ChecksumOK, bytes.Equal(tab.Raw, b))
	}
}

func TestParseTableCleansStrings(t *testing.T) {
	b := buildTable("TEST", "AB\x01\x00\x00\x00", "X  \xff    ", nil)
	tab, err := ParseTable(b)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Header.OEMID != "AB?" || tab.Header.OEMTableID != "X  ?" {
		t.Errorf("OEMID %q, OEMTableID %q", tab.Header.OEMID, tab.Header.OEMTableID)
	}
}

// TestParseTableCorrupt changes one thing and expects one sentinel.
func TestParseTableCorrupt(t *testing.T) {
	good := func() []byte { return buildMSDM(keyPro) }
	cases := []struct {
		name      string
		in        []byte
		want      error
		wantTable bool
		wantText  string
	}{
		{"empty", nil, ErrShortTable, false, "header alone needs 36"},
		{"truncated header", good()[:35], ErrShortTable, false, "35 bytes"},
		{"length 0", putLen(good(), 0), ErrBadLength, false, "is 0"},
		{"length below header", putLen(good(), 20), ErrBadLength, false, "less than the 36-byte header"},
		{"length beyond data", putLen(good(), 200), ErrBadLength, false, "only 85 bytes are present"},
		{"data cut short", good()[:60], ErrBadLength, false, "length field at offset 4 is 85"},
		{"bad checksum", func() []byte { b := good(); b[9]++; return b }(), ErrBadChecksum, true, "offset 9"},
		{"flipped body byte", func() []byte { b := good(); b[0x40] ^= 0x01; return b }(), ErrBadChecksum, true, "sum to 0x01"},
		{"binary signature", func() []byte { b := good(); b[1] = 0; fixChecksum(b); return b }(), ErrBadSignature, false, "offset 0"},
		{"blank signature", func() []byte { b := good(); copy(b, "    "); fixChecksum(b); return b }(), ErrBadSignature, false, "printable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab, err := ParseTable(c.in)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if (tab != nil) != c.wantTable {
				t.Errorf("table returned = %v, want %v", tab != nil, c.wantTable)
			}
			if !strings.Contains(err.Error(), c.wantText) {
				t.Errorf("error %q does not mention %q", err, c.wantText)
			}
			if tab != nil && tab.ChecksumOK {
				t.Errorf("ChecksumOK set on a bad table")
			}
		})
	}
}
