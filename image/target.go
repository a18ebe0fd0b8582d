package image

import (
	"errors"
	"fmt"
	"github.com/actrescue/actrescue/internal/pagecache"
	"io"
	"io/fs"
	"os"
	"sync/atomic"
)

// Sentinel errors callers branch on.
var (
	// ErrIsDirectory means the path is a folder: scan it as a mounted volume.
	ErrIsDirectory = errors.New("image: target is a directory")
	// ErrPermission means the target exists but may not be read.
	ErrPermission = errors.New("image: permission denied")
	// ErrNoSuchTarget means the path does not exist.
	ErrNoSuchTarget = errors.New("image: no such target")
	// ErrNotDisk means the path is neither a regular file nor a block device.
	ErrNotDisk = errors.New("image: not a disk, partition or image file")
	// ErrOutOfRange is returned for reads outside a target or partition.
	ErrOutOfRange = errors.New("image: read outside the target")
	// ErrEmpty means the target has zero size.
	ErrEmpty = errors.New("image: target is empty")
)

// Kind tells what a Target is backed by.
type Kind int

// Target kinds.
const (
	KindFile Kind = iota
	KindDevice
	KindMemory
)

func (k Kind) String() string {
	switch k {
	case KindFile:
		return "image-file"
	case KindDevice:
		return "block-device"
	case KindMemory:
		return "memory"
	}
	if s := containerKindString(k); s != "" {
		return s
	}
	return "unknown"
}

// Target is an open, read-only disk, partition or image.
type Target struct {
	Path       string
	Size       int64
	SectorSize int // logical sector size; 512 unless the device says otherwise
	Kind       Kind
	// Warnings are problems found opening a virtual-disk or forensic image
	// container that did not stop reading it (a bad footer checksum, say).
	Warnings []string

	r      io.ReaderAt
	closer io.Closer
	bytes  atomic.Int64
	calls  atomic.Int64
	// countBelow means the paged device reader counts the reads that
	// really reach the device, not the reads parsers ask for.
	countBelow bool
}

// Device paging: 64 KiB aligned reads, at most 16 MiB cached.
const (
	devicePage  = 64 << 10
	devicePages = 256
	// Reads of 256 KiB and more (a backup streaming a file) go to the
	// device in aligned 1 MiB requests instead of one request per page.
	deviceDirect = 256 << 10
)

type countingReader struct {
	r io.ReaderAt
	t *Target
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.t.calls.Add(1)
	n, err := c.r.ReadAt(p, off)
	c.t.bytes.Add(int64(n))
	return n, err
}

// Open opens path read-only. A directory gives ErrIsDirectory.
func Open(path string) (*Target, error) {
	if t, err, ok := openRawDevice(path); ok {
		return t, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: %w", path, ErrIsDirectory)
	}
	mode := st.Mode()
	if !mode.IsRegular() && (mode&fs.ModeDevice == 0 || mode&fs.ModeCharDevice != 0 && !charDevicesAreDisks) {
		return nil, fmt.Errorf("%s: %w (mode %s)", path, ErrNotDisk, mode.Type())
	}
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, openError(path, err)
	}
	t := &Target{Path: path, SectorSize: 512, Kind: KindFile, r: f, closer: f}
	if mode.IsRegular() {
		t.Size = st.Size()
		if err := openContainer(t, f); err != nil {
			f.Close()
			return nil, err
		}
	} else {
		t.Kind = KindDevice
		size, sector, err := deviceGeometry(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: read device size: %w", path, err)
		}
		t.Size, t.SectorSize = size, sector
		t.r = pagecache.New(&countingReader{r: f, t: t}, size, devicePage, devicePages, deviceDirect)
		t.countBelow = true
	}
	if t.Size <= 0 {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, ErrEmpty)
	}
	return t, nil
}

// OpenDevice wraps a device-like reader (size bytes, sector-byte sectors)
// with the paged, sector-aligned reader block devices get; benchmarks and
// tests use it to model a device.
func OpenDevice(name string, r io.ReaderAt, size int64, sector int) *Target {
	t := &Target{Path: name, SectorSize: sector, Kind: KindDevice, Size: size}
	t.r = pagecache.New(&countingReader{r: r, t: t}, size, devicePage, devicePages, deviceDirect)
	t.countBelow = true
	return t
}

// newDeviceTarget wraps an open raw device of known geometry: reads go
// through the paged, sector-aligned reader and are counted at the device.
func newDeviceTarget(path string, f *os.File, size int64, sector int) *Target {
	t := &Target{Path: path, SectorSize: sector, Kind: KindDevice, Size: size, closer: f}
	t.r = pagecache.New(&countingReader{r: f, t: t}, size, devicePage, devicePages, deviceDirect)
	t.countBelow = true
	return t
}

func openError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: %w", path, ErrNoSuchTarget)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: %w: run as root (sudo), or from an elevated prompt on Windows", path, ErrPermission)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// OpenBytes wraps an in-memory image (the embedded demo disk, tests).
func OpenBytes(name string, b []byte) *Target {
	return &Target{Path: name, Size: int64(len(b)), SectorSize: 512, Kind: KindMemory, r: bytesReaderAt(b)}
}

// OpenReader wraps any io.ReaderAt of a known size as a target.
func OpenReader(name string, r io.ReaderAt, size int64) *Target {
	return &Target{Path: name, Size: size, SectorSize: 512, Kind: KindMemory, r: r}
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// ReadAt reads from the target, counting bytes and calls. Reads that start
// past the end return io.EOF; reads that cross it are truncated with io.EOF.
func (t *Target) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%s: offset %d: %w", t.Path, off, ErrOutOfRange)
	}
	if off >= t.Size {
		return 0, io.EOF
	}
	want := p
	if rem := t.Size - off; int64(len(p)) > rem {
		want = p[:rem]
	}
	if !t.countBelow {
		t.calls.Add(1)
	}
	n, err := t.r.ReadAt(want, off)
	if !t.countBelow {
		t.bytes.Add(int64(n))
	}
	if n < len(want) && (err == nil || err == io.EOF) {
		// The backing store ends before the size the target claims.
		err = io.ErrUnexpectedEOF
	}
	if err == nil && len(want) < len(p) {
		err = io.EOF
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: read %d bytes at offset %d: %w", t.Path, len(want), off, err)
	}
	return n, err
}

// BytesRead returns how many bytes were read from the target so far.
func (t *Target) BytesRead() int64 { return t.bytes.Load() }

// ReadCalls returns how many read calls reached the target so far.
func (t *Target) ReadCalls() int64 { return t.calls.Load() }

// Close releases the target.
func (t *Target) Close() error {
	if t.closer == nil {
		return nil
	}
	return t.closer.Close()
}

// bounded is an io.ReaderAt limited to [0, size) of an underlying reader.
// Unlike io.SectionReader it reports reads that start past the end with
// ErrOutOfRange, so a parser that strays is told so.
type bounded struct {
	r     io.ReaderAt
	base  int64
	size  int64
	where string
}

func (b *bounded) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > b.size {
		return 0, fmt.Errorf("%s: read at offset %d of a %d-byte extent: %w", b.where, off, b.size, ErrOutOfRange)
	}
	if off == b.size {
		return 0, io.EOF
	}
	want := p
	if rem := b.size - off; int64(len(p)) > rem {
		want = p[:rem]
	}
	n, err := b.r.ReadAt(want, b.base+off)
	if err == nil && len(want) < len(p) {
		err = io.EOF
	}
	return n, err
}
