// Package utf16le decodes the UTF-16 text found in on-disk structures
// (registry names and strings, NTFS attributes, product-ID fields, token
// store names, WIM XML, VHD parent names, ACPI dumps). Little-endian unless
// the function's name says BE. A trailing odd byte is ignored; unpaired
// surrogates become U+FFFD. It is a leaf package with no dependency beyond
// the standard library, so every parser may use it.
package utf16le

import (
	"encoding/binary"
	"unicode/utf16"
)

// Decode decodes all of b.
func Decode(b []byte) string { return decode(b, binary.LittleEndian) }

// DecodeZ decodes b up to its first NUL code unit.
func DecodeZ(b []byte) string { return Decode(b[:2*unitsBeforeNUL(b)]) }

// DecodeBE decodes all of b as big-endian UTF-16.
func DecodeBE(b []byte) string { return decode(b, binary.BigEndian) }

// DecodeBEZ decodes big-endian b up to its first NUL code unit.
func DecodeBEZ(b []byte) string { return DecodeBE(b[:2*unitsBeforeNUL(b)]) }

func decode(b []byte, order binary.ByteOrder) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = order.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

func unitsBeforeNUL(b []byte) int {
	n := len(b) / 2
	for i := 0; i < n; i++ {
		if b[2*i] == 0 && b[2*i+1] == 0 {
			return i
		}
	}
	return n
}
