package image

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ListLocalDisks lists whole disks from /sys/block (no loop, ram, zram,
// optical or device-mapper devices; name a dm device explicitly).
func ListLocalDisks() ([]string, error) {
	return listDisks("/sys/block", "/dev")
}

func listDisks(sysBlock, dev string) ([]string, error) {
	ents, err := os.ReadDir(sysBlock)
	if err != nil {
		return nil, fmt.Errorf("list disks in %s: %w", sysBlock, err)
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, "loop") || strings.HasPrefix(n, "ram") || strings.HasPrefix(n, "zram") ||
			strings.HasPrefix(n, "sr") || strings.HasPrefix(n, "dm-") || strings.HasPrefix(n, "md") || strings.HasPrefix(n, "fd") {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(sysBlock, n, "size")); err == nil && strings.TrimSpace(string(b)) == "0" {
			continue
		}
		out = append(out, filepath.Join(dev, n))
	}
	sort.Strings(out)
	return out, nil
}
