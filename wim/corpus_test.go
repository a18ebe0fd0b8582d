package wim

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/actrescue/actrescue/internal/testenv"
)

// The DecryptESD test files: WIMs written by DISM on Windows 10 RS1
// (CATALOG.md §6, ground truth from WIMCore.Tests and wimlib-imagex).
const decryptESD = "DecryptESD/WIMCore.Tests/TestFiles/"

func openShared(t *testing.T, name string) (*WIM, error) {
	t.Helper()
	f, err := os.Open(testenv.SharedFile(t, decryptESD+name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return Open(f, st.Size())
}

func sha256File(t *testing.T, img *Image, p string) (string, int64) {
	t.Helper()
	f, err := img.OpenFile(p)
	if err != nil {
		t.Fatalf("Open %q: %v", p, err)
	}
	if err := f.Verify(); err != nil {
		t.Errorf("Verify %q: %v", p, err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, f.Size())); err != nil {
		t.Fatalf("read %q: %v", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), f.Size()
}

func TestDecryptESDDocument(t *testing.T) {
	const docSHA = "85f20017f04f2c5a221f13f1d1a2f1d6d73e1c42df041f46bb4a692457ec1a4f"
	for _, c := range []struct {
		file  string
		comp  Compression
		chunk int
		name  string
	}{
		{"Win10-RS1-CompressNone.wim", CompressNone, 0, "Test WIM (No Compression)"},
		{"Win10-RS1-CompressFast.wim", CompressXPRESS, 32768, "Test WIM (Fast Compression)"},
		{"Win10-RS1-CompressMax.wim", CompressLZX, 32768, "Test WIM (Max Compression)"},
	} {
		t.Run(c.file, func(t *testing.T) {
			w, err := openShared(t, c.file)
			if err != nil {
				t.Fatal(err)
			}
			h := w.Header()
			if h.Version != 0x10d00 || h.Compression != c.comp || h.ChunkSize != c.chunk || h.ImageCount != 1 || h.Integrity {
				t.Errorf("header %+v", h)
			}
			ims := w.Images()
			if len(ims) != 1 || ims[0].Name != c.name || ims[0].Windows || ims[0].EditionID != "" {
				t.Errorf("images %+v", ims)
			}
			if err := w.CheckIntegrity(); !errors.Is(err, ErrNoIntegrity) {
				t.Errorf("CheckIntegrity = %v, want ErrNoIntegrity", err)
			}
			img, err := w.FS(1)
			if err != nil {
				t.Fatal(err)
			}
			ents, err := img.ReadDir("")
			if err != nil || len(ents) != 1 || ents[0].Name != "this-is-a-document.txt" {
				t.Fatalf("root = %+v, %v", ents, err)
			}
			// Upper case: lookups are case-insensitive.
			sum, size := sha256File(t, img, "THIS-IS-A-DOCUMENT.TXT")
			if sum != docSHA || size != 3936 {
				t.Errorf("document: %d bytes, sha256 %s", size, sum)
			}
		})
	}
}

func TestDecryptESDIntegrity(t *testing.T) {
	w, err := openShared(t, "Win10-RS1-Integrity.wim")
	if err != nil {
		t.Fatal(err)
	}
	if !w.Header().Integrity || w.Header().Compression != CompressNone {
		t.Errorf("header %+v", w.Header())
	}
	if err := w.CheckIntegrity(); err != nil {
		t.Errorf("CheckIntegrity = %v", err)
	}
	img, err := w.FS(1)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"00.bin", "01.bin", "02.bin", "03.bin"} {
		if _, size := sha256File(t, img, n); size != 4096 {
			t.Errorf("%s: %d bytes", n, size)
		}
	}

	broken, err := openShared(t, "Win10-RS1-BrokenIntegrity.wim")
	if err != nil {
		t.Fatal(err)
	}
	if err := broken.CheckIntegrity(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "integrity check failed") {
		t.Errorf("broken CheckIntegrity = %v, want ErrCorrupt", err)
	}

	multi, err := openShared(t, "Win10-RS1-MultiImage-Integrity.wim")
	if err != nil {
		t.Fatal(err)
	}
	ims := multi.Images()
	if len(ims) != 2 || ims[0].Name != "Test WIM (Image 1 - Integrity)" || ims[1].Name != "Test WIM (Image 2 - Integrity)" {
		t.Errorf("images %+v", ims)
	}
	if err := multi.CheckIntegrity(); err != nil {
		t.Errorf("multi CheckIntegrity = %v", err)
	}
	for _, im := range ims {
		if _, err := multi.FS(im.Index); err != nil {
			t.Errorf("FS(%d): %v", im.Index, err)
		}
	}
}

func TestDecryptESDErrors(t *testing.T) {
	for _, name := range []string{"Error-InvalidMagic.wim", "Error-InvalidSize.wim"} {
		if _, err := openShared(t, name); !errors.Is(err, ErrNotWIM) {
			t.Errorf("%s: %v, want ErrNotWIM", name, err)
		}
	}
}
