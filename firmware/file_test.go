package firmware

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadTableFile(t *testing.T) {
	dir := t.TempDir()
	msdm, slic := buildMSDM(keyPro), buildSLICDefault()
	badSum := buildMSDM(keyHome)
	badSum[9]++
	cases := []struct {
		name    string
		content []byte
		format  string
		sigs    []string
	}{
		{"raw msdm", msdm, FormatBinary, []string{"MSDM"}},
		{"concatenated", append(append(append([]byte{}, msdm...), badSum...), slic...), FormatBinary, []string{"MSDM", "MSDM", "SLIC"}},
		{"acpidump", []byte(dumpACPICA("RSD PTR ", 0, rsdp) + dumpACPICA("SLIC", 0x1000, slic) + dumpACPICA("MSDM", 0x2000, msdm)), FormatAcpidump, []string{"SLIC", "MSDM"}},
		{"old acpidump", []byte(dumpOld("MSDM @ 0xbf6a1000", msdm, true)), FormatAcpidump, []string{"MSDM"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			writeFile(t, path, c.content)
			f, err := ReadTableFile(path)
			if err != nil {
				t.Fatalf("ReadTableFile: %v", err)
			}
			if f.Format != c.format || f.Path != path || len(f.Tables) != len(c.sigs) {
				t.Fatalf("format %s, %d tables", f.Format, len(f.Tables))
			}
			for i, ft := range f.Tables {
				if ft.Signature != c.sigs[i] || ft.Table == nil || ft.Where == "" {
					t.Errorf("table %d: %+v", i, ft)
				}
			}
			ms := f.Find("MSDM")
			if len(ms) == 0 {
				t.Fatal("Find(MSDM) found nothing")
			}
			m, err := ParseMSDM(ms[0].Table.Raw)
			if err != nil || m.Key != keyPro {
				t.Errorf("MSDM from file: err %v", err)
			}
			if c.name == "concatenated" {
				if !errors.Is(f.Tables[1].Err, ErrBadChecksum) || !strings.Contains(f.Tables[1].Where, "offset 0x55") {
					t.Errorf("second table: where %q err %v", f.Tables[1].Where, f.Tables[1].Err)
				}
			}
		})
	}
}

func TestReadTableFileErrors(t *testing.T) {
	dir := t.TempDir()
	msdm := buildMSDM(keyPro)
	cases := []struct {
		name    string
		content []byte
		want    error
		partial bool
	}{
		{"empty", nil, ErrNoTable, false},
		{"garbage text", []byte("not a dump at all\n"), ErrNoTable, false},
		{"short binary", msdm[:20], ErrShortTable, true},
		{"cut binary", msdm[:60], ErrBadLength, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			writeFile(t, path, c.content)
			f, err := ReadTableFile(path)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want %v naming the path", err, c.want)
			}
			if (f != nil) != c.partial {
				t.Errorf("partial result = %v, want %v", f != nil, c.partial)
			}
		})
	}
	t.Run("trailing garbage", func(t *testing.T) {
		path := filepath.Join(dir, "trailing")
		writeFile(t, path, append(append([]byte{}, msdm...), 1, 2, 3))
		f, err := ReadTableFile(path)
		if err != nil || len(f.Tables) != 2 || f.Tables[0].Table == nil || !errors.Is(f.Tables[1].Err, ErrShortTable) {
			t.Fatalf("err %v, tables %+v", err, f)
		}
	})
	t.Run("missing", func(t *testing.T) {
		_, err := ReadTableFile(filepath.Join(dir, "nope"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		skipIfRootOrWindows(t)
		path := filepath.Join(dir, "secret")
		writeFile(t, path, msdm)
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		_, err := ReadTableFile(path)
		if !errors.Is(err, ErrPermission) || !strings.Contains(err.Error(), "run as root (sudo)") {
			t.Fatalf("err = %v", err)
		}
	})
}

// skipIfRootOrWindows skips permission tests where chmod 000 cannot deny
// a read: as root (root reads anything) and on Windows.
func skipIfRootOrWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("chmod cannot make a file unreadable on Windows")
	}
	if os.Geteuid() == 0 {
		t.Skip("running as root, which can read mode-000 files")
	}
}
