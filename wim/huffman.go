package wim

import "errors"

// errHuffman reports codeword lengths that do not form a complete prefix
// code (over-subscribed, or incomplete but not empty).
var errHuffman = errors.New("invalid Huffman code")

// bitstream reads the bit stream shared by LZX and XPRESS (Huffman variant):
// little-endian 16-bit coding units, bits taken from the high end first,
// with literal bytes interleaved in the byte stream (XPRESS match lengths,
// LZX uncompressed blocks).
//
// Its refill rule is kept exactly as WIM encoders assume: a refill happens
// only when fewer bits are buffered than the caller asks for, one 16-bit unit
// at a time, so that interleaved bytes are read from the same position the
// encoder wrote them to. Past the end of the input it yields zero bits; the
// decoders bound their output, so this cannot loop forever.
type bitstream struct {
	data []byte
	pos  int
	buf  uint32 // left-justified: the next bit is bit 31
	n    uint   // bits held in buf
}

func (b *bitstream) init(data []byte) { *b = bitstream{data: data} }

// ensure makes at least k (<= 17) bits available.
func (b *bitstream) ensure(k uint) {
	for b.n < k {
		if len(b.data)-b.pos < 2 {
			b.n = 32 // overrun: the rest reads as zeros
			return
		}
		b.buf |= uint32(b.data[b.pos]) << (16 - b.n)
		b.buf |= uint32(b.data[b.pos+1]) << (24 - b.n)
		b.pos += 2
		b.n += 16
	}
}

func (b *bitstream) peek(k uint) uint32 {
	if k == 0 {
		return 0
	}
	return b.buf >> (32 - k)
}

func (b *bitstream) pop(k uint) uint32 {
	v := b.peek(k)
	b.buf <<= k
	b.n -= k
	return v
}

func (b *bitstream) read(k uint) uint32 {
	b.ensure(k)
	return b.pop(k)
}

// byte_ reads one literal byte (0 past the end, as encoders never rely on it).
func (b *bitstream) byte_() uint32 {
	if b.pos >= len(b.data) {
		return 0
	}
	v := b.data[b.pos]
	b.pos++
	return uint32(v)
}

func (b *bitstream) u16() uint32 {
	if len(b.data)-b.pos < 2 {
		return 0
	}
	v := uint32(b.data[b.pos]) | uint32(b.data[b.pos+1])<<8
	b.pos += 2
	return v
}

func (b *bitstream) u32() uint32 {
	if len(b.data)-b.pos < 4 {
		return 0
	}
	v := uint32(b.data[b.pos]) | uint32(b.data[b.pos+1])<<8 | uint32(b.data[b.pos+2])<<16 | uint32(b.data[b.pos+3])<<24
	b.pos += 4
	return v
}

// bytes copies n literal bytes; false when the input is too short.
func (b *bitstream) bytes(dst []byte) bool {
	if len(b.data)-b.pos < len(dst) {
		return false
	}
	copy(dst, b.data[b.pos:])
	b.pos += len(dst)
	return true
}

// align drops the buffered bits (LZX uncompressed block headers).
func (b *bitstream) align() {
	b.ensure(1)
	b.n, b.buf = 0, 0
}

// huffman decodes one canonical prefix code. Codewords of at most
// tableBits bits are resolved with one table lookup; longer ones by the
// canonical counting walk.
type huffman struct {
	maxLen    uint
	tableBits uint
	empty     bool
	table     []uint16 // sym<<5 | len; len 0 = codeword longer than tableBits
	count     [24]uint16
	sorted    []uint16 // symbols ordered by (length, symbol)
}

func newHuffman(numSyms int, maxLen, tableBits uint) *huffman {
	return &huffman{maxLen: maxLen, tableBits: tableBits, table: make([]uint16, 1<<tableBits), sorted: make([]uint16, 0, numSyms)}
}

// build prepares the decoder for lens. A code with every length zero is
// accepted (LZX and XPRESS allow it): decoding it yields symbol 0 and
// consumes no bits, as the reference decoder does.
func (h *huffman) build(lens []uint8) error {
	h.count = [24]uint16{}
	for _, l := range lens {
		if uint(l) > h.maxLen {
			return errHuffman
		}
		h.count[l]++
	}
	left := 1
	for l := uint(1); l <= h.maxLen; l++ {
		left = left<<1 - int(h.count[l])
		if left < 0 {
			return errHuffman
		}
	}
	h.empty = false
	if left != 0 {
		if left == 1<<h.maxLen {
			h.empty = true
			return nil
		}
		return errHuffman
	}
	var offs [24]int
	for l := uint(1); l < h.maxLen; l++ {
		offs[l+1] = offs[l] + int(h.count[l])
	}
	h.sorted = h.sorted[:offs[h.maxLen]+int(h.count[h.maxLen])]
	for s, l := range lens {
		if l != 0 {
			h.sorted[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	clear(h.table)
	code, idx := 0, 0
	for l := uint(1); l <= h.tableBits && l <= h.maxLen; l++ {
		for range int(h.count[l]) {
			e := h.sorted[idx]<<5 | uint16(l)
			lo := code << (h.tableBits - l)
			hi := (code + 1) << (h.tableBits - l)
			for i := lo; i < hi; i++ {
				h.table[i] = e
			}
			code++
			idx++
		}
		code <<= 1
	}
	return nil
}

// decode reads one symbol. The caller's stream rule: ensure(maxLen) first.
func (h *huffman) decode(b *bitstream) int {
	b.ensure(h.maxLen)
	if h.empty {
		return 0
	}
	e := h.table[b.peek(h.tableBits)]
	if l := uint(e & 31); l != 0 {
		b.pop(l)
		return int(e >> 5)
	}
	// Canonical walk over the buffered bits (maxLen of them are there).
	v := b.peek(h.maxLen)
	code, first, index := 0, 0, 0
	for l := uint(1); l <= h.maxLen; l++ {
		code |= int(v>>(h.maxLen-l)) & 1
		c := int(h.count[l])
		if code-first < c {
			b.pop(l)
			return int(h.sorted[index+code-first])
		}
		index += c
		first = (first + c) << 1
		code <<= 1
	}
	return 0 // unreachable for a complete code
}
