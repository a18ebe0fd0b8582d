package firmware

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// DMI is the machine identity from SMBIOS (Linux: /sys/class/dmi/id).
type DMI struct {
	Vendor      string // system manufacturer (type 1)
	Product     string
	Version     string
	Serial      string // service tag; empty when unreadable
	SKU         string // often encodes the Windows edition shipped
	BIOSVendor  string // type 0
	BIOSVersion string
	BIOSDate    string
	BoardVendor string // type 2
	BoardName   string
	// SerialUnreadable is set when the serial exists but needs root.
	SerialUnreadable bool
}

// smbiosMaxStructs bounds the structure walk; real tables have a few hundred.
const smbiosMaxStructs = 1 << 14

// ParseSMBIOS reads the BIOS (type 0), system (type 1) and baseboard
// (type 2) structures. b is either the raw structure table (Linux
// /sys/firmware/dmi/tables/DMI) or Windows' RawSMBIOSData as returned by
// GetSystemFirmwareTable('RSMB') with its 8-byte header; the two are told
// apart by byte 1 (a structure length is at least 4, an SMBIOS major
// version is 2 or 3). A damaged table returns what was read before the
// damage together with the error.
func ParseSMBIOS(b []byte) (*DMI, error) {
	base := 0
	if len(b) >= 8 && b[1] < 4 {
		n := binary.LittleEndian.Uint32(b[4:8])
		if uint64(n) > uint64(len(b)-8) {
			return nil, fmt.Errorf("smbios: read as Windows RawSMBIOSData (byte 1 = %d is no structure length): length at offset 4 is %d but only %d bytes follow the 8-byte header: %w (the data is cut short or corrupt)",
				b[1], n, len(b)-8, ErrBadLength)
		}
		b, base = b[8:8+n], 8
	}
	d := &DMI{}
	seen := map[uint8]bool{}
	off := 0
	for i := 0; off < len(b); i++ {
		if i == smbiosMaxStructs {
			return d, fmt.Errorf("smbios: more than %d structures at offset 0x%X: %w (the table is corrupt)", smbiosMaxStructs, base+off, ErrBadLength)
		}
		if len(b)-off < 4 {
			if allZero(b[off:]) {
				break // padding
			}
			return d, fmt.Errorf("smbios: %d stray bytes at offset 0x%X, a structure header needs 4: %w", len(b)-off, base+off, ErrShortTable)
		}
		typ, n := b[off], int(b[off+1])
		if n < 4 {
			if typ == 0 && n == 0 && allZero(b[off:]) {
				break // zero padding after the last structure
			}
			return d, fmt.Errorf("smbios: structure type %d at offset 0x%X has length %d (byte at 0x%X), minimum 4: %w (the table is corrupt)",
				typ, base+off, n, base+off+1, ErrBadLength)
		}
		if n > len(b)-off {
			return d, fmt.Errorf("smbios: structure type %d at offset 0x%X has length %d but only %d bytes remain: %w",
				typ, base+off, n, len(b)-off, ErrShortTable)
		}
		formatted := b[off : off+n]
		strs, next, ok := smbiosStrings(b, off+n)
		if !ok {
			return d, fmt.Errorf("smbios: strings of structure type %d at offset 0x%X have no double-NUL terminator before the end of the table: %w",
				typ, base+off, ErrShortTable)
		}
		if !seen[typ] {
			seen[typ] = true
			d.fill(typ, formatted, strs)
		}
		off = next
		if typ == 127 {
			break // end-of-table
		}
	}
	if !seen[0] && !seen[1] && !seen[2] {
		return d, fmt.Errorf("smbios: no BIOS, system or baseboard structure in %d bytes: %w", len(b), ErrNoTable)
	}
	return d, nil
}

// fill copies the fields of one structure into d.
func (d *DMI) fill(typ uint8, f []byte, strs [][]byte) {
	str := func(at int) string {
		if at >= len(f) {
			return ""
		}
		i := int(f[at])
		if i == 0 || i > len(strs) {
			return ""
		}
		return cleanText(strs[i-1])
	}
	switch typ {
	case 0:
		d.BIOSVendor, d.BIOSVersion, d.BIOSDate = str(0x04), str(0x05), str(0x08)
	case 1:
		d.Vendor, d.Product, d.Version, d.Serial = str(0x04), str(0x05), str(0x06), str(0x07)
		d.SKU = str(0x19)
	case 2:
		d.BoardVendor, d.BoardName = str(0x04), str(0x05)
	}
}

// smbiosStrings reads the string set starting at off: NUL-terminated
// strings ended by an empty one (a set without strings is two NULs). It
// returns the strings and the offset after the set.
func smbiosStrings(b []byte, off int) ([][]byte, int, bool) {
	var strs [][]byte
	if len(b)-off >= 2 && b[off] == 0 && b[off+1] == 0 {
		return nil, off + 2, true
	}
	for off < len(b) {
		end := off
		for end < len(b) && b[end] != 0 {
			end++
		}
		if end == len(b) {
			return nil, 0, false
		}
		if end == off {
			return strs, off + 1, true // the empty string ends the set
		}
		strs = append(strs, b[off:end])
		off = end + 1
	}
	return nil, 0, false
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// cleanText is clean for free text: it also trims leading spaces.
func cleanText(b []byte) string {
	return clean(bytes.TrimSpace(b))
}
