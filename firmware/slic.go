package firmware

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// SLIC layout (formats-spp-firmware-hives.md §4.3).
const (
	// SLICLength is the length of a standard SLIC table (0x176).
	SLICLength     = 0x176
	slicKeyLen     = 0x9C // public key structure
	slicMarkerLen  = 0xB6 // Windows marker structure
	slicModulusLen = 128
	slicSigLen     = 128
	slicMaxStructs = 16 // real tables have 2
)

// SLICPublicKey is the OEM public key structure (type 0).
type SLICPublicKey struct {
	Offset    int // offset of the structure in the table
	Type      uint32
	Length    uint32
	KeyType   uint8 // 6 = PUBLICKEYBLOB
	Version   uint8
	Reserved  uint16
	Algorithm uint32 // 0x2400 = CALG_RSA_SIGN
	Magic     string // "RSA1"
	BitLength uint32
	Exponent  uint32
	Modulus   []byte // 128 bytes as stored (little-endian)
}

// SLICMarker is the Windows marker structure (type 1).
type SLICMarker struct {
	Offset      int // offset of the structure in the table
	Type        uint32
	Length      uint32
	Version     uint32
	OEMID       string
	OEMTableID  string
	WindowsFlag string // "WINDOWS" (trailing space trimmed)
	SLICVersion uint32 // major<<16 | minor, e.g. 0x00020001 = 2.1
	Reserved    []byte // 16 bytes
	Signature   []byte // 128 bytes
}

// SLIC is a parsed SLIC table (OEM Activation 2.x). It is not a product
// key: it only proves an OEM Vista/7-era licence.
type SLIC struct {
	Table     *Table
	PublicKey SLICPublicKey
	Marker    SLICMarker
	// OEMIDMatch and TableIDMatch compare the marker with the table header;
	// SLP activation needs both to match.
	OEMIDMatch   bool
	TableIDMatch bool
	// Version is the SLIC version from the marker, e.g. "2.1" (Windows 7);
	// empty without a marker.
	Version  string
	Warnings []string
}

// ParseSLIC parses a SLIC table. It returns nil only when the ACPI header is
// unusable or the signature is not SLIC; otherwise the SLIC holds whatever
// was found, with all problems joined in the error.
func ParseSLIC(b []byte) (*SLIC, error) {
	t, errs, err := parseSigned(b, "SLIC", "a SLIC table")
	if t == nil {
		return nil, err
	}
	raw := t.Raw
	s := &SLIC{Table: t}
	if len(raw) != SLICLength {
		s.Warnings = append(s.Warnings, fmt.Sprintf("table is %d bytes, %d expected", len(raw), SLICLength))
	}
	haveKey, haveMarker := false, false
	off := HeaderSize
	for i := 0; off < len(raw); i++ {
		if i == slicMaxStructs {
			errs = append(errs, fmt.Errorf("slic: more than %d structures, stopped at offset 0x%X: %w (the table is corrupt)",
				slicMaxStructs, off, ErrBadLength))
			break
		}
		if len(raw)-off < 8 {
			errs = append(errs, fmt.Errorf("slic: %d stray bytes at offset 0x%X, a structure header needs 8: %w (the table is corrupt)",
				len(raw)-off, off, ErrShortTable))
			break
		}
		typ := binary.LittleEndian.Uint32(raw[off:])
		n := binary.LittleEndian.Uint32(raw[off+4:])
		if n < 8 || uint64(n) > uint64(len(raw)-off) {
			errs = append(errs, fmt.Errorf("slic: structure at offset 0x%X has length %d (field at 0x%X), outside 8..%d: %w (the table is corrupt)",
				off, n, off+4, len(raw)-off, ErrBadLength))
			break
		}
		st := raw[off : off+int(n)]
		switch {
		case typ == 0 && !haveKey:
			if n < slicKeyLen {
				errs = append(errs, fmt.Errorf("slic: public key structure at offset 0x%X is %d bytes, want %d: %w",
					off, n, slicKeyLen, ErrBadLength))
				break
			}
			haveKey = true
			s.PublicKey = parseSLICKey(st, off)
		case typ == 1 && !haveMarker:
			if n < slicMarkerLen {
				errs = append(errs, fmt.Errorf("slic: Windows marker structure at offset 0x%X is %d bytes, want %d: %w",
					off, n, slicMarkerLen, ErrBadLength))
				break
			}
			haveMarker = true
			s.Marker = parseSLICMarker(st, off)
			s.OEMIDMatch = bytes.Equal(st[0x0C:0x12], raw[10:16])
			s.TableIDMatch = bytes.Equal(st[0x12:0x1A], raw[16:24])
		case typ == 0 || typ == 1:
			s.Warnings = append(s.Warnings, fmt.Sprintf("duplicate structure of type %d at offset 0x%X ignored", typ, off))
		default:
			errs = append(errs, fmt.Errorf("slic: structure type at offset 0x%X is %d, want 0 (public key) or 1 (Windows marker): %w",
				off, typ, ErrBadSignature))
		}
		off += int(n)
	}
	if !haveKey {
		errs = append(errs, fmt.Errorf("slic: no valid OEM public key structure (type 0): %w (SLP activation will fail with 0xC004F059)", ErrBadSignature))
	} else {
		k := s.PublicKey
		if k.Magic != "RSA1" {
			errs = append(errs, fmt.Errorf("slic: public key magic at offset 0x%X is %q, want \"RSA1\": %w (the key structure is corrupt)",
				k.Offset+16, k.Magic, ErrBadSignature))
		}
		if k.KeyType != 6 || k.Algorithm != 0x2400 || k.BitLength != 1024 {
			s.Warnings = append(s.Warnings, fmt.Sprintf("public key type %d, algorithm 0x%X, %d bits; 6, 0x2400, 1024 expected",
				k.KeyType, k.Algorithm, k.BitLength))
		}
	}
	if !haveMarker {
		errs = append(errs, fmt.Errorf("slic: no valid Windows marker structure (type 1): %w (Windows reports 0xC004F058, SLP marker missing)", ErrBadSignature))
	} else {
		m := s.Marker
		if flag := raw[m.Offset+0x1A : m.Offset+0x22]; string(flag) != "WINDOWS " {
			errs = append(errs, fmt.Errorf("slic: Windows flag at offset 0x%X is %q, want \"WINDOWS \": %w (Windows reports 0xC004F058, SLP marker missing)",
				m.Offset+0x1A, clean(flag), ErrBadSignature))
		}
		v := m.SLICVersion
		if v == 0 {
			v = m.Version
		}
		s.Version = fmt.Sprintf("%d.%d", v>>16, v&0xFFFF)
		if !s.OEMIDMatch {
			s.Warnings = append(s.Warnings, "marker OEM ID differs from the table header OEM ID; SLP activation would fail")
		}
		if !s.TableIDMatch {
			s.Warnings = append(s.Warnings, "marker OEM table ID differs from the table header; SLP activation would fail")
		}
	}
	return s, errors.Join(errs...)
}

func parseSLICKey(st []byte, off int) SLICPublicKey {
	le := binary.LittleEndian
	return SLICPublicKey{
		Offset:    off,
		Type:      le.Uint32(st[0:]),
		Length:    le.Uint32(st[4:]),
		KeyType:   st[8],
		Version:   st[9],
		Reserved:  le.Uint16(st[10:]),
		Algorithm: le.Uint32(st[12:]),
		Magic:     clean(st[16:20]),
		BitLength: le.Uint32(st[20:]),
		Exponent:  le.Uint32(st[24:]),
		Modulus:   bytes.Clone(st[28 : 28+slicModulusLen]),
	}
}

func parseSLICMarker(st []byte, off int) SLICMarker {
	le := binary.LittleEndian
	return SLICMarker{
		Offset:      off,
		Type:        le.Uint32(st[0:]),
		Length:      le.Uint32(st[4:]),
		Version:     le.Uint32(st[8:]),
		OEMID:       clean(st[0x0C:0x12]),
		OEMTableID:  clean(st[0x12:0x1A]),
		WindowsFlag: clean(st[0x1A:0x22]),
		SLICVersion: le.Uint32(st[0x22:]),
		Reserved:    bytes.Clone(st[0x26:0x36]),
		Signature:   bytes.Clone(st[0x36 : 0x36+slicSigLen]),
	}
}
