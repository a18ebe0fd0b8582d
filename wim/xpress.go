package wim

import (
	"errors"
	"fmt"
)

// XPRESS (Huffman variant, [MS-XCA] "LZ77+Huffman") as WIM files use it:
// each chunk is independent and starts with 256 bytes holding the 4-bit
// codeword lengths of 512 symbols; symbols 0-255 are literals, 256-511
// encode a match (low nibble: length header, high nibble: log2 of the
// offset).
const (
	xpressNumSyms   = 512
	xpressMaxLen    = 15
	xpressTableBits = 11
	xpressMinMatch  = 3
	// xpressMaxChunk is the largest chunk XPRESS can address: offsets are
	// at most 65535 bytes back.
	xpressMaxChunk = 1 << 16
)

var errXpress = errors.New("xpress: invalid compressed data")

type xpressDecoder struct {
	lens [xpressNumSyms]uint8
	h    *huffman
	bs   bitstream
}

func newXpressDecoder() *xpressDecoder {
	return &xpressDecoder{h: newHuffman(xpressNumSyms, xpressMaxLen, xpressTableBits)}
}

// decompress fills out (its length is the chunk's uncompressed size) from in.
func (d *xpressDecoder) decompress(in, out []byte) error {
	if len(in) < xpressNumSyms/2 {
		return fmt.Errorf("%w: %d-byte chunk is shorter than its 256-byte code table", errXpress, len(in))
	}
	for i := range xpressNumSyms / 2 {
		d.lens[2*i] = in[i] & 0xf
		d.lens[2*i+1] = in[i] >> 4
	}
	if err := d.h.build(d.lens[:]); err != nil {
		return fmt.Errorf("%w: %v", errXpress, err)
	}
	bs := &d.bs
	bs.init(in[xpressNumSyms/2:])
	pos := 0
	for pos < len(out) {
		sym := d.h.decode(bs)
		if sym < 256 {
			out[pos] = byte(sym)
			pos++
			continue
		}
		length := sym & 0xf
		log2 := uint(sym>>4) & 0xf
		bs.ensure(16)
		offset := 1<<log2 | int(bs.pop(log2))
		if length == 0xf {
			length += int(bs.byte_())
			if length == 0xf+0xff {
				length = int(bs.u16())
			}
		}
		length += xpressMinMatch
		if offset > pos {
			return fmt.Errorf("%w: match offset %d before the start of the chunk (at %d)", errXpress, offset, pos)
		}
		if length > len(out)-pos {
			return fmt.Errorf("%w: match of %d bytes runs past the %d-byte chunk", errXpress, length, len(out))
		}
		lzCopy(out, pos, offset, length)
		pos += length
	}
	return nil
}

// lzCopy copies an LZ77 match (overlapping copies repeat the pattern).
func lzCopy(out []byte, pos, offset, length int) {
	src := pos - offset
	if offset >= length {
		copy(out[pos:pos+length], out[src:src+length])
		return
	}
	for i := range length {
		out[pos+i] = out[src+i]
	}
}
