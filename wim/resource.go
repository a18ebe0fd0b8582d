package wim

import (
	"container/list"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/actrescue/actrescue/internal/safeio"
)

// resource is a stored resource: raw bytes, or chunks each compressed on
// its own. Non-solid resources start with a chunk table of offsets (the
// first chunk's omitted); solid resources start with a 16-byte header
// (size, chunk size, format) and a table of compressed chunk sizes.
type resource struct {
	w      *WIM
	offset int64 // in the file
	stored int64 // bytes in the file, chunk table included
	usize  int64 // uncompressed size
	comp   Compression
	chunk  int64
	solid  bool

	once      sync.Once
	solidOffs []int64 // solid: start of each chunk after the table, plus the end
	solidErr  error
}

func (r *resource) describe() string {
	kind := "resource"
	if r.solid {
		kind = "solid resource"
	}
	return fmt.Sprintf("%s at offset %d (%s)", kind, r.offset, r.comp)
}

func (r *resource) numChunks() int64 { return (r.usize + r.chunk - 1) / r.chunk }

// readAll returns the whole uncompressed resource, refusing more than max.
func (r *resource) readAll(max int64) ([]byte, error) {
	if r.usize > max {
		return nil, fmt.Errorf("%s: %d bytes (limit %d): %w", r.describe(), r.usize, max, safeio.ErrTooLarge)
	}
	if r.comp == CompressNone && !r.solid {
		return safeio.ReadAt(r.w.r, r.offset, r.usize, max)
	}
	buf := make([]byte, r.usize)
	if _, err := r.readAt(buf, 0); err != nil {
		return nil, err
	}
	return buf, nil
}

// readAt reads uncompressed bytes at off. Reads past the end are short
// with io.EOF.
func (r *resource) readAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d: %w", off, ErrCorrupt)
	}
	if off >= r.usize {
		return 0, io.EOF
	}
	want := len(p)
	if int64(want) > r.usize-off {
		p = p[:r.usize-off]
	}
	if r.comp == CompressNone && !r.solid {
		n, err := r.w.r.ReadAt(p, r.offset+off)
		if n < len(p) {
			if err == nil || errors.Is(err, io.EOF) {
				err = fmt.Errorf("%s: %w", r.describe(), ErrTruncated)
			}
			return n, err
		}
		if len(p) < want {
			return n, io.EOF
		}
		return n, nil
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		idx := pos / r.chunk
		data, err := r.chunkData(idx)
		if err != nil {
			return n, err
		}
		n += copy(p[n:], data[pos-idx*r.chunk:])
	}
	if len(p) < want {
		return n, io.EOF
	}
	return n, nil
}

// chunkData returns chunk idx decompressed, through the WIM's cache.
func (r *resource) chunkData(idx int64) ([]byte, error) {
	key := cacheKey{r.offset, idx}
	if b := r.w.cache.get(key); b != nil {
		return b, nil
	}
	b, err := r.decompressChunk(idx)
	if err != nil {
		return nil, fmt.Errorf("%s, chunk %d: %w", r.describe(), idx, err)
	}
	r.w.cache.put(key, b)
	return b, nil
}

// chunkUsize is the uncompressed size of chunk idx.
func (r *resource) chunkUsize(idx int64) int64 {
	if idx == r.numChunks()-1 {
		if rem := r.usize % r.chunk; rem != 0 {
			return rem
		}
	}
	return r.chunk
}

// locate returns the file offset and stored size of chunk idx.
func (r *resource) locate(idx int64) (int64, int64, error) {
	if r.solid {
		return r.locateSolid(idx)
	}
	n := r.numChunks()
	entry := int64(4)
	if r.usize > 0xffffffff {
		entry = 8
	}
	table := (n - 1) * entry
	if table > r.stored {
		return 0, 0, fmt.Errorf("chunk table of %d entries (%d bytes) runs past the %d-byte resource: %w", n-1, table, r.stored, ErrCorrupt)
	}
	dataSize := r.stored - table
	readEntry := func(i int64) (int64, error) { // offset of chunk i, i >= 1
		b, err := safeio.ReadAt(r.w.r, r.offset+(i-1)*entry, entry, 8)
		if err != nil {
			return 0, fmt.Errorf("read the chunk table: %w", err)
		}
		if entry == 4 {
			return int64(binary.LittleEndian.Uint32(b)), nil
		}
		v := binary.LittleEndian.Uint64(b)
		if v > 1<<62 {
			return 0, fmt.Errorf("chunk table entry %d is %d: %w", i, v, ErrCorrupt)
		}
		return int64(v), nil
	}
	var start, end int64
	var err error
	if idx > 0 {
		if start, err = readEntry(idx); err != nil {
			return 0, 0, err
		}
	}
	if idx < n-1 {
		if end, err = readEntry(idx + 1); err != nil {
			return 0, 0, err
		}
	} else {
		end = dataSize
	}
	if start < 0 || end > dataSize || end <= start {
		return 0, 0, fmt.Errorf("chunk %d spans %d..%d of the %d bytes after the chunk table: %w", idx, start, end, dataSize, ErrCorrupt)
	}
	return r.offset + table + start, end - start, nil
}

func (r *resource) locateSolid(idx int64) (int64, int64, error) {
	r.once.Do(r.loadSolidTable)
	if r.solidErr != nil {
		return 0, 0, r.solidErr
	}
	table := int64(solidHeaderSize) + 4*r.numChunks()
	return r.offset + table + r.solidOffs[idx], r.solidOffs[idx+1] - r.solidOffs[idx], nil
}

func (r *resource) loadSolidTable() {
	n := r.numChunks()
	if n > int64(r.w.lim.MaxSolidChunks) {
		r.solidErr = fmt.Errorf("%d chunks (limit %d): %w", n, r.w.lim.MaxSolidChunks, safeio.ErrTooLarge)
		return
	}
	table := 4 * n
	if solidHeaderSize+table > r.stored {
		r.solidErr = fmt.Errorf("chunk table of %d entries runs past the %d-byte resource: %w", n, r.stored, ErrCorrupt)
		return
	}
	b, err := safeio.ReadAt(r.w.r, r.offset+solidHeaderSize, table, table)
	if err != nil {
		r.solidErr = fmt.Errorf("read the chunk table: %w", err)
		return
	}
	offs := make([]int64, n+1)
	dataSize := r.stored - solidHeaderSize - table
	for i := range n {
		offs[i+1] = offs[i] + int64(binary.LittleEndian.Uint32(b[4*i:]))
		if offs[i+1] > dataSize {
			r.solidErr = fmt.Errorf("chunk %d ends at %d, past the %d data bytes: %w", i, offs[i+1], dataSize, ErrCorrupt)
			return
		}
	}
	r.solidOffs = offs
}

func (r *resource) decompressChunk(idx int64) ([]byte, error) {
	usize := r.chunkUsize(idx)
	switch r.comp {
	case CompressLZMS:
		return nil, fmt.Errorf("%s: %w", lzmsUnsupportedMsg, ErrUnsupported)
	case CompressNone, CompressXPRESS, CompressLZX:
	default:
		return nil, fmt.Errorf("compression format %d: %w", int(r.comp), ErrUnsupported)
	}
	if r.comp == CompressXPRESS && r.chunk > xpressMaxChunk || r.comp == CompressLZX && r.chunk > lzxMaxChunk {
		return nil, fmt.Errorf("%s with %d-byte chunks: %w", r.comp, r.chunk, ErrUnsupported)
	}
	off, csize, err := r.locate(idx)
	if err != nil {
		return nil, err
	}
	if csize > usize {
		return nil, fmt.Errorf("chunk stored in %d bytes, more than its %d uncompressed bytes: %w", csize, usize, ErrCorrupt)
	}
	in, err := safeio.ReadAt(r.w.r, off, csize, r.chunk)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: %w", ErrTruncated, err)
		}
		return nil, err
	}
	if csize == usize {
		return in, nil // stored raw: it did not compress
	}
	if r.comp == CompressNone {
		return nil, fmt.Errorf("uncompressed chunk of %d bytes stored in %d: %w", usize, csize, ErrCorrupt)
	}
	out := make([]byte, usize) // at most 2 MiB: checked above
	switch r.comp {
	case CompressXPRESS:
		err = newXpressDecoder().decompress(in, out)
	case CompressLZX:
		var d *lzxDecoder
		if d, err = newLZXDecoder(int(r.chunk)); err == nil {
			err = d.decompress(in, out)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return out, nil
}

// chunkCache keeps recently decompressed chunks, bounded in bytes.
type chunkCache struct {
	mu    sync.Mutex
	max   int64
	bytes int64
	lru   *list.List // of *cacheEntry, most recent first
	m     map[cacheKey]*list.Element
}

type cacheKey struct {
	res   int64
	chunk int64
}

type cacheEntry struct {
	key  cacheKey
	data []byte
}

func newChunkCache(max int64) *chunkCache {
	return &chunkCache{max: max, lru: list.New(), m: map[cacheKey]*list.Element{}}
}

func (c *chunkCache) get(k cacheKey) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*cacheEntry).data
	}
	return nil
}

func (c *chunkCache) put(k cacheKey, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok || int64(len(b)) > c.max {
		return
	}
	c.m[k] = c.lru.PushFront(&cacheEntry{k, b})
	c.bytes += int64(len(b))
	for c.bytes > c.max {
		e := c.lru.Back()
		ce := e.Value.(*cacheEntry)
		c.lru.Remove(e)
		delete(c.m, ce.key)
		c.bytes -= int64(len(ce.data))
	}
}
