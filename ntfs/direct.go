package ntfs

import (
	"container/list"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"sync"

	"www.velocidex.com/golang/go-ntfs/parser"
)

// Large reads of a file (hashing, backups) bypass go-ntfs's 4 KiB page
// cache: the file's runlist is decoded once, and the file is read in
// aligned 1 MiB chunks, each with one read per extent it spans, kept in a
// small per-volume LRU (16 chunks) so that a file read twice in a row
// (hashed, then parsed) is read from the device once. A device sees a few
// large requests instead of thousands of 4 KiB ones, and the page cache
// keeps the MFT and index pages the lookups need. Small or random reads
// (hive pages) keep going through go-ntfs. Compressed or encrypted streams,
// and any runlist that does not check out, are left to go-ntfs entirely.

const (
	directMin      = 16 << 10 // smaller reads go through go-ntfs
	chunkSize      = 1 << 20
	maxChunks      = 16
	maxExtents     = 1 << 20
	attrFlagsMask  = 0x00FF | 0x4000 // compressed, encrypted
	nonResident    = 0x08
	attrFlagsOff   = 0x0C
	startVCNOff    = 0x10
	lastVCNOff     = 0x18
	runsOff        = 0x20
	compUnitOff    = 0x22
	dataSizeOff    = 0x30
	initSizeOff    = 0x38
	maxAttrHdrSize = 64 << 10
)

// extent maps clusters [vcn, vcn+n) of a stream to lcn (-1: sparse).
type extent struct{ vcn, n, lcn int64 }

// extentMap is the decoded runlist of a file's unnamed $DATA stream.
type extentMap struct {
	ext      []extent
	cluster  int64
	size     int64 // data size
	initSize int64 // bytes past it read as zeros
}

// directMap decodes e's unnamed $DATA runlist, or returns nil when the
// stream must be read through go-ntfs (resident, compressed, encrypted,
// or a runlist that does not cover the file within the volume).
func (v *Volume) directMap(e *parser.MFT_ENTRY, size int64) *extentMap {
	m := &extentMap{cluster: v.ctx.ClusterSize, size: -1}
	if m.cluster <= 0 {
		return nil
	}
	le := binary.LittleEndian
	for _, a := range e.EnumerateAttributes(v.ctx) {
		if a.Type().Value != attrData || a.Name() != "" {
			continue
		}
		n := int64(a.Length())
		if n < 0x40 || n > maxAttrHdrSize {
			return nil
		}
		b := make([]byte, n)
		if k, _ := a.Reader.ReadAt(b, a.Offset); int64(k) < n {
			return nil
		}
		if b[nonResident] == 0 || le.Uint16(b[attrFlagsOff:])&attrFlagsMask != 0 || le.Uint16(b[compUnitOff:]) != 0 {
			return nil
		}
		start := int64(le.Uint64(b[startVCNOff:]))
		if start == 0 {
			m.size = int64(le.Uint64(b[dataSizeOff:]))
			m.initSize = int64(le.Uint64(b[initSizeOff:]))
		}
		runs := int(le.Uint16(b[runsOff:]))
		if runs >= len(b) || start < 0 {
			return nil
		}
		ext, ok := decodeRuns(b[runs:], start, v.size/m.cluster)
		if !ok || len(m.ext)+len(ext) > maxExtents {
			return nil
		}
		m.ext = append(m.ext, ext...)
	}
	if m.size != size || m.initSize < 0 || m.initSize > m.size {
		return nil
	}
	sort.Slice(m.ext, func(i, j int) bool { return m.ext[i].vcn < m.ext[j].vcn })
	// The extents must tile the stream from VCN 0 without gaps.
	next := int64(0)
	for _, x := range m.ext {
		if x.vcn != next {
			return nil
		}
		next += x.n
	}
	if next*m.cluster < m.size {
		return nil
	}
	return m
}

// decodeRuns decodes NTFS mapping pairs starting at VCN vcn; clusters is
// the volume's cluster count.
func decodeRuns(b []byte, vcn, clusters int64) ([]extent, bool) {
	var out []extent
	lcn := int64(0)
	for i := 0; i < len(b) && b[i] != 0; {
		lenSize, offSize := int(b[i]&0x0F), int(b[i]>>4)
		i++
		if lenSize == 0 || lenSize > 8 || offSize > 8 || i+lenSize+offSize > len(b) {
			return nil, false
		}
		n := int64(0)
		for j := lenSize - 1; j >= 0; j-- {
			n = n<<8 | int64(b[i+j])
		}
		i += lenSize
		if n <= 0 || n > clusters {
			return nil, false
		}
		x := extent{vcn: vcn, n: n, lcn: -1}
		if offSize > 0 {
			d := int64(int8(b[i+offSize-1])) // sign-extended top byte
			for j := offSize - 2; j >= 0; j-- {
				d = d<<8 | int64(b[i+j])
			}
			lcn += d
			if lcn < 0 || lcn+n > clusters {
				return nil, false
			}
			x.lcn = lcn
		}
		i += offSize
		out = append(out, x)
		vcn += n
	}
	return out, len(out) > 0
}

// readDirect fills p from the stream at off (within the data size) with
// one read of r per extent touched; sparse extents and bytes past the
// initialized size read as zeros.
func (m *extentMap) readDirect(r io.ReaderAt, p []byte, off int64) (int, error) {
	i := sort.Search(len(m.ext), func(i int) bool { return (m.ext[i].vcn+m.ext[i].n)*m.cluster > off })
	done := 0
	for done < len(p) {
		if i >= len(m.ext) {
			return done, fmt.Errorf("offset %d lies past the file's runlist: %w", off+int64(done), io.ErrUnexpectedEOF)
		}
		x := m.ext[i]
		pos := off + int64(done)
		in := pos - x.vcn*m.cluster
		chunk := min(int64(len(p)-done), x.n*m.cluster-in)
		dst := p[done : done+int(chunk)]
		if x.lcn < 0 {
			clear(dst)
		} else if k, err := r.ReadAt(dst, x.lcn*m.cluster+in); k < len(dst) {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return done + k, err
		}
		done += int(chunk)
		i++
	}
	if end := off + int64(len(p)); end > m.initSize {
		clear(p[max(0, m.initSize-off):])
	}
	return done, nil
}

// chunkCache keeps the last maxChunks chunks read directly.
type chunkCache struct {
	mu    sync.Mutex
	items map[chunkKey]*list.Element
	lru   list.List
	reads int // chunks read from the device (tests)
}

type chunkKey struct {
	rec uint32
	idx int64
}

type chunk struct {
	key  chunkKey
	data []byte
}

// get returns chunk idx of file rec, reading it with fill on a miss. The
// returned slice must not be kept after the next call.
func (c *chunkCache) get(key chunkKey, size int, fill func([]byte) (int, error)) ([]byte, error) {
	if el, ok := c.items[key]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*chunk).data, nil
	}
	if c.items == nil {
		c.items = map[chunkKey]*list.Element{}
	}
	var buf []byte
	if c.lru.Len() >= maxChunks {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.items, old.Value.(*chunk).key)
		buf = old.Value.(*chunk).data[:0]
	}
	if cap(buf) < size {
		buf = make([]byte, size, chunkSize)
	}
	buf = buf[:size]
	c.reads++
	n, err := fill(buf)
	if n < size {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return buf[:n], err
	}
	c.items[key] = c.lru.PushFront(&chunk{key: key, data: buf})
	return buf, nil
}

// readChunks serves a large read from aligned chunks of the file.
func (f *file) readChunks(p []byte, off int64) (int, error) {
	f.chunks.mu.Lock()
	defer f.chunks.mu.Unlock()
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		idx := pos / chunkSize
		start := idx * chunkSize
		size := int(min(chunkSize, f.info.Size-start))
		data, err := f.chunks.get(chunkKey{f.rec, idx}, size, func(b []byte) (int, error) {
			return f.direct.readDirect(f.io, b, start)
		})
		in := int(pos - start)
		if in >= len(data) {
			// A failure anywhere in the chunk fails this read: the caller
			// streams on and would meet it next anyway.
			return done, err
		}
		done += copy(p[done:], data[in:])
		if err != nil {
			return done, err
		}
	}
	return done, nil
}
