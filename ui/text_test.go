package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/actrescue/actrescue/rescue"
)

func sampleReport() *rescue.Report {
	valid := true
	it := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)
	return &rescue.Report{
		SchemaVersion: rescue.SchemaVersion,
		Targets: []*rescue.TargetReport{{
			Path: "disk.img", Kind: "image-file", Size: 32 << 20, Table: "gpt",
			Installations: []*rescue.Installation{{
				ID: "1", Partition: 3, Root: `\Windows`, Name: "Windows 11 Pro\x1b[2J", EditionID: "Professional",
				Keys: []*rescue.KeyRecord{{Key: "VK7JG-NPHTM-C97JM-9MPGT-3V66T", Class: "generic", ChecksumValid: &valid,
					Sources: []rescue.KeySource{{Kind: "DigitalProductId", Path: `\Windows\System32\config\SOFTWARE:x!DigitalProductId`}}}},
				History: []*rescue.HistoryEntry{{Name: "Windows 10 Pro", DisplayVersion: "22H2", CurrentBuild: "19045", InstallTime: &it}},
			}},
		}},
	}
}

func TestWriteTextLanguages(t *testing.T) {
	for lang, want := range map[string][]string{
		"en": {"Product keys", "generic (installs an edition", "Upgrade history", "2023-11-14  Windows 10 Pro 22H2 19045"},
		"fr": {"Clés de produit", "générique", "Historique des mises à niveau"},
	} {
		var buf bytes.Buffer
		if err := WriteText(&buf, sampleReport(), TextOptions{Lang: lang, Verbose: true}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s output lacks %q:\n%s", lang, w, out)
			}
		}
		if strings.Contains(out, "\x1b") {
			t.Errorf("%s output passes a terminal escape from disk data through", lang)
		}
		if !strings.Contains(out, `SOFTWARE:x!DigitalProductId`) {
			t.Errorf("verbose output lacks the full source path")
		}
	}
}

func TestClean(t *testing.T) {
	if got := Clean("a\x00b\x1b[31mc\u0085d\n"); strings.ContainsAny(got, "\x00\x1b\u0085\n") {
		t.Errorf("Clean left control characters: %q", got)
	}
}

type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) { return 0, errShort }

var errShort = bytes.ErrTooLarge

func TestWriteError(t *testing.T) {
	if err := WriteText(failingWriter{}, sampleReport(), TextOptions{}); err == nil {
		t.Error("write error swallowed")
	}
}
