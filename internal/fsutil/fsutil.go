// Package fsutil holds the few host file-system facts the backup needs:
// free space, and whether a destination lies on the disk being read.
package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// ErrUnknown means the platform cannot answer.
var ErrUnknown = errors.New("fsutil: not supported on this platform")

// Inside reports whether path is dir or lies below it (after resolving
// symlinks where possible).
func Inside(path, dir string) bool {
	p, d := resolve(path), resolve(dir)
	rel, err := filepath.Rel(d, p)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)))
}

func resolve(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	// Resolve the longest existing prefix: the destination may not exist yet.
	cur, rest := p, ""
	for {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

// existingParent returns the nearest existing directory at or above p.
func existingParent(p string) string {
	for {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(p)
		if parent == p {
			return p
		}
		p = parent
	}
}
