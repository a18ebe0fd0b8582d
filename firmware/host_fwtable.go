package firmware

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
)

// firmwareCall is one GetSystemFirmwareTable call: it copies the table into
// buf when it fits and returns the table's size either way; a failure
// returns 0 and errNotFound, ErrPermission or another error. The Windows
// build passes the real call; tests pass a fake, so the sizing and parsing
// logic runs on every platform.
type firmwareCall func(provider, id uint32, buf []byte) (int, error)

// maxHostSMBIOS caps the RSMB data (SMBIOS 3 tables can exceed 64 KiB).
const maxHostSMBIOS = 4 << 20

// Provider signatures are the 4 letters as a big-endian DWORD ('ACPI').
const (
	providerACPI = 'A'<<24 | 'C'<<16 | 'P'<<8 | 'I'
	providerRSMB = 'R'<<24 | 'S'<<16 | 'M'<<8 | 'B'
)

// errNotFound marks a missing table; hostMSDM/hostSLIC test for it via
// fs.ErrNotExist, which it wraps.
var errNotFound = fmt.Errorf("firmware table not present: %w", fs.ErrNotExist)

// readHostWith reads MSDM, SLIC and SMBIOS through call.
func readHostWith(call firmwareCall, source string) *HostInfo {
	h := &HostInfo{Source: source}
	h.MSDM, h.MSDMErr = hostMSDM(readACPIWith(call, "MSDM"))
	h.SLIC, h.SLICErr = hostSLIC(readACPIWith(call, "SLIC"))
	raw, err := firmwareTableWith(call, providerRSMB, 0, maxHostSMBIOS)
	switch {
	case errors.Is(err, errNotFound):
		h.DMIErr = fmt.Errorf("GetSystemFirmwareTable(RSMB): %w: the firmware provides no SMBIOS data", ErrNoTable)
	case err != nil:
		h.DMIErr = fmt.Errorf("GetSystemFirmwareTable(RSMB): %w", err)
	default:
		h.DMI, h.DMIErr = ParseSMBIOS(raw)
		if h.DMIErr != nil {
			h.DMIErr = fmt.Errorf("GetSystemFirmwareTable(RSMB): %w", h.DMIErr)
		}
	}
	return h
}

// readACPIWith reads one ACPI table; errors other than "not present" name
// the call.
func readACPIWith(call firmwareCall, sig string) ([]byte, string, error) {
	where := "GetSystemFirmwareTable(ACPI, " + sig + ")"
	raw, err := firmwareTableWith(call, providerACPI, tableID(sig), maxHostTable)
	if err != nil && !errors.Is(err, errNotFound) {
		err = fmt.Errorf("%s: %w", where, err)
	}
	return raw, where, err
}

// tableID is the ACPI signature read as a little-endian DWORD.
func tableID(sig string) uint32 {
	return binary.LittleEndian.Uint32([]byte(sig))
}

// firmwareTableWith sizes the buffer from a first call and retries if the
// table grows in between; an implausible size is refused before any
// allocation.
func firmwareTableWith(call firmwareCall, provider, id uint32, max int) ([]byte, error) {
	var buf []byte
	for range 3 {
		n, err := call(provider, id, buf)
		switch {
		case n == 0:
			if err == nil {
				err = errNotFound
			}
			return nil, err
		case n < 0 || n > max:
			return nil, fmt.Errorf("table is %d bytes, over the %d-byte limit: %w (the firmware reports an implausible size)", n, max, ErrBadLength)
		case n <= len(buf):
			return buf[:n], nil
		}
		buf = make([]byte, n)
	}
	return nil, fmt.Errorf("table size kept changing between calls: %w (try again)", ErrBadLength)
}
