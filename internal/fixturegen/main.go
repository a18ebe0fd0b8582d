// Command fixturegen builds actrescue's disk fixtures from partition images
// made by testdata/gen/make-fixtures.sh. It writes partition tables itself
// (GPT with 512- or 4096-byte sectors, MBR with an EBR chain) so that the
// image package is tested against tables it did not write through
// go-diskfs; tests cross-check them with sgdisk and sleuthkit when present.
//
//	fixturegen disk OUT -table gpt|mbr|none -sector 512|4096 -seed NAME PART...
//	    PART = kind:FILE[:name]   kind = esp|msr|basic|winre|linux|primary|logical|ntfs7
//	fixturegen ntfs-dirty IMG     set the NTFS "dirty" flag in $Volume
//	fixturegen fve IN OUT         turn an NTFS image into a fake BitLocker volume
//	fixturegen d2zst IN OUT       delta-2 + zstd compress
//	fixturegen decode IN OUT      undo d2zst (image.ReadD2Zst)
//	fixturegen hivelog OLD NEW PRIMARY LOG1  a dirty hive and its HvLE log
//	fixturegen tokens OUT NAME.EXT=FILE...  a valid synthetic tokens.dat
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"strings"
	"unicode/utf16"

	"github.com/klauspost/compress/zstd"

	"github.com/actrescue/actrescue/image"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: fixturegen disk|ntfs-dirty|fve|d2zst ..."))
	}
	var err error
	switch os.Args[1] {
	case "disk":
		err = disk(os.Args[2:])
	case "ntfs-dirty":
		err = ntfsDirty(os.Args[2])
	case "fve":
		err = fve(os.Args[2], os.Args[3])
	case "hivelog":
		err = hivelog(os.Args[2:])
	case "decode":
		err = decode(os.Args[2], os.Args[3])
	case "tokens":
		err = tokensCmd(os.Args[2:])
	case "d2zst":
		err = d2zst(os.Args[2], os.Args[3])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fixturegen:", err)
	os.Exit(1)
}

type part struct {
	kind, file, name string
	data             []byte
	start, sectors   int64 // in logical sectors
}

var gptTypes = map[string]string{
	"esp":   "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",
	"msr":   "e3c9e316-0b5c-4db8-817d-f92df00215ae",
	"basic": "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7",
	"winre": "de94bba4-06d1-4d40-a16a-bfd50179d6ac",
	"linux": "0fc63daf-8483-4772-8e79-3d69d8477de4",
}

func disk(args []string) error {
	fs := flag.NewFlagSet("disk", flag.ContinueOnError)
	table := fs.String("table", "gpt", "gpt, mbr or none")
	sector := fs.Int64("sector", 512, "logical sector size")
	seed := fs.String("seed", "fixture", "seed for deterministic GUIDs")
	if len(args) < 1 {
		return errors.New("disk: missing OUT")
	}
	out := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var parts []*part
	for _, a := range fs.Args() {
		f := strings.SplitN(a, ":", 3)
		if len(f) < 2 {
			return fmt.Errorf("bad partition %q", a)
		}
		p := &part{kind: f[0], file: f[1]}
		if len(f) == 3 {
			p.name = f[2]
		}
		b, err := os.ReadFile(p.file)
		if err != nil {
			return err
		}
		p.data = b
		parts = append(parts, p)
	}
	ss := *sector
	align := int64(1<<20) / ss
	var img []byte
	switch *table {
	case "none":
		if len(parts) != 1 {
			return errors.New("table none takes one partition")
		}
		img = parts[0].data
	case "gpt":
		lba := align
		for _, p := range parts {
			p.start = lba
			p.sectors = (int64(len(p.data)) + ss - 1) / ss
			lba += (p.sectors + align - 1) / align * align
		}
		total := lba + align // room for the backup GPT
		img = make([]byte, total*ss)
		for _, p := range parts {
			copy(img[p.start*ss:], p.data)
		}
		writeGPT(img, ss, parts, *seed)
	case "mbr":
		img = writeMBR(parts, *seed)
	default:
		return fmt.Errorf("unknown table %q", *table)
	}
	return os.WriteFile(out, img, 0o644)
}

func guid(seed string, n int) [16]byte {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", seed, n)))
	var g [16]byte
	copy(g[:], h[:16])
	g[7] = g[7]&0x0f | 0x40 // version 4 (byte 7 is the high byte of the LE time_hi field)
	g[8] = g[8]&0x3f | 0x80
	return g
}

// guidBytes encodes a textual GUID in the mixed-endian on-disk form.
func guidBytes(s string) [16]byte {
	var raw [16]byte
	h := strings.ReplaceAll(s, "-", "")
	for i := 0; i < 16; i++ {
		fmt.Sscanf(h[2*i:2*i+2], "%02x", &raw[i])
	}
	var g [16]byte
	g[0], g[1], g[2], g[3] = raw[3], raw[2], raw[1], raw[0]
	g[4], g[5] = raw[5], raw[4]
	g[6], g[7] = raw[7], raw[6]
	copy(g[8:], raw[8:])
	return g
}

func writeGPT(img []byte, ss int64, parts []*part, seed string) {
	le := binary.LittleEndian
	total := int64(len(img)) / ss
	// Protective MBR.
	mbr := img[:512]
	e := mbr[446:]
	e[4] = 0xEE
	le.PutUint32(e[8:], 1)
	le.PutUint32(e[12:], uint32(min(total-1, 0xFFFFFFFF)))
	mbr[510], mbr[511] = 0x55, 0xAA

	entries := make([]byte, 128*128)
	for i, p := range parts {
		t, ok := gptTypes[p.kind]
		if !ok {
			t = gptTypes["basic"]
		}
		e := entries[i*128:]
		tg := guidBytes(t)
		copy(e[0:16], tg[:])
		g := guid(seed, i)
		copy(e[16:32], g[:])
		le.PutUint64(e[32:], uint64(p.start))
		le.PutUint64(e[40:], uint64(p.start+p.sectors-1))
		if p.kind == "msr" || p.kind == "winre" {
			le.PutUint64(e[48:], 1) // required partition
		}
		for j, c := range utf16.Encode([]rune(p.name)) {
			if j < 36 {
				le.PutUint16(e[56+2*j:], c)
			}
		}
	}
	entryLBAs := int64(len(entries)) / ss
	if entryLBAs == 0 {
		entryLBAs = 1
	}
	ecrc := crc32.ChecksumIEEE(entries)
	header := func(my, alt, entriesAt int64) []byte {
		h := make([]byte, 92)
		copy(h, "EFI PART")
		le.PutUint32(h[8:], 0x00010000)
		le.PutUint32(h[12:], 92)
		le.PutUint64(h[24:], uint64(my))
		le.PutUint64(h[32:], uint64(alt))
		le.PutUint64(h[40:], uint64(2+entryLBAs))
		le.PutUint64(h[48:], uint64(total-2-entryLBAs))
		dg := guid(seed, 1000)
		copy(h[56:72], dg[:])
		le.PutUint64(h[72:], uint64(entriesAt))
		le.PutUint32(h[80:], 128)
		le.PutUint32(h[84:], 128)
		le.PutUint32(h[88:], ecrc)
		le.PutUint32(h[16:], crc32.ChecksumIEEE(h))
		return h
	}
	copy(img[1*ss:], header(1, total-1, 2))
	copy(img[2*ss:], entries)
	copy(img[(total-1-entryLBAs)*ss:], entries)
	copy(img[(total-1)*ss:], header(total-1, 1, total-1-entryLBAs))
}

var mbrTypes = map[string]byte{"primary": 0x07, "logical": 0x07, "esp": 0xEF, "fat": 0x0C, "logicalfat": 0x0C, "linux": 0x83, "winre": 0x27}

// writeMBR lays out primaries, then one extended partition holding every
// "logical*" partition, each preceded by its EBR.
func writeMBR(parts []*part, seed string) []byte {
	const ss = 512
	align := int64(2048)
	roundUp := func(n int64) int64 { return (n + align - 1) / align * align }
	lba := align
	var primaries, logicals []*part
	for _, p := range parts {
		p.sectors = (int64(len(p.data)) + ss - 1) / ss
		if strings.HasPrefix(p.kind, "logical") {
			logicals = append(logicals, p)
		} else {
			primaries = append(primaries, p)
		}
	}
	for _, p := range primaries {
		p.start = lba
		lba += roundUp(p.sectors)
	}
	extStart := lba
	var ebrs []int64
	for _, p := range logicals {
		ebrs = append(ebrs, lba)
		p.start = lba + align // EBR, then the partition one MiB later
		lba = p.start + roundUp(p.sectors)
	}
	extSectors := lba - extStart
	img := make([]byte, (lba+align)*ss)
	le := binary.LittleEndian
	put := func(sec []byte, slot int, boot bool, typ byte, start, count int64) {
		e := sec[446+16*slot:]
		if boot {
			e[0] = 0x80
		}
		e[1], e[2], e[3] = 0xFE, 0xFF, 0xFF // CHS beyond 8 GB: LBA only
		e[4] = typ
		e[5], e[6], e[7] = 0xFE, 0xFF, 0xFF
		le.PutUint32(e[8:], uint32(start))
		le.PutUint32(e[12:], uint32(count))
		sec[510], sec[511] = 0x55, 0xAA
	}
	h := sha256.Sum256([]byte(seed))
	copy(img[440:444], h[:4]) // disk signature
	for i, p := range primaries {
		put(img[:512], i, i == 0, mbrTypes[p.kind], p.start, p.sectors)
		copy(img[p.start*ss:], p.data)
	}
	if len(logicals) > 0 {
		put(img[:512], len(primaries), false, 0x0F, extStart, extSectors)
		for i, p := range logicals {
			ebr := img[ebrs[i]*ss : ebrs[i]*ss+512]
			put(ebr, 0, false, mbrTypes[p.kind], p.start-ebrs[i], p.sectors)
			if i+1 < len(logicals) {
				put(ebr, 1, false, 0x05, ebrs[i+1]-extStart, (logicals[i+1].start+logicals[i+1].sectors)-ebrs[i+1])
			}
			copy(img[p.start*ss:], p.data)
		}
	}
	return img
}

// ntfsDirty sets VOLUME_IS_DIRTY in the $VOLUME_INFORMATION attribute of
// MFT record 3, as Windows leaves it after a crash.
func ntfsDirty(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	bps := int64(le.Uint16(b[11:]))
	cluster := bps * int64(b[13])
	mft := int64(le.Uint64(b[48:])) * cluster
	recSize := int64(1024)
	if c := int8(b[64]); c < 0 {
		recSize = 1 << uint(-c)
	} else {
		recSize = int64(c) * cluster
	}
	rec := b[mft+3*recSize : mft+4*recSize]
	if string(rec[:4]) != "FILE" {
		return errors.New("MFT record 3 not found")
	}
	off := int(le.Uint16(rec[20:]))
	for off+8 < len(rec) {
		typ := le.Uint32(rec[off:])
		if typ == 0xFFFFFFFF {
			break
		}
		length := int(le.Uint32(rec[off+4:]))
		if typ == 0x70 {
			content := off + int(le.Uint16(rec[off+20:]))
			flags := le.Uint16(rec[content+10:])
			le.PutUint16(rec[content+10:], flags|1)
			return os.WriteFile(path, b, 0o644)
		}
		if length <= 0 {
			break
		}
		off += length
	}
	return errors.New("$VOLUME_INFORMATION not found")
}

// fve makes a stand-in for a BitLocker volume: the "-FVE-FS-" boot
// sector signature followed by deterministic noise. It is only meant to be
// recognized, never decrypted.
func fve(in, out string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	copy(b[3:11], "-FVE-FS-")
	seed := sha256.Sum256([]byte("fve"))
	for off := 512; off < min(len(b), 64<<10); off += 32 {
		seed = sha256.Sum256(seed[:])
		copy(b[off:], seed[:])
	}
	return os.WriteFile(out, b, 0o644)
}

func decode(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := image.ReadD2Zst(f, 1<<30)
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

func d2zst(in, out string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	for i := len(b) - 1; i >= 2; i-- {
		b[i] -= b[i-2]
	}
	var buf bytes.Buffer
	enc, err := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return err
	}
	if _, err := enc.Write(b); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
