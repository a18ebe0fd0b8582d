package rescue

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// openModes returns the access mode (O_RDONLY, O_WRONLY, O_RDWR) of every
// descriptor this process holds on path, read from /proc/self/fdinfo.
func openModes(t *testing.T, path string) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	var modes []int
	for _, e := range ents {
		link, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil || link != path {
			continue
		}
		info, err := os.ReadFile(filepath.Join("/proc/self/fdinfo", e.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(info), "\n") {
			if v, ok := strings.CutPrefix(line, "flags:"); ok {
				flags, err := strconv.ParseInt(strings.TrimSpace(v), 8, 64)
				if err != nil {
					t.Fatal(err)
				}
				modes = append(modes, int(flags)&3)
			}
		}
	}
	return modes
}

// Read-only proof: on every fixture, the target is opened O_RDONLY only,
// and its bytes are unchanged after a scan and a backup.
func TestReadOnlyProof(t *testing.T) {
	for _, name := range []string{"gpt-win11", "mbr-ext-win10", "gpt4k-server", "gpt-nowin", "gpt-bitlocker-hiber", "mbr-win7", "gpt-server-eval", "vol-win11home"} {
		b := loadFixture(t, name)
		p := filepath.Join(t.TempDir(), name+".img")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		before := sha256.Sum256(b)
		rep, closeAll := ScanOpen(context.Background(), []string{p}, Options{Now: fixedNow})
		modes := openModes(t, p)
		if len(modes) == 0 {
			t.Fatalf("%s: the target is not open during the scan", name)
		}
		for _, m := range modes {
			if m != os.O_RDONLY {
				t.Errorf("%s: the target is open with access mode %d, not O_RDONLY", name, m)
			}
		}
		if rep.Summary.Installations > 0 {
			if _, err := Backup(context.Background(), rep, BackupOptions{Out: filepath.Join(t.TempDir(), "set"), Source: p, SameDisk: noSameDisk}); err != nil {
				t.Errorf("%s: backup: %v", name, err)
			}
			for _, m := range openModes(t, p) {
				if m != os.O_RDONLY {
					t.Errorf("%s: after the backup the target is open with access mode %d", name, m)
				}
			}
		}
		closeAll()
		after, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(after) != before {
			t.Errorf("%s: the target changed", name)
		}
	}
}
