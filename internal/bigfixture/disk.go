//go:build linux

package main

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"unicode/utf16"

	"golang.org/x/sys/unix"
)

var gptTypes = map[string]string{
	"esp":   "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",
	"msr":   "e3c9e316-0b5c-4db8-817d-f92df00215ae",
	"basic": "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7",
	"winre": "de94bba4-06d1-4d40-a16a-bfd50179d6ac",
}

type diskPart struct {
	kind, file, name string
	start, sectors   int64
}

// cmdDisk writes a sparse GPT disk (512-byte sectors) of -size bytes whose
// partitions are the given images, 1 MiB aligned, copied without filling
// their holes. The last partition may be given as "kind:FILE:name" like the
// others; every partition is as large as its image.
func cmdDisk(args []string) error {
	fs := flag.NewFlagSet("disk", flag.ContinueOnError)
	out := fs.String("out", "", "output image")
	size := fs.Int64("size", 500<<30, "disk size in bytes")
	seed := fs.String("seed", "bigfixture", "seed for GUIDs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	const ss = 512
	total := *size / ss
	lba := int64(2048)
	var parts []*diskPart
	for _, a := range fs.Args() {
		f := strings.SplitN(a, ":", 3)
		if len(f) != 3 || gptTypes[f[0]] == "" {
			return fmt.Errorf("bad partition %q (kind:FILE:name)", a)
		}
		st, err := os.Stat(f[1])
		if err != nil {
			return err
		}
		p := &diskPart{kind: f[0], file: f[1], name: f[2], start: lba, sectors: (st.Size() + ss - 1) / ss}
		lba += (p.sectors + 2047) / 2048 * 2048
		parts = append(parts, p)
	}
	if lba+34 > total {
		return fmt.Errorf("partitions need %d sectors, the disk has %d", lba+34, total)
	}
	o, err := os.OpenFile(*out, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer o.Close()
	if err := o.Truncate(total * ss); err != nil {
		return err
	}
	for _, p := range parts {
		n, err := sparseCopy(o, p.start*ss, p.file)
		if err != nil {
			return fmt.Errorf("%s: %w", p.file, err)
		}
		fmt.Printf("  %s %q at LBA %d: %d sectors, %d bytes of data copied\n", p.kind, p.name, p.start, p.sectors, n)
	}
	if err := writeGPT(o, total, parts, *seed); err != nil {
		return err
	}
	return o.Sync()
}

// sparseCopy copies the data extents of file (SEEK_DATA/SEEK_HOLE) into o
// at base, skipping 64 KiB blocks that are all zero.
func sparseCopy(o *os.File, base int64, file string) (int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 64<<10)
	var copied int64
	fd := int(f.Fd())
	for off := int64(0); off < st.Size(); {
		data, err := unix.Seek(fd, off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			break
		}
		if err != nil {
			return copied, err
		}
		hole, err := unix.Seek(fd, data, unix.SEEK_HOLE)
		if err != nil {
			return copied, err
		}
		for p := data; p < hole; {
			n := min(int64(len(buf)), hole-p)
			k, err := f.ReadAt(buf[:n], p)
			if err != nil && err != io.EOF {
				return copied, err
			}
			if k == 0 {
				break
			}
			if !isZero(buf[:k]) {
				if _, err := o.WriteAt(buf[:k], base+p); err != nil {
					return copied, err
				}
				copied += int64(k)
			}
			p += int64(k)
		}
		off = hole
	}
	return copied, nil
}

func guidFrom(seed, what string) []byte {
	h := sha256.Sum256([]byte(seed + "/" + what))
	g := h[:16]
	g[7] = g[7]&0x0F | 0x40 // version 4 (mixed-endian field 3, high byte)
	g[8] = g[8]&0x3F | 0x80
	return g
}

func guidBytes(s string) []byte {
	var b [16]byte
	h := strings.ReplaceAll(s, "-", "")
	for i := 0; i < 16; i++ {
		fmt.Sscanf(h[2*i:2*i+2], "%02x", &b[i])
	}
	// Mixed endian: the first three fields are little endian.
	b[0], b[1], b[2], b[3] = b[3], b[2], b[1], b[0]
	b[4], b[5] = b[5], b[4]
	b[6], b[7] = b[7], b[6]
	return b[:]
}

func writeGPT(o *os.File, total int64, parts []*diskPart, seed string) error {
	const ss = 512
	le := binary.LittleEndian
	// Protective MBR.
	mbr := make([]byte, ss)
	mbr[446+4] = 0xEE
	copy(mbr[446+1:], []byte{0, 2, 0})
	copy(mbr[446+5:], []byte{0xFF, 0xFF, 0xFF})
	le.PutUint32(mbr[446+8:], 1)
	le.PutUint32(mbr[446+12:], uint32(min(total-1, 0xFFFFFFFF)))
	mbr[510], mbr[511] = 0x55, 0xAA
	if _, err := o.WriteAt(mbr, 0); err != nil {
		return err
	}
	entries := make([]byte, 128*128)
	for i, p := range parts {
		e := entries[i*128:]
		copy(e, guidBytes(gptTypes[p.kind]))
		copy(e[16:], guidFrom(seed, fmt.Sprint("part", i)))
		le.PutUint64(e[32:], uint64(p.start))
		le.PutUint64(e[40:], uint64(p.start+p.sectors-1))
		if p.kind == "msr" || p.kind == "winre" {
			le.PutUint64(e[48:], 1<<63|1) // no automount, required
		}
		for j, u := range utf16.Encode([]rune(p.name)) {
			if j < 36 {
				le.PutUint16(e[56+2*j:], u)
			}
		}
	}
	ecrc := crc32.ChecksumIEEE(entries)
	hdr := func(self, alt, entLBA int64) []byte {
		h := make([]byte, ss)
		copy(h, "EFI PART")
		le.PutUint32(h[8:], 0x00010000)
		le.PutUint32(h[12:], 92)
		le.PutUint64(h[24:], uint64(self))
		le.PutUint64(h[32:], uint64(alt))
		le.PutUint64(h[40:], 34)
		le.PutUint64(h[48:], uint64(total-34))
		copy(h[56:], guidFrom(seed, "disk"))
		le.PutUint64(h[72:], uint64(entLBA))
		le.PutUint32(h[80:], 128)
		le.PutUint32(h[84:], 128)
		le.PutUint32(h[88:], ecrc)
		le.PutUint32(h[16:], crc32.ChecksumIEEE(h[:92]))
		return h
	}
	if _, err := o.WriteAt(hdr(1, total-1, 2), ss); err != nil {
		return err
	}
	if _, err := o.WriteAt(entries, 2*ss); err != nil {
		return err
	}
	if _, err := o.WriteAt(entries, (total-33)*ss); err != nil {
		return err
	}
	_, err := o.WriteAt(hdr(total-1, 1, total-33), (total-1)*ss)
	return err
}
