package rescue

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// ZipSet writes a verified backup set dir into zipPath (written under a
// temporary name and renamed), then reads every entry back so that its
// CRC is checked.
func ZipSet(dir, zipPath string) error {
	if _, err := Verify(dir); err != nil {
		return fmt.Errorf("zip %s: the set does not verify: %w", dir, err)
	}
	var files []string
	if err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	}); err != nil {
		return err
	}
	sort.Strings(files)
	tmp := zipPath + partialSuffix
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, p := range files {
		rel, _ := filepath.Rel(dir, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err == nil {
			err = copyFileTo(w, p)
		}
		if err != nil {
			f.Close()
			os.Remove(tmp)
			return fmt.Errorf("zip %s: %w", rel, err)
		}
	}
	err = zw.Close()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, zipPath)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", zipPath, err)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrVerify, zipPath, err)
	}
	defer zr.Close()
	for _, e := range zr.File {
		rc, err := e.Open()
		if err == nil {
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
		}
		if err != nil {
			return fmt.Errorf("%w: %s: entry %s: %v", ErrVerify, zipPath, e.Name, err)
		}
	}
	return nil
}

func copyFileTo(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
