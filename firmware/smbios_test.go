package firmware

import (
	"errors"
	"strings"
	"testing"
)

var wantDMI = DMI{
	Vendor: "LENOVO", Product: "20L5CTO1WW", Version: "ThinkPad T480", Serial: "PF1TEST0",
	SKU: "LENOVO_MT_20L5_BU_Think_FM_ThinkPad T480", BIOSVendor: "LENOVO", BIOSVersion: "N1EET91W (1.64 )",
	BIOSDate: "06/18/2024", BoardVendor: "LENOVO", BoardName: "20L5CTO1WW",
}

func TestParseSMBIOS(t *testing.T) {
	for name, in := range map[string][]byte{
		"structure table":    sampleSMBIOS(),
		"RawSMBIOSData":      rawSMBIOSData(sampleSMBIOS()),
		"zero padding":       append(sampleSMBIOS()[:len(sampleSMBIOS())-6], make([]byte, 9)...),
		"trailing after end": append(sampleSMBIOS(), 0xDE, 0xAD),
	} {
		t.Run(name, func(t *testing.T) {
			d, err := ParseSMBIOS(in)
			if err != nil {
				t.Fatalf("ParseSMBIOS: %v", err)
			}
			if *d != wantDMI {
				t.Errorf("got  %+v\nwant %+v", *d, wantDMI)
			}
		})
	}
}

func TestParseSMBIOSOddStrings(t *testing.T) {
	// Out-of-range and zero string indexes, control characters, an old
	// (SMBIOS 2.0) type 1 without a SKU field.
	sys := smbiosStruct{typ: 1, fields: []byte{9, 0, 1, 2}, strings: []string{"  T480\x07 ", "S1"}}
	d, err := ParseSMBIOS(buildSMBIOS(sys))
	if err != nil {
		t.Fatal(err)
	}
	if d.Vendor != "" || d.Product != "" || d.Version != "T480?" || d.Serial != "S1" || d.SKU != "" {
		t.Errorf("got %+v", *d)
	}
}

func TestParseSMBIOSCorrupt(t *testing.T) {
	good := sampleSMBIOS()
	cases := []struct {
		name    string
		in      []byte
		want    error
		wantDMI bool
		text    string
	}{
		{"empty", nil, ErrNoTable, true, "no BIOS"},
		{"only other types", buildSMBIOS(smbiosStruct{typ: 4, fields: []byte{0}}), ErrNoTable, true, "no BIOS"},
		{"length below 4", func() []byte { b := append([]byte{}, good...); b[0x2F] = 2; return b }(), ErrBadLength, true, "offset 0x2E has length 2"},
		{"length beyond data", good[:8], ErrShortTable, true, "only 8 bytes remain"},
		{"first length below 4", func() []byte { b := append([]byte{}, good...); b[1] = 2; return b }(), ErrBadLength, false, "RawSMBIOSData"},
		{"unterminated strings", good[:0x12+5], ErrShortTable, true, "double-NUL"},
		{"stray bytes", append(buildSMBIOS(smbiosStruct{typ: 0, fields: []byte{1}, strings: []string{"X"}}), 1, 2), ErrShortTable, true, "2 stray bytes"},
		{"raw length beyond data", func() []byte { b := rawSMBIOSData(good); b[4]++; return b }(), ErrBadLength, false, "offset 4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := ParseSMBIOS(c.in)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if (d != nil) != c.wantDMI {
				t.Errorf("DMI returned = %v", d != nil)
			}
			if !strings.Contains(err.Error(), c.text) {
				t.Errorf("error %q does not mention %q", err, c.text)
			}
		})
	}
}

// TestParseSMBIOSPartial: damage after type 0/1 keeps what was read.
func TestParseSMBIOSPartial(t *testing.T) {
	b := sampleSMBIOS()
	d, err := ParseSMBIOS(b[:len(b)-3])
	if err == nil || d == nil || d.Vendor != "LENOVO" || d.BoardName != "20L5CTO1WW" {
		t.Fatalf("d %+v err %v", d, err)
	}
}
