package firmware

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// iasl runs ACPICA's compiler in dir, skipping the test without acpica-tools.
func iasl(t *testing.T, dir string, args ...string) string {
	t.Helper()
	tool, err := exec.LookPath("iasl")
	if err != nil {
		t.Skip("iasl (acpica-tools) not installed")
	}
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("iasl %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestIaslSLICTemplate parses the SLIC template shipped in iasl, an
// independent 374-byte SLIC 2.1 table.
func TestIaslSLICTemplate(t *testing.T) {
	dir := t.TempDir()
	iasl(t, dir, "-T", "SLIC")
	iasl(t, dir, "slic.asl")
	b, err := os.ReadFile(filepath.Join(dir, "slic.aml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSLIC(b)
	if err != nil {
		t.Fatalf("ParseSLIC(iasl template): %v", err)
	}
	if s.Version != "2.1" || s.Marker.OEMID != "INTEL" || s.Marker.OEMTableID != "TEMPLATE" || !s.OEMIDMatch || !s.TableIDMatch ||
		s.PublicKey.Magic != "RSA1" || s.PublicKey.BitLength != 1024 || s.Marker.Version != 0x00020000 {
		t.Errorf("got version %q marker %+v key magic %q", s.Version, s.Marker, s.PublicKey.Magic)
	}
}

// TestIaslMSDM compiles an MSDM data-table source with iasl and compares
// it with the test's own builder (iasl writes its own creator fields).
func TestIaslMSDM(t *testing.T) {
	dir := t.TempDir()
	want := buildMSDM(keyPro)
	var src strings.Builder
	fmt.Fprintf(&src, "[0004] Signature : \"MSDM\"\n[0004] Table Length : 00000000\n[0001] Revision : 03\n[0001] Checksum : 00\n")
	fmt.Fprintf(&src, "[0006] Oem ID : \"FIXTUR\"\n[0008] Oem Table ID : \"FIXTURE1\"\n[0004] Oem Revision : 00000001\n")
	fmt.Fprintf(&src, "[0004] Asl Compiler ID : \"TEST\"\n[0004] Asl Compiler Revision : 00000000\n\n")
	body := want[HeaderSize:]
	fmt.Fprintf(&src, "[%04d] Software Licensing Structure : \\\n", len(body))
	for off := 0; off < len(body); off += 16 {
		for _, c := range body[off:min(off+16, len(body))] {
			fmt.Fprintf(&src, " %02X", c)
		}
		if off+16 < len(body) {
			src.WriteString(" \\")
		}
		src.WriteString("\n")
	}
	writeFile(t, filepath.Join(dir, "msdm.asl"), []byte(src.String()))
	iasl(t, dir, "msdm.asl")
	got, err := os.ReadFile(filepath.Join(dir, "msdm.aml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMSDM(got)
	if err != nil || m.Key != keyPro {
		t.Fatalf("ParseMSDM(iasl output): %v", err)
	}
	norm := bytes.Clone(got)
	copy(norm[28:36], want[28:36])
	fixChecksum(norm)
	if !bytes.Equal(norm, want) {
		t.Errorf("iasl table differs from the builder:\n iasl % X\nbuilt % X", norm, want)
	}

	// And iasl disassembles the builder's table without complaint.
	writeFile(t, filepath.Join(dir, "built.dat"), want)
	iasl(t, dir, "-d", "built.dat")
	dsl, err := os.ReadFile(filepath.Join(dir, "built.dsl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`Signature : "MSDM"`, "Table Length : 00000055", fmt.Sprintf("Checksum : %02X", want[9]), `Oem Table ID : "FIXTURE1"`} {
		if !strings.Contains(string(dsl), s) {
			t.Errorf("iasl -d output lacks %q", s)
		}
	}
	if strings.Contains(string(dsl), "Incorrect checksum") {
		t.Errorf("iasl reports a bad checksum")
	}
}
