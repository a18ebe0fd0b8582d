package wim

import (
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/actrescue/actrescue/internal/utf16le"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/actrescue/actrescue/internal/safeio"
	"github.com/actrescue/actrescue/ntfs"
)

// On-disk directory entry layout (metadata resource).
const (
	dentryFixed      = 102 // fixed part of a dentry
	streamFixed      = 38  // fixed part of an extra stream entry
	maxDentryLen     = 1 << 20
	maxStreamLen     = 1 << 17
	attrDirectory    = 0x10
	attrReparsePoint = 0x400
	attrEncrypted    = 0x4000
	dirCacheEntries  = 1 << 18 // dentries kept across directory listings
	maxPathDepth     = 1024
)

// Image is one image of a WIM file, read as a Windows volume. It
// implements ntfs.FS: lookups are case-insensitive (an exact match wins),
// missing paths give ntfs.ErrNotFound, and alternate data streams are not
// looked up. It is safe for concurrent use.
type Image struct {
	w     *WIM
	info  ImageInfo
	meta  *resource
	root  *dentry
	desc  string
	mu    sync.Mutex
	dirs  map[int64][]*dentry // listings by subdir offset
	cache int                 // dentries held in dirs
}

var _ ntfs.FS = (*Image)(nil)

type dentry struct {
	name      string
	attrs     uint32
	subdir    int64
	created   uint64
	accessed  uint64
	written   uint64
	hash      [20]byte // unnamed data stream; zero = empty
	encrypted bool
}

func (d *dentry) isDir() bool { return d.attrs&attrDirectory != 0 }

// FS opens image index (1-based) for reading.
func (w *WIM) FS(index int) (img *Image, err error) {
	defer safeio.Recover(&err, "WIM image")
	if index < 1 || index > len(w.images) {
		return nil, fmt.Errorf("image %d of %d: %w", index, len(w.images), ErrNoImage)
	}
	if index > len(w.meta) {
		return nil, fmt.Errorf("image %d has no metadata resource in this file (split WIM part %d of %d?): %w", index, w.hdr.PartNumber, w.hdr.TotalParts, ErrMissingBlob)
	}
	img = &Image{w: w, info: w.images[index-1], meta: w.meta[index-1], dirs: map[int64][]*dentry{}}
	img.desc = fmt.Sprintf("WIM image %d", index)
	if n := img.info.Name; n != "" {
		img.desc += fmt.Sprintf(" (%s)", n)
	}
	if err := img.readRoot(); err != nil {
		return nil, fmt.Errorf("image %d metadata: %w", index, err)
	}
	return img, nil
}

// Info returns the image's XML description.
func (img *Image) Info() ImageInfo { return img.info }

// Describe names the image for messages.
func (img *Image) Describe() string { return img.desc }

// SetDescription replaces the name used in messages.
func (img *Image) SetDescription(s string) { img.desc = s }

func (img *Image) readRoot() error {
	m := img.meta
	if m.usize < 8+dentryFixed {
		return fmt.Errorf("metadata resource is %d bytes, too small for a root directory: %w", m.usize, ErrCorrupt)
	}
	var b [8]byte
	if _, err := m.readAt(b[:], 0); err != nil {
		return fmt.Errorf("security data header: %w", err)
	}
	total := int64(binary.LittleEndian.Uint32(b[:]))
	if total == 0 {
		total = 8
	}
	if total > m.usize {
		return fmt.Errorf("security data of %d bytes exceeds the %d-byte metadata resource: %w", total, m.usize, ErrCorrupt)
	}
	root, _, err := img.readDentry((total + 7) &^ 7)
	if err != nil {
		return fmt.Errorf("root directory: %w", err)
	}
	if root == nil {
		root = &dentry{attrs: attrDirectory} // empty image
	}
	if !root.isDir() {
		return fmt.Errorf("the root entry is not a directory: %w", ErrCorrupt)
	}
	img.root = root
	return nil
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// readDentry parses the entry at off and the extra stream entries after
// it. It returns nil at an end-of-directory marker, and the offset of the
// next sibling.
func (img *Image) readDentry(off int64) (*dentry, int64, error) {
	m := img.meta
	if off < 0 || !safeio.InRange(off, 8, m.usize) {
		return nil, 0, fmt.Errorf("directory entry at offset %d lies outside the %d-byte metadata resource: %w", off, m.usize, ErrCorrupt)
	}
	var lb [8]byte
	if _, err := m.readAt(lb[:], off); err != nil {
		return nil, 0, err
	}
	length := le64(lb[:])
	if length > maxDentryLen {
		return nil, 0, fmt.Errorf("directory entry at offset %d declares %d bytes (limit %d): %w", off, length, maxDentryLen, ErrCorrupt)
	}
	length = (length + 7) &^ 7
	if length <= 8 {
		return nil, off + 8, nil
	}
	if length < dentryFixed || !safeio.InRange(off, int64(length), m.usize) {
		return nil, 0, fmt.Errorf("directory entry at offset %d has length %d (metadata %d bytes): %w", off, length, m.usize, ErrCorrupt)
	}
	b := make([]byte, length)
	if _, err := m.readAt(b, off); err != nil {
		return nil, 0, err
	}
	d := &dentry{
		attrs:    le32(b[8:]),
		subdir:   int64(le64(b[16:]) & (1<<63 - 1)),
		created:  le64(b[40:]),
		accessed: le64(b[48:]),
		written:  le64(b[56:]),
	}
	copy(d.hash[:], b[64:84])
	nExtra := int(le16(b[96:]))
	shortLen := int(le16(b[98:]))
	nameLen := int(le16(b[100:]))
	if nameLen&1 == 1 || shortLen&1 == 1 {
		return nil, 0, fmt.Errorf("directory entry at offset %d has an odd name length: %w", off, ErrCorrupt)
	}
	need := dentryFixed
	if nameLen > 0 {
		need += nameLen + 2
	}
	if shortLen > 0 {
		need += shortLen + 2
	}
	if int(length) < need {
		return nil, 0, fmt.Errorf("directory entry at offset %d: %d bytes cannot hold its names: %w", off, length, ErrCorrupt)
	}
	d.name = utf16le.Decode(b[dentryFixed : dentryFixed+nameLen])
	d.encrypted = d.attrs&attrEncrypted != 0
	next := off + int64(length)

	// Streams: the dentry's default hash is stream 0; extra entries
	// follow. The unnamed data stream is the first unnamed one with a
	// nonzero hash that is not taken as the reparse data.
	type strm struct {
		hash  [20]byte
		named bool
	}
	streams := []strm{{hash: d.hash}}
	for i := 0; i < nExtra; i++ {
		if !safeio.InRange(next, streamFixed, m.usize) {
			return nil, 0, fmt.Errorf("stream entry %d of the directory entry at offset %d lies outside the metadata: %w", i, off, ErrCorrupt)
		}
		var sb [streamFixed]byte
		if _, err := m.readAt(sb[:], next); err != nil {
			return nil, 0, err
		}
		slen := (le64(sb[:]) + 7) &^ 7
		snl := int(le16(sb[36:]))
		if slen < streamFixed || slen > maxStreamLen || uint64(streamFixed+snl) > slen || snl&1 == 1 || !safeio.InRange(next, int64(slen), m.usize) {
			return nil, 0, fmt.Errorf("stream entry %d of the directory entry at offset %d is malformed (length %d, name %d bytes): %w", i, off, slen, snl, ErrCorrupt)
		}
		var s strm
		copy(s.hash[:], sb[16:36])
		s.named = snl != 0
		streams = append(streams, s)
		next += int64(slen)
	}
	var zero [20]byte
	d.hash = zero
	reparse := d.attrs&attrReparsePoint != 0 && !d.encrypted
	for i, s := range streams {
		if s.named || (i == 0 && s.hash == zero) {
			continue
		}
		if reparse {
			reparse = false // this one is the reparse data
			continue
		}
		d.hash = s.hash
		break
	}
	return d, next, nil
}

// badName reports names that cannot be looked up safely.
func badName(s string) bool {
	return s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\\\x00")
}

// children lists a directory's entries (cached).
func (img *Image) children(d *dentry) ([]*dentry, error) {
	if d.subdir == 0 {
		return nil, nil
	}
	img.mu.Lock()
	if c, ok := img.dirs[d.subdir]; ok {
		img.mu.Unlock()
		return c, nil
	}
	img.mu.Unlock()
	var out []*dentry
	seen := map[string]bool{}
	off := d.subdir
	for n := 0; ; n++ {
		if n >= img.w.lim.MaxDirEntries {
			return nil, fmt.Errorf("directory at offset %d has more than %d entries: %w", d.subdir, img.w.lim.MaxDirEntries, safeio.ErrTooLarge)
		}
		c, next, err := img.readDentry(off)
		if err != nil {
			return nil, err
		}
		if c == nil {
			break
		}
		off = next
		if badName(c.name) || seen[c.name] {
			continue
		}
		seen[c.name] = true
		out = append(out, c)
	}
	img.mu.Lock()
	if img.cache+len(out) > dirCacheEntries {
		img.dirs, img.cache = map[int64][]*dentry{}, 0
	}
	img.dirs[d.subdir] = out
	img.cache += len(out)
	img.mu.Unlock()
	return out, nil
}

func cleanPath(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	p = path.Clean("/" + p)
	return strings.TrimPrefix(p, "/")
}

// lookup resolves p from the root.
func (img *Image) lookup(p string) (d *dentry, clean string, err error) {
	defer safeio.Recover(&err, "WIM lookup")
	clean = cleanPath(p)
	if strings.Contains(clean, ":") {
		return nil, clean, fmt.Errorf("%s: alternate data streams are not looked up: %w", clean, ntfs.ErrNotFound)
	}
	d = img.root
	if clean == "" {
		return d, clean, nil
	}
	comps := strings.Split(clean, "/")
	if len(comps) > maxPathDepth {
		return nil, clean, fmt.Errorf("%s: more than %d path components: %w", clean, maxPathDepth, ntfs.ErrNotFound)
	}
	// A corrupt file may point a directory back at an ancestor's entries;
	// such a cycle is reported instead of being followed.
	visited := map[int64]bool{d.subdir: true}
	for _, comp := range comps {
		if !d.isDir() {
			return nil, clean, fmt.Errorf("%s: %w", clean, ntfs.ErrNotFound)
		}
		kids, err := img.children(d)
		if err != nil {
			return nil, clean, fmt.Errorf("%s: %w", clean, err)
		}
		var found *dentry
		for _, k := range kids {
			if k.name == comp {
				found = k
				break
			}
		}
		if found == nil {
			for _, k := range kids {
				if strings.EqualFold(k.name, comp) {
					found = k
					break
				}
			}
		}
		if found == nil {
			return nil, clean, fmt.Errorf("%s: %w", clean, ntfs.ErrNotFound)
		}
		if found.isDir() && found.subdir != 0 {
			if visited[found.subdir] {
				return nil, clean, fmt.Errorf("%s: directory entries at offset %d are also an ancestor's (a cycle): %w", clean, found.subdir, ErrCorrupt)
			}
			visited[found.subdir] = true
		}
		d = found
	}
	return d, clean, nil
}

func (img *Image) fileInfo(d *dentry, p string) ntfs.FileInfo {
	fi := ntfs.FileInfo{
		Name:     d.name,
		Path:     p,
		IsDir:    d.isDir(),
		Created:  filetime(d.created),
		Modified: filetime(d.written),
		Accessed: filetime(d.accessed),
	}
	if !fi.IsDir {
		if b, ok := img.w.blobs[d.hash]; ok {
			fi.Size = b.size
		}
	}
	return fi
}

// dataBlob finds a file's data; a zero hash is an empty file.
func (img *Image) dataBlob(d *dentry, p string) (blob, error) {
	if d.hash == ([20]byte{}) {
		return blob{}, nil
	}
	b, ok := img.w.blobs[d.hash]
	if !ok {
		return blob{}, fmt.Errorf("%s: data %x: %w", p, d.hash[:6], ErrMissingBlob)
	}
	return b, nil
}

// Stat describes the file or directory at p.
func (img *Image) Stat(p string) (fi ntfs.FileInfo, err error) {
	defer safeio.Recover(&err, "WIM stat")
	d, clean, err := img.lookup(p)
	if err != nil {
		return ntfs.FileInfo{}, err
	}
	if !d.isDir() {
		if _, err := img.dataBlob(d, clean); err != nil {
			return ntfs.FileInfo{}, err
		}
	}
	return img.fileInfo(d, clean), nil
}

// ReadDir lists the directory at p (entries whose data is missing show
// size 0; opening them fails).
func (img *Image) ReadDir(p string) (out []ntfs.FileInfo, err error) {
	defer safeio.Recover(&err, "WIM directory")
	d, clean, err := img.lookup(p)
	if err != nil {
		return nil, err
	}
	if !d.isDir() {
		return nil, fmt.Errorf("%s: not a directory: %w", clean, ntfs.ErrNotFound)
	}
	kids, err := img.children(d)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", clean, err)
	}
	out = make([]ntfs.FileInfo, 0, len(kids))
	for _, k := range kids {
		out = append(out, img.fileInfo(k, path.Join(clean, k.name)))
	}
	return out, nil
}

// Open opens the file at p.
func (img *Image) Open(p string) (ntfs.File, error) {
	f, err := img.OpenFile(p)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// OpenFile is Open with the concrete type (it adds Verify).
func (img *Image) OpenFile(p string) (f *File, err error) {
	defer safeio.Recover(&err, "WIM open")
	d, clean, err := img.lookup(p)
	if err != nil {
		return nil, err
	}
	if d.isDir() {
		return nil, fmt.Errorf("%s: %w", clean, ntfs.ErrIsDir)
	}
	if d.encrypted {
		return nil, fmt.Errorf("%s: EFS-encrypted file (stored as raw encrypted data): %w", clean, ErrUnsupported)
	}
	b, err := img.dataBlob(d, clean)
	if err != nil {
		return nil, err
	}
	if b.res != nil && b.res.comp == CompressLZMS {
		return nil, fmt.Errorf("%s: %s: %w", clean, lzmsUnsupportedMsg, ErrUnsupported)
	}
	return &File{b: b, hash: d.hash, info: img.fileInfo(d, clean)}, nil
}

// File is an open file of an image.
type File struct {
	b    blob
	hash [20]byte
	info ntfs.FileInfo
}

// Size is the file's length in bytes.
func (f *File) Size() int64 { return f.b.size }

// Info describes the file.
func (f *File) Info() ntfs.FileInfo { return f.info }

// ReadAt reads the file's data at off; short reads at the end give io.EOF.
func (f *File) ReadAt(p []byte, off int64) (n int, err error) {
	defer safeio.Recover(&err, "WIM file data")
	if off < 0 {
		return 0, fmt.Errorf("%s: negative offset: %w", f.info.Path, ErrCorrupt)
	}
	if off >= f.b.size {
		return 0, io.EOF
	}
	want := len(p)
	if int64(want) > f.b.size-off {
		p = p[:f.b.size-off]
	}
	n, err = f.b.res.readAt(p, f.b.offset+off)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, fmt.Errorf("%s: %w", f.info.Path, err)
	}
	if n < len(p) {
		return n, fmt.Errorf("%s: resource ended early: %w", f.info.Path, ErrCorrupt)
	}
	if n < want {
		return n, io.EOF
	}
	return n, nil
}

// Verify reads the whole file and checks its SHA-1 against the digest the
// WIM stores for it.
func (f *File) Verify() error {
	if f.hash == ([20]byte{}) {
		return nil // empty file: no digest stored
	}
	h := sha1.New()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < f.b.size; {
		n, err := f.ReadAt(buf, off)
		h.Write(buf[:n])
		off += int64(n)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if n == 0 {
			break
		}
	}
	var got [20]byte
	copy(got[:], h.Sum(nil))
	if got != f.hash {
		return fmt.Errorf("%s: SHA-1 %x, expected %x: %w", f.info.Path, got, f.hash, ErrCorrupt)
	}
	return nil
}
