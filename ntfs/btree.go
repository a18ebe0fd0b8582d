package ntfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"unicode"
	"unicode/utf16"

	"www.velocidex.com/golang/go-ntfs/parser"
)

// Directory lookups descend the $I30 B+ tree instead of reading the whole
// index: $INDEX_ROOT, then only the $INDEX_ALLOCATION block named by the
// entry whose key follows the wanted name, with fixups applied and every
// offset, length, depth and block count bounded. Names are compared the
// way NTFS orders them (COLLATION_FILE_NAME: UTF-16 code units mapped
// through the volume's $UpCase table). A structure that does not check out
// gives errIndexInconsistent, and the caller falls back to go-ntfs's full
// listing, so a damaged index never hides a file the old walk would find.

// errIndexInconsistent means the B-tree could not be trusted; errNotDir
// that the record has no $I30 index at all (a file, not a directory).
var (
	errIndexInconsistent = errors.New("ntfs: directory index inconsistent")
	errNotDir            = errors.New("ntfs: not a directory")
)

// Bounds of one lookup.
const (
	maxIndexDepth  = 16 // levels; real trees have 1–4
	maxIndexBlocks = 32 // blocks read per lookup
	maxIndexBlock  = 64 << 10
	attrIndexRoot  = 0x90
	attrIndexAlloc = 0xA0
	attrData       = 0x80
	collationName  = 1
	fileNameKey    = 0x30 // $FILE_NAME: what $I30 indexes
	ieHasChild     = 0x01
	ieLast         = 0x02
	ieHeaderLen    = 16
	fnNameLen      = 64 // offsets inside the $FILE_NAME key
	fnName         = 66
	upcaseEntries  = 65536
	upcasePage     = 4096 // bytes of $UpCase read at a time (2048 code units)
)

// indexStats counts what lookups did (tests read it).
type indexStats struct {
	mu        sync.Mutex
	lookups   int
	blocks    int // index blocks read
	fallbacks int // full listings after an inconsistency
	lastErr   error
}

func (s *indexStats) add(blocks int, fellBack bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lookups++
	s.blocks += blocks
	if fellBack {
		s.fallbacks++
		s.lastErr = err
	}
}

// upcase maps UTF-16 code units as the volume's $UpCase does, reading the
// table a page at a time and only the pages a name needs. A missing,
// short or implausible table is replaced by Unicode simple upper-casing.
type upcase struct {
	mu      sync.Mutex
	r       io.ReaderAt // nil: use the built-in mapping
	pages   map[int][]uint16
	builtin bool
}

func (v *Volume) upcaseTable() *upcase {
	v.upOnce.Do(func() {
		v.up = &upcase{pages: map[int][]uint16{}, builtin: true}
		e, err := v.ctx.GetMFT(10) // $UpCase
		if err != nil {
			return
		}
		rr, err := parser.OpenStream(v.ctx, e, attrData, parser.WILDCARD_STREAM_ID, "")
		if err != nil || parser.RangeSize(rr) != 2*upcaseEntries {
			return
		}
		v.up.r, v.up.builtin = rr, false
		// The ASCII letters must map as everywhere: anything else is a
		// damaged table, and a damaged table must not steer lookups.
		for c := uint16('a'); c <= 'z'; c++ {
			if v.up.to(c) != c-32 || v.up.to(c-32) != c-32 {
				v.up.r, v.up.builtin = nil, true
				v.up.pages = map[int][]uint16{}
				return
			}
		}
	})
	return v.up
}

func builtinUpper(c uint16) uint16 {
	if c >= 0xD800 && c < 0xE000 {
		return c
	}
	r := unicode.ToUpper(rune(c))
	if r > 0xFFFF {
		return c
	}
	return uint16(r)
}

func (u *upcase) to(c uint16) uint16 {
	if c < 'a' && c < 0x80 {
		return c // digits, punctuation and capitals map to themselves
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.r == nil {
		return builtinUpper(c)
	}
	idx := int(c) * 2 / upcasePage
	p, ok := u.pages[idx]
	if !ok {
		b := make([]byte, upcasePage)
		n, err := u.r.ReadAt(b, int64(idx*upcasePage))
		if n < len(b) && err != nil && err != io.EOF {
			// Unreadable: fall back for the rest of the volume's life.
			u.r = nil
			return builtinUpper(c)
		}
		p = make([]uint16, upcasePage/2)
		for i := range p {
			p[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		u.pages[idx] = p
	}
	return p[int(c)%(upcasePage/2)]
}

// compareNames orders a and b like COLLATION_FILE_NAME, ignoring case.
func (u *upcase) compare(a, b []uint16) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := u.to(a[i]), u.to(b[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// dirIndex is the $I30 index of one directory, ready for lookups.
type dirIndex struct {
	rec       uint32
	root      []byte // $INDEX_ROOT value
	alloc     io.ReaderAt
	allocSize int64
	blockSize int64
	vcnSize   int64
}

func (v *Volume) openIndex(dir *parser.MFT_ENTRY) (*dirIndex, error) {
	ix := &dirIndex{rec: dir.Record_number()}
	for _, a := range dir.EnumerateAttributes(v.ctx) {
		if a.Name() != "$I30" {
			continue
		}
		switch a.Type().Value {
		case attrIndexRoot:
			if !a.IsResident() || a.DataSize() < 32 || a.DataSize() > 64<<10 {
				return nil, fmt.Errorf("%w: MFT record %d: $INDEX_ROOT of %d bytes", errIndexInconsistent, ix.rec, a.DataSize())
			}
			b := make([]byte, a.DataSize())
			n, _ := a.Data(v.ctx).ReadAt(b, 0)
			ix.root = b[:n]
		case attrIndexAlloc:
			ix.allocSize = max(ix.allocSize, a.DataSize())
		}
	}
	if ix.root == nil && ix.allocSize == 0 {
		return nil, errNotDir
	}
	if ix.root == nil {
		return nil, fmt.Errorf("%w: MFT record %d has no $INDEX_ROOT", errIndexInconsistent, ix.rec)
	}
	le := binary.LittleEndian
	if len(ix.root) < 32 || le.Uint32(ix.root) != fileNameKey || le.Uint32(ix.root[4:]) != collationName {
		return nil, fmt.Errorf("%w: MFT record %d: $INDEX_ROOT does not index file names", errIndexInconsistent, ix.rec)
	}
	ix.blockSize = int64(le.Uint32(ix.root[8:]))
	if ix.blockSize < 512 || ix.blockSize > maxIndexBlock || ix.blockSize&(ix.blockSize-1) != 0 {
		return nil, fmt.Errorf("%w: MFT record %d: index block size %d", errIndexInconsistent, ix.rec, ix.blockSize)
	}
	ix.vcnSize = v.ctx.ClusterSize
	if ix.blockSize < ix.vcnSize {
		ix.vcnSize = 512
	}
	if ix.allocSize > 0 {
		rr, err := parser.OpenStream(v.ctx, dir, attrIndexAlloc, parser.WILDCARD_STREAM_ID, "$I30")
		if err != nil {
			return nil, fmt.Errorf("%w: MFT record %d: $INDEX_ALLOCATION: %v", errIndexInconsistent, ix.rec, err)
		}
		ix.alloc = rr
	}
	return ix, nil
}

// readBlock reads and fixes up the index block at vcn.
func (ix *dirIndex) readBlock(vcn uint64) ([]byte, error) {
	if ix.alloc == nil {
		return nil, fmt.Errorf("%w: MFT record %d: entry points to block %d but there is no $INDEX_ALLOCATION", errIndexInconsistent, ix.rec, vcn)
	}
	off := int64(vcn) * ix.vcnSize
	if vcn > uint64(ix.allocSize) || off < 0 || off+ix.blockSize > ix.allocSize {
		return nil, fmt.Errorf("%w: MFT record %d: index block %d lies outside the %d-byte allocation", errIndexInconsistent, ix.rec, vcn, ix.allocSize)
	}
	b := make([]byte, ix.blockSize)
	if n, err := ix.alloc.ReadAt(b, off); n < len(b) {
		return nil, fmt.Errorf("%w: MFT record %d: read index block %d: %v", errIndexInconsistent, ix.rec, vcn, err)
	}
	le := binary.LittleEndian
	if string(b[:4]) != "INDX" {
		return nil, fmt.Errorf("%w: MFT record %d: index block %d has no INDX signature", errIndexInconsistent, ix.rec, vcn)
	}
	if got := le.Uint64(b[16:]); got != vcn {
		return nil, fmt.Errorf("%w: MFT record %d: index block %d says it is block %d", errIndexInconsistent, ix.rec, vcn, got)
	}
	if err := applyFixups(b); err != nil {
		return nil, fmt.Errorf("%w: MFT record %d: index block %d: %v", errIndexInconsistent, ix.rec, vcn, err)
	}
	return b, nil
}

// applyFixups checks and undoes the update sequence of a multi-sector
// record (512-byte strides).
func applyFixups(b []byte) error {
	le := binary.LittleEndian
	usa, count := int(le.Uint16(b[4:])), int(le.Uint16(b[6:]))
	if count < 2 || (count-1)*512 != len(b) || usa < 8 || usa+2*count > len(b) {
		return fmt.Errorf("update sequence (offset %d, %d entries) does not fit a %d-byte block", usa, count, len(b))
	}
	for i := 1; i < count; i++ {
		end := i*512 - 2
		if b[end] != b[usa] || b[end+1] != b[usa+1] {
			return fmt.Errorf("sector %d is torn (update sequence mismatch)", i-1)
		}
		b[end], b[end+1] = b[usa+2*i], b[usa+2*i+1]
	}
	return nil
}

// node walks the entries of one index node (an INDEX_HEADER at hdr in b):
// it returns the reference of the entry named like want, or the VCN of the
// child to descend into, or neither (not in this directory).
func (ix *dirIndex) node(u *upcase, b []byte, hdr int, want []uint16) (ref uint64, found bool, child uint64, descend bool, err error) {
	le := binary.LittleEndian
	if hdr+16 > len(b) {
		return 0, false, 0, false, fmt.Errorf("%w: MFT record %d: index header outside its node", errIndexInconsistent, ix.rec)
	}
	start := hdr + int(le.Uint32(b[hdr:]))
	end := hdr + int(le.Uint32(b[hdr+4:]))
	if start < hdr+16 || end > len(b) || start > end || int(le.Uint32(b[hdr:])) > len(b) || int(le.Uint32(b[hdr+4:])) > len(b) {
		return 0, false, 0, false, fmt.Errorf("%w: MFT record %d: index entries [%d, %d) outside the %d-byte node", errIndexInconsistent, ix.rec, start, end, len(b))
	}
	var prev []uint16
	for pos := start; ; {
		if pos+ieHeaderLen > end {
			return 0, false, 0, false, fmt.Errorf("%w: MFT record %d: index node ends without a last entry", errIndexInconsistent, ix.rec)
		}
		length := int(le.Uint16(b[pos+8:]))
		keyLen := int(le.Uint16(b[pos+10:]))
		flags := le.Uint32(b[pos+12:])
		if length < ieHeaderLen || length%8 != 0 || pos+length > end {
			return 0, false, 0, false, fmt.Errorf("%w: MFT record %d: index entry of %d bytes at %d", errIndexInconsistent, ix.rec, length, pos)
		}
		var vcn uint64
		if flags&ieHasChild != 0 {
			if length < ieHeaderLen+8 {
				return 0, false, 0, false, fmt.Errorf("%w: MFT record %d: index entry too short for its child pointer", errIndexInconsistent, ix.rec)
			}
			vcn = le.Uint64(b[pos+length-8:])
		}
		if flags&ieLast != 0 {
			return 0, false, vcn, flags&ieHasChild != 0, nil
		}
		if keyLen < fnName || ieHeaderLen+keyLen > length {
			return 0, false, 0, false, fmt.Errorf("%w: MFT record %d: index key of %d bytes in a %d-byte entry", errIndexInconsistent, ix.rec, keyLen, length)
		}
		key := b[pos+ieHeaderLen : pos+ieHeaderLen+keyLen]
		nameLen := int(key[fnNameLen])
		if fnName+2*nameLen > keyLen {
			return 0, false, 0, false, fmt.Errorf("%w: MFT record %d: file name of %d characters in a %d-byte key", errIndexInconsistent, ix.rec, nameLen, keyLen)
		}
		name := make([]uint16, nameLen)
		for i := range name {
			name[i] = le.Uint16(key[fnName+2*i:])
		}
		if prev != nil && u.compare(prev, name) > 0 {
			return 0, false, 0, false, fmt.Errorf("%w: MFT record %d: index entries out of order", errIndexInconsistent, ix.rec)
		}
		prev = name
		switch c := u.compare(want, name); {
		case c == 0:
			return le.Uint64(b[pos:]), true, 0, false, nil
		case c < 0:
			return 0, false, vcn, flags&ieHasChild != 0, nil
		}
		pos += length
	}
}

// lookupIndex finds name in dir's index. found=false with a nil error
// means the directory has no such entry; an error wrapping
// errIndexInconsistent means the index could not be trusted.
func (v *Volume) lookupIndex(dir *parser.MFT_ENTRY, name string) (ref uint64, found bool, blocks int, err error) {
	ix, err := v.openIndex(dir)
	if err != nil {
		return 0, false, 0, err
	}
	return ix.find(v.upcaseTable(), name)
}

// find descends from the root node to name, reading at most
// maxIndexBlocks blocks, never the same block twice.
func (ix *dirIndex) find(u *upcase, name string) (ref uint64, found bool, blocks int, err error) {
	want := utf16.Encode([]rune(name))
	b, hdr := ix.root, 16
	seen := map[uint64]bool{}
	for depth := 0; ; depth++ {
		ref, found, child, descend, err := ix.node(u, b, hdr, want)
		if err != nil || found || !descend {
			return ref, found, blocks, err
		}
		if depth >= maxIndexDepth || blocks >= maxIndexBlocks {
			return 0, false, blocks, fmt.Errorf("%w: MFT record %d: index deeper than %d levels", errIndexInconsistent, ix.rec, maxIndexDepth)
		}
		if seen[child] {
			return 0, false, blocks, fmt.Errorf("%w: MFT record %d: index block %d links back into the tree", errIndexInconsistent, ix.rec, child)
		}
		seen[child] = true
		b, err = ix.readBlock(child)
		blocks++
		if err != nil {
			return 0, false, blocks, err
		}
		hdr = 24
	}
}
