package hive

import (
	"container/list"
	"io"
	"sync"
)

// pageCache serves small reads from a bounded LRU of fixed-size pages.
// regparser reads a few bytes per call; without it every field would be a
// read from the disk.
type pageCache struct {
	r        io.ReaderAt
	size     int64
	pageSize int64
	max      int

	mu    sync.Mutex
	pages map[int64]*list.Element
	lru   list.List
}

type page struct {
	idx  int64
	data []byte
	err  error
}

func newPageCache(r io.ReaderAt, size int64, pageSize int64, maxPages int) *pageCache {
	return &pageCache{r: r, size: size, pageSize: pageSize, max: maxPages, pages: map[int64]*list.Element{}}
}

func (c *pageCache) page(idx int64) *page {
	if el, ok := c.pages[idx]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*page)
	}
	off := idx * c.pageSize
	n := min(c.pageSize, c.size-off)
	p := &page{idx: idx, data: make([]byte, n)}
	k, err := c.r.ReadAt(p.data, off)
	if k < int(n) {
		p.data = p.data[:k]
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		p.err = err
	}
	c.pages[idx] = c.lru.PushFront(p)
	if c.lru.Len() > c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.pages, old.Value.(*page).idx)
	}
	return p
}

func (c *pageCache) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 || off >= c.size {
		return 0, io.EOF
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for n < len(b) && off < c.size {
		p := c.page(off / c.pageSize)
		in := off % c.pageSize
		if in >= int64(len(p.data)) {
			return n, p.err
		}
		k := copy(b[n:], p.data[in:])
		n += k
		off += int64(k)
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}
