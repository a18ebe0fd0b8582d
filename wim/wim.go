package wim

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/actrescue/actrescue/internal/safeio"
)

// Sentinel errors. Callers branch on them with errors.Is; messages add the
// offsets and sizes involved.
var (
	// ErrNotWIM means the file does not start with a WIM header.
	ErrNotWIM = errors.New("wim: not a WIM file")
	// ErrTruncated means a structure lies past the end of the file.
	ErrTruncated = errors.New("wim: file truncated")
	// ErrCorrupt means a structure is inconsistent (chunk tables,
	// compressed data, directory entries, XML).
	ErrCorrupt = errors.New("wim: corrupt")
	// ErrUnsupported means a valid feature this reader does not decode
	// (LZMS and solid LZMS resources, pipable WIMs, odd chunk sizes).
	ErrUnsupported = errors.New("wim: unsupported")
	// ErrNoImage means the image index does not exist.
	ErrNoImage = errors.New("wim: no such image")
	// ErrMissingBlob means a file's data is not in this WIM file (a split
	// WIM part, or a damaged blob table).
	ErrMissingBlob = errors.New("wim: file data not in this WIM")
	// ErrNoIntegrity means the WIM has no integrity table to check.
	ErrNoIntegrity = errors.New("wim: no integrity table")
)

// Header flags.
const (
	hdrFlagCompression = 0x00000002
	hdrFlagXPRESS      = 0x00020000
	hdrFlagLZX         = 0x00040000
	hdrFlagLZMS        = 0x00080000
	hdrFlagXPRESSHuff  = 0x00200000 // newer WIMGAPI spelling of XPRESS
)

// Resource header flags.
const (
	resFlagMetadata   = 0x02
	resFlagCompressed = 0x04
	resFlagSolid      = 0x10
)

const (
	headerSize         = 208
	versionDefault     = 0x10d00
	versionSolid       = 0xe00
	blobEntrySize      = 50
	solidMagicSize     = 0x100000000
	solidHeaderSize    = 16
	defaultChunk       = 32768
	maxSolidChunk      = 1 << 26 // Microsoft's ESD files use 64 MiB
	lzmsSuggestion     = "convert it first: wimlib-imagex export install.esd N install.wim --compress=LZX"
	lzmsUnsupportedMsg = "LZMS compression (solid ESD / --compress=LZMS resources) is not decoded by this reader; " + lzmsSuggestion
)

// Compression names a resource compression format.
type Compression int

// Compression formats, numbered as in solid resource headers.
const (
	CompressNone Compression = iota
	CompressXPRESS
	CompressLZX
	CompressLZMS
)

func (c Compression) String() string {
	switch c {
	case CompressNone:
		return "none"
	case CompressXPRESS:
		return "XPRESS"
	case CompressLZX:
		return "LZX"
	case CompressLZMS:
		return "LZMS"
	}
	return fmt.Sprintf("compression(%d)", int(c))
}

// Limits bound what a WIM file may make the reader do. The zero value of a
// field means its default.
type Limits struct {
	MaxXMLSize       int64 // uncompressed XML data; default 16 MiB
	MaxBlobTableSize int64 // uncompressed blob table; default 64 MiB (1.3 million blobs)
	MaxMetadataSize  int64 // one image's metadata resource; default 1 GiB (read lazily)
	MaxFileSize      int64 // one file's data; default 64 GiB (read lazily)
	MaxDirEntries    int   // entries in one directory; default 1<<20
	MaxImages        int   // images listed; default 4096
	MaxSolidChunks   int   // chunks of one solid resource; default 1<<22
	CacheBytes       int64 // decompressed chunks kept; default 32 MiB
}

func (l *Limits) defaults() {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxXMLSize, 16<<20)
	def(&l.MaxBlobTableSize, 64<<20)
	def(&l.MaxMetadataSize, 1<<30)
	def(&l.MaxFileSize, 64<<30)
	def(&l.CacheBytes, 32<<20)
	if l.MaxDirEntries <= 0 {
		l.MaxDirEntries = 1 << 20
	}
	if l.MaxImages <= 0 {
		l.MaxImages = 4096
	}
	if l.MaxSolidChunks <= 0 {
		l.MaxSolidChunks = 1 << 22
	}
}

// Header is the decoded WIM file header.
type Header struct {
	Version     uint32
	Flags       uint32
	Compression Compression // default compression of non-solid resources
	ChunkSize   int         // their chunk size (0 when uncompressed)
	GUID        string      // hex
	PartNumber  int
	TotalParts  int
	ImageCount  int
	BootIndex   int
	Integrity   bool // an integrity table is present (not checked)
}

// resHeader is an on-disk resource header.
type resHeader struct {
	sizeInWIM int64
	flags     uint8
	offset    int64
	usize     int64
}

func parseResHeader(b []byte) resHeader {
	var s [8]byte
	copy(s[:7], b[:7])
	return resHeader{
		sizeInWIM: int64(binary.LittleEndian.Uint64(s[:])),
		flags:     b[7],
		offset:    int64(binary.LittleEndian.Uint64(b[8:]) & (1<<63 - 1)),
		usize:     int64(binary.LittleEndian.Uint64(b[16:]) & (1<<63 - 1)),
	}
}

// blob is one stream's location: a byte range of a resource's
// uncompressed data.
type blob struct {
	res    *resource
	offset int64 // within the resource's uncompressed data
	size   int64
}

// WIM is an open WIM (or ESD) file. It is safe for concurrent use.
type WIM struct {
	r      io.ReaderAt
	size   int64
	lim    Limits
	hdr    Header
	images []ImageInfo
	meta   []*resource // metadata resource per image, in blob-table order
	blobs  map[[20]byte]blob
	cache  *chunkCache
	notes  []string

	blobHdr, integHdr resHeader
}

// Open reads the header, blob table and XML data of the WIM file of size
// bytes on r, with the default limits.
func Open(r io.ReaderAt, size int64) (*WIM, error) {
	return OpenLimits(r, size, Limits{})
}

// OpenLimits is Open with explicit limits.
func OpenLimits(r io.ReaderAt, size int64, lim Limits) (w *WIM, err error) {
	defer safeio.Recover(&err, "WIM file")
	lim.defaults()
	if size < headerSize {
		if size >= 8 && hasMagic(r) {
			return nil, fmt.Errorf("file is %d bytes, shorter than the %d-byte WIM header: %w", size, headerSize, ErrTruncated)
		}
		return nil, fmt.Errorf("file is %d bytes, shorter than a WIM header: %w", size, ErrNotWIM)
	}
	b, err := safeio.ReadAt(r, 0, headerSize, headerSize)
	if err != nil {
		return nil, fmt.Errorf("read the WIM header: %w", err)
	}
	w = &WIM{r: r, size: size, lim: lim, blobs: map[[20]byte]blob{}}
	if err := w.parseHeader(b); err != nil {
		return nil, err
	}
	w.cache = newChunkCache(lim.CacheBytes)
	w.blobHdr = parseResHeader(b[0x30:])
	w.integHdr = parseResHeader(b[0x7c:])
	xmlHdr := parseResHeader(b[0x48:])
	if err := w.readBlobTable(w.blobHdr); err != nil {
		return nil, err
	}
	if err := w.readXML(xmlHdr); err != nil {
		return nil, err
	}
	return w, nil
}

func hasMagic(r io.ReaderAt) bool {
	var m [8]byte
	n, _ := r.ReadAt(m[:], 0)
	return n == 8 && (string(m[:]) == "MSWIM\x00\x00\x00" || string(m[:]) == "WLPWM\x00\x00\x00")
}

func (w *WIM) parseHeader(b []byte) error {
	switch string(b[:8]) {
	case "MSWIM\x00\x00\x00":
	case "WLPWM\x00\x00\x00":
		return fmt.Errorf("pipable WIM (a wimlib extension): %w; convert it first: wimlib-imagex export in.wim all out.wim", ErrUnsupported)
	default:
		return fmt.Errorf("no \"MSWIM\" magic at offset 0: %w", ErrNotWIM)
	}
	if hs := binary.LittleEndian.Uint32(b[8:]); hs != headerSize {
		return fmt.Errorf("header size field is %d, expected %d: %w", hs, headerSize, ErrCorrupt)
	}
	h := &w.hdr
	h.Version = binary.LittleEndian.Uint32(b[12:])
	h.Flags = binary.LittleEndian.Uint32(b[16:])
	chunk := binary.LittleEndian.Uint32(b[20:])
	h.GUID = hex.EncodeToString(b[24:40])
	h.PartNumber = int(binary.LittleEndian.Uint16(b[40:]))
	h.TotalParts = int(binary.LittleEndian.Uint16(b[42:]))
	h.ImageCount = int(binary.LittleEndian.Uint32(b[44:]))
	h.BootIndex = int(binary.LittleEndian.Uint32(b[0x78:]))
	h.Integrity = !bytes.Equal(b[0x7c:0x7c+24], make([]byte, 24))
	if h.Version != versionDefault && h.Version != versionSolid {
		// Other versions (Vista betas) use a different layout.
		if h.Version < 0x10900 || h.Version > 0x10dff {
			return fmt.Errorf("WIM version 0x%x: %w", h.Version, ErrUnsupported)
		}
	}
	if h.ImageCount > w.lim.MaxImages {
		return fmt.Errorf("header declares %d images (limit %d): %w", h.ImageCount, w.lim.MaxImages, safeio.ErrTooLarge)
	}
	if h.Flags&hdrFlagCompression != 0 {
		switch {
		case h.Flags&hdrFlagLZX != 0:
			h.Compression = CompressLZX
		case h.Flags&(hdrFlagXPRESS|hdrFlagXPRESSHuff) != 0:
			h.Compression = CompressXPRESS
		case h.Flags&hdrFlagLZMS != 0:
			h.Compression = CompressLZMS
		default:
			return fmt.Errorf("header flags 0x%x mark the WIM compressed but name no known format: %w", h.Flags, ErrUnsupported)
		}
		if chunk == 0 {
			chunk = defaultChunk // old WIMs leave it zero
		}
		if chunk&(chunk-1) != 0 || chunk < 1<<12 || chunk > 1<<26 {
			return fmt.Errorf("chunk size %d is not a power of two in 4 KiB..64 MiB: %w", chunk, ErrCorrupt)
		}
		h.ChunkSize = int(chunk)
	}
	return nil
}

// Header returns the decoded file header.
func (w *WIM) Header() Header { return w.hdr }

// Notes lists oddities tolerated while opening (ignored blob-table
// entries, a missing metadata resource), for display.
func (w *WIM) Notes() []string { return append([]string(nil), w.notes...) }

// checkRange verifies that a resource's stored bytes lie inside the file.
func (w *WIM) checkRange(what string, off, n int64) error {
	if off < 0 || n < 0 {
		return fmt.Errorf("%s: offset %d, size %d: %w", what, off, n, ErrCorrupt)
	}
	if off < headerSize && n > 0 {
		return fmt.Errorf("%s at offset %d overlaps the WIM header: %w", what, off, ErrCorrupt)
	}
	if !safeio.InRange(off, n, w.size) {
		return fmt.Errorf("%s at offset %d (%d bytes) lies past the end of the %d-byte file: %w", what, off, n, w.size, ErrTruncated)
	}
	return nil
}

// resourceFor describes a non-solid resource from its header.
func (w *WIM) resourceFor(what string, h resHeader) (*resource, error) {
	if err := w.checkRange(what, h.offset, h.sizeInWIM); err != nil {
		return nil, err
	}
	res := &resource{w: w, offset: h.offset, stored: h.sizeInWIM, usize: h.usize}
	if h.flags&resFlagCompressed == 0 {
		if h.sizeInWIM != h.usize {
			return nil, fmt.Errorf("%s is stored uncompressed but its sizes differ (%d stored, %d uncompressed): %w", what, h.sizeInWIM, h.usize, ErrCorrupt)
		}
		res.comp = CompressNone
		return res, nil
	}
	if w.hdr.Flags&hdrFlagCompression == 0 {
		return nil, fmt.Errorf("%s is marked compressed in an uncompressed WIM: %w", what, ErrCorrupt)
	}
	res.comp = w.hdr.Compression
	res.chunk = int64(w.hdr.ChunkSize)
	return res, nil
}

func (w *WIM) readBlobTable(h resHeader) error {
	if h.usize > w.lim.MaxBlobTableSize {
		return fmt.Errorf("blob table is %d bytes (limit %d): %w", h.usize, w.lim.MaxBlobTableSize, safeio.ErrTooLarge)
	}
	if h.usize%blobEntrySize != 0 {
		w.notes = append(w.notes, fmt.Sprintf("blob table size %d is not a multiple of %d; the tail is ignored", h.usize, blobEntrySize))
	}
	res, err := w.resourceFor("blob table", h)
	if err != nil {
		return err
	}
	buf, err := res.readAll(w.lim.MaxBlobTableSize)
	if err != nil {
		return fmt.Errorf("read the blob table: %w", err)
	}
	n := len(buf) / blobEntrySize
	var (
		solid      []*resource // resources of the current solid run
		ignored    int
		duplicates int
		wrongPart  int
	)
	for i := range n {
		e := buf[i*blobEntrySize : (i+1)*blobEntrySize]
		rh := parseResHeader(e)
		if w.hdr.Version == versionDefault {
			rh.flags &^= resFlagSolid
		}
		part := int(binary.LittleEndian.Uint16(e[24:]))
		refcnt := binary.LittleEndian.Uint32(e[26:])
		var hash [20]byte
		copy(hash[:], e[30:50])
		var b blob
		if rh.flags&resFlagSolid != 0 {
			if solid == nil {
				if solid, err = w.loadSolidRun(buf[i*blobEntrySize : n*blobEntrySize]); err != nil {
					return err
				}
			}
			if uint64(rh.usize) == solidMagicSize {
				continue // the run's resource entry itself
			}
			var ok bool
			if b, ok = assignSolid(solid, rh.offset, rh.sizeInWIM); !ok {
				return fmt.Errorf("blob table entry %d: %d bytes at offset %d lie outside its solid resources: %w", i, rh.sizeInWIM, rh.offset, ErrCorrupt)
			}
		} else {
			solid = nil
			res, err := w.resourceFor(fmt.Sprintf("blob table entry %d", i), rh)
			if err != nil {
				if rh.flags&resFlagMetadata != 0 {
					return err
				}
				// A damaged file blob only costs that file.
				ignored++
				continue
			}
			b = blob{res: res, size: res.usize}
		}
		if hash == ([20]byte{}) {
			continue
		}
		if b.size == 0 {
			ignored++
			continue
		}
		if part != w.hdr.PartNumber {
			wrongPart++
			continue
		}
		if rh.flags&resFlagMetadata != 0 {
			if refcnt == 0 {
				continue
			}
			if b.res.solid {
				return fmt.Errorf("image metadata inside a solid resource: %w", ErrUnsupported)
			}
			if len(w.meta) == w.hdr.ImageCount {
				w.notes = append(w.notes, "more metadata resources than images; extras ignored")
				continue
			}
			if b.res.usize > w.lim.MaxMetadataSize {
				return fmt.Errorf("metadata resource of image %d is %d bytes (limit %d): %w", len(w.meta)+1, b.res.usize, w.lim.MaxMetadataSize, safeio.ErrTooLarge)
			}
			w.meta = append(w.meta, b.res)
			continue
		}
		if b.size > w.lim.MaxFileSize {
			ignored++
			continue
		}
		if _, dup := w.blobs[hash]; dup {
			duplicates++
			continue
		}
		w.blobs[hash] = b
	}
	if ignored > 0 {
		w.notes = append(w.notes, fmt.Sprintf("%d blob table entries ignored (empty, oversized or outside the file)", ignored))
	}
	if duplicates > 0 {
		w.notes = append(w.notes, fmt.Sprintf("%d duplicate blobs ignored", duplicates))
	}
	if wrongPart > 0 {
		w.notes = append(w.notes, fmt.Sprintf("%d blobs belong to other parts of a split WIM", wrongPart))
	}
	if w.hdr.PartNumber == 1 && len(w.meta) < w.hdr.ImageCount {
		w.notes = append(w.notes, fmt.Sprintf("metadata found for %d of %d images", len(w.meta), w.hdr.ImageCount))
	}
	return nil
}

// loadSolidRun reads the headers of the solid resources of the run of
// SOLID entries that starts at entries[0].
func (w *WIM) loadSolidRun(entries []byte) ([]*resource, error) {
	var out []*resource
	for i := 0; i+blobEntrySize <= len(entries); i += blobEntrySize {
		rh := parseResHeader(entries[i:])
		if rh.flags&resFlagSolid == 0 {
			break
		}
		if uint64(rh.usize) != solidMagicSize {
			continue
		}
		what := fmt.Sprintf("solid resource %d", len(out)+1)
		if err := w.checkRange(what, rh.offset, rh.sizeInWIM); err != nil {
			return nil, err
		}
		if rh.sizeInWIM < solidHeaderSize {
			return nil, fmt.Errorf("%s is %d bytes, shorter than its header: %w", what, rh.sizeInWIM, ErrCorrupt)
		}
		hb, err := safeio.ReadAt(w.r, rh.offset, solidHeaderSize, solidHeaderSize)
		if err != nil {
			return nil, fmt.Errorf("%s header: %w", what, err)
		}
		res := &resource{
			w: w, offset: rh.offset, stored: rh.sizeInWIM, solid: true,
			usize: int64(binary.LittleEndian.Uint64(hb) & (1<<63 - 1)),
			chunk: int64(binary.LittleEndian.Uint32(hb[8:])),
			comp:  Compression(binary.LittleEndian.Uint32(hb[12:])),
		}
		if res.chunk <= 0 || res.chunk&(res.chunk-1) != 0 {
			return nil, fmt.Errorf("%s: chunk size %d is not a power of two: %w", what, res.chunk, ErrCorrupt)
		}
		if res.chunk > maxSolidChunk {
			return nil, fmt.Errorf("%s: %d-byte chunks (limit %d): %w", what, res.chunk, maxSolidChunk, ErrUnsupported)
		}
		out = append(out, res)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("solid blob entries without a solid resource entry: %w", ErrCorrupt)
	}
	return out, nil
}

// assignSolid places a blob of a solid run: offsets count through the
// run's resources in order.
func assignSolid(run []*resource, off, size int64) (blob, bool) {
	if off < 0 || size < 0 {
		return blob{}, false
	}
	for _, r := range run {
		if safeio.InRange(off, size, r.usize) {
			return blob{res: r, offset: off, size: size}, true
		}
		off -= r.usize
		if off < 0 {
			return blob{}, false
		}
	}
	return blob{}, false
}

// Images lists the images described by the XML data, in index order.
// Images without an XML entry still appear, with only their index.
func (w *WIM) Images() []ImageInfo { return append([]ImageInfo(nil), w.images...) }

// CheckIntegrity verifies the optional integrity table: SHA-1 digests of
// fixed-size chunks of the file from the end of the header to the end of
// the blob table. It reads that whole span. It returns ErrNoIntegrity when
// the WIM has no table, and an error wrapping ErrCorrupt naming the first
// chunk that does not match.
func (w *WIM) CheckIntegrity() (err error) {
	defer safeio.Recover(&err, "WIM integrity table")
	h := w.integHdr
	if h.usize == 0 && h.sizeInWIM == 0 {
		return ErrNoIntegrity
	}
	end, err := safeio.Add(w.blobHdr.offset, w.blobHdr.sizeInWIM)
	if err != nil || end < headerSize || end > w.size {
		return fmt.Errorf("blob table end %d is outside the file: %w", end, ErrCorrupt)
	}
	checked := end - headerSize
	res, err := w.resourceFor("integrity table", h)
	if err != nil {
		return err
	}
	tab, err := res.readAll(64 << 20)
	if err != nil {
		return fmt.Errorf("integrity table: %w", err)
	}
	if len(tab) < 12 {
		return fmt.Errorf("integrity table is %d bytes: %w", len(tab), ErrCorrupt)
	}
	size := int64(binary.LittleEndian.Uint32(tab))
	n := int64(binary.LittleEndian.Uint32(tab[4:]))
	chunk := int64(binary.LittleEndian.Uint32(tab[8:]))
	if size != int64(len(tab)) || size != 12+20*n || chunk == 0 || n != (checked+chunk-1)/chunk {
		return fmt.Errorf("integrity table header (size %d, %d entries, %d-byte chunks) does not match the %d checked bytes: %w", size, n, chunk, checked, ErrCorrupt)
	}
	buf := make([]byte, min(chunk, 1<<20))
	for i := range n {
		off := headerSize + i*chunk
		left := min(chunk, end-off)
		h := sha1.New()
		for left > 0 {
			part := buf[:min(left, int64(len(buf)))]
			if _, err := w.r.ReadAt(part, off); err != nil {
				return fmt.Errorf("integrity chunk %d: %w", i, err)
			}
			h.Write(part)
			off += int64(len(part))
			left -= int64(len(part))
		}
		if !bytes.Equal(h.Sum(nil), tab[12+20*i:32+20*i]) {
			return fmt.Errorf("integrity check failed: chunk %d of %d (bytes %d..%d) does not match its SHA-1: %w", i, n, headerSize+i*chunk, min(headerSize+(i+1)*chunk, end), ErrCorrupt)
		}
	}
	return nil
}
