// Package utf16le decodes the UTF-16LE text found in on-disk structures
// (registry names and strings, NTFS attributes, product-ID fields, token
// store names). A trailing odd byte is ignored; unpaired surrogates become
// U+FFFD. It is a leaf package with no dependency beyond the standard
// library, so every parser may use it.
package utf16le

import (
	"encoding/binary"
	"unicode/utf16"
)

// Decode decodes all of b.
func Decode(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// DecodeZ decodes b up to its first NUL code unit.
func DecodeZ(b []byte) string {
	n := len(b) / 2
	for i := 0; i < n; i++ {
		if b[2*i] == 0 && b[2*i+1] == 0 {
			n = i
			break
		}
	}
	return Decode(b[:2*n])
}
