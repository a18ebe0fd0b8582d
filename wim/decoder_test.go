package wim

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// stressTree writes files chosen to reach every decoder path: raw
// (incompressible) chunks, long and overlapping matches, runs, x86 CALL
// bytes (LZX E8 translation) including near chunk ends, real machine code,
// and sizes on both sides of chunk boundaries.
func stressTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	files := map[string][]byte{}
	random := make([]byte, 200_000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	files["random.bin"] = random
	var text bytes.Buffer
	for i := 0; text.Len() < 300_000; i++ {
		fmt.Fprintf(&text, "line %d: the quick brown fox jumps over the lazy dog %d\n", i%97, i%13)
		if i%500 == 0 {
			text.Write(bytes.Repeat([]byte("abcdefgh"), 100+i%300)) // matches longer than 257 bytes
		}
	}
	files["text.txt"] = text.Bytes()
	files["zeros.bin"] = make([]byte, 100_000)
	x86 := make([]byte, 150_000)
	for i := 0; i < len(x86); i++ {
		switch rng.IntN(8) {
		case 0:
			x86[i] = 0xe8
			if i+5 <= len(x86) {
				binary.LittleEndian.PutUint32(x86[i+1:], uint32(rng.IntN(40000)-20000))
				i += 4
			}
		case 1, 2:
			x86[i] = 0xe8
		default:
			x86[i] = byte(rng.IntN(16))
		}
	}
	files["calls.bin"] = x86
	if exe, err := os.Executable(); err == nil {
		if b, err := os.ReadFile(exe); err == nil && len(b) > 1<<20 {
			files["code.bin"] = b[len(b)/3 : len(b)/3+1<<20]
		}
	}
	for _, n := range []int{1, 2, 3, 10, 11, 32767, 32768, 32769, 65535, 65536, 65537} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7) ^ byte(i>>9)
			if i%61 == 5 {
				b[i] = 0xe8
			}
		}
		files[fmt.Sprintf("sizes/%d.bin", n)] = b
	}
	for p, b := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// TestDecoders captures a stress tree with wimlib-imagex in every
// compression and chunk size it can write that this package decodes, and
// checks each file byte for byte and against the WIM's SHA-1.
func TestDecoders(t *testing.T) {
	generated(t) // skips without wimlib-imagex
	if testing.Short() {
		t.Skip("-short")
	}
	src := t.TempDir()
	files := stressTree(t, src)
	out := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
	}{
		{"lzx-32k", []string{"--compress=LZX"}},
		{"lzx-64k", []string{"--compress=LZX", "--chunk-size=65536"}},
		{"lzx-2m", []string{"--compress=LZX", "--chunk-size=2097152"}},
		{"xpress-4k", []string{"--compress=XPRESS", "--chunk-size=4096"}},
		{"xpress-32k", []string{"--compress=XPRESS"}},
		{"xpress-64k", []string{"--compress=XPRESS", "--chunk-size=65536"}},
		{"solid-lzx-1m", []string{"--compress=LZX", "--solid", "--solid-compress=LZX", "--solid-chunk-size=1048576"}},
		{"solid-xpress-64k", []string{"--compress=XPRESS", "--solid", "--solid-compress=XPRESS", "--solid-chunk-size=65536"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(out, c.name+".wim")
			args := append([]string{"capture", src, p, "stress"}, c.args...)
			if b, err := exec.Command("wimlib-imagex", args...).CombinedOutput(); err != nil {
				t.Fatalf("wimlib-imagex %v: %v\n%s", args, err, b)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			w, err := OpenLimits(f, st.Size(), Limits{CacheBytes: 256 << 10}) // small cache: chunks are decoded again
			if err != nil {
				t.Fatal(err)
			}
			img, err := w.FS(1)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range files {
				fh, err := img.OpenFile(name)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got := make([]byte, fh.Size())
				// Odd-sized reads that cross chunk boundaries.
				for off := 0; off < len(got); off += 12345 {
					end := min(off+12345, len(got))
					if n, err := fh.ReadAt(got[off:end], int64(off)); n != end-off || err != nil && err != io.EOF {
						t.Fatalf("%s at %d: %d bytes, %v", name, off, n, err)
					}
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s: content differs", name)
				}
				if err := fh.Verify(); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
}
