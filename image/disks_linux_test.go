package image

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestListDisks(t *testing.T) {
	root := t.TempDir()
	sys := filepath.Join(root, "sys", "block")
	devices := filepath.Join(root, "sys", "devices")
	// name → size file content ("" = no size file)
	entries := map[string]string{
		"loop0": "2048", "ram0": "8192", "zram0": "4096", "sr0": "2097152", "dm-0": "4096",
		"md127": "4096", "fd0": "2880", "sdb": "0\n", "sda": "62914560\n", "nvme0n1": "1000215216\n",
	}
	for name, size := range entries {
		// Like /sys/block: symlinks into /sys/devices.
		dir := filepath.Join(devices, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "size"), []byte(size), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(sys, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join("..", "devices", name), filepath.Join(sys, name)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := listDisks(sys, "/dev")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/dev/nvme0n1", "/dev/sda"}; !reflect.DeepEqual(got, want) {
		t.Errorf("listDisks = %q, want %q", got, want)
	}

	// No size file: listed (the size is unknown, not zero).
	if err := os.Mkdir(filepath.Join(sys, "vda"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, _ = listDisks(sys, "/dev")
	if want := []string{"/dev/nvme0n1", "/dev/sda", "/dev/vda"}; !reflect.DeepEqual(got, want) {
		t.Errorf("with vda: %q, want %q", got, want)
	}

	if _, err := listDisks(filepath.Join(root, "missing"), "/dev"); err == nil {
		t.Error("missing /sys/block: no error")
	}
	empty := filepath.Join(root, "empty")
	os.Mkdir(empty, 0o755)
	if got, err := listDisks(empty, "/dev"); err != nil || len(got) != 0 {
		t.Errorf("empty dir: %q %v", got, err)
	}
}
