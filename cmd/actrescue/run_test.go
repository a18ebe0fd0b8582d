package main

import (
	"bytes"
	"context"
	"encoding/json"
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
	if code != exitNothing && code != exitBadInput {
		t.Errorf("exit code %d for a text file", code)
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
