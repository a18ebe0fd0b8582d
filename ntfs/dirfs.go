package ntfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DirFS serves a mounted Windows folder (e.g. /mnt/win, or D:\ on a
// technician's PC) through the FS interface, with case-insensitive lookup
// even on case-sensitive host file systems.
type DirFS struct {
	root string
}

// OpenDir opens a mounted volume or folder read-only.
func OpenDir(root string) (*DirFS, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", root)
	}
	return &DirFS{root: root}, nil
}

// Describe names the folder.
func (d *DirFS) Describe() string { return d.root }

// resolve maps a Windows-style relative path onto the host, matching each
// component case-insensitively when the exact name does not exist.
func (d *DirFS) resolve(p string) (string, error) {
	p = cleanPath(p)
	cur := d.root
	if p == "" {
		return cur, nil
	}
	for _, c := range strings.Split(p, "/") {
		next := filepath.Join(cur, c)
		if _, err := os.Lstat(next); err == nil {
			cur = next
			continue
		}
		ents, err := os.ReadDir(cur)
		if err != nil {
			if st, serr := os.Stat(cur); serr == nil && !st.IsDir() {
				// A path below a file is missing, not an I/O error.
				return "", fmt.Errorf("%s: %w", p, ErrNotFound)
			}
			return "", fmt.Errorf("%s: %w", p, mapErr(err))
		}
		found := ""
		for _, e := range ents {
			if strings.EqualFold(e.Name(), c) {
				found = e.Name()
				break
			}
		}
		if found == "" {
			return "", fmt.Errorf("%s: %w", p, ErrNotFound)
		}
		cur = filepath.Join(cur, found)
	}
	return cur, nil
}

func mapErr(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	return err
}

// Stat describes the file at p.
func (d *DirFS) Stat(p string) (FileInfo, error) {
	hp, err := d.resolve(p)
	if err != nil {
		return FileInfo{}, err
	}
	st, err := os.Stat(hp)
	if err != nil {
		return FileInfo{}, fmt.Errorf("%s: %w", p, mapErr(err))
	}
	return hostInfo(cleanPath(p), st), nil
}

func hostInfo(p string, st fs.FileInfo) FileInfo {
	fi := FileInfo{Name: st.Name(), Path: p, IsDir: st.IsDir(), Modified: st.ModTime().UTC()}
	if !fi.IsDir {
		fi.Size = st.Size()
	}
	hostExtra(&fi, st)
	return fi
}

// Open opens the file at p read-only.
func (d *DirFS) Open(p string) (File, error) {
	hp, err := d.resolve(p)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(hp)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, mapErr(err))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: %w", p, ErrIsDir)
	}
	// The handle stays open for the life of the scan; files are few.
	return &hostFile{f: f, info: hostInfo(cleanPath(p), st)}, nil
}

// ReadDir lists the folder at p.
func (d *DirFS) ReadDir(p string) ([]FileInfo, error) {
	hp, err := d.resolve(p)
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(hp)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, mapErr(err))
	}
	base := cleanPath(p)
	var out []FileInfo
	for _, e := range ents {
		st, err := e.Info()
		if err != nil {
			continue
		}
		child := e.Name()
		if base != "" {
			child = base + "/" + child
		}
		out = append(out, hostInfo(child, st))
	}
	return out, nil
}

type hostFile struct {
	f    *os.File
	info FileInfo
}

func (h *hostFile) Size() int64    { return h.info.Size }
func (h *hostFile) Info() FileInfo { return h.info }
func (h *hostFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= h.info.Size {
		return 0, io.EOF
	}
	return h.f.ReadAt(p, off)
}
