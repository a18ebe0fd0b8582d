package main

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"

	"bytes"
	"context"
	"encoding/json"
	"github.com/actrescue/actrescue/image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actrescue/actrescue/rescue"
)

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), exitCode(err)
}

func TestVersion(t *testing.T) {
	out, _, code := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "actrescue ") {
		t.Fatalf("version: code %d, out %q", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := map[string][]string{
		"no args":         {},
		"unknown command": {"frobnicate"},
		"bad flag":        {"scan", "--nope"},
		"bad lang":        {"scan", "--lang", "de", "x.img"},
		"demo with arg":   {"demo", "x.img"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			_, errOut, code := runCLI(t, args...)
			if code != exitBadInput {
				t.Errorf("exit code %d, want %d", code, exitBadInput)
			}
			if errOut == "" {
				t.Errorf("no message on stderr")
			}
		})
	}
}

func TestScanMissingPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.img")
	out, _, code := runCLI(t, "scan", p)
	if code != exitBadInput {
		t.Errorf("exit code %d, want %d", code, exitBadInput)
	}
	if !strings.Contains(out, p) {
		t.Errorf("report does not name the path:\n%s", out)
	}
}

func TestScanNotADisk(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(p, []byte("just some text, not a disk\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code := runCLI(t, "scan", p)
	if code != exitBadInput {
		t.Errorf("exit code %d for a text file, want %d", code, exitBadInput)
	}
	if !strings.Contains(out, p) {
		t.Errorf("report does not name the path:\n%s", out)
	}
}

func TestDemoText(t *testing.T) {
	out, errOut, code := runCLI(t, "demo")
	if code != exitFound {
		t.Fatalf("demo exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"Windows 11 Pro", "VK7JG-NPHTM-C97JM-9MPGT-3V66T", "generic", "tokens.dat", "26100"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoFrenchAndMask(t *testing.T) {
	out, _, code := runCLI(t, "demo", "--lang", "fr", "--mask")
	if code != exitFound {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out, "VK7JG-NPHTM") {
		t.Errorf("masked output shows the key:\n%s", out)
	}
	if !strings.Contains(out, "XXXXX-XXXXX-XXXXX-XXXXX-3V66T") || !strings.Contains(out, "Clés de produit") {
		t.Errorf("French masked output unexpected:\n%s", out)
	}
}

func TestDemoJSON(t *testing.T) {
	out, _, code := runCLI(t, "demo", "--json")
	if code != exitFound {
		t.Fatalf("exit %d", code)
	}
	var rep rescue.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if rep.SchemaVersion != rescue.SchemaVersion || len(rep.Targets) != 1 {
		t.Fatalf("schema %d, targets %d", rep.SchemaVersion, len(rep.Targets))
	}
	var generic bool
	for _, in := range rep.Targets[0].Installations {
		for _, k := range in.Keys {
			if k.Key == "VK7JG-NPHTM-C97JM-9MPGT-3V66T" && k.Class == "generic" {
				generic = true
			}
		}
	}
	if !generic {
		t.Errorf("demo JSON lacks the generic Pro key:\n%s", out)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["schema_version"]; !ok {
		t.Errorf("schema_version missing")
	}
}

func repoFile(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFirmwareFromFiles(t *testing.T) {
	out, _, code := runCLI(t, "firmware", "--acpi", repoFile(t, "testdata/acpi/acpidump.txt"))
	if code != exitFound {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"Firmware tables", "VK7JG-NPHTM-C97JM-9MPGT-3V66T", "generic", "version 2.1", "match the marker"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, _, code = runCLI(t, "firmware", "--json", "--mask", "--acpi", repoFile(t, "testdata/acpi/acpidump0.txt"))
	var fr rescue.FirmwareReport
	if err := json.Unmarshal([]byte(out), &fr); err != nil || code != exitFound {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if fr.MSDM == nil || fr.MSDM.Key == nil || fr.MSDM.Key.Key != "XXXXX-XXXXX-XXXXX-XXXXX-8HVX7" || fr.MSDM.Key.KnownEdition != "Core" {
		t.Errorf("masked Home key expected: %+v", fr.MSDM)
	}
}

func TestFirmwareErrors(t *testing.T) {
	dir := t.TempDir()
	// A table with a wrong checksum: exit 5 and the reason.
	b, err := os.ReadFile(repoFile(t, "testdata/acpi/msdm.dat"))
	if err != nil {
		t.Fatal(err)
	}
	b[9]++ // checksum byte
	bad := filepath.Join(dir, "bad.dat")
	os.WriteFile(bad, b, 0o644)
	out, _, code := runCLI(t, "firmware", "--acpi", bad)
	if code != exitInvalid || !strings.Contains(strings.ToLower(out), "checksum") {
		t.Errorf("bad checksum: exit %d:\n%s", code, out)
	}
	// No MSDM at all: exit 3 with the FreeDOS advice.
	slic := repoFile(t, "testdata/acpi/slic.dat")
	out, _, code = runCLI(t, "firmware", "--acpi", slic)
	if code != exitNothing || !strings.Contains(out, "FreeDOS") {
		t.Errorf("no MSDM: exit %d:\n%s", code, out)
	}
	// Unreadable file: exit 2.
	_, _, code = runCLI(t, "firmware", "--acpi", filepath.Join(dir, "missing.bin"))
	if code != exitBadInput {
		t.Errorf("missing file: exit %d", code)
	}
	_, _, code = runCLI(t, "firmware", "stray")
	if code != exitBadInput {
		t.Errorf("stray argument: exit %d", code)
	}
}

func TestKeyCheck(t *testing.T) {
	out, _, code := runCLI(t, "key", "check", "VK7JG-NPHTM-C97JM-9MPGT-3V66T", "fj82h-xt6cr-j8d7p-xqjj2-gpdd4")
	if code != exitFound || !strings.Contains(out, "group 3308") || !strings.Contains(out, "pre-Windows 8") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	out, _, code = runCLI(t, "key", "check", "W269N-WFGWX-YVC9B-4J6C9-9T83W")
	if code != exitInvalid || !strings.Contains(out, "CHECKSUM INVALID") || strings.Contains(out, "possibly the real key") {
		t.Errorf("typo key: exit %d:\n%s", code, out)
	}
	var in bytes.Buffer
	in.WriteString("NPPR9-FWDCX-D2C8J-H872K-2YT43\n\n")
	var o, e bytes.Buffer
	err := run(context.Background(), []string{"key", "check", "--json", "--mask", "-"}, &in, &o, &e)
	if err != nil {
		t.Fatalf("stdin check: %v %s", err, e.String())
	}
	var checks []rescue.KeyCheck
	if err := json.Unmarshal(o.Bytes(), &checks); err != nil || len(checks) != 1 {
		t.Fatalf("%v: %s", err, o.String())
	}
	if c := checks[0]; c.Key != "XXXXX-XXXXX-XXXXX-XXXXX-2YT43" || c.Input != "" || c.Group != 3290 || c.Class != "kms-client" {
		t.Errorf("masked check %+v", c)
	}
	if strings.Contains(o.String(), "NPPR9") {
		t.Errorf("masked JSON leaks the key")
	}
	for _, args := range [][]string{{"key"}, {"key", "check"}, {"key", "frob"}} {
		if _, _, code := runCLI(t, args...); code != exitBadInput {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}

func TestScanFirmwareNote(t *testing.T) {
	out, _, _ := runCLI(t, "demo", "--json")
	var rep rescue.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Firmware == nil || rep.Firmware.Host || !strings.Contains(rep.Firmware.Note, "not in them") {
		t.Errorf("demo report should explain that firmware belongs to the host: %+v", rep.Firmware)
	}
}

// decodeFixture writes a decoded disk fixture to a temporary file.
func decodeFixture(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open(repoFile(t, "testdata/"+name+".img.d2.zst"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := image.ReadD2Zst(f, 256<<20)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name+".img")
	if err := os.WriteFile(p, b, 0o444); err != nil {
		t.Fatal(err)
	}
	return p
}

func fileHash(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// A scan must leave the target byte-identical, and its mtime untouched.
func TestScanLeavesTargetUnchanged(t *testing.T) {
	for _, name := range []string{"gpt-win11", "mbr-ext-win10", "gpt-bitlocker-hiber"} {
		p := decodeFixture(t, name)
		before := fileHash(t, p)
		st0, _ := os.Stat(p)
		out, errOut, code := runCLI(t, "scan", "--json", p)
		if code != exitFound {
			t.Errorf("%s: exit %d: %s", name, code, errOut)
		}
		if !strings.Contains(out, `"schema_version": 2`) {
			t.Errorf("%s: no JSON report", name)
		}
		st1, _ := os.Stat(p)
		if after := fileHash(t, p); after != before || !st0.ModTime().Equal(st1.ModTime()) {
			t.Errorf("%s: the scan modified the target", name)
		}
	}
}

func TestScanExitCodes(t *testing.T) {
	nowin := decodeFixture(t, "gpt-nowin")
	if _, _, code := runCLI(t, "scan", nowin); code != exitNothing {
		t.Errorf("no Windows: exit %d, want %d", code, exitNothing)
	}
	// A truncated disk: the Windows partition is cut short, so the scan
	// finds nothing readable there, names the partition and goes on.
	full := decodeFixture(t, "gpt-win11")
	b, _ := os.ReadFile(full)
	cut := filepath.Join(t.TempDir(), "cut.img")
	os.WriteFile(cut, b[:12<<20], 0o644)
	out, _, code := runCLI(t, "scan", cut)
	if code == exitFound || !strings.Contains(out, "#3") {
		t.Errorf("truncated disk: exit %d:\n%s", code, out)
	}
	// Two targets, one good: partial (4), and the bad one is named.
	out, errOut, code := runCLI(t, "scan", full, filepath.Join(t.TempDir(), "missing.img"))
	if code != exitPartial || !strings.Contains(out+errOut, "missing.img") {
		t.Errorf("mixed targets: exit %d:\n%s%s", code, out, errOut)
	}
}

func TestExplain(t *testing.T) {
	for _, form := range []string{"0xc004f213", "C004F213", "-1073417709", "3221549587"} {
		out, _, code := runCLI(t, "explain", form)
		if code != exitFound || !strings.Contains(out, "0xC004F213") || !strings.Contains(out, "slmgr") {
			t.Errorf("%s: exit %d:\n%s", form, code, out)
		}
	}
	out, _, code := runCLI(t, "explain", "--lang", "fr", "0xC1900101-0x4000D")
	if code != exitFound || !strings.Contains(out, "Causes probables") {
		t.Errorf("setup code in French: exit %d:\n%s", code, out)
	}
	out, _, code = runCLI(t, "explain", "--json", "0xC004F050")
	var e explainJSON
	if err := json.Unmarshal([]byte(out), &e); err != nil || code != exitFound || e.Code != "0xC004F050" || len(e.Steps) == 0 {
		t.Errorf("JSON: exit %d %v %+v", code, err, e)
	}
	if _, errOut, code := runCLI(t, "explain", "0x12345678"); code != exitNothing || !strings.Contains(errOut, "--list") {
		t.Errorf("unknown code: exit %d %s", code, errOut)
	}
	if _, _, code := runCLI(t, "explain", "zzz"); code != exitBadInput {
		t.Errorf("garbage: exit %d", code)
	}
	if out, _, code := runCLI(t, "explain", "--list"); code != exitFound || strings.Count(out, "\n") < 40 {
		t.Errorf("list: exit %d, %d lines", code, strings.Count(out, "\n"))
	}
}

func TestKeyCheckWithPkeyConfig(t *testing.T) {
	out, _, code := runCLI(t, "key", "check", "--json", "--pkeyconfig", repoFile(t, "license/testdata/pkeyconfig/pkeyconfig.xrm-ms"),
		"WX4NM-KYWYW-QJJR4-XV3QB-6VM33")
	var checks []rescue.KeyCheck
	if err := json.Unmarshal([]byte(out), &checks); err != nil || code != exitFound {
		t.Fatalf("exit %d %v", code, err)
	}
	if c := checks[0].Config; c == nil || c.EditionID != "ServerDatacenter" || c.Channel != "Volume:GVLK" {
		t.Errorf("config %+v", checks[0])
	}
	img := decodeFixture(t, "gpt-server-eval")
	out, errOut, code := runCLI(t, "key", "check", "--target", img, "VDYBN-27WPP-V4HQT-9VMD4-VMK7H")
	if code != exitFound || !strings.Contains(out, "ServerStandard, Volume:GVLK") || !strings.Contains(errOut, "using the pkeyconfig") {
		t.Errorf("--target: exit %d:\n%s%s", code, out, errOut)
	}
	if _, _, code := runCLI(t, "key", "check", "--target", decodeFixture(t, "gpt-nowin"), "VDYBN-27WPP-V4HQT-9VMD4-VMK7H"); code != exitBadInput {
		t.Errorf("target without Windows: exit %d", code)
	}
}

func TestBackupVerifyCLI(t *testing.T) {
	img := decodeFixture(t, "gpt-win11")
	out := filepath.Join(t.TempDir(), "set")
	stdout, errOut, code := runCLI(t, "backup", "--target", img, "--out", out, "--zip", "--mask")
	if code != exitFound {
		t.Fatalf("backup: exit %d\n%s%s", code, stdout, errOut)
	}
	for _, want := range []string{"Verified:", "Restore plan for Windows 11 Pro", "Zip:"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if !regexp.MustCompile(`\[\d+/18\] [0-9.]+ [KMG]?i?B of [0-9.]+ [KMG]?i?B, [0-9.]+ [KMG]?i?B/s`).MatchString(errOut) {
		t.Errorf("no progress with bytes and rate on stderr: %s", errOut)
	}
	for _, f := range []string{"report.txt", "rapport.txt", "report.json", "manifest.json", "install-1-Windows/RESTORE.md"} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if strings.Contains(string(b), "VK7JG-NPHTM") {
			t.Errorf("%s leaks a key despite --mask", f)
		}
	}
	if _, err := os.Stat(out + ".zip"); err != nil {
		t.Errorf("zip: %v", err)
	}
	if stdout, _, code := runCLI(t, "verify", out); code != exitFound || !strings.Contains(stdout, "OK") {
		t.Errorf("verify: exit %d %s", code, stdout)
	}
	os.WriteFile(filepath.Join(out, "install-1-Windows/registry/SYSTEM"), []byte("x"), 0o644)
	if stdout, _, code := runCLI(t, "verify", out); code != exitInvalid || !strings.Contains(stdout, "CHANGED") {
		t.Errorf("verify after tampering: exit %d %s", code, stdout)
	}
	if _, _, code := runCLI(t, "verify", t.TempDir()); code != exitBadInput {
		t.Errorf("verify of a non-set: exit %d", code)
	}
	if _, _, code := runCLI(t, "backup", "--target", img); code != exitBadInput {
		t.Errorf("backup without --out: exit %d", code)
	}
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "x"), nil, 0o644)
	if _, errOut, code := runCLI(t, "backup", "--target", img, "--out", foreign); code != exitBadInput || !strings.Contains(errOut, "not empty") {
		t.Errorf("foreign destination: exit %d %s", code, errOut)
	}
	// A folder target: a destination inside it is refused.
	if _, errOut, code := runCLI(t, "backup", "--target", foreign, "--out", filepath.Join(foreign, "bk")); code != exitBadInput || !strings.Contains(errOut, "inside the folder being read") {
		t.Errorf("destination inside the source: exit %d %s", code, errOut)
	}
}
