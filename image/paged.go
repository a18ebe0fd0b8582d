package image

import (
	"container/list"
	"fmt"
	"io"
	"sync"
)

// pagedReader serves reads of any size and alignment from whole,
// sector-aligned pages read from the device and kept in a bounded LRU.
// Raw devices (Windows \\.\PhysicalDriveN, some USB bridges) accept only
// aligned reads, and parsers issue many small ones.
type pagedReader struct {
	r        io.ReaderAt
	size     int64
	pageSize int64
	max      int

	mu    sync.Mutex
	pages map[int64]*list.Element
	lru   list.List
}

type devPage struct {
	idx  int64
	data []byte
}

// newPagedReader pages r (size bytes) in pageSize units, which must be a
// multiple of the sector size, keeping at most maxPages in memory.
func newPagedReader(r io.ReaderAt, size, pageSize int64, maxPages int) *pagedReader {
	return &pagedReader{r: r, size: size, pageSize: pageSize, max: maxPages, pages: map[int64]*list.Element{}}
}

func (p *pagedReader) page(idx int64) ([]byte, error) {
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

func (p *pagedReader) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("offset %d: %w", off, ErrOutOfRange)
	}
	if off >= p.size {
		return 0, io.EOF
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if int64(len(b)) >= directRead {
		return p.direct(b, off)
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

// directRead is the read size from which the page cache is bypassed: a
// backup streaming a large file then costs one device request per MiB
// instead of one per page.
const directRead = 256 << 10

// direct serves a large read with one aligned device read per MiB chunk;
// only the unaligned ends are trimmed.
func (p *pagedReader) direct(b []byte, off int64) (int, error) {
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
