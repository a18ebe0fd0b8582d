package firmware

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// HeaderSize is the size of the common ACPI table header.
const HeaderSize = 36

// Header is the common 36-byte ACPI table header. String fields are cleaned
// for display (trailing spaces and NULs trimmed, control bytes as '?');
// Table.Raw keeps the exact bytes.
type Header struct {
	Signature       string
	Length          uint32
	Revision        uint8
	Checksum        uint8
	OEMID           string
	OEMTableID      string
	OEMRevision     uint32
	CreatorID       string
	CreatorRevision uint32
}

// Table is one ACPI table. Raw holds exactly Header.Length bytes (a copy).
type Table struct {
	Header     Header
	Raw        []byte
	ChecksumOK bool
}

// ParseTable parses an ACPI table from b. Bytes after Header.Length are
// ignored. On ErrBadChecksum the table is returned as well, so callers can
// show it; every other error returns a nil table.
func ParseTable(b []byte) (*Table, error) {
	if len(b) < HeaderSize {
		return nil, fmt.Errorf("acpi table is %d bytes, the header alone needs %d: %w (the file or dump is cut short; dump the table again)",
			len(b), HeaderSize, ErrShortTable)
	}
	sig := b[0:4]
	if !validSignature(sig) {
		return nil, fmt.Errorf("acpi table signature at offset 0 is % X, not 4 printable ASCII characters: %w (this is not an ACPI table)",
			sig, ErrBadSignature)
	}
	n := binary.LittleEndian.Uint32(b[4:8])
	switch {
	case n == 0:
		return nil, fmt.Errorf("acpi table %s: length field at offset 4 is 0: %w (the table is blank or corrupt)", clean(sig), ErrBadLength)
	case n < HeaderSize:
		return nil, fmt.Errorf("acpi table %s: length field at offset 4 is %d, less than the %d-byte header: %w (the table is corrupt)",
			clean(sig), n, HeaderSize, ErrBadLength)
	case uint64(n) > uint64(len(b)):
		return nil, fmt.Errorf("acpi table %s: length field at offset 4 is %d but only %d bytes are present: %w (the table was cut short; dump it again)",
			clean(sig), n, len(b), ErrBadLength)
	}
	raw := make([]byte, n)
	copy(raw, b[:n])
	t := &Table{
		Header: Header{
			Signature:       clean(raw[0:4]),
			Length:          n,
			Revision:        raw[8],
			Checksum:        raw[9],
			OEMID:           clean(raw[10:16]),
			OEMTableID:      clean(raw[16:24]),
			OEMRevision:     binary.LittleEndian.Uint32(raw[24:28]),
			CreatorID:       clean(raw[28:32]),
			CreatorRevision: binary.LittleEndian.Uint32(raw[32:36]),
		},
		Raw: raw,
	}
	sum := byteSum(raw)
	t.ChecksumOK = sum == 0
	if !t.ChecksumOK {
		return t, fmt.Errorf("acpi table %s: bytes sum to 0x%02X mod 256, not 0 (checksum byte at offset 9 is 0x%02X, 0x%02X would balance): %w (the table is corrupt or was edited; treat its contents with caution)",
			t.Header.Signature, sum, raw[9], raw[9]-sum, ErrBadChecksum)
	}
	return t, nil
}

// byteSum is the ACPI checksum sum of b, mod 256.
func byteSum(b []byte) uint8 {
	var s uint8
	for _, c := range b {
		s += c
	}
	return s
}

// validSignature reports whether sig is 4 printable ASCII bytes, not all spaces.
func validSignature(sig []byte) bool {
	blank := true
	for _, c := range sig {
		if c < 0x20 || c > 0x7E {
			return false
		}
		if c != ' ' {
			blank = false
		}
	}
	return !blank
}

// clean turns untrusted bytes into a display string: it cuts at the first
// NUL, trims trailing spaces and replaces non-printable bytes with '?'.
func clean(b []byte) string {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return printable(b)
}

// printable maps every non-printable byte to '?', keeping the length.
func printable(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7E {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}

// parseSigned parses an ACPI table that must carry sig. A checksum mismatch
// is returned in errs with the table (callers still show it); an unusable
// header or another signature returns a nil table.
func parseSigned(b []byte, sig, what string) (*Table, []error, error) {
	t, err := ParseTable(b)
	if t == nil {
		return nil, nil, err
	}
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	if string(t.Raw[0:4]) != sig {
		return nil, nil, fmt.Errorf("%s: signature at offset 0 is %q, want %q: %w (this is not %s)",
			strings.ToLower(sig), t.Header.Signature, sig, ErrBadSignature, what)
	}
	return t, errs, nil
}
