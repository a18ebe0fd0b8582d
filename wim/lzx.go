package wim

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// LZX as WIM files use it: every chunk is decoded independently (window =
// chunk size, 32 KiB by default, at most 2 MiB), with blocks of type
// verbatim, aligned-offset or uncompressed, and the x86 CALL (0xE8)
// translation undone with the fixed "file size" 12000000.
const (
	lzxNumChars        = 256
	lzxMinMatch        = 2
	lzxNumPrimaryLens  = 7
	lzxNumLenHeaders   = 8
	lzxMinWindowOrder  = 15
	lzxMaxWindowOrder  = 21
	lzxMaxOffsetSlots  = 50
	lzxMainMaxSyms     = lzxNumChars + lzxMaxOffsetSlots*lzxNumLenHeaders
	lzxLenSyms         = 249
	lzxPreSyms         = 20
	lzxAlignedSyms     = 8
	lzxMaxMainLen      = 16
	lzxMaxPreLen       = 15
	lzxMaxAlignedLen   = 7
	lzxDefaultBlock    = 32768
	lzxE8FileSize      = 12000000
	lzxReadLensOverrun = 50

	blockVerbatim     = 1
	blockAligned      = 2
	blockUncompressed = 3

	// lzxMaxChunk is the largest chunk (window) supported.
	lzxMaxChunk = 1 << lzxMaxWindowOrder
)

var errLZX = errors.New("lzx: invalid compressed data")

var lzxSlotBase = [lzxMaxOffsetSlots + 1]uint32{
	0, 1, 2, 3, 4, 6, 8, 12, 16, 24,
	32, 48, 64, 96, 128, 192, 256, 384, 512, 768,
	1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576,
	32768, 49152, 65536, 98304, 131072, 196608, 262144, 393216, 524288, 655360,
	786432, 917504, 1048576, 1179648, 1310720, 1441792, 1572864, 1703936, 1835008, 1966080,
	2097152,
}

var lzxExtraBits = [lzxMaxOffsetSlots]uint8{
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3,
	4, 4, 5, 5, 6, 6, 7, 7, 8, 8,
	9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
	14, 14, 15, 15, 16, 16, 17, 17, 17, 17,
	17, 17, 17, 17, 17, 17, 17, 17, 17, 17,
}

type lzxDecoder struct {
	windowOrder uint
	numMainSyms int

	mainLens    [lzxMainMaxSyms + lzxReadLensOverrun]uint8
	lenLens     [lzxLenSyms + lzxReadLensOverrun]uint8
	alignedLens [lzxAlignedSyms]uint8
	preLens     [lzxPreSyms]uint8

	main, length, aligned, pre *huffman
	bs                         bitstream
}

// newLZXDecoder prepares a decoder for chunks of at most chunkSize bytes.
func newLZXDecoder(chunkSize int) (*lzxDecoder, error) {
	if chunkSize <= 0 || chunkSize > lzxMaxChunk {
		return nil, fmt.Errorf("lzx: chunk size %d is outside 1..%d: %w", chunkSize, lzxMaxChunk, ErrUnsupported)
	}
	order := uint(lzxMinWindowOrder)
	for 1<<order < chunkSize {
		order++
	}
	window := uint32(1) << order
	maxAdjusted := window - lzxMinMatch - 1 + 2
	slots := 30
	for maxAdjusted >= lzxSlotBase[slots] {
		slots++
	}
	n := lzxNumChars + slots*lzxNumLenHeaders
	return &lzxDecoder{
		windowOrder: order,
		numMainSyms: n,
		main:        newHuffman(n, lzxMaxMainLen, 11),
		length:      newHuffman(lzxLenSyms, lzxMaxMainLen, 10),
		aligned:     newHuffman(lzxAlignedSyms, lzxMaxAlignedLen, 7),
		pre:         newHuffman(lzxPreSyms, lzxMaxPreLen, 6),
	}, nil
}

// readLens decodes n codeword lengths into lens (delta-coded against the
// previous values) through the precode. Runs may write up to
// lzxReadLensOverrun entries past n, as in the reference decoder.
func (d *lzxDecoder) readLens(lens []uint8, n int) error {
	bs := &d.bs
	for i := range d.preLens {
		d.preLens[i] = uint8(bs.read(4))
	}
	if err := d.pre.build(d.preLens[:]); err != nil {
		return fmt.Errorf("%w: precode: %v", errLZX, err)
	}
	delta := func(old uint8, sym int) uint8 {
		v := int(old) - sym
		if v < 0 {
			v += 17
		}
		return uint8(v)
	}
	for i := 0; i < n; {
		sym := d.pre.decode(bs)
		if sym < 17 {
			lens[i] = delta(lens[i], sym)
			i++
			continue
		}
		var run int
		var l uint8
		switch sym {
		case 17:
			run = 4 + int(bs.read(4))
		case 18:
			run = 20 + int(bs.read(5))
		default:
			run = 4 + int(bs.read(1))
			s := d.pre.decode(bs)
			if s > 17 {
				return fmt.Errorf("%w: precode run of symbol %d", errLZX, s)
			}
			l = delta(lens[i], s)
		}
		for range run {
			lens[i] = l
			i++
		}
	}
	return nil
}

func (d *lzxDecoder) readBlockHeader(r *[3]uint32) (typ int, size int, err error) {
	bs := &d.bs
	bs.ensure(4)
	typ = int(bs.pop(3))
	if bs.pop(1) == 1 {
		size = lzxDefaultBlock
	} else {
		size = int(bs.read(8))<<8 | int(bs.read(8))
		if d.windowOrder >= 16 {
			size = size<<8 | int(bs.read(8))
		}
	}
	switch typ {
	case blockAligned:
		for i := range d.alignedLens {
			d.alignedLens[i] = uint8(bs.read(3))
		}
		if err := d.aligned.build(d.alignedLens[:]); err != nil {
			return 0, 0, fmt.Errorf("%w: aligned offset code: %v", errLZX, err)
		}
		fallthrough
	case blockVerbatim:
		if err := d.readLens(d.mainLens[:], lzxNumChars); err != nil {
			return 0, 0, err
		}
		if err := d.readLens(d.mainLens[lzxNumChars:], d.numMainSyms-lzxNumChars); err != nil {
			return 0, 0, err
		}
		if err := d.main.build(d.mainLens[:d.numMainSyms]); err != nil {
			return 0, 0, fmt.Errorf("%w: main code: %v", errLZX, err)
		}
		if err := d.readLens(d.lenLens[:], lzxLenSyms); err != nil {
			return 0, 0, err
		}
		if err := d.length.build(d.lenLens[:lzxLenSyms]); err != nil {
			return 0, 0, fmt.Errorf("%w: length code: %v", errLZX, err)
		}
	case blockUncompressed:
		bs.align()
		r[0], r[1], r[2] = bs.u32(), bs.u32(), bs.u32()
		if r[0] == 0 || r[1] == 0 || r[2] == 0 {
			return 0, 0, fmt.Errorf("%w: uncompressed block with a zero recent offset", errLZX)
		}
	default:
		return 0, 0, fmt.Errorf("%w: block type %d", errLZX, typ)
	}
	return typ, size, nil
}

func (d *lzxDecoder) decodeBlock(out []byte, pos, end int, aligned bool, r *[3]uint32) error {
	bs := &d.bs
	for pos < end {
		sym := d.main.decode(bs)
		if sym < lzxNumChars {
			out[pos] = byte(sym)
			pos++
			continue
		}
		sym -= lzxNumChars
		length := sym % lzxNumLenHeaders
		slot := sym / lzxNumLenHeaders
		if length == lzxNumPrimaryLens {
			length += d.length.decode(bs)
		}
		length += lzxMinMatch
		var offset uint32
		if slot < 3 {
			offset = r[slot]
			r[slot] = r[0]
			r[0] = offset
		} else {
			extra := uint(lzxExtraBits[slot])
			offset = lzxSlotBase[slot]
			if aligned && extra >= 3 {
				offset += bs.read(extra-3) << 3
				offset += uint32(d.aligned.decode(bs))
			} else {
				offset += bs.read(extra)
			}
			offset -= 2
			r[2], r[1], r[0] = r[1], r[0], offset
		}
		if length > end-pos {
			return fmt.Errorf("%w: match of %d bytes runs past the block end", errLZX, length)
		}
		if offset == 0 || int64(offset) > int64(pos) {
			return fmt.Errorf("%w: match offset %d at position %d", errLZX, offset, pos)
		}
		lzCopy(out, pos, int(offset), length)
		pos += length
	}
	return nil
}

// decompress fills out (the chunk's uncompressed size) from in.
func (d *lzxDecoder) decompress(in, out []byte) error {
	if len(out) > 1<<d.windowOrder {
		return fmt.Errorf("%w: %d-byte chunk exceeds the %d-byte window", errLZX, len(out), 1<<d.windowOrder)
	}
	d.bs.init(in)
	r := [3]uint32{1, 1, 1}
	clear(d.mainLens[:])
	clear(d.lenLens[:])
	e8 := false
	pos := 0
	for blocks := 0; pos < len(out); blocks++ {
		if blocks > len(out) { // each block yields >= 1 byte unless corrupt
			return fmt.Errorf("%w: too many empty blocks", errLZX)
		}
		typ, size, err := d.readBlockHeader(&r)
		if err != nil {
			return err
		}
		if size > len(out)-pos {
			return fmt.Errorf("%w: %d-byte block runs past the %d-byte chunk", errLZX, size, len(out))
		}
		if typ == blockUncompressed {
			if !d.bs.bytes(out[pos : pos+size]) {
				return fmt.Errorf("%w: uncompressed block of %d bytes is truncated", errLZX, size)
			}
			if size&1 == 1 {
				d.bs.byte_()
			}
			e8 = true
		} else {
			if err := d.decodeBlock(out, pos, pos+size, typ == blockAligned, &r); err != nil {
				return err
			}
			if d.mainLens[0xe8] != 0 {
				e8 = true
			}
		}
		pos += size
	}
	if e8 {
		undoE8(out)
	}
	return nil
}

// undoE8 reverses the encoder's translation of x86 CALL targets.
func undoE8(b []byte) {
	if len(b) <= 10 {
		return
	}
	for i := 0; i < len(b)-10; i++ {
		if b[i] != 0xe8 {
			continue
		}
		abs := int32(binary.LittleEndian.Uint32(b[i+1:]))
		pos := int32(i)
		if abs >= 0 {
			if abs < lzxE8FileSize {
				binary.LittleEndian.PutUint32(b[i+1:], uint32(abs-pos))
			}
		} else if abs >= -pos {
			binary.LittleEndian.PutUint32(b[i+1:], uint32(abs+lzxE8FileSize))
		}
		i += 4
	}
}
