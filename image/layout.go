package image

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/diskfs/go-diskfs/partition/gpt"
	"github.com/diskfs/go-diskfs/partition/mbr"

	"github.com/actrescue/actrescue/internal/safeio"
)

// Table kinds reported in Layout.Table.
const (
	TableGPT  = "gpt"
	TableMBR  = "mbr"
	TableNone = "none"
)

// Limits on untrusted table fields.
const (
	maxGPTEntryBytes = 4 << 20 // entries × entry size
	maxLogical       = 128     // logical partitions in one EBR chain
)

// ErrNoTable means no partition table was recognized and the content does
// not look like a volume either.
var ErrNoTable = errors.New("image: no partition table and no known volume")

// ErrBadTable means a partition table was found but is damaged.
var ErrBadTable = errors.New("image: damaged partition table")

// Layout is what Scan found on a target.
type Layout struct {
	Table      string // gpt, mbr or none
	SectorSize int    // logical sector size the table uses
	DiskGUID   string
	Partitions []Partition
	Warnings   []string
}

// Partition is one partition (or the whole target when there is no table).
type Partition struct {
	Index    int // 1-based, in table order; logical partitions follow from 5
	Table    string
	Start    int64 // byte offset on the target
	Size     int64 // bytes
	TypeName string
	TypeID   string // GPT type GUID or MBR type byte ("0x07")
	Name     string
	GUID     string
	Bootable bool
	Logical  bool
	Content  ContentKind
	Err      error
	// BackupBoot means sector 0 was damaged and the NTFS backup boot
	// sector (the volume's last sector) is used in its place.
	BackupBoot bool
	// Reader reads the partition's bytes; reads past its end fail.
	Reader *io.SectionReader
}

// Scan finds the partitions of t.
func Scan(t *Target) (*Layout, error) {
	return ScanReader(t, t.Size, t.SectorSize)
}

// ScanReader finds the partitions on r, a disk of size bytes. sectorHint is
// the device's logical sector size (0 or 512 for image files); GPT headers
// are looked for at 512 and 4096 bytes whatever the hint.
func ScanReader(r io.ReaderAt, size int64, sectorHint int) (l *Layout, err error) {
	defer safeio.Recover(&err, "partition table")
	if size < 512 {
		return nil, fmt.Errorf("target is %d bytes, smaller than one sector: %w", size, ErrNoTable)
	}
	head := make([]byte, min(size, 8192))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		return nil, fmt.Errorf("read the first %d bytes: %w", len(head), err)
	}
	l = &Layout{Table: TableNone, SectorSize: 512}
	if sectorHint == 4096 {
		l.SectorSize = 4096
	}
	for _, ss := range []int{512, 4096} {
		if len(head) >= 2*ss && bytes.Equal(head[ss:ss+8], []byte("EFI PART")) {
			if err := readGPT(r, size, ss, head[ss:2*ss], l); err != nil {
				return nil, err
			}
			return l, nil
		}
	}
	hasSig := head[510] == 0x55 && head[511] == 0xAA
	if hasSig && isProtectiveMBR(head) {
		// Primary GPT header lost: try the backup at the last sector.
		for _, ss := range []int{512, 4096} {
			if size < int64(2*ss) {
				continue
			}
			hdr := make([]byte, ss)
			if n, _ := r.ReadAt(hdr, size-int64(ss)); n == ss && bytes.Equal(hdr[:8], []byte("EFI PART")) {
				l.Warnings = append(l.Warnings, "primary GPT header missing; partitions were read from the backup header at the end of the disk")
				if err := readGPT(r, size, ss, hdr, l); err != nil {
					return nil, err
				}
				return l, nil
			}
		}
		return nil, fmt.Errorf("protective MBR found but no readable GPT header at 512 or 4096 bytes nor at the disk end: %w", ErrBadTable)
	}
	// A volume boot sector also ends in 55 AA: check for a volume first.
	if kind := classify(head[:512]); kind != ContentOther && kind != ContentEmpty {
		l.Partitions = []Partition{wholeVolume(r, size, kind)}
		return l, nil
	}
	if hasSig && looksLikeMBR(head[:512], size) {
		if err := readMBR(r, size, l); err != nil {
			return nil, err
		}
		return l, nil
	}
	return nil, fmt.Errorf("no GPT header at 512 or 4096 bytes, no valid MBR and no known volume at offset 0: %w", ErrNoTable)
}

func wholeVolume(r io.ReaderAt, size int64, kind ContentKind) Partition {
	return Partition{Index: 1, Table: TableNone, Start: 0, Size: size, TypeName: "whole volume", Content: kind,
		Reader: io.NewSectionReader(r, 0, size)}
}

func isProtectiveMBR(b []byte) bool {
	for i := 0; i < 4; i++ {
		if b[446+16*i+4] == 0xEE {
			return true
		}
	}
	return false
}

// looksLikeMBR checks the four entries for plausibility: boot flag 0 or
// 0x80, and at least one non-empty entry starting inside the disk.
func looksLikeMBR(b []byte, size int64) bool {
	used := 0
	for i := 0; i < 4; i++ {
		e := b[446+16*i : 446+16*i+16]
		if e[0] != 0 && e[0] != 0x80 {
			return false
		}
		if e[4] == 0 {
			continue
		}
		start := int64(binary.LittleEndian.Uint32(e[8:])) * 512
		if start == 0 || start >= size {
			return false
		}
		used++
	}
	return used > 0
}

// readGPT validates the header fields go-diskfs would allocate from, then
// lets go-diskfs parse and CRC-check the table.
func readGPT(r io.ReaderAt, size int64, ss int, hdr []byte, l *Layout) error {
	if err := checkGPTHeader(hdr, size, ss); err != nil {
		return err
	}
	bf := &backendFile{r: r, size: size}
	// go-diskfs falls back to the backup header in the last sector without
	// bounding its entry array: hide a backup header that fails our checks.
	if last := (size/int64(ss) - 1) * int64(ss); last > 0 {
		bk := make([]byte, ss)
		if n, _ := r.ReadAt(bk, last); n == ss && bytes.Equal(bk[:8], []byte("EFI PART")) {
			if err := checkGPTHeader(bk, size, ss); err != nil {
				bf.hideAt, bf.hideErr = last, fmt.Errorf("backup %w", err)
			}
		}
	}
	tbl, err := gpt.Read(bf, ss, ss)
	if err != nil {
		return fmt.Errorf("GPT with %d-byte sectors: %w: %w", ss, ErrBadTable, err)
	}
	if tbl.RecoveredFromBackup && len(l.Warnings) == 0 {
		l.Warnings = append(l.Warnings, "primary GPT is damaged; partitions were read from the backup GPT at the end of the disk")
	}
	l.Table, l.SectorSize, l.DiskGUID = TableGPT, ss, strings.ToLower(tbl.GUID)
	for _, p := range tbl.Partitions {
		if p.Type == gpt.Unused {
			continue
		}
		tid := strings.ToLower(string(p.Type))
		part := Partition{Index: p.Index, Table: TableGPT, TypeID: tid, TypeName: gptTypeName(tid),
			Name: cleanName(p.Name), GUID: strings.ToLower(p.GUID)}
		start, err1 := safeio.Mul(int64(p.Start), int64(ss))
		sectors := int64(p.End) - int64(p.Start) + 1
		length, err2 := safeio.Mul(sectors, int64(ss))
		part.Start, part.Size = start, length
		if err1 != nil || err2 != nil || p.End < p.Start || p.Start > uint64(size) || !safeio.InRange(start, length, size) {
			part.Content = ContentUnreadable
			part.Err = fmt.Errorf("partition %d spans sectors %d–%d, outside the %d-byte disk: %w", p.Index, p.Start, p.End, size, ErrOutOfRange)
			l.Partitions = append(l.Partitions, part)
			continue
		}
		fill(r, &part)
		l.Partitions = append(l.Partitions, part)
	}
	return nil
}

// checkGPTHeader bounds the header fields go-diskfs allocates from.
func checkGPTHeader(hdr []byte, size int64, ss int) error {
	count := int64(binary.LittleEndian.Uint32(hdr[80:84]))
	esize := int64(binary.LittleEndian.Uint32(hdr[84:88]))
	// Divide rather than multiply: count*esize can overflow int64.
	if esize < 128 || esize%8 != 0 || esize > maxGPTEntryBytes || count == 0 || count > maxGPTEntryBytes/esize {
		return fmt.Errorf("GPT header (sector size %d) declares %d entries of %d bytes: %w", ss, count, esize, ErrBadTable)
	}
	first := binary.LittleEndian.Uint64(hdr[72:80])
	if first > uint64(size/int64(ss)) || int64(first)*int64(ss)+count*esize > size {
		return fmt.Errorf("GPT entry array at LBA %d lies outside the %d-byte disk: %w", first, size, ErrBadTable)
	}
	return nil
}

// readMBR reads the four primary entries with go-diskfs, then follows the
// EBR chain of an extended partition itself (go-diskfs does not).
func readMBR(r io.ReaderAt, size int64, l *Layout) error {
	tbl, err := mbr.Read(&backendFile{r: r, size: size}, 512, 512)
	if err != nil {
		return fmt.Errorf("MBR: %w: %w", ErrBadTable, err)
	}
	l.Table, l.SectorSize = TableMBR, 512
	l.DiskGUID = tbl.UUID()
	next := 5
	for _, p := range tbl.Partitions {
		if p.Type == mbr.Empty || p.Size == 0 {
			continue
		}
		typ := byte(p.Type)
		part := Partition{Index: p.Index, Table: TableMBR, TypeID: fmt.Sprintf("0x%02x", typ),
			TypeName: mbrTypeName(typ), Bootable: p.Bootable,
			Start: int64(p.Start) * 512, Size: int64(p.Size) * 512}
		if isExtended(typ) {
			part.Content = ContentExtended
			if !safeio.InRange(part.Start, part.Size, size) {
				// Still walk the chain: logicals inside the disk stay readable.
				part.Content = ContentUnreadable
				part.Err = fmt.Errorf("extended partition %d (bytes %d+%d) lies outside the %d-byte disk: %w", p.Index, part.Start, part.Size, size, ErrOutOfRange)
			}
			l.Partitions = append(l.Partitions, part)
			logical, warns := readEBRChain(r, size, int64(p.Start), int64(p.Size), &next)
			l.Partitions = append(l.Partitions, logical...)
			l.Warnings = append(l.Warnings, warns...)
			continue
		}
		if !safeio.InRange(part.Start, part.Size, size) {
			part.Content = ContentUnreadable
			part.Err = fmt.Errorf("partition %d (bytes %d+%d) lies outside the %d-byte disk: %w", p.Index, part.Start, part.Size, size, ErrOutOfRange)
			l.Partitions = append(l.Partitions, part)
			continue
		}
		fill(r, &part)
		l.Partitions = append(l.Partitions, part)
	}
	return nil
}

func isExtended(t byte) bool { return t == 0x05 || t == 0x0F || t == 0x85 }

// readEBRChain walks the linked list of extended boot records. Each EBR
// holds one logical partition (relative to that EBR) and a link to the next
// EBR (relative to the extended partition's start).
func readEBRChain(r io.ReaderAt, size, extStart, extSectors int64, next *int) ([]Partition, []string) {
	var parts []Partition
	var warns []string
	seen := map[int64]bool{}
	ebr := extStart
	sector := make([]byte, 512)
	for i := 0; ; i++ {
		if i >= maxLogical {
			warns = append(warns, fmt.Sprintf("extended partition: stopped after %d logical partitions", maxLogical))
			break
		}
		if seen[ebr] {
			warns = append(warns, fmt.Sprintf("extended partition: EBR chain loops back to sector %d; stopped", ebr))
			break
		}
		seen[ebr] = true
		off := ebr * 512
		if !safeio.InRange(off, 512, size) {
			warns = append(warns, fmt.Sprintf("extended partition: EBR at sector %d lies outside the disk", ebr))
			break
		}
		if n, err := r.ReadAt(sector, off); n < 512 {
			warns = append(warns, fmt.Sprintf("extended partition: read EBR at byte %d: %v", off, err))
			break
		}
		if sector[510] != 0x55 || sector[511] != 0xAA {
			warns = append(warns, fmt.Sprintf("extended partition: EBR at byte %d has no 55AA signature", off))
			break
		}
		e := sector[446:462]
		if typ := e[4]; typ != 0 {
			rel := int64(binary.LittleEndian.Uint32(e[8:]))
			cnt := int64(binary.LittleEndian.Uint32(e[12:]))
			part := Partition{Index: *next, Table: TableMBR, TypeID: fmt.Sprintf("0x%02x", typ), TypeName: mbrTypeName(typ),
				Bootable: e[0] == 0x80, Logical: true, Start: (ebr + rel) * 512, Size: cnt * 512}
			*next++
			if cnt == 0 || !safeio.InRange(part.Start, part.Size, size) || ebr+rel+cnt > extStart+extSectors {
				part.Content = ContentUnreadable
				part.Err = fmt.Errorf("logical partition %d (bytes %d+%d) lies outside its extended partition or the disk: %w", part.Index, part.Start, part.Size, ErrOutOfRange)
			} else {
				fill(r, &part)
			}
			parts = append(parts, part)
		}
		link := sector[462:478]
		if link[4] == 0 || !isExtended(link[4]) {
			break
		}
		ebr = extStart + int64(binary.LittleEndian.Uint32(link[8:]))
	}
	return parts, warns
}

// fill attaches the bounded reader and classifies the content.
func fill(r io.ReaderAt, p *Partition) {
	where := fmt.Sprintf("partition %d", p.Index)
	p.Reader = io.NewSectionReader(&bounded{r: r, base: p.Start, size: p.Size, where: where}, 0, p.Size)
	b := make([]byte, 512)
	if p.Size < 512 {
		p.Content = ContentOther
		return
	}
	if n, err := p.Reader.ReadAt(b, 0); n < len(b) {
		p.Content = ContentUnreadable
		p.Err = fmt.Errorf("read the first sector at byte offset %d: %w", p.Start, err)
		return
	}
	p.Content = classify(b)
	if p.Content == ContentEmpty || p.Content == ContentOther {
		useBackupBoot(p)
	}
}

// useBackupBoot handles an NTFS volume whose first sector is damaged: NTFS
// keeps a copy of its boot sector in the volume's last sector. When that
// copy is valid, the partition reads with the copy in place of sector 0
// (in memory only) and BackupBoot is set so the scan can say so.
func useBackupBoot(p *Partition) {
	for _, sector := range []int64{512, 4096} {
		if p.Size < 2*sector {
			continue
		}
		last := make([]byte, sector)
		if n, _ := p.Reader.ReadAt(last, p.Size-sector); n < len(last) {
			continue
		}
		if classify(last[:512]) != ContentNTFS {
			continue
		}
		// The copy must describe this volume: its sector size matches.
		if bps := int64(last[11]) | int64(last[12])<<8; bps != sector && !(sector == 512 && bps == 512) {
			continue
		}
		p.Content, p.BackupBoot = ContentNTFS, true
		p.Reader = io.NewSectionReader(&bootOverlay{r: p.Reader, boot: last[:512]}, 0, p.Size)
		return
	}
}

// bootOverlay serves the backup boot sector in place of sector 0.
type bootOverlay struct {
	r    io.ReaderAt
	boot []byte
}

func (o *bootOverlay) ReadAt(b []byte, off int64) (int, error) {
	n, err := o.r.ReadAt(b, off)
	if off < int64(len(o.boot)) {
		copy(b, o.boot[off:])
	}
	return n, err
}

func cleanName(s string) string {
	return strings.TrimRight(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s), " ")
}

// backendFile adapts an io.ReaderAt of known size to go-diskfs backend.File.
type backendFile struct {
	r    io.ReaderAt
	size int64
	pos  int64
	// hideErr, when set, fails reads covering byte hideAt.
	hideAt  int64
	hideErr error
}

func (b *backendFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= b.size {
		return 0, io.EOF
	}
	if b.hideErr != nil && off <= b.hideAt && b.hideAt < off+int64(len(p)) {
		return 0, b.hideErr
	}
	want := p
	if rem := b.size - off; int64(len(p)) > rem {
		want = p[:rem]
	}
	n, err := b.r.ReadAt(want, off)
	if err == nil && len(want) < len(p) {
		err = io.EOF
	}
	return n, err
}

func (b *backendFile) Read(p []byte) (int, error) {
	n, err := b.ReadAt(p, b.pos)
	b.pos += int64(n)
	return n, err
}

func (b *backendFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += b.pos
	case io.SeekEnd:
		off += b.size
	}
	if off < 0 {
		return 0, errors.New("negative seek")
	}
	b.pos = off
	return off, nil
}

func (b *backendFile) Stat() (fs.FileInfo, error) { return fileInfo{size: b.size}, nil }
func (b *backendFile) Close() error               { return nil }

type fileInfo struct{ size int64 }

func (f fileInfo) Name() string       { return "disk" }
func (f fileInfo) Size() int64        { return f.size }
func (f fileInfo) Mode() fs.FileMode  { return 0o444 }
func (f fileInfo) ModTime() time.Time { return time.Time{} }
func (f fileInfo) IsDir() bool        { return false }
func (f fileInfo) Sys() any           { return nil }
