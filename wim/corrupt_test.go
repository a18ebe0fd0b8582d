package wim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/actrescue/actrescue/internal/safeio"
	"github.com/actrescue/actrescue/ntfs"
)

func patched(b []byte, f func(b []byte)) []byte {
	c := bytes.Clone(b)
	f(c)
	return c
}

func openErr(b []byte) error {
	_, err := Open(bytes.NewReader(b), int64(len(b)))
	return err
}

// blobEntries returns the file offsets of the blob table entries of a
// WIM whose blob table is stored uncompressed (wimlib's and WIMGAPI's).
func blobEntries(t *testing.T, b []byte) []int {
	t.Helper()
	h := parseResHeader(b[0x30:])
	var out []int
	for off := h.offset; off+blobEntrySize <= h.offset+h.usize; off += blobEntrySize {
		out = append(out, int(off))
	}
	return out
}

// metaEntry returns the file offset of the first metadata blob entry.
func metaEntry(t *testing.T, b []byte) int {
	t.Helper()
	for _, e := range blobEntries(t, b) {
		if b[e+7]&resFlagMetadata != 0 {
			return e
		}
	}
	t.Fatal("no metadata entry")
	return 0
}

func TestOpenErrors(t *testing.T) {
	lzx := committed(t, "win11home-lzx.wim")
	for _, c := range []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrNotWIM, "shorter than a WIM header"},
		{"truncated header", lzx[:100], ErrTruncated, "shorter than the 208-byte WIM header"},
		{"bad magic", patched(lzx, func(b []byte) { b[0] = 'X' }), ErrNotWIM, "magic"},
		{"pipable", patched(lzx, func(b []byte) { copy(b, "WLPWM\x00\x00\x00") }), ErrUnsupported, "pipable"},
		{"header size", patched(lzx, func(b []byte) { b[8] = 200 }), ErrCorrupt, "header size"},
		{"chunk size not a power of two", patched(lzx, func(b []byte) { binary.LittleEndian.PutUint32(b[20:], 12345) }), ErrCorrupt, "chunk size 12345"},
		{"image count", patched(lzx, func(b []byte) { binary.LittleEndian.PutUint32(b[44:], 1<<30) }), safeio.ErrTooLarge, "images"},
		{"unknown compression", patched(lzx, func(b []byte) { binary.LittleEndian.PutUint32(b[16:], hdrFlagCompression) }), ErrUnsupported, "no known format"},
		{"lookup table past the end", patched(lzx, func(b []byte) {
			binary.LittleEndian.PutUint64(b[0x38:], uint64(len(b)+1000))
		}), ErrTruncated, "blob table at offset"},
		{"lookup table inside the header", patched(lzx, func(b []byte) { binary.LittleEndian.PutUint64(b[0x38:], 16) }), ErrCorrupt, "overlaps the WIM header"},
		{"lookup table offset overflow", patched(lzx, func(b []byte) { binary.LittleEndian.PutUint64(b[0x38:], 1<<62) }), ErrTruncated, "past the end"},
		{"huge lookup table", patched(lzx, func(b []byte) {
			binary.LittleEndian.PutUint64(b[0x40:], 1<<40)
		}), safeio.ErrTooLarge, "blob table is 1099511627776 bytes"},
		{"huge metadata", patched(lzx, func(b []byte) {
			e := metaEntry(t, b)
			binary.LittleEndian.PutUint64(b[e+16:], 1<<40)
		}), safeio.ErrTooLarge, "metadata resource of image 1"},
		{"metadata past the end", patched(lzx, func(b []byte) {
			e := metaEntry(t, b)
			binary.LittleEndian.PutUint64(b[e+8:], uint64(len(b)))
		}), ErrTruncated, "lies past the end"},
		{"truncated file", lzx[:len(lzx)/2], ErrTruncated, "past the end of the"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := openErr(c.data)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("Open = %v, want %v containing %q", err, c.want, c.msg)
			}
		})
	}
}

// Damage inside resources is found when the data is read.
func TestReadErrors(t *testing.T) {
	lzx := committed(t, "win11home-lzx.wim")

	t.Run("chunk table past the resource", func(t *testing.T) {
		b := patched(lzx, func(b []byte) {
			// 32768 chunks need a 131 KiB chunk table: more than the
			// few KiB the metadata resource really has.
			binary.LittleEndian.PutUint64(b[metaEntry(t, b)+16:], 1<<30-1)
		})
		_, err := openBytes(t, b).FS(1)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "chunk table of 32767 entries") {
			t.Errorf("FS = %v, want ErrCorrupt naming the chunk table", err)
		}
	})

	w := openBytes(t, lzx)
	img, err := w.FS(1)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := img.lookup("Windows/System32/spp/tokens/pkeyconfig/pkeyconfig.xrm-ms") // 49352 bytes: 2 chunks
	if err != nil {
		t.Fatal(err)
	}
	res := w.blobs[d.hash].res
	if res.numChunks() != 2 {
		t.Fatalf("%d chunks", res.numChunks())
	}
	readAll := func(b []byte, p string) error {
		w := openBytes(t, b)
		img, err := w.FS(1)
		if err != nil {
			return err
		}
		f, err := img.OpenFile(p)
		if err != nil {
			return err
		}
		if _, err := io.ReadAll(io.NewSectionReader(f, 0, f.Size())); err != nil {
			return err
		}
		return f.Verify()
	}
	p := "Windows/System32/spp/tokens/pkeyconfig/pkeyconfig.xrm-ms"
	t.Run("chunk entry past the data", func(t *testing.T) {
		b := patched(lzx, func(b []byte) { binary.LittleEndian.PutUint32(b[res.offset:], 1<<30) })
		if err := readAll(b, p); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "chunk 0 spans") {
			t.Errorf("read = %v, want ErrCorrupt naming chunk 0", err)
		}
	})
	t.Run("chunk entries out of order", func(t *testing.T) {
		b := patched(lzx, func(b []byte) { binary.LittleEndian.PutUint32(b[res.offset:], 0) })
		if err := readAll(b, p); !errors.Is(err, ErrCorrupt) {
			t.Errorf("read = %v, want ErrCorrupt", err)
		}
	})
	t.Run("compressed data damaged", func(t *testing.T) {
		for i := int64(0); i < 64; i++ {
			b := patched(lzx, func(b []byte) {
				b[res.offset+4+40+i*37%(res.stored-50)] ^= 0x5a
			})
			if err := readAll(b, p); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("flip %d: read = %v, want ErrCorrupt (bad data or a SHA-1 mismatch)", i, err)
			}
		}
	})
	t.Run("file larger than its resource", func(t *testing.T) {
		b := patched(lzx, func(b []byte) {
			for _, e := range blobEntries(t, b) {
				if int64(binary.LittleEndian.Uint64(b[e+8:])) == res.offset {
					binary.LittleEndian.PutUint64(b[e+16:], 1<<40) // over the 64 GiB limit: refused
				}
			}
		})
		w := openBytes(t, b)
		img, err := w.FS(1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := img.Stat(p); !errors.Is(err, ErrMissingBlob) {
			t.Errorf("Stat = %v, want ErrMissingBlob", err)
		}
		if len(w.Notes()) == 0 {
			t.Error("no note about the ignored blob")
		}
	})
	t.Run("huge XML", func(t *testing.T) {
		b := patched(lzx, func(b []byte) { binary.LittleEndian.PutUint64(b[0x48+16:], 1<<40) })
		w := openBytes(t, b)
		if im := w.Images(); len(im) != 1 || im[0].Name != "" || !strings.Contains(strings.Join(w.Notes(), ";"), "XML data is 1099511627776 bytes") {
			t.Errorf("images %+v, notes %v", im, w.Notes())
		}
		if _, err := w.FS(1); err != nil {
			t.Errorf("FS without XML: %v", err)
		}
	})
	t.Run("garbage XML", func(t *testing.T) {
		xh := parseResHeader(lzx[0x48:])
		b := patched(lzx, func(b []byte) { copy(b[xh.offset+2:], "<\x00/\x00W\x00") })
		w := openBytes(t, b)
		if w.Images()[0].Name != "" || !strings.Contains(strings.Join(w.Notes(), ";"), "XML data unreadable") {
			t.Errorf("images %+v, notes %v", w.Images(), w.Notes())
		}
	})
}

// Directory-entry damage, on the synthetic (uncompressed) WIM.
func TestDentryErrors(t *testing.T) {
	s := buildSynth(synthFiles)
	meta := func(b []byte, off int64) []byte { return b[s.metaOff+off:] }
	for _, c := range []struct {
		name string
		f    func(b []byte)
		path string
		want error
		msg  string
	}{
		{"huge dentry length", func(b []byte) {
			binary.LittleEndian.PutUint64(meta(b, s.dentries["Windows"]), 1<<40)
		}, softwarePath, ErrCorrupt, "declares 1099511627776 bytes"},
		{"dentry past the metadata", func(b []byte) {
			binary.LittleEndian.PutUint64(meta(b, s.dentries["Windows"]), 4096)
		}, softwarePath, ErrCorrupt, "has length 4096"},
		{"subdir past the metadata", func(b []byte) {
			binary.LittleEndian.PutUint64(meta(b, s.dentries["Windows"])[16:], 1<<40)
		}, softwarePath, ErrCorrupt, "outside the"},
		{"odd name length", func(b []byte) {
			binary.LittleEndian.PutUint16(meta(b, s.dentries["Windows"])[100:], 7)
		}, softwarePath, ErrCorrupt, "odd name length"},
		{"name longer than the entry", func(b []byte) {
			binary.LittleEndian.PutUint16(meta(b, s.dentries["Windows"])[100:], 200)
		}, softwarePath, ErrCorrupt, "cannot hold its names"},
		{"directory cycle", func(b []byte) {
			root := binary.LittleEndian.Uint64(meta(b, 8)[16:])
			binary.LittleEndian.PutUint64(meta(b, s.dentries["Windows/System32"])[16:], root)
		}, "Windows/System32/Windows/System32/config/SOFTWARE", ErrCorrupt, "cycle"},
		{"stream entries past the metadata", func(b []byte) {
			binary.LittleEndian.PutUint16(meta(b, s.dentries["Windows"])[96:], 60000)
		}, softwarePath, ErrCorrupt, "stream entry"},
		{"missing data", func(b []byte) {
			meta(b, s.dentries[softwarePath])[64] ^= 1
		}, softwarePath, ErrMissingBlob, "not in this WIM"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := patched(s.wim, c.f)
			img, err := openBytes(t, b).FS(1)
			if err != nil {
				t.Fatal(err)
			}
			_, err = img.Stat(c.path)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("Stat = %v, want %v containing %q", err, c.want, c.msg)
			}
			if errors.Is(err, ntfs.ErrNotFound) {
				t.Errorf("damage reported as not found: %v", err)
			}
		})
	}
	t.Run("root not a directory", func(t *testing.T) {
		b := patched(s.wim, func(b []byte) { binary.LittleEndian.PutUint32(meta(b, 8)[8:], 0x20) })
		if _, err := openBytes(t, b).FS(1); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "root entry is not a directory") {
			t.Errorf("FS = %v", err)
		}
	})
	t.Run("security data too long", func(t *testing.T) {
		b := patched(s.wim, func(b []byte) { binary.LittleEndian.PutUint32(meta(b, 0), 1<<20) })
		if _, err := openBytes(t, b).FS(1); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "security data") {
			t.Errorf("FS = %v", err)
		}
	})
	t.Run("file data truncated", func(t *testing.T) {
		b := patched(s.wim, func(b []byte) {
			binary.LittleEndian.PutUint64(b[s.blobEntry[softwarePath]+8:], uint64(len(b)-4))
		})
		img, err := openBytes(t, b).FS(1)
		if err != nil {
			t.Fatal(err)
		}
		// The entry now lies past the end: it is ignored, so the file's
		// data is missing rather than silently short.
		if _, err := img.Open(softwarePath); !errors.Is(err, ErrMissingBlob) {
			t.Errorf("Open = %v, want ErrMissingBlob", err)
		}
	})
}

// LZX blocks of type "uncompressed" (wimlib never writes them; WIMGAPI
// may), with the E8 translation undone after them.
func TestLZXUncompressedBlock(t *testing.T) {
	payload := []byte{'a', 'b', 0xe8, 10, 0, 0, 0, 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n'}
	// Header bits: type 3 (011), not the default size (0), size 19 in 16
	// bits; then alignment to the next 16-bit unit, R0..R2, the bytes and
	// one pad byte for the odd size.
	in := []byte{0x01, 0x60, 0x00, 0x30} // units 0x6001 (011 0 00000000 0001) and 0x3000 (0011 + padding)
	for range 3 {
		in = binary.LittleEndian.AppendUint32(in, 1)
	}
	in = append(in, payload...)
	in = append(in, 0)
	d, err := newLZXDecoder(32768)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(payload))
	if err := d.decompress(in, out); err != nil {
		t.Fatal(err)
	}
	want := bytes.Clone(payload)
	binary.LittleEndian.PutUint32(want[3:], 10-2) // absolute 10 at position 2 → relative 8
	if !bytes.Equal(out, want) {
		t.Errorf("got % x\nwant % x", out, want)
	}
	// Truncated payload and zero recent offsets are errors.
	if err := d.decompress(in[:20], out); !errors.Is(err, errLZX) {
		t.Errorf("truncated: %v", err)
	}
	bad := bytes.Clone(in)
	binary.LittleEndian.PutUint32(bad[4:], 0)
	if err := d.decompress(bad, out); !errors.Is(err, errLZX) {
		t.Errorf("zero R0: %v", err)
	}
	if _, err := newLZXDecoder(4 << 20); !errors.Is(err, ErrUnsupported) {
		t.Errorf("4 MiB window: %v", err)
	}
}

func TestXpressErrors(t *testing.T) {
	d := newXpressDecoder()
	out := make([]byte, 100)
	if err := d.decompress(make([]byte, 10), out); !errors.Is(err, errXpress) {
		t.Errorf("short input: %v", err)
	}
	in := make([]byte, 300)
	in[0] = 0x11 // lengths 1,1 for symbols 0 and 1: complete
	if err := d.decompress(in, out); err != nil {
		t.Errorf("two-symbol code: %v", err)
	}
	in[0] = 0x12 // lengths 2,1: incomplete
	if err := d.decompress(in, out); !errors.Is(err, errXpress) {
		t.Errorf("incomplete code: %v", err)
	}
	// A match before the start of the chunk.
	in = make([]byte, 300)
	in[128] = 0x01                // symbol 256 (match, length 3, offset 1): length 1
	in[0] = 0x01                  // symbol 0: length 1
	in[256], in[257] = 0x00, 0x80 // first bit 1: symbol 256 at position 0
	if err := d.decompress(in, out); !errors.Is(err, errXpress) || !strings.Contains(err.Error(), "before the start") {
		t.Errorf("match at 0: %v", err)
	}
}
