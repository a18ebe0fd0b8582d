package hive

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/actrescue/actrescue/internal/pagecache"
	"github.com/actrescue/actrescue/internal/utf16le"
	"io"
	"strings"
	"time"

	"www.velocidex.com/golang/regparser"

	"github.com/actrescue/actrescue/internal/safeio"
)

// Sentinel errors.
var (
	ErrNotHive       = errors.New("hive: not a registry hive")
	ErrKeyNotFound   = errors.New("hive: key not found")
	ErrValueNotFound = errors.New("hive: value not found")
	ErrWrongType     = errors.New("hive: value has another type")
	ErrCorrupt       = errors.New("hive: corrupt structure")
)

// Registry value types.
const (
	TypeNone     = 0
	TypeSZ       = 1
	TypeExpandSZ = 2
	TypeBinary   = 3
	TypeDWORD    = 4
	TypeDWORDBE  = 5
	TypeLink     = 6
	TypeMultiSZ  = 7
	TypeQWORD    = 11
)

// Options bound what a hive may cost.
type Options struct {
	MaxSize      int64 // refuse larger hive files; default 1 GiB
	MaxValueSize int   // refuse larger values; default 16 MiB
	CachePages   int   // 4 KiB pages kept in memory; default 2048 (8 MiB)
	MaxSubkeys   int   // per key; default 1<<20
	MaxValues    int   // per key; default 65536
}

func (o *Options) defaults() {
	if o.MaxSize <= 0 {
		o.MaxSize = 1 << 30
	}
	if o.MaxValueSize <= 0 {
		o.MaxValueSize = 16 << 20
	}
	if o.CachePages <= 0 {
		o.CachePages = 2048
	}
	if o.MaxSubkeys <= 0 {
		o.MaxSubkeys = 1 << 20
	}
	if o.MaxValues <= 0 {
		o.MaxValues = 65536
	}
}

// Header is the decoded base block.
type Header struct {
	Primary, Secondary uint32
	LastWritten        time.Time
	Major, Minor       uint32
	FileType           uint32 // 0 primary, 1/2 old logs, 6 new log
	RootCell           uint32
	HiveBinsSize       uint32
	FileName           string // the last characters of the hive's own path
	ChecksumOK         bool
}

// Hive is an open registry hive.
type Hive struct {
	r    io.ReaderAt
	size int64
	reg  *regparser.Registry
	hdr  Header
	opts Options
}

// Open parses the hive of size bytes on r.
func Open(r io.ReaderAt, size int64, opts Options) (h *Hive, err error) {
	defer safeio.Recover(&err, "registry hive")
	opts.defaults()
	if size < 4096+32 {
		return nil, fmt.Errorf("hive file is %d bytes, smaller than a base block and one bin: %w", size, ErrNotHive)
	}
	if size > opts.MaxSize {
		return nil, fmt.Errorf("hive file is %d bytes, more than the %d-byte limit: %w", size, opts.MaxSize, safeio.ErrTooLarge)
	}
	cache := pagecache.New(r, size, 4096, opts.CachePages, 0)
	base := make([]byte, 4096)
	if n, err := cache.ReadAt(base, 0); n < len(base) {
		return nil, fmt.Errorf("read the base block: %w", err)
	}
	hdr, err := parseHeader(base)
	if err != nil {
		return nil, err
	}
	if int64(hdr.RootCell)+4096+80 > size {
		return nil, fmt.Errorf("root cell offset 0x%x lies outside the %d-byte hive: %w", hdr.RootCell, size, ErrCorrupt)
	}
	reg, err := regparser.NewRegistry(cache)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotHive, err)
	}
	// Cells live in the hive bins; anything past them is slack or garbage.
	if bins := 4096 + int64(hdr.HiveBinsSize); hdr.HiveBinsSize > 0 && bins < size {
		size = bins
	}
	h = &Hive{r: cache, size: size, reg: reg, hdr: hdr, opts: opts}
	if _, err := h.root(); err != nil {
		return nil, err
	}
	return h, nil
}

// ParseHeader decodes a 4096-byte base block (of a hive or a log file).
func ParseHeader(b []byte) (Header, error) { return parseHeader(b) }

func parseHeader(b []byte) (Header, error) {
	if len(b) < 512 || string(b[:4]) != "regf" {
		return Header{}, fmt.Errorf("no \"regf\" signature at offset 0: %w", ErrNotHive)
	}
	le := binary.LittleEndian
	h := Header{
		Primary: le.Uint32(b[4:]), Secondary: le.Uint32(b[8:]),
		Major: le.Uint32(b[20:]), Minor: le.Uint32(b[24:]), FileType: le.Uint32(b[28:]),
		RootCell: le.Uint32(b[36:]), HiveBinsSize: le.Uint32(b[40:]),
	}
	if ft := le.Uint64(b[12:]); ft != 0 {
		h.LastWritten = FiletimeToTime(ft)
	}
	var sum uint32
	for i := 0; i < 508; i += 4 {
		sum ^= le.Uint32(b[i:])
	}
	switch sum {
	case 0:
		sum = 1
	case 0xFFFFFFFF:
		sum = 0xFFFFFFFE
	}
	h.ChecksumOK = sum == le.Uint32(b[508:])
	h.FileName = utf16le.DecodeZ(b[48:112])
	if h.Major != 1 {
		return h, fmt.Errorf("hive format version %d.%d is not 1.x: %w", h.Major, h.Minor, ErrNotHive)
	}
	return h, nil
}

// FiletimeToTime converts a Windows FILETIME (100 ns since 1601) to UTC.
// Values before 1970 or more than 400 years after it are not dates a disk
// can honestly hold: they give the zero time.
func FiletimeToTime(ft uint64) time.Time {
	const epochDiff = 116444736000000000
	if ft < epochDiff || ft-epochDiff > 400*365*24*3600*10_000_000 {
		return time.Time{}
	}
	d := ft - epochDiff
	return time.Unix(int64(d/1e7), int64(d%1e7)*100).UTC()
}

// Header returns the decoded base block.
func (h *Hive) Header() Header { return h.hdr }

// Sequences returns the primary and secondary sequence numbers.
func (h *Hive) Sequences() (uint32, uint32) { return h.hdr.Primary, h.hdr.Secondary }

// Dirty reports whether the hive was not flushed cleanly (the sequence
// numbers differ): recent changes may only be in its .LOG1/.LOG2 files.
func (h *Hive) Dirty() bool { return h.hdr.Primary != h.hdr.Secondary }

func (h *Hive) root() (*Key, error) {
	cell := h.reg.Profile.HCELL(h.r, 0x1000+int64(h.hdr.RootCell))
	nk := cell.KeyNode()
	if nk == nil {
		return nil, fmt.Errorf("root cell at 0x%x is not a key node: %w", h.hdr.RootCell, ErrCorrupt)
	}
	return &Key{h: h, nk: nk, path: ""}, nil
}

// Root returns the root key.
func (h *Hive) Root() (k *Key, err error) {
	defer safeio.Recover(&err, "hive root")
	return h.root()
}

// Key opens the key at path (relative to the root).
func (h *Hive) Key(path string) (k *Key, err error) {
	defer safeio.Recover(&err, "hive key "+path)
	k, err = h.root()
	if err != nil {
		return nil, err
	}
	for _, c := range strings.FieldsFunc(path, func(r rune) bool { return r == '\\' || r == '/' }) {
		k, err = k.Subkey(c)
		if err != nil {
			return nil, err
		}
	}
	return k, nil
}
