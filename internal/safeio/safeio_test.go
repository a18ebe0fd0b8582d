package safeio

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"
)

// countingReader counts the bytes handed out, to prove that a lying size
// does not make ReadAt allocate or read more than the source holds.
type countingReader struct {
	r     io.ReaderAt
	calls int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.calls++
	return c.r.ReadAt(p, off)
}

func TestReadAt(t *testing.T) {
	data := bytes.Repeat([]byte("abcdefgh"), 1<<18) // 2 MiB
	r := bytes.NewReader(data)
	b, err := ReadAt(r, 3, 10, 100)
	if err != nil || string(b) != "defghabcde" {
		t.Fatalf("small read: %q %v", b, err)
	}
	b, err = ReadAt(r, 1, 3<<19, 4<<20) // 1.5 MiB, two chunks
	if err != nil || !bytes.Equal(b, data[1:1+3<<19]) {
		t.Fatalf("chunked read: %d bytes, %v", len(b), err)
	}
	if _, err := ReadAt(r, 0, 101, 100); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	for _, c := range []struct{ off, n int64 }{{-1, 1}, {0, -1}, {math.MaxInt64, 1}} {
		if _, err := ReadAt(r, c.off, c.n, math.MaxInt64); !errors.Is(err, ErrOverflow) {
			t.Errorf("off %d n %d: %v", c.off, c.n, err)
		}
	}
	// A size the source cannot honour fails on the first short chunk,
	// without allocating the whole claimed size.
	cr := &countingReader{r: r}
	if _, err := ReadAt(cr, 0, 1<<40, 1<<41); !errors.Is(err, io.ErrUnexpectedEOF) || cr.calls > 3 {
		t.Errorf("lying size: %v after %d reads", err, cr.calls)
	}
	if _, err := ReadAt(r, int64(len(data))-2, 5, 100); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short read: %v", err)
	}
}

func TestArithmetic(t *testing.T) {
	if v, err := Mul(3, 4); v != 12 || err != nil {
		t.Errorf("Mul: %d %v", v, err)
	}
	for _, c := range [][2]int64{{math.MaxInt64, 2}, {-1, 2}, {2, -1}} {
		if _, err := Mul(c[0], c[1]); !errors.Is(err, ErrOverflow) {
			t.Errorf("Mul%v: %v", c, err)
		}
	}
	if v, err := Add(3, 4); v != 7 || err != nil {
		t.Errorf("Add: %d %v", v, err)
	}
	if _, err := Add(math.MaxInt64, 1); !errors.Is(err, ErrOverflow) {
		t.Errorf("Add overflow: %v", err)
	}
	cases := []struct {
		off, n, size int64
		want         bool
	}{{0, 10, 10, true}, {5, 5, 10, true}, {5, 6, 10, false}, {-1, 1, 10, false}, {0, -1, 10, false}, {math.MaxInt64, 1, math.MaxInt64, false}, {10, 0, 10, true}}
	for _, c := range cases {
		if got := InRange(c.off, c.n, c.size); got != c.want {
			t.Errorf("InRange(%d, %d, %d) = %v", c.off, c.n, c.size, got)
		}
	}
}

func TestRecover(t *testing.T) {
	f := func() (err error) {
		defer Recover(&err, "parse thing")
		var m map[string]int
		m["x"] = 1 // panics: assignment to a nil map
		return nil
	}
	err := f()
	if !errors.Is(err, ErrPanic) || !bytes.Contains([]byte(err.Error()), []byte("parse thing")) {
		t.Errorf("recovered: %v", err)
	}
	g := func() (err error) {
		defer Recover(&err, "quiet")
		return io.EOF
	}
	if err := g(); err != io.EOF {
		t.Errorf("no panic must leave the error alone: %v", err)
	}
}
