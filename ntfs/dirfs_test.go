package ntfs

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// hostTree builds a Windows-like tree under t.TempDir().
func hostTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string][]byte{
		"Windows/System32/config/SOFTWARE":                 append([]byte("regf"), make([]byte, 8188)...),
		"Windows/System32/config/SYSTEM":                   append([]byte("regf"), make([]byte, 4092)...),
		"Windows/System32/config/SOFTWARE.LOG1":            nil,
		"Windows/System32/spp/store/2.0/tokens.dat":        []byte("FIXTURE-dirfs-TOKENS-DAT\x00"),
		"Users/Public/readme.txt":                          []byte("actrescue fixture\r\n"),
		"hiberfil.sys":                                     append([]byte("HIBR"), make([]byte, 65532)...),
		"Program Files/Common Files/microsoft shared/x.db": []byte("x"),
	}
	for p, b := range files {
		hp := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(hp, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestOpenDir(t *testing.T) {
	root := hostTree(t)
	d, err := OpenDir(root)
	if err != nil || d.Describe() != root {
		t.Fatalf("OpenDir = %v, %v", d, err)
	}
	if _, err := OpenDir(filepath.Join(root, "hiberfil.sys")); err == nil {
		t.Error("OpenDir(a file) succeeded")
	}
	if _, err := OpenDir(filepath.Join(root, "missing")); err == nil {
		t.Error("OpenDir(missing) succeeded")
	}
}

func TestDirFSStat(t *testing.T) {
	d, err := OpenDir(hostTree(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, path, name string
		size           int64
		dir            bool
	}{
		{"WINDOWS/system32", "WINDOWS/system32", "System32", 0, true},
		{"windows/SYSTEM32/Config/software", "windows/SYSTEM32/Config/software", "SOFTWARE", 8192, false},
		{`Windows\System32\spp\STORE\2.0\Tokens.DAT`, "Windows/System32/spp/STORE/2.0/Tokens.DAT", "tokens.dat", 25, false},
		{"/users/public/README.TXT", "users/public/README.TXT", "readme.txt", 19, false},
		{"HIBERFIL.SYS", "HIBERFIL.SYS", "hiberfil.sys", 65536, false},
		{"program files/COMMON FILES/Microsoft Shared/X.DB", "program files/COMMON FILES/Microsoft Shared/X.DB", "x.db", 1, false},
		{"Windows/System32/config/SOFTWARE.LOG1", "Windows/System32/config/SOFTWARE.LOG1", "SOFTWARE.LOG1", 0, false},
		{"./Windows/../windows//", "windows", "Windows", 0, true},
	}
	for _, tc := range tests {
		fi, err := d.Stat(tc.in)
		if err != nil {
			t.Errorf("Stat(%q): %v", tc.in, err)
			continue
		}
		if fi.Path != tc.path || fi.Name != tc.name || fi.Size != tc.size || fi.IsDir != tc.dir {
			t.Errorf("Stat(%q) = %+v, want path %q name %q size %d dir %v", tc.in, fi, tc.path, tc.name, tc.size, tc.dir)
		}
		if fi.Modified.IsZero() || time.Since(fi.Modified) > time.Hour || fi.Modified.Location() != time.UTC {
			t.Errorf("Stat(%q).Modified = %v", tc.in, fi.Modified)
		}
		if runtime.GOOS == "linux" && (!strings.HasPrefix(fi.MFTRef, "inode-") || fi.Accessed.IsZero() || fi.MFTModified.IsZero()) {
			t.Errorf("Stat(%q) lacks host details: %+v", tc.in, fi)
		}
	}
}

func TestDirFSOpenRead(t *testing.T) {
	d, err := OpenDir(hostTree(t))
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.Open("windows/system32/CONFIG/Software")
	if err != nil {
		t.Fatal(err)
	}
	data, err := readAll(f)
	if err != nil || len(data) != 8192 || !bytes.HasPrefix(data, []byte("regf")) {
		t.Fatalf("read %d bytes, %v", len(data), err)
	}
	if f.Size() != 8192 || f.Info().Name != "SOFTWARE" {
		t.Errorf("Size %d, Info %+v", f.Size(), f.Info())
	}
	checkEdges(t, f, data)

	h, err := d.Open("hiberfil.sys")
	if err != nil {
		t.Fatal(err)
	}
	hdr := make([]byte, 4)
	if n, err := h.ReadAt(hdr, 0); n != 4 || err != nil || string(hdr) != "HIBR" || h.Size() != 65536 {
		t.Errorf("hiberfil.sys: %q %d %v size %d", hdr, n, err, h.Size())
	}
	e, err := d.Open("windows/system32/config/software.log1")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.ReadAt(hdr, 0); n != 0 || err != io.EOF {
		t.Errorf("empty file: %d %v", n, err)
	}
}

func TestDirFSReadDir(t *testing.T) {
	d, err := OpenDir(hostTree(t))
	if err != nil {
		t.Fatal(err)
	}
	list, err := d.ReadDir(`WINDOWS\system32\config`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range list {
		names = append(names, fi.Name)
		if fi.Path != "WINDOWS/system32/config/"+fi.Name || fi.IsDir {
			t.Errorf("entry %+v", fi)
		}
	}
	slices.Sort(names)
	if want := []string{"SOFTWARE", "SOFTWARE.LOG1", "SYSTEM"}; !slices.Equal(names, want) {
		t.Errorf("ReadDir = %q, want %q", names, want)
	}
	root, err := d.ReadDir("")
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range root {
		if fi.Path != fi.Name || fi.IsDir && fi.Size != 0 {
			t.Errorf("root entry %+v", fi)
		}
	}
	if len(root) != 4 {
		t.Errorf("root has %d entries: %+v", len(root), root)
	}
}

func TestDirFSErrors(t *testing.T) {
	root := hostTree(t)
	d, err := OpenDir(filepath.Join(root, "Windows"))
	if err != nil {
		t.Fatal(err)
	}
	notFound := []string{
		"nope",
		"System32/nope/SOFTWARE",
		"system32/config/SOFTWARE/child", // below a file
		"../hiberfil.sys",                // cannot leave the root
		"../../../../../../etc/passwd",
	}
	for _, p := range notFound {
		if _, err := d.Stat(p); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat(%q) = %v, want ErrNotFound", p, err)
		}
		if _, err := d.Open(p); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrNotFound", p, err)
		}
		if _, err := d.ReadDir(p); !errors.Is(err, ErrNotFound) {
			t.Errorf("ReadDir(%q) = %v, want ErrNotFound", p, err)
		}
	}
	for _, p := range []string{"", "SYSTEM32", `system32\config\`} {
		if _, err := d.Open(p); !errors.Is(err, ErrIsDir) {
			t.Errorf("Open(%q) = %v, want ErrIsDir", p, err)
		}
	}
	if _, err := d.ReadDir("system32/config/SOFTWARE"); err == nil {
		t.Error("ReadDir(a file) succeeded")
	}
}

// TestDirFSMatchesVolume compares a host copy of vol-win11home's files with
// the volume itself through the FS interface.
func TestDirFSMatchesVolume(t *testing.T) {
	v := openBytes(t, win11Volume(t))
	root := t.TempDir()
	for _, p := range []string{pSoftware, pSystem, pTokens, pDataDat, pCacheDat, pReadme} {
		f, err := v.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := readAll(f)
		if err != nil {
			t.Fatal(err)
		}
		hp := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(hp, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, fsys := range []FS{v, d} {
		for _, p := range []string{strings.ToUpper(pSoftware), strings.ToLower(pTokens), pReadme} {
			a, err1 := fsys.Stat(p)
			b, err2 := v.Stat(p)
			if err1 != nil || err2 != nil || a.Name != b.Name || a.Size != b.Size || a.IsDir != b.IsDir || a.Path != b.Path {
				t.Errorf("%s: %s: %+v %v vs volume %+v %v", fsys.Describe(), p, a, err1, b, err2)
			}
		}
	}
}
