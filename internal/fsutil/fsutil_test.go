package fsutil

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestInside(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "a", "b")
	os.MkdirAll(sub, 0o755)
	other := t.TempDir()
	cases := []struct {
		p, d string
		want bool
	}{
		{dir, dir, true},
		{sub, dir, true},
		{filepath.Join(sub, "not-yet", "created"), dir, true},
		{other, dir, false},
		{filepath.Join(dir, "..", filepath.Base(other)), dir, false},
		{dir + "-sibling", dir, false},
	}
	for _, c := range cases {
		if got := Inside(c.p, c.d); got != c.want {
			t.Errorf("Inside(%q, %q) = %v", c.p, c.d, got)
		}
	}
	// A symlink into the folder is inside it.
	link := filepath.Join(other, "link")
	if err := os.Symlink(sub, link); err == nil && !Inside(filepath.Join(link, "x"), dir) {
		t.Errorf("a path through a symlink into the folder is not inside it")
	}
}

func TestFreeSpaceAndSameDisk(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only here; Windows is covered under wine")
	}
	dir := t.TempDir()
	free, err := FreeSpace(filepath.Join(dir, "not", "created"))
	if err != nil || free <= 0 {
		t.Errorf("free space: %d %v", free, err)
	}
	same, why, err := SameDisk(dir, filepath.Join(dir, "backup"))
	if err != nil || !same || why == "" {
		t.Errorf("a folder and a folder below it are on the same disk: %v %q %v", same, why, err)
	}
}
