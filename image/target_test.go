package image

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	img := fixture(t, "gpt-win11")
	good := writeTemp(t, "disk.img", img)
	empty := filepath.Join(dir, "empty.img")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		want       error
	}{
		{"directory", dir, ErrIsDirectory},
		{"missing", filepath.Join(dir, "nope.img"), ErrNoSuchTarget},
		{"missing parent", filepath.Join(dir, "no", "such.img"), ErrNoSuchTarget},
		{"empty file", empty, ErrEmpty},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := Open(tc.path)
			if !errors.Is(err, tc.want) || tg != nil {
				t.Fatalf("Open(%s) = %v, %v; want %v", tc.path, tg, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name the path", err)
			}
		})
	}
	t.Run("regular file", func(t *testing.T) {
		tg, err := Open(good)
		if err != nil {
			t.Fatal(err)
		}
		defer tg.Close()
		if tg.Kind != KindFile || tg.Size != int64(len(img)) || tg.SectorSize != 512 || tg.Path != good {
			t.Errorf("target %+v", tg)
		}
		l, err := Scan(tg)
		if err != nil || len(l.Partitions) != 4 {
			t.Fatalf("Scan: %v %+v", err, l)
		}
	})
	t.Run("permission", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root: file modes do not stop reads")
		}
		p := writeTemp(t, "locked.img", img[:4096])
		if err := os.Chmod(p, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(p); !errors.Is(err, ErrPermission) {
			t.Fatalf("err = %v, want ErrPermission", err)
		}
	})
}

func TestCloseMemory(t *testing.T) {
	if err := OpenBytes("m", []byte{1}).Close(); err != nil {
		t.Fatal(err)
	}
	tg := OpenReader("r", bytes.NewReader(nil), 0)
	if tg.Kind != KindMemory || tg.Close() != nil {
		t.Fatalf("%+v", tg)
	}
}

// TestTargetCounting: BytesRead and ReadCalls count what reaches the backing reader.
func TestTargetCounting(t *testing.T) {
	img := fixture(t, "gpt-win11")
	tg, err := Open(writeTemp(t, "disk.img", img))
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	if tg.BytesRead() != 0 || tg.ReadCalls() != 0 {
		t.Fatalf("fresh target: %d bytes, %d calls", tg.BytesRead(), tg.ReadCalls())
	}
	l, err := Scan(tg)
	if err != nil {
		t.Fatal(err)
	}
	b0, c0 := tg.BytesRead(), tg.ReadCalls()
	if b0 <= 0 || c0 <= 0 || b0 > 1<<20 {
		t.Fatalf("after Scan: %d bytes, %d calls", b0, c0)
	}
	buf := make([]byte, 4096)
	if n, err := l.Partitions[2].Reader.ReadAt(buf, 8192); n != 4096 || err != nil {
		t.Fatalf("partition read: %d %v", n, err)
	}
	if !bytes.Equal(buf, img[10*mib+8192:10*mib+8192+4096]) {
		t.Error("partition read returned the wrong bytes")
	}
	if tg.BytesRead() != b0+4096 || tg.ReadCalls() != c0+1 {
		t.Errorf("after a 4096-byte read: %d bytes, %d calls; want %d, %d", tg.BytesRead(), tg.ReadCalls(), b0+4096, c0+1)
	}

	tests := []struct {
		name      string
		off       int64
		len       int
		wantN     int
		wantErr   error
		wantCalls int64
	}{
		{"inside", 0, 512, 512, nil, 1},
		{"crossing the end", tg.Size - 100, 512, 100, io.EOF, 1},
		{"at the end", tg.Size, 512, 0, io.EOF, 0},
		{"past the end", tg.Size + 1, 512, 0, io.EOF, 0},
		{"negative offset", -1, 512, 0, ErrOutOfRange, 0},
		{"empty buffer", 0, 0, 0, nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, c := tg.BytesRead(), tg.ReadCalls()
			n, err := tg.ReadAt(make([]byte, tc.len), tc.off)
			if n != tc.wantN || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("ReadAt = %d, %v; want %d, %v", n, err, tc.wantN, tc.wantErr)
			}
			if tg.BytesRead() != b+int64(n) || tg.ReadCalls() != c+tc.wantCalls {
				t.Errorf("counted %d bytes, %d calls; want %d, %d", tg.BytesRead()-b, tg.ReadCalls()-c, n, tc.wantCalls)
			}
		})
	}
}

// TestOpenReaderFaulty: a failing or short backing reader gives errors that
// name the offset; Scan keeps the partitions it can still read.
func TestOpenReaderFaulty(t *testing.T) {
	img := fixture(t, "gpt-win11")
	size := int64(len(img))

	t.Run("ReadAt names the offset", func(t *testing.T) {
		tg := OpenReader("faulty", &faultyReader{data: img, bad: []int64{4096}}, size)
		_, err := tg.ReadAt(make([]byte, 512), 4096)
		if !errors.Is(err, errIO) || !strings.Contains(err.Error(), "offset 4096") || !strings.Contains(err.Error(), "faulty") {
			t.Errorf("err = %v", err)
		}
		if tg.ReadCalls() != 1 {
			t.Errorf("%d calls", tg.ReadCalls())
		}
	})
	t.Run("short backing reader", func(t *testing.T) {
		tg := OpenReader("short", &faultyReader{data: img[:2*mib]}, size)
		n, err := tg.ReadAt(make([]byte, 512), 2*mib-100)
		if n != 100 || !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), fmt.Sprint("offset ", 2*mib-100)) {
			t.Errorf("read across the data end: %d, %v", n, err)
		}
		n, err = tg.ReadAt(make([]byte, 512), 4*mib)
		if n != 0 || !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), fmt.Sprint("offset ", 4*mib)) {
			t.Errorf("read past the data end: %d, %v", n, err)
		}
	})

	tests := []struct {
		name    string
		r       *faultyReader
		wantErr error // Scan fails wrapping this
		offset  string
		parts   map[int]ContentKind // else: these contents; unreadable ones name their offset
		partErr error
	}{
		{name: "fault in the MBR", r: &faultyReader{data: img, bad: []int64{0}}, wantErr: errIO, offset: "offset 0"},
		{name: "fault in the GPT entries", r: &faultyReader{data: img, bad: []int64{12288}}, wantErr: errIO, offset: "offset 1024"},
		{name: "fault in partition 3", r: &faultyReader{data: img, bad: []int64{10 * mib}},
			parts: map[int]ContentKind{1: ContentFAT, 2: ContentEmpty, 3: ContentUnreadable, 4: ContentNTFS}, partErr: errIO},
		{name: "data ends in partition 1", r: &faultyReader{data: img[:2*mib]},
			parts: map[int]ContentKind{1: ContentFAT, 2: ContentUnreadable, 3: ContentUnreadable, 4: ContentUnreadable}, partErr: io.ErrUnexpectedEOF},
		{name: "data ends in the MBR", r: &faultyReader{data: img[:300]}, wantErr: io.ErrUnexpectedEOF, offset: "offset 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Scan(OpenReader("faulty", tc.r, size))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.offset) {
					t.Fatalf("err = %v, want %v naming %q", err, tc.wantErr, tc.offset)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range l.Partitions {
				if p.Content != tc.parts[p.Index] {
					t.Errorf("#%d: %v, want %v", p.Index, p.Content, tc.parts[p.Index])
				}
				if p.Content == ContentUnreadable {
					if !errors.Is(p.Err, tc.partErr) || !strings.Contains(p.Err.Error(), fmt.Sprint("offset ", p.Start)) {
						t.Errorf("#%d: err %v, want %v naming offset %d", p.Index, p.Err, tc.partErr, p.Start)
					}
				}
			}
		})
	}
}
