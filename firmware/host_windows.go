//go:build windows

package firmware

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"unsafe"

	"golang.org/x/sys/windows"
)

// x/sys/windows has no wrapper for GetSystemFirmwareTable.
var procGetSystemFirmwareTable = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetSystemFirmwareTable")

// maxHostSMBIO caps the RSMB data (SMBIOS 3 tables can exceed 64 KiB).
const maxHostSMBIO = 4 << 20

// Provider signatures are the 4 letters as a big-endian DWORD ('ACPI').
const (
	providerACPI = 'A'<<24 | 'C'<<16 | 'P'<<8 | 'I'
	providerRSMB = 'R'<<24 | 'S'<<16 | 'M'<<8 | 'B'
)

// ReadHost reads the running machine's MSDM, SLIC and SMBIOS through
// GetSystemFirmwareTable (works in WinPE; no administrator rights needed
// on full Windows).
func ReadHost() *HostInfo {
	h := &HostInfo{Source: "GetSystemFirmwareTable (ACPI MSDM, SLIC; RSMB)"}
	h.MSDM, h.MSDMErr = hostMSDM(readACPI("MSDM"))
	h.SLIC, h.SLICErr = hostSLIC(readACPI("SLIC"))
	raw, err := firmwareTable(providerRSMB, 0, maxHostSMBIO)
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

// readACPI reads one ACPI table; errors other than "not present" name the call.
func readACPI(sig string) ([]byte, string, error) {
	where := "GetSystemFirmwareTable(ACPI, " + sig + ")"
	raw, err := firmwareTable(providerACPI, tableID(sig), maxHostTable)
	if err != nil && !errors.Is(err, errNotFound) {
		err = fmt.Errorf("%s: %w", where, err)
	}
	return raw, where, err
}

// errNotFound marks a missing table; hostMSDM/hostSLIC test for it via
// fs.ErrNotExist, which it wraps.
var errNotFound = fmt.Errorf("firmware table not present: %w", fs.ErrNotExist)

// tableID is the ACPI signature read as a little-endian DWORD.
func tableID(sig string) uint32 {
	return binary.LittleEndian.Uint32([]byte(sig))
}

// firmwareTable calls GetSystemFirmwareTable, sizing the buffer from the
// first call and retrying if the table grows in between.
func firmwareTable(provider, id uint32, max int) ([]byte, error) {
	var buf []byte
	for range 3 {
		var p unsafe.Pointer
		if len(buf) > 0 {
			p = unsafe.Pointer(&buf[0])
		}
		r1, _, callErr := procGetSystemFirmwareTable.Call(uintptr(provider), uintptr(id), uintptr(p), uintptr(len(buf)))
		n := int(uint32(r1))
		switch {
		case n == 0:
			return nil, firmwareCallError(callErr)
		case n <= len(buf):
			return buf[:n], nil
		case n > max:
			return nil, fmt.Errorf("table is %d bytes, over the %d-byte limit: %w (the firmware reports an implausible size)", n, max, ErrBadLength)
		}
		buf = make([]byte, n)
	}
	return nil, fmt.Errorf("table size kept changing between calls: %w (try again)", ErrBadLength)
}

// firmwareCallError maps GetLastError after a failed call.
func firmwareCallError(err error) error {
	var errno windows.Errno
	if !errors.As(err, &errno) {
		return fmt.Errorf("GetSystemFirmwareTable failed: %w", err)
	}
	switch errno {
	case 0, windows.ERROR_NOT_FOUND, windows.ERROR_FILE_NOT_FOUND, windows.ERROR_INVALID_PARAMETER:
		return errNotFound
	case windows.ERROR_ACCESS_DENIED:
		return fmt.Errorf("%w: run as administrator", ErrPermission)
	}
	return fmt.Errorf("GetSystemFirmwareTable failed: %w", errno)
}
