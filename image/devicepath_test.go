package image

import (
	"os"
	"path/filepath"
	"testing"
)

func TestIsLocalDevice(t *testing.T) {
	f := filepath.Join(t.TempDir(), "disk.img")
	os.WriteFile(f, make([]byte, 512), 0o644)
	cases := map[string]bool{
		`\\.\PhysicalDrive0`: true, `\\.\C:`: true, `\\?\Volume{0b9e}\`: true,
		f: false, filepath.Dir(f): false, "/nonexistent": false,
	}
	if st, err := os.Stat("/dev/loop0"); err == nil && st.Mode()&os.ModeDevice != 0 {
		cases["/dev/loop0"] = true
	}
	for p, want := range cases {
		if got := IsLocalDevice(p); got != want {
			t.Errorf("IsLocalDevice(%q) = %v, want %v", p, got, want)
		}
	}
}
