package image

import (
	"bytes"
	"errors"
	"math/rand"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/actrescue/actrescue/internal/safeio"
)

// encodeD2Zst is the fixture format: delta-2, then zstd (streamed, as
// fixturegen does, or as one EncodeAll frame that records its size).
func encodeD2Zst(t *testing.T, plain []byte, stream bool, opts ...zstd.EOption) []byte {
	t.Helper()
	d := bytes.Clone(plain)
	EncodeD2(d)
	if !stream {
		enc, err := zstd.NewWriter(nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer enc.Close()
		return enc.EncodeAll(d, nil)
	}
	var buf bytes.Buffer
	opts = append([]zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1)}, opts...)
	enc, err := zstd.NewWriter(&buf, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Write(d); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sampleData(n int) []byte {
	b := make([]byte, n)
	rnd := rand.New(rand.NewSource(int64(n)))
	for i := range b {
		if i%4096 < 1024 {
			b[i] = byte(rnd.Intn(256))
		} else {
			b[i] = byte(i / 3)
		}
	}
	return b
}

func TestEncodeD2(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 1000} {
		plain := sampleData(n)
		d := bytes.Clone(plain)
		EncodeD2(d)
		// Inverse: b[i] += b[i-2].
		for i := 2; i < len(d); i++ {
			d[i] += d[i-2]
		}
		if !bytes.Equal(d, plain) {
			t.Errorf("n=%d: delta-2 does not invert", n)
		}
	}
}

func TestReadD2Zst(t *testing.T) {
	big := sampleData(3 * mib)
	tests := []struct {
		name    string
		plain   []byte
		stream  bool
		limit   int64
		wantErr error
		opts    []zstd.EOption
	}{
		{"empty", nil, false, 100, nil, nil},
		{"three bytes", []byte{1, 2, 3}, false, 3, nil, nil},
		{"3 MiB frame", big, false, 3 * mib, nil, nil},
		{"3 MiB stream", big, true, 3 * mib, nil, nil},
		{"small stream, small limit", []byte("actrescue fixture\r\n"), true, 1000, nil, nil},
		{"frame one byte over", big, false, 3*mib - 1, safeio.ErrTooLarge, nil},
		{"stream one byte over", big, true, 3*mib - 1, safeio.ErrTooLarge, nil},
		{"frame far over", big, false, 1000, safeio.ErrTooLarge, nil},
		{"stream far over", big, true, 1000, safeio.ErrTooLarge, nil},
		// Past the decoder's own memory floor: zstd's errors map to ErrTooLarge.
		{"9 MiB frame, small limit", make([]byte, 9*mib), false, 1000, safeio.ErrTooLarge, nil},
		{"16 MiB window, small limit", make([]byte, 9*mib), true, 1000, safeio.ErrTooLarge,
			[]zstd.EOption{zstd.WithWindowSize(16 << 20)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadD2Zst(bytes.NewReader(encodeD2Zst(t, tc.plain, tc.stream, tc.opts...)), tc.limit)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || got != nil {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.plain) {
				t.Fatalf("round trip: %d bytes, %v", len(got), err)
			}
		})
	}
}

func TestReadD2ZstGarbage(t *testing.T) {
	good := encodeD2Zst(t, sampleData(64<<10), true)
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"not zstd", []byte("this is not a zstd stream at all")},
		{"truncated", good[:len(good)/2]},
		{"corrupt body", func() []byte { b := bytes.Clone(good); b[len(b)/2] ^= 0xFF; b[len(b)/2+1] ^= 0x55; return b }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := ReadD2Zst(bytes.NewReader(tc.in), 1<<20); err == nil {
				t.Fatalf("no error, %d bytes", len(got))
			}
		})
	}
}

func TestReadD2ZstFixtureLimit(t *testing.T) {
	n := int64(len(fixture(t, "mbr-win7")))
	f := func(limit int64) error {
		b := encodedFixture(t, "mbr-win7")
		_, err := ReadD2Zst(bytes.NewReader(b), limit)
		return err
	}
	if err := f(n); err != nil {
		t.Errorf("limit = size: %v", err)
	}
	if err := f(n - 1); !errors.Is(err, safeio.ErrTooLarge) {
		t.Errorf("limit = size-1: %v, want ErrTooLarge", err)
	}
}
