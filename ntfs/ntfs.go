package ntfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"

	"www.velocidex.com/golang/go-ntfs/parser"

	"github.com/actrescue/actrescue/internal/safeio"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("ntfs: not found")
	// ErrIndexDamaged means a directory's index failed its checks and the
	// name was not in what could still be listed: it may exist.
	ErrIndexDamaged = errors.New("ntfs: directory index damaged")
	ErrNotNTFS      = errors.New("ntfs: not an NTFS volume")
	ErrIsDir        = errors.New("ntfs: is a directory")
)

// FS is a read-only Windows volume: an NTFS volume or a mounted folder.
type FS interface {
	Stat(p string) (FileInfo, error)
	Open(p string) (File, error)
	ReadDir(p string) ([]FileInfo, error)
	// Describe names the volume for messages.
	Describe() string
}

// File is an open file stream.
type File interface {
	io.ReaderAt
	Size() int64
	Info() FileInfo
}

// FileInfo describes one file or directory.
type FileInfo struct {
	Name        string
	Path        string // as looked up, '/'-separated
	Size        int64
	IsDir       bool
	MFTRef      string // "record-sequence", empty for folders on a host FS
	Created     time.Time
	Modified    time.Time
	MFTModified time.Time
	Accessed    time.Time
}

// Volume is an open NTFS volume.
type Volume struct {
	ctx   *parser.NTFSContext
	io    *ioWatch
	size  int64
	state State
	desc  string

	upOnce  sync.Once
	up      *upcase
	ixStats indexStats
	chunks  chunkCache
}

// Boot-sector limits from the NTFS format.
const (
	minVolume = 64 << 10
	pageSize  = 4096
	pageCache = 4096 // pages: 16 MiB at most
)

// Open parses the NTFS volume of size bytes on r.
func Open(r io.ReaderAt, size int64) (v *Volume, err error) {
	defer safeio.Recover(&err, "NTFS volume")
	if size < minVolume {
		return nil, fmt.Errorf("volume is %d bytes, too small for NTFS: %w", size, ErrNotNTFS)
	}
	boot := make([]byte, 512)
	if n, err := r.ReadAt(boot, 0); n < len(boot) {
		return nil, fmt.Errorf("read the boot sector: %w", err)
	}
	if err := checkBoot(boot, size); err != nil {
		return nil, err
	}
	w := &ioWatch{r: r, size: size}
	paged, err := parser.NewPagedReader(w, pageSize, pageCache)
	if err != nil {
		return nil, fmt.Errorf("ntfs: %w", err)
	}
	ctx, err := parser.GetNTFSContext(paged, 0)
	if err != nil {
		return nil, fmt.Errorf("ntfs: bootstrap the MFT: %w", w.cause(0, err))
	}
	v = &Volume{ctx: ctx, io: w, size: size, desc: "NTFS volume"}
	if _, err := ctx.GetMFT(5); err != nil {
		return nil, fmt.Errorf("ntfs: read the root directory (MFT record 5): %w", w.cause(0, err))
	}
	v.state = v.readState(boot)
	return v, nil
}

// checkBoot validates the fields go-ntfs trusts.
func checkBoot(b []byte, size int64) error {
	if !bytes.Equal(b[3:11], []byte("NTFS    ")) {
		return fmt.Errorf("no \"NTFS\" signature at byte 3 of the boot sector: %w", ErrNotNTFS)
	}
	bps := int64(binary.LittleEndian.Uint16(b[11:]))
	if bps < 256 || bps > 4096 || bps&(bps-1) != 0 {
		return fmt.Errorf("boot sector: %d bytes per sector is invalid: %w", bps, ErrNotNTFS)
	}
	spc := int64(b[13])
	if spc > 0x80 { // 2^(256-x) sectors per cluster
		shift := 256 - spc
		if shift > 16 {
			return fmt.Errorf("boot sector: cluster shift %d is invalid: %w", shift, ErrNotNTFS)
		}
		spc = 1 << shift
	}
	if spc == 0 || spc&(spc-1) != 0 {
		return fmt.Errorf("boot sector: %d sectors per cluster is invalid: %w", spc, ErrNotNTFS)
	}
	cluster := bps * spc
	if cluster > 2<<20 {
		return fmt.Errorf("boot sector: %d-byte clusters are invalid: %w", cluster, ErrNotNTFS)
	}
	total := int64(binary.LittleEndian.Uint64(b[40:]))
	mft := int64(binary.LittleEndian.Uint64(b[48:]))
	// A truncated image is reported by reads failing later; only an
	// impossible count is refused here.
	if total <= 0 || total > 1<<48 {
		return fmt.Errorf("boot sector: %d total sectors is invalid: %w", total, ErrNotNTFS)
	}
	if mft <= 0 || mft >= size/cluster { // clusters are numbered from 0
		return fmt.Errorf("boot sector: $MFT at cluster %d lies outside the %d-byte volume: %w", mft, size, ErrNotNTFS)
	}
	rec := int8(b[64])
	if rec > 0 && int64(rec)*cluster > 65536 || rec < 0 && (-rec < 9 || -rec > 16) || rec == 0 {
		return fmt.Errorf("boot sector: MFT record size code %d is invalid: %w", rec, ErrNotNTFS)
	}
	return nil
}

// Describe names the volume.
func (v *Volume) Describe() string { return v.desc }

// SetDescription sets the name used in messages (e.g. "disk.img partition 3").
func (v *Volume) SetDescription(s string) { v.desc = s }

func cleanPath(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	p = path.Clean("/" + p)
	return strings.TrimPrefix(p, "/")
}

func (v *Volume) lookup(p string) (e *parser.MFT_ENTRY, err error) {
	defer safeio.Recover(&err, "NTFS lookup")
	if strings.Contains(p, ":") {
		return nil, fmt.Errorf("%s: alternate data streams are not looked up: %w", p, ErrNotFound)
	}
	mark := v.io.mark()
	root, err := v.ctx.GetMFT(5)
	if err != nil {
		return nil, fmt.Errorf("read the root directory: %w", v.io.cause(mark, err))
	}
	if p == "" {
		return root, nil
	}
	e, err = v.walk(root, p)
	if err != nil {
		// go-ntfs drops read errors: a failed read is not "not found".
		if ioErr := v.io.since(mark); ioErr != nil {
			return nil, fmt.Errorf("%s: %w", p, ioErr)
		}
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return e, nil
}

// walk resolves p below dir one component at a time: each directory's index
// is checked, then searched as a B-tree (btree.go), reading only the index
// blocks on the way to the name. When the tree does not check out, the
// component is looked up in go-ntfs's full listing instead, as MFT_ENTRY.Open
// would.
func (v *Volume) walk(dir *parser.MFT_ENTRY, p string) (*parser.MFT_ENTRY, error) {
	for _, c := range strings.Split(p, "/") {
		if err := v.checkIndex(dir); err != nil {
			return nil, err
		}
		ref, found, blocks, err := v.lookupIndex(dir, c)
		switch {
		case errors.Is(err, errNotDir):
			v.ixStats.add(blocks, false, nil)
			return nil, ErrNotFound
		case err == nil && !found:
			v.ixStats.add(blocks, false, nil)
			return nil, ErrNotFound
		case err == nil:
			v.ixStats.add(blocks, false, nil)
			next, err := v.ctx.GetMFT(int64(ref & mftRefMask))
			if err != nil {
				return nil, fmt.Errorf("MFT record %d (%s): %w", ref&mftRefMask, c, err)
			}
			dir = next
			continue
		}
		v.ixStats.add(blocks, true, err)
		next, lerr := v.listLookup(dir, c)
		if errors.Is(lerr, ErrNotFound) {
			return nil, fmt.Errorf("%w: %v; %q is not in the full listing either", ErrIndexDamaged, err, c)
		}
		if lerr != nil {
			return nil, lerr
		}
		dir = next
	}
	return dir, nil
}

// mftRefMask keeps the record number of a file reference (the high 16
// bits are the sequence number).
const mftRefMask = 1<<48 - 1

// listLookup finds c in go-ntfs's full listing of dir (every index block,
// compared case-insensitively): the fallback for a damaged index.
func (v *Volume) listLookup(dir *parser.MFT_ENTRY, c string) (*parser.MFT_ENTRY, error) {
	c = strings.ToLower(c)
	for _, ent := range dir.Dir(v.ctx) {
		if strings.ToLower(ent.File().Name()) == c {
			e, err := v.ctx.GetMFT(int64(ent.MftReference()))
			if err != nil {
				return nil, fmt.Errorf("MFT record %d (%s): %w", ent.MftReference(), c, err)
			}
			return e, nil
		}
	}
	return nil, ErrNotFound
}

// maxIndex caps a directory's $INDEX_ALLOCATION (about a million entries).
const maxIndex = 256 << 20

// checkIndex refuses index sizes go-ntfs would loop over in 4 KiB steps,
// allocating as it goes, whatever the disk holds.
func (v *Volume) checkIndex(e *parser.MFT_ENTRY) error {
	for _, a := range e.EnumerateAttributes(v.ctx) {
		if a.Type().Value != 0xA0 || a.IsResident() { // $INDEX_ALLOCATION
			continue
		}
		if n := a.DataSize(); n < 0 || n > min(v.size, maxIndex) {
			return fmt.Errorf("MFT record %d: directory index of %d bytes is corrupt", e.Record_number(), uint64(n))
		}
	}
	return nil
}

// Stat describes the file or directory at p.
func (v *Volume) Stat(p string) (fi FileInfo, err error) {
	defer safeio.Recover(&err, "NTFS stat")
	p = cleanPath(p)
	mark := v.io.mark()
	e, err := v.lookup(p)
	if err != nil {
		return FileInfo{}, err
	}
	fi, err = v.info(e, p)
	if ioErr := v.io.since(mark); err == nil && ioErr != nil {
		return FileInfo{}, fmt.Errorf("%s: %w", p, ioErr)
	}
	return fi, err
}

func (v *Volume) info(e *parser.MFT_ENTRY, p string) (FileInfo, error) {
	infos := parser.Stat(v.ctx, e)
	var pick *parser.FileInfo
	for _, in := range infos {
		if !strings.Contains(in.Name, ":") {
			pick = in
			break
		}
	}
	if pick == nil && len(infos) > 0 {
		pick = infos[0]
	}
	fi := FileInfo{Name: path.Base(p), Path: p, MFTRef: fmt.Sprintf("%d-%d", e.Record_number(), e.Sequence_value())}
	if p == "" {
		fi.Name, fi.IsDir = "/", true
	}
	if pick != nil {
		fi.Size = max(pick.Size, 0)
		fi.IsDir = pick.IsDir || p == ""
		fi.Created, fi.Modified, fi.MFTModified, fi.Accessed = pick.Btime, pick.Mtime, pick.Ctime, pick.Atime
		if pick.Name != "" && p != "" {
			fi.Name = pick.Name
		}
	}
	if fi.IsDir {
		fi.Size = 0
	}
	return fi, nil
}

// Open opens the unnamed data stream of the file at p.
func (v *Volume) Open(p string) (f File, err error) {
	defer safeio.Recover(&err, "NTFS open")
	p = cleanPath(p)
	mark := v.io.mark()
	e, err := v.lookup(p)
	if err != nil {
		return nil, err
	}
	fi, err := v.info(e, p)
	if err != nil {
		return nil, err
	}
	if fi.IsDir {
		return nil, fmt.Errorf("%s: %w", p, ErrIsDir)
	}
	rr, err := parser.OpenStream(v.ctx, e, 128, parser.WILDCARD_STREAM_ID, "")
	if err != nil {
		return nil, fmt.Errorf("%s: open data stream: %w", p, v.io.cause(mark, err))
	}
	if ioErr := v.io.since(mark); ioErr != nil {
		return nil, fmt.Errorf("%s: %w", p, ioErr)
	}
	f = &file{r: rr, info: fi, io: v.io}
	if m := v.directMap(e, fi.Size); m != nil {
		ff := f.(*file)
		ff.direct, ff.rec, ff.chunks = m, e.Record_number(), &v.chunks
	}
	return f, nil
}

// ReadDir lists the directory at p (named streams are left out).
func (v *Volume) ReadDir(p string) (out []FileInfo, err error) {
	defer safeio.Recover(&err, "NTFS directory listing")
	p = cleanPath(p)
	mark := v.io.mark()
	e, err := v.lookup(p)
	if err != nil {
		return nil, err
	}
	if err := v.checkIndex(e); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	for _, in := range parser.ListDir(v.ctx, e) {
		if strings.Contains(in.Name, ":") || in.Name == "." {
			continue
		}
		child := in.Name
		if p != "" {
			child = p + "/" + in.Name
		}
		out = append(out, FileInfo{Name: in.Name, Path: child, Size: max(in.Size, 0), IsDir: in.IsDir, MFTRef: mftRef(in.MFTId, in.SequenceNumber),
			Created: in.Btime, Modified: in.Mtime, MFTModified: in.Ctime, Accessed: in.Atime})
	}
	if ioErr := v.io.since(mark); ioErr != nil {
		return out, fmt.Errorf("%s: listing incomplete: %w", p, ioErr)
	}
	return out, nil
}

func mftRef(id string, seq uint16) string {
	rec, _, _ := strings.Cut(id, "-")
	return fmt.Sprintf("%s-%d", rec, seq)
}

type file struct {
	r    parser.RangeReaderAt
	info FileInfo
	io   *ioWatch

	direct *extentMap // nil: every read goes through go-ntfs
	rec    uint32     // MFT record, names the file in the chunk cache
	chunks *chunkCache
}

func (f *file) Size() int64    { return f.info.Size }
func (f *file) Info() FileInfo { return f.info }

// ReadAt reads within the file's size; go-ntfs panics become errors.
func (f *file) ReadAt(p []byte, off int64) (n int, err error) {
	defer safeio.Recover(&err, "NTFS read "+f.info.Path)
	if off < 0 {
		return 0, fmt.Errorf("%s: negative offset", f.info.Path)
	}
	if off >= f.info.Size {
		return 0, io.EOF
	}
	want := p
	if rem := f.info.Size - off; int64(len(p)) > rem {
		want = p[:rem]
	}
	mark := f.io.mark()
	if f.direct != nil && len(want) >= directMin {
		n, err = f.readChunks(want, off)
	} else {
		n, err = f.r.ReadAt(want, off)
	}
	if err == io.EOF && n == len(want) {
		err = nil
	}
	if ioErr := f.io.since(mark); err == nil && ioErr != nil {
		err = ioErr
	}
	if err != nil {
		return n, fmt.Errorf("%s: read %d bytes at offset %d: %w", f.info.Path, len(want), off, err)
	}
	if n < len(want) {
		return n, fmt.Errorf("%s: short read at offset %d: %w", f.info.Path, off, io.ErrUnexpectedEOF)
	}
	if len(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// ioWatch records read errors of the volume's reader: go-ntfs turns many of
// them into "not found", short listings or zero-filled data. Concurrent
// callers may see each other's read errors.
type ioWatch struct {
	r    io.ReaderAt
	size int64
	mu   sync.Mutex
	n    uint64 // failed reads so far
	last error
}

func (w *ioWatch) ReadAt(p []byte, off int64) (int, error) {
	n, err := w.r.ReadAt(p, off)
	var bad error
	switch {
	case err == nil || errors.Is(err, io.EOF) && (off >= w.size || int64(n) >= w.size-off):
		// Fine, or EOF at or past the volume's end.
	case errors.Is(err, io.EOF):
		bad = fmt.Errorf("read %d bytes at offset %d: the image ends at byte %d of the %d-byte volume: %w",
			len(p), off, off+int64(n), w.size, io.ErrUnexpectedEOF)
	default:
		bad = fmt.Errorf("read %d bytes at offset %d: %w", len(p), off, err)
	}
	if bad != nil {
		w.mu.Lock()
		w.n++
		w.last = bad
		w.mu.Unlock()
	}
	return n, err
}

func (w *ioWatch) mark() uint64 {
	if w == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// since returns the last read error after mark, or nil.
func (w *ioWatch) since(mark uint64) error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n > mark {
		return w.last
	}
	return nil
}

// cause prefers a read error since mark over go-ntfs's err.
func (w *ioWatch) cause(mark uint64, err error) error {
	if ioErr := w.since(mark); ioErr != nil {
		return fmt.Errorf("%w (go-ntfs: %v)", ioErr, err)
	}
	return err
}
