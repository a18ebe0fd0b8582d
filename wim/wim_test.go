package wim

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actrescue/actrescue/ntfs"
)

// checkHomeImage asserts the XML ground truth of the vol-win11home image.
func checkHomeImage(t *testing.T, im ImageInfo, idx int) {
	t.Helper()
	if im.Index != idx || !im.Windows || !im.Metadata {
		t.Fatalf("image %+v: want index %d with a <WINDOWS> block and metadata", im, idx)
	}
	if im.EditionID != homeEditionID || im.Build != homeBuild || im.ProductType != homeProductType {
		t.Errorf("image %d: EditionID %q build %d product type %q, want %q %d %q", idx, im.EditionID, im.Build, im.ProductType, homeEditionID, homeBuild, homeProductType)
	}
	// wimlib copies ProductName from the hive: Windows 11 still says
	// "Windows 10 Home" there.
	if im.ProductName != "Windows 10 Home" || im.InstallationType != "Client" || im.Major != 10 || im.Minor != 0 {
		t.Errorf("image %d: product %q, type %q, version %d.%d", idx, im.ProductName, im.InstallationType, im.Major, im.Minor)
	}
	if im.Version() != "10.0.22631" {
		t.Errorf("Version() = %q", im.Version())
	}
	if im.FileCount != 15 || im.DirCount != 13 || im.Created.IsZero() {
		t.Errorf("image %d: %d files, %d dirs, created %v", idx, im.FileCount, im.DirCount, im.Created)
	}
}

// volumeFiles lists every file of the NTFS volume with its content.
func volumeFiles(t *testing.T) map[string][]byte {
	t.Helper()
	vol := homeVolume(t)
	v, err := ntfs.Open(bytes.NewReader(vol), int64(len(vol)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var walk func(string)
	walk = func(dir string) {
		ents, err := v.ReadDir(dir)
		if err != nil {
			t.Fatalf("volume ReadDir %q: %v", dir, err)
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name, "$") || strings.Contains(e.Name, ":") || e.Name == "System Volume Information" {
				continue
			}
			p := path.Join(dir, e.Name)
			if e.IsDir {
				walk(p)
				continue
			}
			f, err := v.Open(p)
			if err != nil {
				t.Fatalf("volume Open %q: %v", p, err)
			}
			b := make([]byte, f.Size())
			if _, err := f.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
				t.Fatalf("volume read %q: %v", p, err)
			}
			out[p] = b
		}
	}
	walk("")
	return out
}

// checkAgainstVolume compares every file of image 1 with the volume the
// WIM was captured from, and checks the WIM's own SHA-1 of each.
func checkAgainstVolume(t *testing.T, w *WIM, want map[string][]byte) {
	t.Helper()
	img, err := w.FS(1)
	if err != nil {
		t.Fatalf("FS(1): %v", err)
	}
	got := map[string]bool{}
	var walk func(string, int)
	walk = func(dir string, depth int) {
		if depth > 32 {
			t.Fatalf("tree deeper than 32 at %q", dir)
		}
		ents, err := img.ReadDir(dir)
		if err != nil {
			t.Fatalf("ReadDir %q: %v", dir, err)
		}
		for _, e := range ents {
			if e.IsDir {
				walk(e.Path, depth+1)
				continue
			}
			got[e.Path] = true
			f, err := img.OpenFile(e.Path)
			if err != nil {
				t.Fatalf("Open %q: %v", e.Path, err)
			}
			b := make([]byte, f.Size())
			n, err := f.ReadAt(b, 0)
			if n != len(b) || err != nil && !errors.Is(err, io.EOF) {
				t.Fatalf("read %q: %d of %d bytes: %v", e.Path, n, len(b), err)
			}
			if w, ok := want[e.Path]; !ok || !bytes.Equal(w, b) {
				t.Errorf("%q: content differs from the volume (in volume: %v)", e.Path, ok)
			}
			if err := f.Verify(); err != nil {
				t.Errorf("Verify %q: %v", e.Path, err)
			}
		}
	}
	walk("", 0)
	for p := range want {
		if !got[p] {
			t.Errorf("%q is on the volume but not in the image", p)
		}
	}
	if len(got) != 15 {
		t.Errorf("%d files in the image, want 15", len(got))
	}
}

func TestCommittedFixtures(t *testing.T) {
	want := volumeFiles(t)
	for _, c := range []struct {
		file string
		comp Compression
	}{{"win11home-lzx.wim", CompressLZX}, {"win11home-xpress.wim", CompressXPRESS}} {
		t.Run(c.file, func(t *testing.T) {
			w := openBytes(t, committed(t, c.file))
			h := w.Header()
			if h.Compression != c.comp || h.ChunkSize != 32768 || h.ImageCount != 1 || h.Version != versionDefault || h.PartNumber != 1 || h.TotalParts != 1 {
				t.Errorf("header %+v", h)
			}
			ims := w.Images()
			if len(ims) != 1 || ims[0].Name != homeName {
				t.Fatalf("images %+v", ims)
			}
			checkHomeImage(t, ims[0], 1)
			checkAgainstVolume(t, w, want)
			if len(w.Notes()) != 0 {
				t.Errorf("notes: %v", w.Notes())
			}
			if err := w.CheckIntegrity(); !errors.Is(err, ErrNoIntegrity) {
				t.Errorf("CheckIntegrity = %v, want ErrNoIntegrity", err)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	w := openBytes(t, committed(t, "win11home-lzx.wim"))
	img, err := w.FS(1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(img.Describe(), homeName) {
		t.Errorf("Describe = %q", img.Describe())
	}
	for _, p := range []string{softwarePath, `\WINDOWS\system32\Config\software`, "windows/./System32/../System32/config/SOFTWARE"} {
		st, err := img.Stat(p)
		if err != nil || st.IsDir || st.Size != 12288 || st.Name != "SOFTWARE" || st.Path != cleanPath(p) || st.Modified.IsZero() {
			t.Errorf("Stat(%q) = %+v, %v", p, st, err)
		}
	}
	for _, p := range []string{"Windows/System32/config/NOPE", "Windows/System32/config/SOFTWARE/x", "Nope/x", softwarePath + ":stream"} {
		if _, err := img.Stat(p); !errors.Is(err, ntfs.ErrNotFound) {
			t.Errorf("Stat(%q) = %v, want ErrNotFound", p, err)
		}
		if _, err := img.Open(p); !errors.Is(err, ntfs.ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrNotFound", p, err)
		}
	}
	if _, err := img.Open("Windows/System32"); !errors.Is(err, ntfs.ErrIsDir) {
		t.Errorf("Open(dir) = %v, want ErrIsDir", err)
	}
	if _, err := img.ReadDir(softwarePath); !errors.Is(err, ntfs.ErrNotFound) {
		t.Errorf("ReadDir(file) = %v, want ErrNotFound", err)
	}
	root, err := img.ReadDir("")
	if err != nil || len(root) != 2 {
		t.Fatalf("ReadDir(root) = %+v, %v", root, err)
	}
	st, err := img.Stat("")
	if err != nil || !st.IsDir {
		t.Errorf("Stat(root) = %+v, %v", st, err)
	}
	// Empty files (RegBack) have no blob and read as empty.
	f, err := img.Open("Windows/System32/config/RegBack/SOFTWARE")
	if err != nil || f.Size() != 0 {
		t.Fatalf("empty file: %v", err)
	}
	if n, err := f.ReadAt(make([]byte, 4), 0); n != 0 || err != io.EOF {
		t.Errorf("empty ReadAt = %d, %v", n, err)
	}
	// Partial and past-the-end reads.
	sw, err := img.Open(softwarePath)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 16)
	if n, err := sw.ReadAt(b, 0); n != 16 || err != nil || string(b[:4]) != "regf" {
		t.Errorf("ReadAt(0) = %d %v %q", n, err, b[:4])
	}
	if n, err := sw.ReadAt(b, sw.Size()-8); n != 8 || err != io.EOF {
		t.Errorf("ReadAt(end-8) = %d, %v", n, err)
	}
	if _, err := sw.ReadAt(b, -1); err == nil {
		t.Error("negative offset accepted")
	}
	for _, idx := range []int{0, 2, -1} {
		if _, err := w.FS(idx); !errors.Is(err, ErrNoImage) {
			t.Errorf("FS(%d) = %v, want ErrNoImage", idx, err)
		}
	}
}

func TestGeneratedFixtures(t *testing.T) {
	dir := generated(t)
	want := volumeFiles(t)
	for _, c := range []struct {
		file    string
		comp    Compression
		chunk   int
		version uint32
	}{
		{"win11home-none.wim", CompressNone, 0, versionDefault},
		{"win11home-xpress.wim", CompressXPRESS, 32768, versionDefault},
		{"win11home-lzx.wim", CompressLZX, 32768, versionDefault},
		{"win11home-lzx64k.wim", CompressLZX, 65536, versionDefault},
		{"win11home-solid-lzx.wim", CompressLZX, 32768, versionSolid},
	} {
		t.Run(c.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			w := openBytes(t, b)
			if h := w.Header(); h.Compression != c.comp || h.ChunkSize != c.chunk || h.Version != c.version {
				t.Errorf("header %+v", h)
			}
			checkHomeImage(t, w.Images()[0], 1)
			checkAgainstVolume(t, w, want)
		})
	}
	t.Run("2images", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(dir, "win11home-2images.wim"))
		if err != nil {
			t.Fatal(err)
		}
		w := openBytes(t, b)
		ims := w.Images()
		if len(ims) != 2 || ims[0].Name != homeName || ims[1].Name != homeName+" (copy)" {
			t.Fatalf("images %+v", ims)
		}
		for _, im := range ims {
			checkHomeImage(t, im, im.Index)
			img, err := w.FS(im.Index)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := img.Stat(softwarePath); err != nil {
				t.Errorf("image %d: %v", im.Index, err)
			}
		}
	})
}

// LZMS (solid ESD, or --compress=LZMS) is listed but not read: the error
// names LZMS and the conversion command.
func TestLZMSUnsupported(t *testing.T) {
	dir := generated(t)
	for _, file := range []string{"win11home.esd", "win11home-lzms.wim"} {
		t.Run(file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			w := openBytes(t, b)
			if h := w.Header(); h.Compression != CompressLZMS {
				t.Errorf("header %+v", h)
			}
			checkHomeImage(t, w.Images()[0], 1)
			_, err = w.FS(1)
			if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "LZMS") || !strings.Contains(err.Error(), "wimlib-imagex export install.esd N install.wim --compress=LZX") {
				t.Errorf("FS(1) = %v, want ErrUnsupported naming LZMS and the conversion", err)
			}
		})
	}
}

func TestSynthetic(t *testing.T) {
	s := buildSynth(synthFiles)
	w := openBytes(t, s.wim)
	im := w.Images()[0]
	if im.Name != "Synthetic" || im.EditionID != "Professional" || im.Build != 19045 || im.SPBuild != 5011 || im.Arch != "x64" || im.Version() != "10.0.19045.5011" {
		t.Errorf("image %+v", im)
	}
	img, err := w.FS(1)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range s.files {
		f, err := img.OpenFile(p)
		if err != nil {
			t.Fatalf("Open %q: %v", p, err)
		}
		b := make([]byte, f.Size())
		if _, err := f.ReadAt(b, 0); err != nil && err != io.EOF {
			t.Fatal(err)
		}
		if !bytes.Equal(b, want) || f.Verify() != nil {
			t.Errorf("%q = %q (verify %v), want %q", p, b, f.Verify(), want)
		}
	}
	if st, err := img.Stat("ÜNÏCODE NAME.TXT"); err != nil || st.Name != "Ünïcode name.txt" {
		t.Errorf("case-insensitive non-ASCII lookup: %+v, %v", st, err)
	}
	if ents, err := img.ReadDir("Windows/System32/drivers"); err != nil || len(ents) != 0 {
		t.Errorf("empty dir: %v, %v", ents, err)
	}
}

func TestHuffmanBuild(t *testing.T) {
	h := newHuffman(4, 4, 3)
	if err := h.build([]uint8{1, 2, 3, 3}); err != nil {
		t.Errorf("complete code: %v", err)
	}
	if err := h.build([]uint8{1, 1, 1, 0}); err == nil {
		t.Error("over-subscribed code accepted")
	}
	if err := h.build([]uint8{1, 2, 0, 0}); err == nil {
		t.Error("incomplete code accepted")
	}
	if err := h.build([]uint8{0, 0, 0, 0}); err != nil || !h.empty {
		t.Errorf("empty code: %v", err)
	}
	if err := h.build([]uint8{5, 0, 0, 0}); err == nil {
		t.Error("length above the maximum accepted")
	}
	// Codes longer than the table bits go through the canonical walk.
	h = newHuffman(6, 5, 2)
	if err := h.build([]uint8{1, 2, 3, 4, 5, 5}); err != nil {
		t.Fatal(err)
	}
	// Codewords 0, 10, 110, 1110, 11110, 11111 for symbols 0..5; the
	// stream 11111 110 1110 1111(0) then runs out (zeros).
	var bs bitstream
	bs.init([]byte{0b11101111, 0b11111110}) // LE unit 0b1111111011101111
	for _, want := range []int{5, 2, 3, 4, 0} {
		if got := h.decode(&bs); got != want {
			t.Fatalf("decoded %d, want %d", got, want)
		}
	}
}

// An Image is shared by concurrent readers (run with -race).
func TestConcurrentReads(t *testing.T) {
	b := committed(t, "win11home-lzx.wim")
	w, err := OpenLimits(bytes.NewReader(b), int64(len(b)), Limits{CacheBytes: 40000}) // about one chunk: constant eviction
	if err != nil {
		t.Fatal(err)
	}
	img, err := w.FS(1)
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{softwarePath, "Windows/System32/config/SYSTEM", "Windows/System32/spp/tokens/pkeyconfig/pkeyconfig.xrm-ms", "Windows/System32/spp/store/2.0/tokens.dat"}
	errs := make(chan error, 32)
	for g := range 8 {
		go func() {
			var err error
			for i := range 20 {
				var f *File
				if f, err = img.OpenFile(paths[(g+i)%len(paths)]); err == nil {
					err = f.Verify()
				}
				if err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
