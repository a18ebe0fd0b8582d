package firmware

import (
	"bytes"
	"errors"
	"testing"
)

func seedTables(f *testing.F) {
	msdm := buildMSDM(keyPro)
	f.Add(msdm)
	f.Add(buildMSDM(keyHome))
	f.Add(buildSLICDefault())
	f.Add(buildTable("SSDT", "X", "Y", []byte{1, 2, 3}))
	f.Add(putLen(buildMSDM(keyPro), 0))
	f.Add(msdm[:40])
	f.Add(append(append([]byte{}, msdm...), buildSLICDefault()...))
	f.Add([]byte(dumpACPICA("MSDM", 0, msdm)))
}

func FuzzParseTable(f *testing.F) {
	seedTables(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		tab, err := ParseTable(b)
		if tab != nil {
			if int(tab.Header.Length) != len(tab.Raw) || len(tab.Raw) < HeaderSize || len(tab.Raw) > len(b) {
				t.Fatalf("Length %d, Raw %d, input %d", tab.Header.Length, len(tab.Raw), len(b))
			}
			if tab.ChecksumOK != (err == nil) || (err != nil && !errors.Is(err, ErrBadChecksum)) {
				t.Fatalf("ChecksumOK %v with err %v", tab.ChecksumOK, err)
			}
		} else if err == nil {
			t.Fatal("nil table without error")
		}
		if tf, err := ParseTables(b); tf == nil && err == nil {
			t.Fatal("ParseTables: nil without error")
		}
	})
}

func FuzzParseMSDM(f *testing.F) {
	seedTables(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMSDM(b)
		if m == nil {
			if err == nil {
				t.Fatal("nil MSDM without error")
			}
			return
		}
		if len(m.Key) != 29 || m.Table == nil {
			t.Fatalf("key length %d", len(m.Key))
		}
		if err == nil && (checkKey([]byte(m.Key), 0) != nil || !m.Table.ChecksumOK) {
			t.Fatal("accepted a bad key or checksum")
		}
	})
}

func FuzzParseSLIC(f *testing.F) {
	seedTables(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSLIC(b)
		if s == nil && err == nil {
			t.Fatal("nil SLIC without error")
		}
		if s != nil && err == nil && (s.Version == "" || s.PublicKey.Magic != "RSA1") {
			t.Fatalf("accepted SLIC without marker or key: %+v", s)
		}
	})
}

func FuzzParseAcpidump(f *testing.F) {
	f.Add([]byte(dumpACPICA("RSD PTR ", 0xF0490, rsdp) + dumpACPICA("MSDM", 0xBF6A1000, buildMSDM(keyPro))))
	f.Add([]byte(dumpOld("MSDM @ 0xbf6a1000", buildMSDM(keyHome), true) + dumpOld("SLIC", buildSLICDefault(), false)))
	f.Add([]byte("SLIC @ 0x0\n    0000: 53 4C\n    0010: 00\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		got, err := ParseAcpidump(text)
		if len(got) == 0 && err == nil {
			t.Fatal("no tables and no error")
		}
		// Round trip: format what was parsed, parse again, same bytes.
		var sb bytes.Buffer
		for _, d := range mustDump(t, text) {
			if len(d.raw) == 0 {
				t.Fatalf("empty table %q", d.sig)
			}
			sb.WriteString(dumpACPICA(d.sig, 0, d.raw))
		}
		if len(got) == 0 {
			return
		}
		again, err := ParseAcpidump(sb.Bytes())
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		assertTables(t, again, got)
	})
}

func mustDump(t *testing.T, text []byte) []dumpTable {
	t.Helper()
	list, _ := parseDump(text)
	return list
}

func FuzzParseSMBIOS(f *testing.F) {
	f.Add(sampleSMBIOS())
	f.Add(rawSMBIOSData(sampleSMBIOS()))
	f.Add(sampleSMBIOS()[:20])
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseSMBIOS(b)
		if d == nil {
			if err == nil {
				t.Fatal("nil DMI without error")
			}
			return
		}
		for _, s := range []string{d.Vendor, d.Product, d.Version, d.Serial, d.SKU, d.BIOSVendor, d.BIOSVersion, d.BIOSDate, d.BoardVendor, d.BoardName} {
			for i := 0; i < len(s); i++ {
				if s[i] < 0x20 || s[i] > 0x7E {
					t.Fatalf("unclean string %q", s)
				}
			}
		}
	})
}
