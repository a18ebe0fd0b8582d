package image

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
)

func TestOpenSpecial(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/null"} {
		tg, err := Open(p)
		if !errors.Is(err, ErrNotDisk) || tg != nil {
			t.Errorf("Open(%s) = %v, %v; want ErrNotDisk", p, tg, err)
		}
	}
}
