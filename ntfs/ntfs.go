package ntfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"www.velocidex.com/golang/go-ntfs/parser"

	"github.com/actrescue/actrescue/internal/safeio"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("ntfs: not found")
	ErrNotNTFS  = errors.New("ntfs: not an NTFS volume")
	ErrIsDir    = errors.New("ntfs: is a directory")
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
	size  int64
	state State
	desc  string
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
	paged, err := parser.NewPagedReader(r, pageSize, pageCache)
	if err != nil {
		return nil, fmt.Errorf("ntfs: %w", err)
	}
	ctx, err := parser.GetNTFSContext(paged, 0)
	if err != nil {
		return nil, fmt.Errorf("ntfs: bootstrap the MFT: %w", err)
	}
	v = &Volume{ctx: ctx, size: size, desc: "NTFS volume"}
	if _, err := ctx.GetMFT(5); err != nil {
		return nil, fmt.Errorf("ntfs: read the root directory (MFT record 5): %w", err)
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
	if mft <= 0 || mft > size/cluster {
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
	root, err := v.ctx.GetMFT(5)
	if err != nil {
		return nil, fmt.Errorf("read the root directory: %w", err)
	}
	if p == "" {
		return root, nil
	}
	e, err = root.Open(v.ctx, p)
	if err != nil {
		if err.Error() == "Not found" {
			return nil, fmt.Errorf("%s: %w", p, ErrNotFound)
		}
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return e, nil
}

// Stat describes the file or directory at p.
func (v *Volume) Stat(p string) (fi FileInfo, err error) {
	defer safeio.Recover(&err, "NTFS stat")
	p = cleanPath(p)
	e, err := v.lookup(p)
	if err != nil {
		return FileInfo{}, err
	}
	return v.info(e, p)
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
		return nil, fmt.Errorf("%s: open data stream: %w", p, err)
	}
	return &file{r: rr, info: fi}, nil
}

// ReadDir lists the directory at p (named streams are left out).
func (v *Volume) ReadDir(p string) (out []FileInfo, err error) {
	defer safeio.Recover(&err, "NTFS directory listing")
	p = cleanPath(p)
	e, err := v.lookup(p)
	if err != nil {
		return nil, err
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
	return out, nil
}

func mftRef(id string, seq uint16) string {
	rec, _, _ := strings.Cut(id, "-")
	return fmt.Sprintf("%s-%d", rec, seq)
}

type file struct {
	r    parser.RangeReaderAt
	info FileInfo
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
	n, err = f.r.ReadAt(want, off)
	if err == io.EOF && n == len(want) {
		err = nil
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
