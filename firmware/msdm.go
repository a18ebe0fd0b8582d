package firmware

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// MSDM layout (formats-spp-firmware-hives.md §4.2).
const (
	msdmFieldsEnd = 0x38 // end of DataLength; the key starts here
	msdmKeyLen    = 29
	// MSDMLength is the length of a standard MSDM key table (0x55).
	MSDMLength = msdmFieldsEnd + msdmKeyLen
)

// keyAlphabet holds the characters of a Windows 8+ product key: the 24
// base-24 symbols plus the single 'N' marker.
const keyAlphabet = "BCDFGHJKMNPQRTVWXY2346789"

// MSDM is a parsed MSDM table (OA3 firmware product key).
type MSDM struct {
	Table        *Table
	Version      uint32
	Reserved     uint32
	DataType     uint32
	DataReserved uint32
	DataLength   uint32
	// Key is the product key. It is secret: never log it unmasked.
	Key string
	// Warnings lists non-fatal oddities (reserved fields set, unusual
	// data type or version) for display.
	Warnings []string
}

// ParseMSDM parses an MSDM table. When the only problems are a checksum
// mismatch (ErrBadChecksum) and/or a malformed key (ErrBadKey), the MSDM is
// returned together with the (joined) errors; any structural problem
// returns nil.
func ParseMSDM(b []byte) (*MSDM, error) {
	t, errs, err := parseSigned(b, "MSDM", "an MSDM table")
	if t == nil {
		return nil, err
	}
	raw := t.Raw
	if len(raw) < msdmFieldsEnd {
		return nil, errors.Join(append(errs, fmt.Errorf("msdm: table is %d bytes, its fields end at offset 0x%X: %w (the table is cut short or not a key table)",
			len(raw), msdmFieldsEnd, ErrShortTable))...)
	}
	le := binary.LittleEndian
	m := &MSDM{
		Table:        t,
		Version:      le.Uint32(raw[0x24:]),
		Reserved:     le.Uint32(raw[0x28:]),
		DataType:     le.Uint32(raw[0x2C:]),
		DataReserved: le.Uint32(raw[0x30:]),
		DataLength:   le.Uint32(raw[0x34:]),
	}
	if m.DataLength != msdmKeyLen {
		return nil, errors.Join(append(errs, fmt.Errorf("msdm: data length at offset 0x34 is %d, want %d: %w (the firmware does not hold a 5x5 product key here)",
			m.DataLength, msdmKeyLen, ErrBadLength))...)
	}
	if len(raw) < MSDMLength {
		return nil, errors.Join(append(errs, fmt.Errorf("msdm: table is %d bytes, the %d-byte key needs %d: %w (the table is cut short)",
			len(raw), msdmKeyLen, MSDMLength, ErrShortTable))...)
	}
	if m.Version != 1 {
		m.Warnings = append(m.Warnings, fmt.Sprintf("version at offset 0x24 is %d, 1 expected", m.Version))
	}
	if m.Reserved != 0 {
		m.Warnings = append(m.Warnings, fmt.Sprintf("reserved field at offset 0x28 is 0x%X, 0 expected", m.Reserved))
	}
	if m.DataType != 1 {
		m.Warnings = append(m.Warnings, fmt.Sprintf("data type at offset 0x2C is %d, 1 (product key) expected", m.DataType))
	}
	if m.DataReserved != 0 {
		m.Warnings = append(m.Warnings, fmt.Sprintf("data reserved field at offset 0x30 is 0x%X, 0 expected", m.DataReserved))
	}
	if len(raw) > MSDMLength {
		m.Warnings = append(m.Warnings, fmt.Sprintf("table is %d bytes, %d expected; the extra bytes are ignored", len(raw), MSDMLength))
	}
	keyBytes := raw[msdmFieldsEnd:MSDMLength]
	m.Key = printable(keyBytes)
	if err := checkKey(keyBytes, msdmFieldsEnd); err != nil {
		errs = append(errs, fmt.Errorf("msdm: %w", err))
	}
	return m, errors.Join(errs...)
}

// checkKey validates a 29-byte key "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX" found at
// table offset base. Errors name the offset and the character, never the key.
func checkKey(k []byte, base int) error {
	if len(k) != msdmKeyLen {
		return fmt.Errorf("key at offset 0x%X is %d bytes, want %d: %w", base, len(k), msdmKeyLen, ErrBadKey)
	}
	nCount, secondN := 0, -1
	for i, c := range k {
		off := base + i
		if i%6 == 5 {
			if c != '-' {
				return fmt.Errorf("key character %d at offset 0x%X is %s, want '-': %w (not a 5x5 product key; the firmware data is corrupt)",
					i+1, off, quoteByte(c), ErrBadKey)
			}
			continue
		}
		if c > 0x7F || !strings.ContainsRune(keyAlphabet, rune(c)) {
			return fmt.Errorf("key character %d at offset 0x%X is %s, not one of %s: %w (not a valid product key; the firmware data is corrupt or a placeholder)",
				i+1, off, quoteByte(c), keyAlphabet, ErrBadKey)
		}
		if c == 'N' {
			nCount++
			if nCount == 2 {
				secondN = off
			}
		}
	}
	switch {
	case nCount == 0:
		return fmt.Errorf("key at offset 0x%X has no 'N', a Windows 8+ key has exactly one: %w (the firmware data is corrupt or a placeholder)",
			base, ErrBadKey)
	case nCount > 1:
		return fmt.Errorf("key has a second 'N' at offset 0x%X, a Windows 8+ key has exactly one: %w (the firmware data is corrupt or a placeholder)",
			secondN, ErrBadKey)
	}
	return nil
}

// quoteByte shows one untrusted byte safely.
func quoteByte(c byte) string {
	if c >= 0x20 && c <= 0x7E {
		return fmt.Sprintf("%q (0x%02X)", rune(c), c)
	}
	return fmt.Sprintf("byte 0x%02X", c)
}
