package image

// VHD (Virtual Hard Disk Image Format Specification 1.0): fixed, dynamic
// and differencing disks. All fields are big-endian.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/actrescue/actrescue/internal/safeio"
	"github.com/actrescue/actrescue/internal/utf16le"
)

// VHD disk types and limits.
const (
	vhdFixed        = 2
	vhdDynamic      = 3
	vhdDifferencing = 4

	vhdFooterSize   = 512
	vhdHeaderSize   = 1024
	vhdUnused       = 0xFFFFFFFF
	vhdMinBlockSize = 512 << 10
	vhdMaxBlockSize = 256 << 20
	// vhdMaxSize is the specification's limit (2040 GiB) rounded up to
	// 2 TiB; it also bounds the BAT at 4 Mi entries (16 MiB).
	vhdMaxSize = 2 << 40
)

var be = binary.BigEndian

// vhdFooter is a parsed hard disk footer (or its copy at offset 0).
type vhdFooter struct {
	at          int64 // file offset
	dataOffset  uint64
	currentSize uint64
	diskType    uint32
	stored      uint32
	computed    uint32
	uuid        [16]byte
}

func (f *vhdFooter) ok() bool { return f.stored == f.computed }

// vhdChecksum is the one's complement of the byte sum of b, skipping the
// 4-byte checksum field at csOff.
func vhdChecksum(b []byte, csOff int) uint32 {
	var sum uint32
	for i, c := range b {
		if i >= csOff && i < csOff+4 {
			continue
		}
		sum += uint32(c)
	}
	return ^sum
}

// parseVHDFooter parses a footer (512 bytes, or 511 for disks made by
// Virtual PC before 2004); nil when b does not start with the cookie.
func parseVHDFooter(b []byte, at int64) *vhdFooter {
	if len(b) < vhdFooterSize-1 || !bytes.HasPrefix(b, magicVHD) {
		return nil
	}
	f := &vhdFooter{
		at:          at,
		dataOffset:  be.Uint64(b[16:]),
		currentSize: be.Uint64(b[48:]),
		diskType:    be.Uint32(b[60:]),
		stored:      be.Uint32(b[64:]),
		computed:    vhdChecksum(b, 64),
	}
	copy(f.uuid[:], b[68:84])
	return f
}

// vhdTailFooter returns the footer at the end of src (tail holds the last
// 512 bytes), or nil.
func vhdTailFooter(src *source, tail []byte) *vhdFooter {
	if len(tail) < vhdFooterSize {
		return nil
	}
	if f := parseVHDFooter(tail, src.size-vhdFooterSize); f != nil {
		return f
	}
	return parseVHDFooter(tail[1:], src.size-vhdFooterSize+1)
}

// plausible reports whether a footer with a bad checksum still describes
// a disk this file can hold.
func (f *vhdFooter) plausible(fileSize int64) bool {
	switch f.diskType {
	case vhdFixed:
		return f.dataOffset == 0xFFFFFFFFFFFFFFFF && f.currentSize > 0 && f.currentSize <= uint64(fileSize-vhdFooterSize+1)
	case vhdDynamic, vhdDifferencing:
		return f.dataOffset < uint64(fileSize) && safeio.InRange(int64(f.dataOffset), vhdHeaderSize, fileSize)
	}
	return false
}

// vhdDisk reads a dynamic or differencing VHD.
type vhdDisk struct {
	src         *source
	size        int64
	blockSize   int64
	bitmapBytes int64
	bat         []uint32
	parent      io.ReaderAt // differencing disks: the parent's virtual disk
	parentSize  int64
	uuid        [16]byte
}

func openVHD(src *source, head, tail []byte, rv *resolver) (*container, error) {
	r, size, warnings, err := openVHDDisk(src, head, tail, rv, 0)
	if err != nil || r == nil {
		return nil, err
	}
	return &container{kind: KindVHD, r: r, size: size, sector: 512, warnings: warnings}, nil
}

// openVHDDisk opens src as a VHD at depth in a differencing chain. It
// returns a nil reader when src only looked like a VHD (a raw disk whose
// last sector happens to hold the cookie).
func openVHDDisk(src *source, head, tail []byte, rv *resolver, depth int) (io.ReaderAt, int64, []string, error) {
	var warnings []string
	warn := func(format string, a ...any) { warnings = append(warnings, fmt.Sprintf(format, a...)) }
	var cp *vhdFooter
	if bytes.HasPrefix(head, magicVHD) {
		if src.size < vhdFooterSize {
			return nil, 0, nil, fmt.Errorf("VHD %s: footer truncated: the file is %d bytes, a footer needs %d: %w", src.path, src.size, vhdFooterSize, ErrDamagedImage)
		}
		cp = parseVHDFooter(head[:vhdFooterSize], 0)
	}
	end := vhdTailFooter(src, tail)
	if end != nil && end.at == 0 {
		end = nil // a 512-byte file: the footer copy is all there is
	}
	var f *vhdFooter
	switch {
	case end != nil && end.ok():
		f = end
		if cp != nil && !cp.ok() {
			warn("VHD %s: footer copy at offset 0: checksum 0x%08x does not match computed 0x%08x; using the footer at offset %d", src.path, cp.stored, cp.computed, end.at)
		}
	case cp != nil && cp.ok():
		f = cp
		if end == nil {
			warn("VHD %s: no footer at the end of the file (truncated?); using the footer copy at offset 0", src.path)
		} else {
			warn("VHD %s: footer at offset %d: checksum 0x%08x does not match computed 0x%08x; using the footer copy at offset 0", src.path, end.at, end.stored, end.computed)
		}
	case end != nil:
		if cp == nil && !end.plausible(src.size) {
			return nil, 0, nil, nil // not a VHD after all
		}
		f = end
		warn("VHD %s: footer at offset %d: checksum 0x%08x does not match computed 0x%08x, and there is no good copy; reading on", src.path, end.at, end.stored, end.computed)
		if cp != nil {
			warn("VHD %s: footer copy at offset 0: checksum 0x%08x does not match computed 0x%08x", src.path, cp.stored, cp.computed)
		}
	default:
		f = cp
		warn("VHD %s: footer copy at offset 0: checksum 0x%08x does not match computed 0x%08x, and there is no footer at the end of the file; reading on", src.path, cp.stored, cp.computed)
	}

	if f.currentSize == 0 || f.currentSize > maxVirtualSize {
		return nil, 0, nil, fmt.Errorf("VHD %s: virtual size %d out of range: %w", src.path, f.currentSize, ErrDamagedImage)
	}
	size := int64(f.currentSize)
	switch f.diskType {
	case vhdFixed:
		if f != end {
			return nil, 0, nil, fmt.Errorf("VHD %s: the footer copy at offset 0 describes a fixed disk, which has no copy: %w", src.path, ErrDamagedImage)
		}
		if size > f.at {
			warn("VHD %s: fixed disk of %d bytes, but the file holds only %d bytes of data (truncated?)", src.path, size, f.at)
		}
		return io.NewSectionReader(src.r, 0, min(size, f.at)), size, warnings, nil
	case vhdDynamic, vhdDifferencing:
	default:
		return nil, 0, nil, fmt.Errorf("VHD %s: disk type %d is not fixed (2), dynamic (3) or differencing (4): %w", src.path, f.diskType, ErrDamagedImage)
	}
	if size > vhdMaxSize {
		return nil, 0, nil, fmt.Errorf("VHD %s: virtual size %d exceeds the %d-byte limit of dynamic disks: %w", src.path, size, int64(vhdMaxSize), ErrDamagedImage)
	}

	// Dynamic disk header.
	if f.dataOffset > uint64(src.size) || !safeio.InRange(int64(f.dataOffset), vhdHeaderSize, src.size) {
		return nil, 0, nil, fmt.Errorf("VHD %s: dynamic header offset %d lies outside the %d-byte file: %w", src.path, f.dataOffset, src.size, ErrDamagedImage)
	}
	h := make([]byte, vhdHeaderSize)
	if err := src.readFull(h, int64(f.dataOffset)); err != nil {
		return nil, 0, nil, err
	}
	if !bytes.HasPrefix(h, []byte("cxsparse")) {
		return nil, 0, nil, fmt.Errorf("VHD %s: no dynamic disk header (cxsparse) at offset %d: %w", src.path, f.dataOffset, ErrDamagedImage)
	}
	if stored, computed := be.Uint32(h[36:]), vhdChecksum(h, 36); stored != computed {
		warn("VHD %s: dynamic header at offset %d: checksum 0x%08x does not match computed 0x%08x", src.path, f.dataOffset, stored, computed)
	}
	tableOff := be.Uint64(h[16:])
	entries := int64(be.Uint32(h[28:]))
	bs := int64(be.Uint32(h[32:]))
	if !isPow2(bs) || bs < vhdMinBlockSize || bs > vhdMaxBlockSize {
		return nil, 0, nil, fmt.Errorf("VHD %s: block size %d is not a power of two between 512 KiB and 256 MiB: %w", src.path, bs, ErrDamagedImage)
	}
	need := (size + bs - 1) / bs
	if entries < need {
		warn("VHD %s: the BAT has %d entries, the %d-byte disk needs %d; the rest reads as unallocated", src.path, entries, size, need)
	}
	n := min(entries, need)
	if tableOff > uint64(src.size) || !safeio.InRange(int64(tableOff), n*4, src.size) {
		return nil, 0, nil, fmt.Errorf("VHD %s: the BAT (%d entries at offset %d) runs past the end of the %d-byte file: %w", src.path, n, tableOff, src.size, ErrDamagedImage)
	}
	raw := make([]byte, n*4)
	if err := src.readFull(raw, int64(tableOff)); err != nil {
		return nil, 0, nil, err
	}
	d := &vhdDisk{src: src, size: size, blockSize: bs, bitmapBytes: (bs/512/8 + 511) / 512 * 512, bat: make([]uint32, n), uuid: f.uuid}
	for i := range d.bat {
		d.bat[i] = be.Uint32(raw[4*i:])
	}
	if f.diskType == vhdDifferencing {
		pw, err := d.openParent(h, rv, depth)
		warnings = append(warnings, pw...)
		if err != nil {
			return nil, 0, nil, err
		}
	}
	return d, size, warnings, nil
}

// parentCandidates lists where a differencing disk's parent may be, in
// order: the relative and absolute paths of the parent locators, then a
// file of the locators' or the header's parent name next to the child.
func (d *vhdDisk) parentCandidates(h []byte) (paths []string, name string, warnings []string) {
	dir := filepath.Dir(d.src.path)
	seen := map[string]bool{}
	add := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	name = utf16le.DecodeBEZ(h[64:576])
	var names []string
	for i := 0; i < 8; i++ {
		e := h[576+24*i:]
		code := string(e[:4])
		if code == "\x00\x00\x00\x00" {
			continue
		}
		length, off := int64(be.Uint32(e[8:])), be.Uint64(e[16:])
		if length == 0 || length > maxLocatorBytes || off > uint64(d.src.size) || !safeio.InRange(int64(off), length, d.src.size) {
			warnings = append(warnings, fmt.Sprintf("VHD %s: parent locator %d (%q): %d bytes at offset %d out of range; ignored", d.src.path, i, code, length, off))
			continue
		}
		b := make([]byte, length)
		if err := d.src.readFull(b, int64(off)); err != nil {
			warnings = append(warnings, fmt.Sprintf("VHD %s: parent locator %d: %v", d.src.path, i, err))
			continue
		}
		var p string
		relative := false
		switch code {
		case "W2ru":
			p, relative = utf16le.DecodeZ(b), true
		case "W2ku":
			p = utf16le.DecodeZ(b)
		case "Wi2r":
			p, relative = strings.TrimRight(string(b), "\x00"), true
		case "Wi2k":
			p = strings.TrimRight(string(b), "\x00")
		case "MacX":
			p = strings.TrimPrefix(strings.TrimRight(string(b), "\x00"), "file://")
		default:
			continue
		}
		if p == "" {
			continue
		}
		local := filepath.FromSlash(strings.ReplaceAll(p, `\`, "/"))
		if relative {
			add(filepath.Join(dir, local))
		} else if filepath.IsAbs(local) {
			add(filepath.Clean(local))
		}
		names = append(names, local)
	}
	for _, n := range append(names, filepath.FromSlash(strings.ReplaceAll(name, `\`, "/"))) {
		if b := filepath.Base(n); n != "" && b != "." && b != ".." && b != string(filepath.Separator) {
			add(filepath.Join(dir, b))
		}
	}
	return paths, name, warnings
}

// openParent finds, checks and opens the parent of a differencing disk.
func (d *vhdDisk) openParent(h []byte, rv *resolver, depth int) ([]string, error) {
	cands, name, warnings := d.parentCandidates(h)
	if depth >= maxChainDepth {
		return warnings, fmt.Errorf("VHD %s: differencing chain deeper than %d disks: %w", d.src.path, maxChainDepth, ErrDamagedImage)
	}
	if len(cands) == 0 {
		return warnings, fmt.Errorf("VHD %s: differencing disk names no parent: %w", d.src.path, ErrDamagedImage)
	}
	var parent *source
	for _, c := range cands {
		if rv.exists(c) {
			p, err := rv.open(c, "VHD parent")
			if err != nil {
				return warnings, err
			}
			parent = p
			break
		}
	}
	if parent == nil {
		return warnings, fmt.Errorf("VHD %s: parent %q not found; looked for %s: %w", d.src.path, name, strings.Join(cands, ", "), ErrMissingFile)
	}
	rv.chain = append(rv.chain, d.src)
	defer func() { rv.chain = rv.chain[:len(rv.chain)-1] }()
	for _, c := range rv.chain {
		if sameSource(c, parent) {
			return warnings, fmt.Errorf("VHD %s: differencing chain loop: parent %s is already in the chain: %w", d.src.path, parent.path, ErrDamagedImage)
		}
	}
	head, tail, err := headTail(parent)
	if err != nil {
		return warnings, err
	}
	if !bytes.HasPrefix(head, magicVHD) && vhdTailFooter(parent, tail) == nil {
		return warnings, fmt.Errorf("VHD %s: parent %s is not a VHD: %w", d.src.path, parent.path, ErrDamagedImage)
	}
	r, size, pw, err := openVHDDisk(parent, head, tail, rv, depth+1)
	warnings = append(warnings, pw...)
	if err != nil {
		return warnings, fmt.Errorf("VHD %s: parent: %w", d.src.path, err)
	}
	if r == nil {
		return warnings, fmt.Errorf("VHD %s: parent %s is not a VHD: %w", d.src.path, parent.path, ErrDamagedImage)
	}
	var want [16]byte
	copy(want[:], h[40:56])
	var got [16]byte
	if pd, ok := r.(*vhdDisk); ok {
		got = pd.uuid
	} else if f := vhdTailFooter(parent, tail); f != nil {
		got = f.uuid
	}
	if got != want {
		warnings = append(warnings, fmt.Sprintf("VHD %s: parent %s has id %x, the child expects %x (the parent may have changed since the child was made)", d.src.path, parent.path, got, want))
	}
	if size != d.size {
		warnings = append(warnings, fmt.Sprintf("VHD %s: parent %s is %d bytes, the child %d", d.src.path, parent.path, size, d.size))
	}
	d.parent, d.parentSize = r, size
	return warnings, nil
}

func sameSource(a, b *source) bool {
	if a.info != nil && b.info != nil {
		return os.SameFile(a.info, b.info)
	}
	pa, _ := filepath.Abs(a.path)
	pb, _ := filepath.Abs(b.path)
	return pa == pb
}

// headTail reads what detectContainer reads: the first 64 KiB (or less)
// and the last 512 bytes.
func headTail(src *source) ([]byte, []byte, error) {
	head := make([]byte, min(src.size, containerHead))
	if err := src.readFull(head, 0); err != nil {
		return nil, nil, err
	}
	var tail []byte
	if src.size >= containerTail {
		tail = make([]byte, containerTail)
		if err := src.readFull(tail, src.size-containerTail); err != nil {
			return nil, nil, err
		}
	}
	return head, tail, nil
}

func (d *vhdDisk) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		if pos >= d.size {
			return n, io.EOF
		}
		blk, in := pos/d.blockSize, pos%d.blockSize
		k := int(min(int64(len(p)-n), d.blockSize-in, d.size-pos))
		b := p[n : n+k]
		entry := uint32(vhdUnused)
		if blk < int64(len(d.bat)) {
			entry = d.bat[blk]
		}
		var err error
		switch {
		case entry == vhdUnused:
			err = d.readParent(b, pos)
		case d.parent == nil:
			err = d.readBlock(blk, entry, b, in)
		default:
			err = d.readDifferencing(blk, entry, b, in, pos)
		}
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// readBlock reads b from block blk (BAT entry entry) at in bytes into its data.
func (d *vhdDisk) readBlock(blk int64, entry uint32, b []byte, in int64) error {
	at := int64(entry)*512 + d.bitmapBytes + in
	if !safeio.InRange(at, int64(len(b)), d.src.size) {
		return fmt.Errorf("VHD %s: block %d (BAT sector %d): data at file offset %d runs past the end of the %d-byte file: %w", d.src.path, blk, entry, at, d.src.size, ErrDamagedImage)
	}
	if err := d.src.readFull(b, at); err != nil {
		return fmt.Errorf("VHD block %d: %w", blk, err)
	}
	return nil
}

// readParent fills b from the parent at pos; zeros without a parent or past its end.
func (d *vhdDisk) readParent(b []byte, pos int64) error {
	if d.parent == nil || pos >= d.parentSize {
		zeroFill(b)
		return nil
	}
	m := int(min(int64(len(b)), d.parentSize-pos))
	got, err := d.parent.ReadAt(b[:m], pos)
	if got < m {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	zeroFill(b[m:])
	return nil
}

// readDifferencing reads b from an allocated block of a differencing disk:
// sectors whose bitmap bit is set come from this file, the rest from the parent.
func (d *vhdDisk) readDifferencing(blk int64, entry uint32, b []byte, in, pos int64) error {
	s0, s1 := in/512, (in+int64(len(b))-1)/512
	bmOff := int64(entry)*512 + s0/8
	bm := make([]byte, s1/8-s0/8+1)
	if !safeio.InRange(bmOff, int64(len(bm)), d.src.size) {
		return fmt.Errorf("VHD %s: block %d (BAT sector %d): sector bitmap at file offset %d runs past the end of the %d-byte file: %w", d.src.path, blk, entry, bmOff, d.src.size, ErrDamagedImage)
	}
	if err := d.src.readFull(bm, bmOff); err != nil {
		return fmt.Errorf("VHD block %d bitmap: %w", blk, err)
	}
	bit := func(s int64) bool { return bm[s/8-s0/8]&(0x80>>(s%8)) != 0 }
	for s := s0; s <= s1; {
		here := bit(s)
		e := s
		for e+1 <= s1 && bit(e+1) == here {
			e++
		}
		lo, hi := max(in, s*512), min(in+int64(len(b)), (e+1)*512)
		part := b[lo-in : hi-in]
		var err error
		if here {
			err = d.readBlock(blk, entry, part, lo)
		} else {
			err = d.readParent(part, pos+lo-in)
		}
		if err != nil {
			return err
		}
		s = e + 1
	}
	return nil
}
