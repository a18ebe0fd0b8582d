package image

// Virtual-disk and forensic image containers: detection by content, the
// plumbing shared by the format readers, and the VHDX, VMDK and EWF readers.
// The VHD reader is in vhd.go.
//
// Every reader here parses untrusted metadata: sizes, counts and offsets
// are bounded and checked against the file size before anything is
// allocated or followed, tables are read on demand, and each read and open
// runs under safeio.Recover. The go-vhdx, go-vmdk, go-ewf and qcow2 Go
// modules could not be fetched from the module proxy here, so the VHDX,
// VMDK and EWF readers are written from the published format
// specifications; qcow2 is detected and refused with a conversion hint.

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/actrescue/actrescue/internal/safeio"
)

// Sentinel errors for virtual-disk and forensic image containers.
var (
	// ErrUnsupportedFormat means the target is a disk-image format (or a
	// variant of one) that this package recognizes but cannot read.
	ErrUnsupportedFormat = errors.New("image: unsupported disk-image format")
	// ErrDamagedImage means a virtual-disk or forensic image container is
	// damaged: a header, table or chain is inconsistent or out of bounds.
	ErrDamagedImage = errors.New("image: damaged disk-image container")
	// ErrMissingFile means a file the image refers to (a differencing
	// disk's parent, a VMDK extent, an EWF segment) could not be found.
	ErrMissingFile = errors.New("image: a file the disk image refers to is missing")
)

// Kinds of targets read through a container format.
const (
	KindVHD Kind = KindMemory + 1 + iota
	KindVHDX
	KindVMDK
	KindEWF
	KindQCOW2
)

// containerKindString names the container kinds; "" for other kinds.
func containerKindString(k Kind) string {
	switch k {
	case KindVHD:
		return "vhd"
	case KindVHDX:
		return "vhdx"
	case KindVMDK:
		return "vmdk"
	case KindEWF:
		return "ewf"
	case KindQCOW2:
		return "qcow2"
	}
	return ""
}

// Limits on container metadata.
const (
	maxChainDepth   = 16       // differencing disks above the base disk
	maxVirtualSize  = 1 << 50  // 1 PiB: larger virtual disks are refused
	maxLocatorBytes = 64 << 10 // one VHD parent-locator path
	maxDescriptor   = 1 << 20  // VMDK text descriptor
	maxExtents      = 4096     // VMDK extents in one descriptor
	maxEWFSegments  = 14971    // E01..E99, EAA..ZZZ
	maxEWFSections  = 1 << 20  // sections in one EWF segment file
	maxEWFTable     = 1 << 20  // entries in one EWF table section
	maxEWFChunk     = 16 << 20 // EWF chunk size (32768 sectors of 512 bytes)
	chunkCacheBytes = 8 << 20  // decompressed EWF chunks / VMDK grains kept
	maxGDBytes      = 16 << 20 // VMDK grain directory
	vhdxMaxSize     = 64 << 40 // VHDX specification limit
	vmdkMaxCapacity = 1 << 47  // bytes
	ewfMaxMediaSize = 1 << 50  // bytes
	containerHead   = 64 << 10 // bytes read for detection
	containerTail   = 512      // bytes read at the end for detection
)

// source is one file of a (possibly multi-file) image.
type source struct {
	r    io.ReaderAt
	size int64
	path string // the file's path; the target name for in-memory sources
	info os.FileInfo
}

// readFull reads exactly len(b) bytes at off, or fails naming the file and offset.
func (s *source) readFull(b []byte, off int64) error {
	if off < 0 || off > s.size || int64(len(b)) > s.size-off {
		return fmt.Errorf("%s: %d bytes at offset %d run past the end of the %d-byte file: %w", s.path, len(b), off, s.size, ErrDamagedImage)
	}
	n, err := s.r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%s: read %d bytes at offset %d: %w", s.path, len(b), off, err)
}

// resolver opens the other files an image refers to and owns them.
type resolver struct {
	files   bool // false for in-memory images: no file system to look in
	closers []io.Closer
	chain   []*source // differencing chain being opened, child first
}

func (rv *resolver) close() {
	for i := len(rv.closers) - 1; i >= 0; i-- {
		rv.closers[i].Close()
	}
	rv.closers = nil
}

// open opens path read-only as a source. A missing file gives ErrMissingFile.
func (rv *resolver) open(path, what string) (*source, error) {
	if !rv.files {
		return nil, fmt.Errorf("%s %s: %w (an in-memory image has no file system to look in)", what, path, ErrMissingFile)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s %s: %w", what, path, ErrMissingFile)
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s %s: not a regular file: %w", what, path, ErrNotDisk)
	}
	rv.closers = append(rv.closers, f)
	return &source{r: f, size: st.Size(), path: path, info: st}, nil
}

// exists reports whether path names a regular file.
func (rv *resolver) exists(path string) bool {
	if !rv.files {
		return false
	}
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// container is an opened virtual disk.
type container struct {
	kind     Kind
	r        io.ReaderAt // the virtual disk, [0, size)
	size     int64
	sector   int
	warnings []string
}

// vdiskReader wraps a container reader: reads never go past the virtual
// disk's end (past → io.EOF; crossing → truncated with io.EOF), and panics
// in the format reader come back as errors wrapping safeio.ErrPanic.
type vdiskReader struct {
	r    io.ReaderAt
	size int64
	what string
}

func (v *vdiskReader) ReadAt(p []byte, off int64) (n int, err error) {
	if off < 0 {
		return 0, fmt.Errorf("%s: offset %d: %w", v.what, off, ErrOutOfRange)
	}
	if off >= v.size {
		return 0, io.EOF
	}
	want := p
	if rem := v.size - off; int64(len(p)) > rem {
		want = p[:rem]
	}
	defer safeio.Recover(&err, v.what)
	n, err = v.r.ReadAt(want, off)
	if n > len(want) {
		n = len(want)
	}
	if err == io.EOF && n == len(want) {
		err = nil
	}
	if n < len(want) && (err == nil || err == io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	if err == nil && len(want) < len(p) {
		err = io.EOF
	}
	return n, err
}

type closers []io.Closer

func (c closers) Close() error {
	var first error
	for i := len(c) - 1; i >= 0; i-- {
		if err := c[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// openContainer is Open's hook: it detects a container format in the
// regular file f (t.Size bytes) and, when one is found, makes t read the
// virtual disk. A file in no known container format is left as it is.
func openContainer(t *Target, f *os.File) error {
	st, _ := f.Stat()
	rv := &resolver{files: true}
	c, err := detectContainer(&source{r: f, size: t.Size, path: t.Path, info: st}, rv)
	if err != nil {
		rv.close()
		return fmt.Errorf("%s: %w", t.Path, err)
	}
	if c == nil {
		return nil
	}
	if c.size <= 0 {
		rv.close()
		return fmt.Errorf("%s: %s with a zero-byte virtual disk: %w", t.Path, c.kind, ErrEmpty)
	}
	t.applyContainer(c)
	t.closer = append(closers{f}, rv.closers...)
	return nil
}

func (t *Target) applyContainer(c *container) {
	t.Kind, t.Size, t.Warnings = c.kind, c.size, c.warnings
	if c.sector != 0 {
		t.SectorSize = c.sector
	}
	t.r = &vdiskReader{r: c.r, size: c.size, what: c.kind.String() + " " + t.Path}
}

// OpenImageReader opens an in-memory or otherwise already open image of
// size bytes: a VHD, VHDX, VMDK or EWF container is detected by content and
// read as its virtual disk; anything else is read as a raw disk (as with
// OpenReader). Files the image refers to (a parent disk, extents, further
// segments) cannot be reached from a reader and give ErrMissingFile.
func OpenImageReader(name string, r io.ReaderAt, size int64) (*Target, error) {
	t := OpenReader(name, r, size)
	if size <= 0 {
		return t, nil
	}
	rv := &resolver{}
	c, err := detectContainer(&source{r: r, size: size, path: name}, rv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if c != nil {
		if c.size <= 0 {
			return nil, fmt.Errorf("%s: %s with a zero-byte virtual disk: %w", name, c.kind, ErrEmpty)
		}
		t.applyContainer(c)
	}
	return t, nil
}

// Magic numbers of container formats.
var (
	magicVHDX     = []byte("vhdxfile")
	magicVMDK     = []byte("KDMV")
	magicCOWD     = []byte("COWD")
	magicEWF      = []byte("EVF\x09\x0d\x0a\xff\x00")
	magicEWF2     = []byte("EVF2\x0d\x0a\x81\x00")
	magicLEF      = []byte("LVF\x09\x0d\x0a\xff\x00")
	magicLEF2     = []byte("LEF2\x0d\x0a\x81\x00")
	magicQCOW     = []byte("QFI\xfb")
	magicVDI      = []byte{0x7f, 0x10, 0xda, 0xbe}
	magicVHD      = []byte("conectix")
	magicVMDKText = []byte("# Disk DescriptorFile")
)

// detectContainer returns nil, nil when src is in no container format.
func detectContainer(src *source, rv *resolver) (c *container, err error) {
	defer safeio.Recover(&err, "disk-image container")
	head := make([]byte, min(src.size, containerHead))
	if err := src.readFull(head, 0); err != nil {
		return nil, err
	}
	var tail []byte
	if src.size >= containerTail {
		tail = make([]byte, containerTail)
		if err := src.readFull(tail, src.size-containerTail); err != nil {
			return nil, err
		}
	}
	switch {
	case bytes.HasPrefix(head, magicVHDX):
		return openVHDX(src)
	case bytes.HasPrefix(head, magicVMDK):
		return openVMDKSparseFile(src)
	case bytes.HasPrefix(head, magicVMDKText):
		return openVMDKDescriptor(src, head, rv)
	case bytes.HasPrefix(head, magicCOWD):
		return nil, fmt.Errorf("%w: VMware ESX sparse (COWD) VMDK extents are not supported; convert it: qemu-img convert -O raw disk.vmdk disk.raw", ErrUnsupportedFormat)
	case bytes.HasPrefix(head, magicEWF):
		return openEWF(src, head, rv)
	case bytes.HasPrefix(head, magicEWF2):
		return nil, fmt.Errorf("%w: EWF2 (Ex01) images are not supported; export them to raw with ewfexport or FTK Imager", ErrUnsupportedFormat)
	case bytes.HasPrefix(head, magicLEF), bytes.HasPrefix(head, magicLEF2):
		return nil, fmt.Errorf("%w: EWF logical evidence files (L01/Lx01) hold files, not a disk", ErrUnsupportedFormat)
	case bytes.HasPrefix(head, magicQCOW):
		return nil, fmt.Errorf("%w: qcow2 is not supported; convert it: qemu-img convert -O raw disk.qcow2 disk.raw", ErrUnsupportedFormat)
	case len(head) >= 0x44 && bytes.Equal(head[0x40:0x44], magicVDI) && bytes.Contains(head[:0x40], []byte("VirtualBox")):
		return nil, fmt.Errorf("%w: VirtualBox VDI is not supported; convert it: qemu-img convert -O raw disk.vdi disk.raw", ErrUnsupportedFormat)
	case bytes.HasPrefix(head, magicVHD) || vhdTailFooter(src, tail) != nil:
		return openVHD(src, head, tail, rv)
	}
	return nil, nil
}

// ---------------------------------------------------------------------------
// Shared helpers.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// guidBytes turns a GUID string into its on-disk (mixed-endian) form.
func guidBytes(s string) [16]byte {
	var g [16]byte
	h := strings.ReplaceAll(s, "-", "")
	var raw [16]byte
	for i := range raw {
		v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		raw[i] = byte(v)
	}
	g[0], g[1], g[2], g[3] = raw[3], raw[2], raw[1], raw[0]
	g[4], g[5] = raw[5], raw[4]
	g[6], g[7] = raw[7], raw[6]
	copy(g[8:], raw[8:])
	return g
}

func isPow2(v int64) bool { return v > 0 && v&(v-1) == 0 }

// zeroFill clears b.
func zeroFill(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// inflate decompresses a zlib stream into an n-byte buffer and returns it
// with the number of bytes the stream held (at most n).
func inflate(data []byte, n int64) ([]byte, int, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, 0, err
	}
	defer zr.Close()
	out := make([]byte, n)
	got, err := io.ReadFull(zr, out)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return out, got, err
}

// chunkCache keeps recently decompressed chunks, bounded in bytes.
type chunkCache struct {
	max   int
	order []int64
	data  map[int64][]byte
}

func newChunkCache(chunk int64) *chunkCache {
	return &chunkCache{max: max(1, int(chunkCacheBytes/max(chunk, 1))), data: map[int64][]byte{}}
}

func (c *chunkCache) get(k int64) []byte { return c.data[k] }

func (c *chunkCache) put(k int64, b []byte) {
	if _, ok := c.data[k]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.data, c.order[0])
		c.order = c.order[1:]
	}
	c.order = append(c.order, k)
	c.data[k] = b
}

// ---------------------------------------------------------------------------
// VHDX (MS-VHDX 1.0).

var (
	vhdxBATRegion      = guidBytes("2DC27766-F623-4200-9D64-115E9BFD4A08")
	vhdxMetaRegion     = guidBytes("8B7CA206-4790-4B9A-B8FE-575F050F886E")
	vhdxFileParameters = guidBytes("CAA16737-FA36-4D43-B3B6-33F0AA44E76B")
	vhdxVirtualSize    = guidBytes("2FA54224-CD1B-4876-B211-5DBED83BF4B8")
	vhdxLogicalSector  = guidBytes("8141BF1D-A96F-4709-BA47-F233A8FAAB5F")
	vhdxParentLocator  = guidBytes("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C")
	vhdxVirtualDiskID  = guidBytes("BECA12AB-B2E6-4523-93EF-C309E000C746")
	vhdxPhysicalSector = guidBytes("CDA348C7-445D-4471-9CC9-E9885251C556")
)

// VHDX payload block states.
const (
	vhdxBlockFullyPresent     = 6
	vhdxBlockPartiallyPresent = 7
)

type vhdxDisk struct {
	src        *source
	size       int64
	blockSize  int64
	chunkRatio int64
	batOff     int64
	batLen     int64
}

func openVHDX(src *source) (*container, error) {
	var warnings []string
	// Headers at 64 KiB and 128 KiB; the valid one with the higher sequence wins.
	var best []byte
	var bestSeq uint64
	for i, off := range []int64{64 << 10, 128 << 10} {
		h := make([]byte, 4096)
		if err := src.readFull(h, off); err != nil {
			warnings = append(warnings, fmt.Sprintf("VHDX header %d unreadable: %v", i+1, err))
			continue
		}
		if !bytes.Equal(h[:4], []byte("head")) {
			warnings = append(warnings, fmt.Sprintf("VHDX header %d at offset %d has no signature", i+1, off))
			continue
		}
		want := le32(h[4:])
		binary.LittleEndian.PutUint32(h[4:], 0)
		if got := crc32.Checksum(h, castagnoli); got != want {
			warnings = append(warnings, fmt.Sprintf("VHDX header %d at offset %d: checksum 0x%08x does not match computed 0x%08x", i+1, off, want, got))
			continue
		}
		if seq := le64(h[8:]); best == nil || seq > bestSeq {
			best, bestSeq = h, seq
		}
	}
	if best == nil {
		return nil, fmt.Errorf("VHDX %s: no valid header (%s): %w", src.path, strings.Join(warnings, "; "), ErrDamagedImage)
	}
	if v := le16(best[66:]); v != 1 {
		return nil, fmt.Errorf("VHDX %s: version %d: %w", src.path, v, ErrUnsupportedFormat)
	}
	if !isZero(best[48:64]) {
		warnings = append(warnings, "VHDX log was not replayed (the disk was not closed cleanly): the most recent writes may be missing")
	}

	// Region tables at 192 KiB and 256 KiB.
	var regions []byte
	for i, off := range []int64{192 << 10, 256 << 10} {
		r := make([]byte, 64<<10)
		if err := src.readFull(r, off); err != nil {
			warnings = append(warnings, fmt.Sprintf("VHDX region table %d unreadable: %v", i+1, err))
			continue
		}
		want := le32(r[4:])
		binary.LittleEndian.PutUint32(r[4:], 0)
		if !bytes.Equal(r[:4], []byte("regi")) || crc32.Checksum(r, castagnoli) != want || le32(r[8:]) > 2047 {
			warnings = append(warnings, fmt.Sprintf("VHDX region table %d at offset %d is damaged", i+1, off))
			continue
		}
		regions = r
		break
	}
	if regions == nil {
		return nil, fmt.Errorf("VHDX %s: no valid region table: %w", src.path, ErrDamagedImage)
	}
	var batOff, batLen, metaOff, metaLen int64
	for i := 0; i < int(le32(regions[8:])); i++ {
		e := regions[16+32*i:]
		off, length, required := int64(le64(e[16:])), int64(le32(e[24:])), le32(e[28:])&1 != 0
		if off < 0 || !safeio.InRange(off, length, src.size) {
			return nil, fmt.Errorf("VHDX %s: region %d (%d bytes at offset %d) lies outside the %d-byte file: %w", src.path, i, length, off, src.size, ErrDamagedImage)
		}
		switch [16]byte(e[:16]) {
		case vhdxBATRegion:
			batOff, batLen = off, length
		case vhdxMetaRegion:
			metaOff, metaLen = off, length
		default:
			if required {
				return nil, fmt.Errorf("VHDX %s: unknown required region %x: %w", src.path, e[:16], ErrUnsupportedFormat)
			}
		}
	}
	if batLen == 0 || metaLen < 64<<10 {
		return nil, fmt.Errorf("VHDX %s: BAT or metadata region missing: %w", src.path, ErrDamagedImage)
	}

	// Metadata table.
	mt := make([]byte, 64<<10)
	if err := src.readFull(mt, metaOff); err != nil {
		return nil, err
	}
	if !bytes.Equal(mt[:8], []byte("metadata")) || le16(mt[10:]) > 2047 {
		return nil, fmt.Errorf("VHDX %s: no metadata table at offset %d: %w", src.path, metaOff, ErrDamagedImage)
	}
	item := func(off, length int64) ([]byte, error) {
		if off < 64<<10 || !safeio.InRange(off, length, metaLen) || length > 64<<10 {
			return nil, fmt.Errorf("VHDX %s: metadata item of %d bytes at %d outside the %d-byte region: %w", src.path, length, off, metaLen, ErrDamagedImage)
		}
		b := make([]byte, length)
		return b, src.readFull(b, metaOff+off)
	}
	var blockSize, size, sector int64
	var hasParent bool
	for i := 0; i < int(le16(mt[10:])); i++ {
		e := mt[32+32*i:]
		off, length, flags := int64(le32(e[16:])), int64(le32(e[20:])), le32(e[24:])
		var err error
		var b []byte
		switch [16]byte(e[:16]) {
		case vhdxFileParameters:
			if b, err = item(off, length); err == nil && len(b) >= 8 {
				blockSize, hasParent = int64(le32(b)), le32(b[4:])&2 != 0
			}
		case vhdxVirtualSize:
			if b, err = item(off, length); err == nil && len(b) >= 8 {
				size = int64(le64(b))
			}
		case vhdxLogicalSector:
			if b, err = item(off, length); err == nil && len(b) >= 4 {
				sector = int64(le32(b))
			}
		case vhdxParentLocator:
			hasParent = true
		case vhdxVirtualDiskID, vhdxPhysicalSector:
			// Known; not needed to read the disk.
		default:
			if flags&4 != 0 {
				return nil, fmt.Errorf("VHDX %s: unknown required metadata item %x: %w", src.path, e[:16], ErrUnsupportedFormat)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if hasParent {
		return nil, fmt.Errorf("VHDX %s: differencing VHDX disks are not supported; merge the chain (Hyper-V Merge-VHD) or convert it: qemu-img convert -O raw disk.vhdx disk.raw: %w", src.path, ErrUnsupportedFormat)
	}
	if !isPow2(blockSize) || blockSize < 1<<20 || blockSize > 256<<20 {
		return nil, fmt.Errorf("VHDX %s: block size %d is not a power of two between 1 MiB and 256 MiB: %w", src.path, blockSize, ErrDamagedImage)
	}
	if sector != 512 && sector != 4096 {
		return nil, fmt.Errorf("VHDX %s: logical sector size %d is neither 512 nor 4096: %w", src.path, sector, ErrDamagedImage)
	}
	if size <= 0 || size > vhdxMaxSize || size%sector != 0 {
		return nil, fmt.Errorf("VHDX %s: virtual size %d out of range: %w", src.path, size, ErrDamagedImage)
	}
	ratio := (int64(1) << 23) * sector / blockSize
	blocks := (size + blockSize - 1) / blockSize
	entries := blocks + (blocks-1)/ratio
	if entries*8 > batLen {
		return nil, fmt.Errorf("VHDX %s: the %d-byte BAT holds %d entries, the disk needs %d: %w", src.path, batLen, batLen/8, entries, ErrDamagedImage)
	}
	d := &vhdxDisk{src: src, size: size, blockSize: blockSize, chunkRatio: ratio, batOff: batOff, batLen: batLen}
	return &container{kind: KindVHDX, r: d, size: size, sector: int(sector), warnings: warnings}, nil
}

func (d *vhdxDisk) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	var e [8]byte
	for n < len(p) {
		pos := off + int64(n)
		if pos >= d.size {
			return n, io.EOF
		}
		blk, in := pos/d.blockSize, pos%d.blockSize
		k := int(min(int64(len(p)-n), d.blockSize-in, d.size-pos))
		idx := blk + blk/d.chunkRatio
		if err := d.src.readFull(e[:], d.batOff+idx*8); err != nil {
			return n, err
		}
		entry := binary.LittleEndian.Uint64(e[:])
		switch entry & 7 {
		case vhdxBlockFullyPresent:
			at := int64(entry>>20) << 20
			if at < 1<<20 || !safeio.InRange(at+in, int64(k), d.src.size) {
				return n, fmt.Errorf("VHDX %s: block %d: data at file offset %d runs past the end of the %d-byte file: %w", d.src.path, blk, at+in, d.src.size, ErrDamagedImage)
			}
			if err := d.src.readFull(p[n:n+k], at+in); err != nil {
				return n, fmt.Errorf("block %d: %w", blk, err)
			}
		case vhdxBlockPartiallyPresent:
			return n, fmt.Errorf("VHDX %s: block %d is partially present, which only differencing disks may use: %w", d.src.path, blk, ErrDamagedImage)
		default: // not present, undefined, zero, unmapped
			zeroFill(p[n : n+k])
		}
		n += k
	}
	return n, nil
}

// ---------------------------------------------------------------------------
// VMDK: hosted sparse extents (monolithicSparse, streamOptimized,
// twoGbMaxExtentSparse) and text descriptors with FLAT, SPARSE and ZERO
// extents.

type vmdkSparse struct {
	src        *source
	capacity   int64 // bytes
	grain      int64 // bytes
	gtes       int64 // entries per grain table
	gd         []uint32
	compressed bool

	mu    sync.Mutex
	cache *chunkCache
}

// parseVMDKSparseHeader validates a KDMV header.
func parseVMDKSparseHeader(src *source, h []byte) (*vmdkSparse, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("VMDK %s: %s: %w", src.path, fmt.Sprintf(format, a...), ErrDamagedImage)
	}
	version := le32(h[4:])
	flags := le32(h[8:])
	capacity := le64(h[12:])
	grain := le64(h[20:])
	gtes := int64(le32(h[44:]))
	gdOff := le64(h[56:])
	if version < 1 || version > 3 {
		return nil, fmt.Errorf("VMDK %s: sparse extent version %d: %w", src.path, version, ErrUnsupportedFormat)
	}
	// Hosted sparse extents use 64 KiB grains; 2 MiB leaves room and bounds
	// what one compressed grain may make us allocate.
	if grain == 0 || grain > 4096 || !isPow2(int64(grain)) {
		return nil, bad("grain size %d sectors is not a power of two up to 2 MiB", grain)
	}
	if capacity == 0 || capacity > vmdkMaxCapacity/512 {
		return nil, bad("capacity %d sectors out of range", capacity)
	}
	if gtes < 1 || gtes > 512 {
		return nil, bad("%d entries per grain table (at most 512)", gtes)
	}
	s := &vmdkSparse{src: src, capacity: int64(capacity) * 512, grain: int64(grain) * 512, gtes: gtes, compressed: flags&(1<<16) != 0}
	if s.compressed && le16(h[77:]) != 1 {
		return nil, fmt.Errorf("VMDK %s: compression algorithm %d: %w", src.path, le16(h[77:]), ErrUnsupportedFormat)
	}
	if gdOff == 0xFFFFFFFFFFFFFFFF {
		// streamOptimized: the grain directory offset is in the footer,
		// a header copy one sector before the end-of-stream marker.
		if src.size < 1536 {
			return nil, bad("stream-optimized extent without a footer")
		}
		f := make([]byte, 512)
		if err := src.readFull(f, src.size-1024); err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(f, magicVMDK) || le64(f[56:]) == 0xFFFFFFFFFFFFFFFF {
			return nil, bad("stream-optimized extent: no footer at offset %d", src.size-1024)
		}
		gdOff = le64(f[56:])
	}
	ngd := (int64(capacity) + int64(grain)*gtes - 1) / (int64(grain) * gtes)
	if ngd*4 > maxGDBytes {
		return nil, bad("grain directory of %d entries is too large", ngd)
	}
	if gdOff > uint64(src.size/512) || !safeio.InRange(int64(gdOff)*512, ngd*4, src.size) {
		return nil, bad("grain directory (%d entries at sector %d) lies outside the %d-byte file", ngd, gdOff, src.size)
	}
	raw := make([]byte, ngd*4)
	if err := src.readFull(raw, int64(gdOff)*512); err != nil {
		return nil, err
	}
	s.gd = make([]uint32, ngd)
	for i := range s.gd {
		s.gd[i] = le32(raw[4*i:])
	}
	s.cache = newChunkCache(s.grain)
	return s, nil
}

func (s *vmdkSparse) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	var e [4]byte
	for n < len(p) {
		pos := off + int64(n)
		if pos >= s.capacity {
			return n, io.EOF
		}
		g, in := pos/s.grain, pos%s.grain
		k := int(min(int64(len(p)-n), s.grain-in, s.capacity-pos))
		gt := s.gd[g/s.gtes]
		var gte uint32
		if gt != 0 {
			if err := s.src.readFull(e[:], int64(gt)*512+(g%s.gtes)*4); err != nil {
				return n, fmt.Errorf("grain table %d: %w", g/s.gtes, err)
			}
			gte = le32(e[:])
		}
		switch {
		case gte <= 1: // unallocated or zeroed grain
			zeroFill(p[n : n+k])
		case s.compressed:
			data, err := s.compressedGrain(g, int64(gte)*512)
			if err != nil {
				return n, err
			}
			copy(p[n:n+k], data[in:])
		default:
			at := int64(gte)*512 + in
			if !safeio.InRange(at, int64(k), s.src.size) {
				return n, fmt.Errorf("VMDK %s: grain %d: data at file offset %d runs past the end of the %d-byte file: %w", s.src.path, g, at, s.src.size, ErrDamagedImage)
			}
			if err := s.src.readFull(p[n:n+k], at); err != nil {
				return n, fmt.Errorf("grain %d: %w", g, err)
			}
		}
		n += k
	}
	return n, nil
}

func (s *vmdkSparse) compressedGrain(g, at int64) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.cache.get(g); b != nil {
		return b, nil
	}
	var m [12]byte
	if err := s.src.readFull(m[:], at); err != nil {
		return nil, fmt.Errorf("grain %d marker: %w", g, err)
	}
	length := int64(le32(m[8:]))
	if length == 0 || length > s.grain+4096 || !safeio.InRange(at+12, length, s.src.size) {
		return nil, fmt.Errorf("VMDK %s: grain %d: compressed size %d at file offset %d out of range: %w", s.src.path, g, length, at, ErrDamagedImage)
	}
	raw := make([]byte, length)
	if err := s.src.readFull(raw, at+12); err != nil {
		return nil, err
	}
	// A short last grain is zero-padded.
	b, _, err := inflate(raw, s.grain)
	if err != nil {
		return nil, fmt.Errorf("VMDK %s: grain %d at file offset %d: %w: %w", s.src.path, g, at, ErrDamagedImage, err)
	}
	s.cache.put(g, b)
	return b, nil
}

// openVMDKSparseFile opens a monolithic sparse (or stream-optimized) VMDK.
func openVMDKSparseFile(src *source) (*container, error) {
	h := make([]byte, 512)
	if err := src.readFull(h, 0); err != nil {
		return nil, err
	}
	s, err := parseVMDKSparseHeader(src, h)
	if err != nil {
		return nil, err
	}
	// The embedded descriptor says whether this is a snapshot (delta) disk.
	descOff, descLen := le64(h[28:]), le64(h[36:])
	if descOff != 0 && descLen != 0 && descLen <= maxDescriptor/512 && safeio.InRange(int64(descOff)*512, int64(descLen)*512, src.size) {
		d := make([]byte, descLen*512)
		if err := src.readFull(d, int64(descOff)*512); err == nil {
			desc := parseVMDKDescriptorText(d)
			if err := desc.checkNoParent(src.path); err != nil {
				return nil, err
			}
		}
	}
	return &container{kind: KindVMDK, r: s, size: s.capacity, sector: 512}, nil
}

type vmdkDescriptor struct {
	fields  map[string]string
	extents []string
}

func parseVMDKDescriptorText(b []byte) vmdkDescriptor {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	d := vmdkDescriptor{fields: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 4096), maxDescriptor)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && !strings.ContainsAny(k, "\"") {
			d.fields[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), "\"")
			continue
		}
		for _, a := range []string{"RW ", "RDONLY ", "NOACCESS "} {
			if strings.HasPrefix(line, a) {
				d.extents = append(d.extents, line)
			}
		}
	}
	return d
}

func (d vmdkDescriptor) checkNoParent(path string) error {
	if p, ok := d.fields["parentcid"]; ok && !strings.EqualFold(p, "ffffffff") {
		hint := d.fields["parentfilenamehint"]
		return fmt.Errorf("VMDK %s: snapshot (delta) disks with a parent (%q) are not supported; consolidate the snapshots or convert it: qemu-img convert -O raw disk.vmdk disk.raw: %w", path, hint, ErrUnsupportedFormat)
	}
	return nil
}

type vmdkExtent struct {
	start, size int64
	r           io.ReaderAt // nil: ZERO extent
	base        int64       // byte offset in r
	rsize       int64       // bytes readable from r past base
	name        string
}

type vmdkDisk struct {
	extents []vmdkExtent
	size    int64
}

func openVMDKDescriptor(src *source, head []byte, rv *resolver) (*container, error) {
	if src.size > maxDescriptor {
		return nil, fmt.Errorf("VMDK descriptor %s is %d bytes (limit %d): %w", src.path, src.size, maxDescriptor, ErrDamagedImage)
	}
	text := head
	if int64(len(head)) < src.size {
		text = make([]byte, src.size)
		if err := src.readFull(text, 0); err != nil {
			return nil, err
		}
	}
	desc := parseVMDKDescriptorText(text)
	if err := desc.checkNoParent(src.path); err != nil {
		return nil, err
	}
	if len(desc.extents) == 0 || len(desc.extents) > maxExtents {
		return nil, fmt.Errorf("VMDK descriptor %s lists %d extents: %w", src.path, len(desc.extents), ErrDamagedImage)
	}
	dir := filepath.Dir(src.path)
	d := &vmdkDisk{}
	for i, line := range desc.extents {
		ext, err := parseVMDKExtent(line)
		if err != nil {
			return nil, fmt.Errorf("VMDK descriptor %s, extent %d: %w", src.path, i+1, err)
		}
		if ext.sectors <= 0 || ext.sectors > vmdkMaxCapacity/512 || d.size+ext.sectors*512 > vmdkMaxCapacity {
			return nil, fmt.Errorf("VMDK descriptor %s, extent %d: %d sectors out of range: %w", src.path, i+1, ext.sectors, ErrDamagedImage)
		}
		e := vmdkExtent{start: d.size, size: ext.sectors * 512, name: ext.file}
		switch ext.typ {
		case "ZERO":
		case "FLAT", "VMFS":
			f, err := openExtentFile(rv, dir, ext.file)
			if err != nil {
				return nil, err
			}
			e.r, e.base, e.rsize = f.r, ext.offset*512, max(f.size-ext.offset*512, 0)
		case "SPARSE":
			f, err := openExtentFile(rv, dir, ext.file)
			if err != nil {
				return nil, err
			}
			h := make([]byte, 512)
			if err := f.readFull(h, 0); err != nil {
				return nil, err
			}
			if !bytes.HasPrefix(h, magicVMDK) {
				return nil, fmt.Errorf("VMDK extent %s is not a hosted sparse extent: %w", f.path, ErrUnsupportedFormat)
			}
			s, err := parseVMDKSparseHeader(f, h)
			if err != nil {
				return nil, err
			}
			e.r, e.rsize = s, s.capacity
		default:
			return nil, fmt.Errorf("VMDK descriptor %s: %s extents are not supported; convert it: qemu-img convert -O raw disk.vmdk disk.raw: %w", src.path, ext.typ, ErrUnsupportedFormat)
		}
		d.extents = append(d.extents, e)
		d.size += e.size
	}
	return &container{kind: KindVMDK, r: d, size: d.size, sector: 512}, nil
}

type vmdkExtentLine struct {
	sectors int64
	typ     string
	file    string
	offset  int64
}

func parseVMDKExtent(line string) (vmdkExtentLine, error) {
	var e vmdkExtentLine
	fields := strings.Fields(line)
	if len(fields) < 3 {
		return e, fmt.Errorf("extent line %q: %w", line, ErrDamagedImage)
	}
	var err error
	if e.sectors, err = strconv.ParseInt(fields[1], 10, 64); err != nil {
		return e, fmt.Errorf("extent line %q: %w", line, ErrDamagedImage)
	}
	e.typ = strings.ToUpper(fields[2])
	if e.typ == "ZERO" {
		return e, nil
	}
	q1 := strings.IndexByte(line, '"')
	q2 := strings.LastIndexByte(line, '"')
	if q1 < 0 || q2 <= q1 {
		return e, fmt.Errorf("extent line %q has no file name: %w", line, ErrDamagedImage)
	}
	e.file = line[q1+1 : q2]
	if rest := strings.Fields(line[q2+1:]); len(rest) > 0 {
		if e.offset, err = strconv.ParseInt(rest[0], 10, 64); err != nil || e.offset < 0 || e.offset > vmdkMaxCapacity/512 {
			return e, fmt.Errorf("extent line %q: bad offset: %w", line, ErrDamagedImage)
		}
	}
	return e, nil
}

// openExtentFile opens an extent named in a descriptor. Extents are looked
// for next to the descriptor only: a descriptor cannot make us read an
// arbitrary file elsewhere.
func openExtentFile(rv *resolver, dir, name string) (*source, error) {
	base := filepath.Base(filepath.FromSlash(strings.ReplaceAll(name, `\`, "/")))
	if base == "." || base == ".." || base == string(filepath.Separator) {
		return nil, fmt.Errorf("VMDK extent name %q: %w", name, ErrDamagedImage)
	}
	return rv.open(filepath.Join(dir, base), "VMDK extent")
}

func (d *vmdkDisk) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		if pos >= d.size {
			return n, io.EOF
		}
		i := sort.Search(len(d.extents), func(i int) bool { return d.extents[i].start+d.extents[i].size > pos })
		e := d.extents[i]
		in := pos - e.start
		k := int(min(int64(len(p)-n), e.size-in))
		b := p[n : n+k]
		switch {
		case e.r == nil:
			zeroFill(b)
		case in >= e.rsize:
			return n, fmt.Errorf("VMDK extent %s: offset %d past its %d readable bytes: %w", e.name, in, e.rsize, io.ErrUnexpectedEOF)
		default:
			m := int(min(int64(k), e.rsize-in))
			got, err := e.r.ReadAt(b[:m], e.base+in)
			if got < m {
				if err == nil || err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return n + got, fmt.Errorf("VMDK extent %s at offset %d: %w", e.name, e.base+in, err)
			}
			if m < k {
				return n + m, fmt.Errorf("VMDK extent %s: offset %d past its %d readable bytes: %w", e.name, in+int64(m), e.rsize, io.ErrUnexpectedEOF)
			}
		}
		n += k
	}
	return n, nil
}

// ---------------------------------------------------------------------------
// EWF (Expert Witness Format, EnCase E01 and SMART S01 layouts), with
// split images (E01, E02, …, E99, EAA, …).

const ewfSectionSize = 76

type ewfTable struct {
	seg      int
	entries  int64 // file offset of the entry array
	count    int64
	base     int64
	first    int64 // first chunk index
	dataEnd  int64 // where the last chunk's data ends
	tableEnd int64
}

type ewfDisk struct {
	segs      []*source
	tables    []ewfTable
	chunkSize int64
	chunks    int64
	size      int64
	path      string

	mu      sync.Mutex
	cache   *chunkCache
	entries map[int][]uint32 // loaded tables
	loaded  []int
}

// ewfSegmentPath names segment n of the split image whose first segment
// (or any segment) is path, keeping the extension's letter case.
func ewfSegmentPath(path string, n int) (string, bool) {
	ext := filepath.Ext(path)
	if len(ext) != 4 || n < 1 {
		return "", false
	}
	first := ext[1]
	upper := first >= 'A' && first <= 'Z'
	if !upper && (first < 'a' || first > 'z') {
		return "", false
	}
	stem := strings.TrimSuffix(path, ext)
	if n <= 99 {
		return fmt.Sprintf("%s.%c%02d", stem, first, n), true
	}
	base := byte('a')
	if upper {
		base = 'A'
	}
	i := n - 100
	c0 := int(first-base) + i/(26*26)
	if c0 >= 26 {
		return "", false
	}
	return fmt.Sprintf("%s.%c%c%c", stem, base+byte(c0), base+byte(i/26%26), base+byte(i%26)), true
}

func openEWF(src *source, head []byte, rv *resolver) (*container, error) {
	if len(head) < 13 {
		return nil, fmt.Errorf("EWF %s: file header truncated (%d bytes): %w", src.path, len(head), ErrDamagedImage)
	}
	if num := int(le16(head[9:])); num != 1 {
		// Opened at a later segment: start from the first one.
		p, ok := ewfSegmentPath(src.path, 1)
		if !ok {
			return nil, fmt.Errorf("EWF %s is segment %d; open the first segment: %w", src.path, num, ErrMissingFile)
		}
		first, err := rv.open(p, fmt.Sprintf("EWF %s is segment %d; first segment", src.path, num))
		if err != nil {
			return nil, err
		}
		src = first
	}
	d := &ewfDisk{path: src.path, entries: map[int][]uint32{}}
	var warnings []string
	var sectorsPerChunk, bytesPerSector, sectorCount int64
	haveVolume := false
	seg := src
	for num := 1; ; num++ {
		if num > maxEWFSegments {
			return nil, fmt.Errorf("EWF %s: more than %d segments: %w", src.path, maxEWFSegments, ErrDamagedImage)
		}
		if num > 1 {
			p, ok := ewfSegmentPath(src.path, num)
			if !ok {
				return nil, fmt.Errorf("EWF %s: no name for segment %d: %w", src.path, num, ErrDamagedImage)
			}
			var err error
			if seg, err = rv.open(p, fmt.Sprintf("EWF segment %d", num)); err != nil {
				return nil, err
			}
		}
		var fh [13]byte
		if err := seg.readFull(fh[:], 0); err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(fh[:], magicEWF) || int(le16(fh[9:])) != num {
			return nil, fmt.Errorf("EWF %s: not segment %d of this image (header %x): %w", seg.path, num, fh[:], ErrDamagedImage)
		}
		d.segs = append(d.segs, seg)
		segIdx := len(d.segs) - 1
		var dataStart, dataEnd int64 = -1, -1
		var lastTableBad bool
		off := int64(13)
		next := false
		for count := 0; ; count++ {
			if count > maxEWFSections {
				return nil, fmt.Errorf("EWF %s: more than %d sections: %w", seg.path, maxEWFSections, ErrDamagedImage)
			}
			var sd [ewfSectionSize]byte
			if err := seg.readFull(sd[:], off); err != nil {
				return nil, fmt.Errorf("EWF section at offset %d: %w", off, err)
			}
			typ := string(bytes.TrimRight(sd[:16], "\x00"))
			nextOff, size := int64(le64(sd[16:])), int64(le64(sd[24:]))
			if want, got := le32(sd[72:]), adler32.Checksum(sd[:72]); want != got {
				return nil, fmt.Errorf("EWF %s: section descriptor at offset %d: checksum 0x%08x does not match computed 0x%08x: %w", seg.path, off, want, got, ErrDamagedImage)
			}
			if typ == "next" || typ == "done" {
				next = typ == "next"
				break
			}
			if nextOff < off+ewfSectionSize || nextOff > seg.size || size < ewfSectionSize || !safeio.InRange(off, size, seg.size) {
				return nil, fmt.Errorf("EWF %s: %q section at offset %d: next offset %d, size %d out of range in the %d-byte file: %w", seg.path, typ, off, nextOff, size, seg.size, ErrDamagedImage)
			}
			body := off + ewfSectionSize
			switch typ {
			case "volume", "disk":
				if num != 1 || haveVolume {
					break
				}
				v := make([]byte, min(size-ewfSectionSize, 1052))
				if len(v) < 24 {
					return nil, fmt.Errorf("EWF %s: volume section of %d bytes: %w", seg.path, size, ErrDamagedImage)
				}
				if err := seg.readFull(v, body); err != nil {
					return nil, err
				}
				sectorsPerChunk, bytesPerSector = int64(le32(v[8:])), int64(le32(v[12:]))
				if len(v) >= 1052 {
					sectorCount = int64(le64(v[16:]))
				} else {
					sectorCount = int64(le32(v[16:]))
				}
				haveVolume = true
			case "sectors":
				dataStart, dataEnd = body, off+size
			case "table", "table2":
				if typ == "table2" && !lastTableBad {
					break
				}
				var th [24]byte
				if err := seg.readFull(th[:], body); err != nil {
					return nil, err
				}
				cnt := int64(le32(th[:]))
				good := le32(th[20:]) == adler32.Checksum(th[:20])
				if typ == "table" && !good {
					lastTableBad = true
					warnings = append(warnings, fmt.Sprintf("EWF %s: table at offset %d has a bad checksum; using table2", seg.path, off))
					break
				}
				if typ == "table2" {
					lastTableBad = false
					if !good {
						return nil, fmt.Errorf("EWF %s: table and table2 at offset %d both have bad checksums: %w", seg.path, off, ErrDamagedImage)
					}
				}
				if cnt > maxEWFTable || cnt*4 > size-ewfSectionSize-24 {
					return nil, fmt.Errorf("EWF %s: table at offset %d lists %d entries in a %d-byte section: %w", seg.path, off, cnt, size, ErrDamagedImage)
				}
				t := ewfTable{seg: segIdx, entries: body + 24, count: cnt, base: int64(le64(th[8:])), tableEnd: off + size}
				if t.base < 0 || t.base > seg.size {
					return nil, fmt.Errorf("EWF %s: table at offset %d: base offset %d out of range: %w", seg.path, off, t.base, ErrDamagedImage)
				}
				t.dataEnd = t.tableEnd // SMART / EnCase 1: chunks follow the entries
				if dataStart >= 0 && dataEnd <= off {
					t.dataEnd = dataEnd
				}
				if n := len(d.tables); n > 0 {
					t.first = d.tables[n-1].first + d.tables[n-1].count
				}
				if cnt > 0 {
					d.tables = append(d.tables, t)
				}
			}
			off = nextOff
		}
		if !next {
			break
		}
	}
	if !haveVolume {
		return nil, fmt.Errorf("EWF %s: no volume section: %w", src.path, ErrDamagedImage)
	}
	if !isPow2(bytesPerSector) || bytesPerSector < 512 || bytesPerSector > 4096 {
		return nil, fmt.Errorf("EWF %s: %d bytes per sector: %w", src.path, bytesPerSector, ErrDamagedImage)
	}
	if sectorsPerChunk < 1 || sectorsPerChunk*bytesPerSector > maxEWFChunk {
		return nil, fmt.Errorf("EWF %s: %d sectors per chunk: %w", src.path, sectorsPerChunk, ErrDamagedImage)
	}
	if sectorCount <= 0 || sectorCount > ewfMaxMediaSize/bytesPerSector {
		return nil, fmt.Errorf("EWF %s: %d sectors: %w", src.path, sectorCount, ErrDamagedImage)
	}
	d.chunkSize = sectorsPerChunk * bytesPerSector
	d.size = sectorCount * bytesPerSector
	d.chunks = (sectorCount + sectorsPerChunk - 1) / sectorsPerChunk
	have := int64(0)
	if n := len(d.tables); n > 0 {
		have = d.tables[n-1].first + d.tables[n-1].count
	}
	if have < d.chunks {
		return nil, fmt.Errorf("EWF %s: the tables locate %d of the %d chunks: %w", src.path, have, d.chunks, ErrDamagedImage)
	}
	d.cache = newChunkCache(d.chunkSize)
	return &container{kind: KindEWF, r: d, size: d.size, sector: int(bytesPerSector), warnings: warnings}, nil
}

// tableEntries returns the entries of table ti, loading them on demand.
func (d *ewfDisk) tableEntries(ti int) ([]uint32, error) {
	if e, ok := d.entries[ti]; ok {
		return e, nil
	}
	t := d.tables[ti]
	raw := make([]byte, t.count*4)
	if err := d.segs[t.seg].readFull(raw, t.entries); err != nil {
		return nil, err
	}
	e := make([]uint32, t.count)
	for i := range e {
		e[i] = le32(raw[4*i:])
	}
	if len(d.loaded) >= 8 {
		delete(d.entries, d.loaded[0])
		d.loaded = d.loaded[1:]
	}
	d.loaded = append(d.loaded, ti)
	d.entries[ti] = e
	return e, nil
}

// chunk returns chunk c's data (chunkSize bytes; the last chunk may be shorter).
func (d *ewfDisk) chunk(c int64) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if b := d.cache.get(c); b != nil {
		return b, nil
	}
	ti := sort.Search(len(d.tables), func(i int) bool { return d.tables[i].first+d.tables[i].count > c }) // tables are in chunk order
	if ti == len(d.tables) {
		return nil, fmt.Errorf("EWF %s: chunk %d is in no table: %w", d.path, c, ErrDamagedImage)
	}
	t := d.tables[ti]
	entries, err := d.tableEntries(ti)
	if err != nil {
		return nil, err
	}
	i := c - t.first
	seg := d.segs[t.seg]
	at := t.base + int64(entries[i]&0x7fffffff)
	end := t.dataEnd
	if i+1 < t.count {
		end = t.base + int64(entries[i+1]&0x7fffffff)
	}
	want := min(d.chunkSize, d.size-c*d.chunkSize)
	stored := end - at
	if stored <= 0 || stored > d.chunkSize+1024 || !safeio.InRange(at, stored, seg.size) {
		return nil, fmt.Errorf("EWF %s: chunk %d: %d stored bytes at offset %d out of range: %w", seg.path, c, stored, at, ErrDamagedImage)
	}
	raw := make([]byte, stored)
	if err := seg.readFull(raw, at); err != nil {
		return nil, fmt.Errorf("EWF chunk %d: %w", c, err)
	}
	var b []byte
	if entries[i]&0x80000000 != 0 {
		var got int
		if b, got, err = inflate(raw, want); err == nil && int64(got) < want {
			err = fmt.Errorf("%d of %d bytes", got, want)
		}
		if err != nil {
			return nil, fmt.Errorf("EWF %s: chunk %d at offset %d: %w: %w", seg.path, c, at, ErrDamagedImage, err)
		}
	} else {
		if stored < want {
			return nil, fmt.Errorf("EWF %s: chunk %d at offset %d: %d stored bytes for a %d-byte chunk: %w", seg.path, c, at, stored, want, ErrDamagedImage)
		}
		b = raw[:want]
	}
	d.cache.put(c, b)
	return b, nil
}

func (d *ewfDisk) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		if pos >= d.size {
			return n, io.EOF
		}
		b, err := d.chunk(pos / d.chunkSize)
		if err != nil {
			return n, err
		}
		in := pos % d.chunkSize
		if in >= int64(len(b)) {
			return n, fmt.Errorf("EWF %s: chunk %d is short: %w", d.path, pos/d.chunkSize, io.ErrUnexpectedEOF)
		}
		n += copy(p[n:], b[in:])
	}
	return n, nil
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
