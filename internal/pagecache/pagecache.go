// Package pagecache serves reads of any size and alignment from whole,
// aligned pages kept in a bounded LRU. Parsers such as regparser and
// go-ntfs issue many tiny reads; raw devices (Windows \\.\PhysicalDriveN,
// some USB bridges) accept only aligned ones. Reads at or above a threshold
// can bypass the cache and go to the source in aligned 1 MiB requests.
//
// A failed page read is not cached: it is returned, with its offset, to the
// caller that asked, and tried again by the next one.
package pagecache

import (
	"container/list"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Reader is a paged, cached io.ReaderAt.
type Reader struct {
	r        io.ReaderAt
	size     int64
	pageSize int64
	max      int
	direct   int64 // reads of this size or more bypass the cache; 0: never

	mu    sync.Mutex
	pages map[int64]*list.Element
	lru   list.List
}

type devPage struct {
	idx  int64
	data []byte
}

// New pages r (size bytes) in pageSize units, which must be a multiple of
// the source's sector size, keeping at most maxPages in memory. Reads of
// direct bytes or more go straight to r (0 turns that off).
func New(r io.ReaderAt, size, pageSize int64, maxPages int, direct int64) *Reader {
	return &Reader{r: r, size: size, pageSize: pageSize, max: maxPages, direct: direct, pages: map[int64]*list.Element{}}
}

func (p *Reader) page(idx int64) ([]byte, error) {
	if el, ok := p.pages[idx]; ok {
		p.lru.MoveToFront(el)
		return el.Value.(*devPage).data, nil
	}
	off := idx * p.pageSize
	n := min(p.pageSize, p.size-off)
	buf := make([]byte, n)
	k, err := p.r.ReadAt(buf, off)
	if k < int(n) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read %d bytes at offset %d: %w", n, off, err)
	}
	p.pages[idx] = p.lru.PushFront(&devPage{idx: idx, data: buf})
	if p.lru.Len() > p.max {
		old := p.lru.Back()
		p.lru.Remove(old)
		delete(p.pages, old.Value.(*devPage).idx)
	}
	return buf, nil
}

func (p *Reader) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("offset %d: %w", off, errNegative)
	}
	if off >= p.size {
		return 0, io.EOF
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.direct > 0 && int64(len(b)) >= p.direct {
		return p.readDirect(b, off)
	}
	n := 0
	for n < len(b) && off < p.size {
		data, err := p.page(off / p.pageSize)
		if err != nil {
			return n, err
		}
		k := copy(b[n:], data[off%p.pageSize:])
		n += k
		off += int64(k)
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// readDirect serves a large read with one aligned device read per MiB chunk;
// only the unaligned ends are trimmed.
func (p *Reader) readDirect(b []byte, off int64) (int, error) {
	const align = 4096 // a multiple of every logical sector size in use
	end := min(off+int64(len(b)), p.size)
	start := off - off%align
	n := 0
	buf := make([]byte, 0, 1<<20)
	for pos := start; pos < end; {
		// Read only up to the aligned end of the request.
		last := min(end+(align-end%align)%align, p.size)
		chunk := min(int64(1<<20), last-pos)
		buf = buf[:chunk]
		k, err := p.r.ReadAt(buf, pos)
		if k < int(chunk) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n, fmt.Errorf("read %d bytes at offset %d: %w", chunk, pos, err)
		}
		lo := max(off, pos) - pos
		hi := min(end, pos+chunk) - pos
		n += copy(b[n:], buf[lo:hi])
		pos += chunk
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

var errNegative = errors.New("pagecache: negative offset")
