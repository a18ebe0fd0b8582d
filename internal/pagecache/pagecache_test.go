package pagecache

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

// alignedOnly is a device double that refuses unaligned reads, as a
// Windows raw disk handle does.
type alignedOnly struct {
	b     []byte
	calls int
}

func (a *alignedOnly) ReadAt(p []byte, off int64) (int, error) {
	a.calls++
	if off%512 != 0 || len(p)%512 != 0 {
		return 0, fmt.Errorf("unaligned read %d+%d", off, len(p))
	}
	return bytes.NewReader(a.b).ReadAt(p, off)
}

func TestPagedReaderAlignsAndCaches(t *testing.T) {
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	dev := &alignedOnly{b: data}
	p := New(dev, int64(len(data)), 64<<10, 4, 256<<10)
	for _, c := range []struct{ off, n int64 }{{3, 10}, {65530, 20}, {0, 1}, {1<<20 - 5, 5}, {100000, 200000}} {
		buf := make([]byte, c.n)
		n, err := p.ReadAt(buf, c.off)
		if err != nil || int64(n) != c.n || !bytes.Equal(buf, data[c.off:c.off+c.n]) {
			t.Fatalf("read %d+%d: n=%d err=%v", c.off, c.n, n, err)
		}
	}
	before := dev.calls
	p.ReadAt(make([]byte, 4), 10) // page 0 is cached? it may have been evicted; read twice
	p.ReadAt(make([]byte, 4), 20)
	if dev.calls-before > 1 {
		t.Errorf("repeated reads in one page reached the device %d times", dev.calls-before)
	}
	if n, err := p.ReadAt(make([]byte, 10), 1<<20-4); n != 4 || err != io.EOF {
		t.Errorf("read across the end: n=%d err=%v", n, err)
	}
	if _, err := p.ReadAt(make([]byte, 1), -1); !errors.Is(err, errNegative) {
		t.Errorf("negative offset: %v", err)
	}
}

type failAfter struct{ limit int64 }

func (f failAfter) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.limit {
		return 0, errors.New("I/O error")
	}
	return len(p), nil
}

func TestPagedReaderDeviceError(t *testing.T) {
	p := New(failAfter{limit: 128 << 10}, 1<<20, 64<<10, 4, 256<<10)
	_, err := p.ReadAt(make([]byte, 10), 200<<10)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("offset 196608")) {
		t.Errorf("device error does not name the offset: %v", err)
	}
}

func TestPagedReaderDirectLargeReads(t *testing.T) {
	data := make([]byte, 5<<20+12288) // devices are whole sectors
	for i := range data {
		data[i] = byte(i*13 + i>>9)
	}
	dev := &alignedOnly{b: data}
	p := New(dev, int64(len(data)), 64<<10, 4, 256<<10)
	for _, c := range []struct{ off, n int64 }{{0, 1 << 20}, {777, 3 << 20}, {int64(len(data)) - (300 << 10), 300 << 10}, {100, 256 << 10}} {
		before := dev.calls
		buf := make([]byte, c.n)
		n, err := p.ReadAt(buf, c.off)
		if err != nil || int64(n) != c.n || !bytes.Equal(buf, data[c.off:c.off+c.n]) {
			t.Fatalf("direct read %d+%d: n=%d err=%v", c.off, c.n, n, err)
		}
		if calls := dev.calls - before; calls > int(c.n>>20)+2 {
			t.Errorf("read %d+%d took %d device calls", c.off, c.n, calls)
		}
	}
	// Past the end: short with io.EOF.
	buf := make([]byte, 1<<20)
	if n, err := p.ReadAt(buf, int64(len(data))-1000); n != 1000 || err != io.EOF {
		t.Errorf("direct read across the end: n=%d err=%v", n, err)
	}
}
