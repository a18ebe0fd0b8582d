package firmware

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// rsdp is a minimal 20-byte RSDP ("RSD PTR "), not an ACPI-header table.
var rsdp = []byte("RSD PTR \x00FIXTUR\x00\x00\x10\x00\x00")

func TestParseAcpidumpVariants(t *testing.T) {
	msdm, msdm2, slic := buildMSDM(keyPro), buildMSDM(keyHome), buildSLICDefault()
	ssdt1 := buildTable("SSDT", "FIXTUR", "CPU0IST", []byte{1, 2, 3})
	ssdt2 := buildTable("SSDT", "FIXTUR", "CPU1IST", []byte{4, 5, 6, 7})
	cases := []struct {
		name string
		text string
		want map[string][][]byte
	}{
		{
			name: "acpica",
			text: dumpACPICA("RSD PTR ", 0xF0490, rsdp) + dumpACPICA("MSDM", 0xBF6A1000, msdm) +
				dumpACPICA("SSDT", 0xBF6A3000, ssdt1) + dumpACPICA("SLIC", 0xBF6A2000, slic) + dumpACPICA("SSDT", 0xBF6A4000, ssdt2),
			want: map[string][][]byte{"RSDP": {rsdp}, "MSDM": {msdm}, "SLIC": {slic}, "SSDT": {ssdt1, ssdt2}},
		},
		{
			name: "old style with log text",
			text: "fwts acpidump log\r\n" + dumpOld("RSD PTR @ 0xf7240", rsdp, true) + dumpOld("MSDM @ 0xbf6a1000", msdm2, true) +
				"some log line\r\n" + dumpOld("FACP (v04 LENOVO TP-N1E  00001640 PTL  00000002) @ 0x00000000bf6a5000", ssdt1, true),
			want: map[string][][]byte{"RSDP": {rsdp}, "MSDM": {msdm2}, "FACP": {ssdt1}},
		},
		{
			name: "no address, no ascii column",
			text: "PASS\n" + dumpOld("MSDM", msdm, false) + dumpOld("SLIC:", slic, false) + dumpOld("RSD  @ 0x00000000", rsdp, false) + "DONE\n",
			want: map[string][][]byte{"MSDM": {msdm}, "SLIC": {slic}, "RSDP": {rsdp}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseAcpidump([]byte(c.text))
			if err != nil {
				t.Fatalf("ParseAcpidump: %v", err)
			}
			assertTables(t, got, c.want)
		})
	}
}

func assertTables(t *testing.T, got, want map[string][][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("signatures %v, want %d", keys(got), len(want))
	}
	for sig, w := range want {
		g := got[sig]
		if len(g) != len(w) {
			t.Errorf("%s: %d tables, want %d", sig, len(g), len(w))
			continue
		}
		for i := range w {
			if !bytes.Equal(g[i], w[i]) {
				t.Errorf("%s[%d]: bytes differ:\n got % X\nwant % X", sig, i, g[i], w[i])
			}
		}
	}
}

func keys(m map[string][][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestParseAcpidumpUTF16(t *testing.T) {
	msdm := buildMSDM(keyPro)
	text := dumpACPICA("MSDM", 0, msdm)
	u := utf16.Encode([]rune(text))
	le, be := []byte{0xFF, 0xFE}, []byte{0xFE, 0xFF}
	for _, c := range u {
		le = append(le, byte(c), byte(c>>8))
		be = append(be, byte(c>>8), byte(c))
	}
	for name, b := range map[string][]byte{"little-endian": le, "big-endian": be} {
		got, err := ParseAcpidump(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertTables(t, got, map[string][][]byte{"MSDM": {msdm}})
	}
}

func TestParseAcpidumpErrors(t *testing.T) {
	msdm, slic := buildMSDM(keyPro), buildSLICDefault()
	good := dumpACPICA("MSDM", 0, msdm)
	lines := strings.SplitAfter(dumpACPICA("SLIC", 0, slic), "\n")
	missing := strings.Join(append(append([]string{}, lines[:3]...), lines[4:]...), "")
	t.Run("missing line", func(t *testing.T) {
		got, err := ParseAcpidump([]byte(missing + good))
		if !errors.Is(err, ErrBadDump) || !strings.Contains(err.Error(), "line 4: table SLIC (line 1) continues at offset 0x30 after 0x20 bytes") {
			t.Fatalf("err = %v", err)
		}
		assertTables(t, got, map[string][][]byte{"MSDM": {msdm}})
	})
	t.Run("no table", func(t *testing.T) {
		_, err := ParseAcpidump([]byte("hello\nworld\n"))
		if !errors.Is(err, ErrNoTable) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("hex without header", func(t *testing.T) {
		_, err := ParseAcpidump([]byte(strings.Join(lines[1:], "")))
		if !errors.Is(err, ErrNoTable) || !strings.Contains(err.Error(), "hex lines start at line 1") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("header without data", func(t *testing.T) {
		got, err := ParseAcpidump([]byte("SLIC @ 0x0000000000000000\n\n" + good))
		if !errors.Is(err, ErrBadDump) {
			t.Fatalf("err = %v", err)
		}
		assertTables(t, got, map[string][][]byte{"MSDM": {msdm}})
	})
	t.Run("key not in errors", func(t *testing.T) {
		// A broken MSDM dump: the error must not quote the ASCII column.
		ml := strings.SplitAfter(good, "\n")
		_, err := ParseAcpidump([]byte(ml[0] + ml[1] + ml[5] + ml[4]))
		if !errors.Is(err, ErrBadDump) {
			t.Fatalf("err = %v", err)
		}
		assertNoKey(t, err.Error())
	})
}

// TestAcpidumpOracle checks the parser against ACPICA's own acpidump text
// for a Go-built table (skipped without acpica-tools).
func TestAcpidumpOracle(t *testing.T) {
	tool, err := exec.LookPath("acpidump")
	if err != nil {
		t.Skip("acpidump (acpica-tools) not installed")
	}
	dir := t.TempDir()
	for _, tab := range [][]byte{buildMSDM(keyPro), buildSLICDefault()} {
		path := filepath.Join(dir, "table.dat")
		writeFile(t, path, tab)
		out, err := exec.Command(tool, "-f", path).Output()
		if err != nil {
			t.Fatalf("acpidump -f: %v", err)
		}
		got, err := ParseAcpidump(out)
		if err != nil {
			t.Fatalf("ParseAcpidump(acpidump output): %v\n%s", err, out)
		}
		assertTables(t, got, map[string][][]byte{string(tab[:4]): {tab}})
		if string(out) != dumpACPICA(string(tab[:4]), 0, tab) {
			t.Errorf("test formatter differs from acpidump:\n%s\nvs\n%s", out, dumpACPICA(string(tab[:4]), 0, tab))
		}
	}
}
