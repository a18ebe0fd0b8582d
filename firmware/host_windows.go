//go:build windows

package firmware

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// x/sys/windows has no wrapper for GetSystemFirmwareTable.
var procGetSystemFirmwareTable = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetSystemFirmwareTable")

// ReadHost reads the running machine's MSDM, SLIC and SMBIOS through
// GetSystemFirmwareTable (works in WinPE; no administrator rights needed
// on full Windows).
func ReadHost() *HostInfo {
	return readHostWith(winFirmwareCall, "GetSystemFirmwareTable (ACPI MSDM, SLIC; RSMB)")
}

// winFirmwareCall is the real GetSystemFirmwareTable.
func winFirmwareCall(provider, id uint32, buf []byte) (int, error) {
	var p unsafe.Pointer
	if len(buf) > 0 {
		p = unsafe.Pointer(&buf[0])
	}
	r1, _, callErr := procGetSystemFirmwareTable.Call(uintptr(provider), uintptr(id), uintptr(p), uintptr(len(buf)))
	n := int(uint32(r1))
	if n == 0 {
		return 0, firmwareCallError(callErr)
	}
	return n, nil
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
	case windows.ERROR_INVALID_FUNCTION:
		return fmt.Errorf("%w: this system does not expose firmware tables through GetSystemFirmwareTable (a virtual machine, wine or an old WinPE?); dump them with acpidump on the machine and use actrescue firmware --acpi FILE", ErrNoTable)
	}
	return fmt.Errorf("GetSystemFirmwareTable failed: %w", errno)
}
