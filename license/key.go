package license

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"unicode"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNoKey: the value is present but holds no key (empty or all-zero key bytes).
	ErrNoKey = errors.New("license: no product key in value")
	// ErrMalformedKey: wrong length, alphabet, N count, or an out-of-range value.
	ErrMalformedKey = errors.New("license: malformed product key")
	// ErrBadLength: a blob is too short or its declared length is inconsistent.
	ErrBadLength = errors.New("license: bad length")
)

// alphabet maps base-24 digits to key characters (B = 0 … 9 = 23).
const alphabet = "BCDFGHJKMPQRTVWXY2346789"

const (
	keyChars    = 25
	maxKeyInput = 128 // longer text is rejected before scanning
)

// digitOf maps an uppercase ASCII byte to its base-24 digit, or -1.
var digitOf = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// Key is a decoded Windows 8+ (PKEY2009) product key: a 128-bit value,
// bit 0 = least significant.
type Key struct {
	lo, hi uint64
}

// Bit layout (§3.2).
const (
	checksumShift = 103 - 64 // in hi
	checksumMask  = 0x3FF
	upgradeBit    = 113 - 64
	extraBit      = 114 - 64
)

// ParseKey parses a Windows 8+ key: 25 characters, dashes and spaces
// optional, case-insensitive, exactly one 'N' (not last). Errors wrap
// ErrMalformedKey.
func ParseKey(s string) (Key, error) {
	sym, err := scanKey(s)
	if err != nil {
		return Key{}, err
	}
	p := strings.IndexByte(string(sym[:]), 'N')
	if p < 0 {
		return Key{}, fmt.Errorf("%w: no N (a pre-Windows 8 key?)", ErrMalformedKey)
	}
	var k Key
	k.mulAdd(uint64(p))
	for i, c := range sym {
		if i != p {
			k.mulAdd(uint64(digitOf[c]))
		}
	}
	return k, nil
}

// mulAdd sets k = k*24 + d.
func (k *Key) mulAdd(d uint64) {
	h, l := bits.Mul64(k.lo, 24)
	k.hi = k.hi*24 + h
	var c uint64
	k.lo, c = bits.Add64(l, d, 0)
	k.hi += c
}

// Group is the 20-bit group ID (pkeyconfig RefGroupId).
func (k Key) Group() uint32 { return uint32(k.lo & 0xFFFFF) }

// Serial is the 30-bit serial number.
func (k Key) Serial() uint32 { return uint32(k.lo>>20) & 0x3FFFFFFF }

// Security is the 53-bit security value (not verifiable offline).
func (k Key) Security() uint64 {
	return k.lo>>50 | (k.hi&(1<<39-1))<<14
}

// Upgrade reports the upgrade bit (bit 113).
func (k Key) Upgrade() bool { return k.hi>>upgradeBit&1 == 1 }

// extra reports the "extra" bit (bit 114) that twin keys set.
func (k Key) extra() bool { return k.hi>>extraBit&1 == 1 }

// Checksum is the stored 10-bit checksum (bits 103–112).
func (k Key) Checksum() uint32 { return uint32(k.hi>>checksumShift) & checksumMask }

// ChecksumValid recomputes CRC-32/BZIP2 over the 16 little-endian bytes
// with the checksum bits zeroed and compares its low 10 bits (§3.3).
// Valid means well-formed, not genuine.
func (k Key) ChecksumValid() bool {
	z := Key{lo: k.lo, hi: k.hi &^ (checksumMask << checksumShift)}
	b := z.Bytes()
	return crc32BZIP2(b[:])&checksumMask == k.Checksum()
}

// NPosition is the index (0–23) of the N among the 25 key characters.
func (k Key) NPosition() int {
	d, _ := base24Digits(k.lo, k.hi)
	return int(d[0])
}

// Bytes returns the value as 16 little-endian bytes (no DPID N flag).
func (k Key) Bytes() [16]byte {
	var b [16]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(k.lo >> (8 * i))
		b[8+i] = byte(k.hi >> (8 * i))
	}
	return b
}

// String formats the key as XXXXX-XXXXX-XXXXX-XXXXX-XXXXX.
func (k Key) String() string {
	d, _ := base24Digits(k.lo, k.hi)
	return formatDigits(d, true)
}

// EncodeKeyBytes turns the 15 key bytes of a DigitalProductId (offset
// 52..66) or DigitalProductId4 (0x328..0x336) into key text. Bytes past the
// 15th are ignored. Bit 3 of byte 14 marks a Windows 8+ key (N inserted at
// the position given by the top digit); otherwise the legacy form is used.
// All-zero bytes give ErrNoKey.
func EncodeKeyBytes(b []byte) (string, error) {
	if len(b) < 15 {
		return "", fmt.Errorf("%w: %d key bytes, want 15", ErrBadLength, len(b))
	}
	var kb [16]byte
	copy(kb[:], b[:15])
	zero := true
	for _, c := range kb {
		if c != 0 {
			zero = false
			break
		}
	}
	if zero {
		return "", fmt.Errorf("%w: key bytes are all zero", ErrNoKey)
	}
	isN := kb[14]&0x08 != 0
	kb[14] &^= 0x08
	var lo, hi uint64
	for i := 0; i < 8; i++ {
		lo |= uint64(kb[i]) << (8 * i)
		hi |= uint64(kb[8+i]) << (8 * i)
	}
	d, ok := base24Digits(lo, hi)
	if !ok {
		return "", fmt.Errorf("%w: encoded value does not fit 25 base-24 digits", ErrMalformedKey)
	}
	return formatDigits(d, isN), nil
}

// base24Digits returns 25 base-24 digits, most significant first; ok is
// false if the value needs more than 25 digits.
func base24Digits(lo, hi uint64) (d [keyChars]byte, ok bool) {
	for i := keyChars - 1; i >= 0; i-- {
		var r uint64
		hi, r = hi/24, hi%24
		lo, r = bits.Div64(r, lo, 24)
		d[i] = byte(r)
	}
	return d, lo == 0 && hi == 0
}

// formatDigits maps digits to text. With withN, d[0] is the N position and
// d[1:] are the other 24 characters.
func formatDigits(d [keyChars]byte, withN bool) string {
	var sym [keyChars]byte
	if withN {
		p := int(d[0]) // 0..23
		j := 0
		for i := range sym {
			if i == p {
				sym[i] = 'N'
				continue
			}
			j++
			sym[i] = alphabet[d[j]]
		}
	} else {
		for i, v := range d {
			sym[i] = alphabet[v]
		}
	}
	return dashed(sym)
}

// dashed formats 25 symbols in five dash-separated groups.
func dashed(sym [keyChars]byte) string {
	var sb strings.Builder
	sb.Grow(keyChars + 4)
	for i, c := range sym {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// trimCut reports runes trimmed from both ends of key text.
func trimCut(r rune) bool { return r == 0 || unicode.IsSpace(r) }

// scanKey extracts 25 uppercase symbols from s: edges trimmed of spaces and
// NULs, dashes and spaces skipped, at most one 'N', N not last. Each symbol
// is 'N' or in the alphabet.
func scanKey(s string) ([keyChars]byte, error) {
	var sym [keyChars]byte
	start := len(s) - len(strings.TrimLeftFunc(s, trimCut))
	t := strings.TrimFunc(s, trimCut)
	if len(t) > maxKeyInput {
		return sym, fmt.Errorf("%w: %d bytes of text, too long for a key", ErrMalformedKey, len(t))
	}
	n, nCount := 0, 0
	for i, r := range t {
		if r == '-' || r == ' ' {
			continue
		}
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		if r != 'N' && (r >= 0x80 || digitOf[r] < 0) {
			return sym, fmt.Errorf("%w: invalid character %q at offset %d", ErrMalformedKey, r, start+i)
		}
		if n == keyChars {
			return sym, fmt.Errorf("%w: more than %d characters", ErrMalformedKey, keyChars)
		}
		if r == 'N' {
			nCount++
		}
		sym[n] = byte(r)
		n++
	}
	switch {
	case n != keyChars:
		return sym, fmt.Errorf("%w: %d characters, want %d", ErrMalformedKey, n, keyChars)
	case nCount > 1:
		return sym, fmt.Errorf("%w: %d N characters, want at most one", ErrMalformedKey, nCount)
	case sym[keyChars-1] == 'N':
		return sym, fmt.Errorf("%w: N cannot be the last character", ErrMalformedKey)
	}
	return sym, nil
}

// NormalizeKey trims spaces and NULs, uppercases and re-dashes a key.
// It accepts Windows 8+ keys (one N) and legacy keys (no N). Errors wrap
// ErrMalformedKey.
func NormalizeKey(s string) (string, error) {
	sym, err := scanKey(s)
	if err != nil {
		return "", err
	}
	return dashed(sym), nil
}

// KeyCheck is the result of CheckKey.
type KeyCheck struct {
	Normalized    string
	WellFormed    bool
	Format        string // "pkey2009" or "legacy"; empty if malformed
	ChecksumValid *bool  // nil for legacy keys
	Group, Serial uint32
	Security      uint64
	Upgrade       bool
	NPosition     int // -1 unless pkey2009
	Info          KeyInfo
	Err           error
}

// CheckKey normalizes s, decodes it if it is a Windows 8+ key and
// classifies it. It never fails: problems are reported in Err.
func CheckKey(s string) KeyCheck {
	c := KeyCheck{NPosition: -1, Info: KeyInfo{Class: ClassUnknown}}
	norm, err := NormalizeKey(s)
	if err != nil {
		c.Err = err
		return c
	}
	c.Normalized, c.WellFormed = norm, true
	c.Info = Classify(norm)
	if !strings.Contains(norm, "N") {
		c.Format = "legacy"
		return c
	}
	k, err := ParseKey(norm)
	if err != nil { // unreachable: norm has exactly one N
		c.WellFormed, c.Err = false, err
		return c
	}
	valid := k.ChecksumValid()
	c.Format = "pkey2009"
	c.ChecksumValid = &valid
	c.Group, c.Serial, c.Security = k.Group(), k.Serial(), k.Security()
	c.Upgrade = k.Upgrade()
	c.NPosition = k.NPosition()
	return c
}

// bzip2Table is the MSB-first table for polynomial 0x04C11DB7.
var bzip2Table = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for j := 0; j < 8; j++ {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// crc32BZIP2 is CRC-32/BZIP2: not reflected, init and final XOR 0xFFFFFFFF.
func crc32BZIP2(b []byte) uint32 {
	c := ^uint32(0)
	for _, v := range b {
		c = c<<8 ^ bzip2Table[byte(c>>24)^v]
	}
	return ^c
}
