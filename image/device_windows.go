package image

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/windows"
)

// charDevicesAreDisks: Windows raw disks are reached through
// openRawDevice, not through device files.
const charDevicesAreDisks = false

// Device I/O controls (winioctl.h).
const (
	ioctlDiskGetDriveGeometryEx = 0x000700A0
	ioctlDiskGetLengthInfo      = 0x0007405C
)

// openRawDevice opens a Windows raw disk or volume read-only, with sharing
// so that Windows keeps using it, and asks the device for its size and
// sector size (go-diskfs cannot on Windows).
func openRawDevice(path string) (*Target, error, bool) {
	if !isRawDevicePath(path) {
		return nil, nil, false
	}
	name, err := windows.UTF16PtrFromString(strings.TrimRight(path, `\`))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err), true
	}
	h, err := windows.CreateFile(name, windows.GENERIC_READ, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, deviceOpenError(path, err), true
	}
	size, sector, err := windowsGeometry(h)
	if err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("%s: read the device size and sector size: %w", path, err), true
	}
	if size <= 0 {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("%s: %w", path, ErrEmpty), true
	}
	return newDeviceTarget(path, os.NewFile(uintptr(h), path), size, sector), nil, true
}

func deviceOpenError(path string, err error) error {
	switch {
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		return fmt.Errorf("%s: %w: run actrescue from an elevated prompt (Run as administrator), or from WinPE", path, ErrPermission)
	case errors.Is(err, windows.ERROR_FILE_NOT_FOUND), errors.Is(err, windows.ERROR_PATH_NOT_FOUND), errors.Is(err, windows.ERROR_INVALID_NAME):
		return fmt.Errorf("%s: %w", path, ErrNoSuchTarget)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

func windowsGeometry(h windows.Handle) (int64, int, error) {
	var n uint32
	g := make([]byte, 256) // DISK_GEOMETRY_EX plus partition and detection info
	if err := windows.DeviceIoControl(h, ioctlDiskGetDriveGeometryEx, nil, 0, &g[0], uint32(len(g)), &n, nil); err == nil {
		if size, sector, ok := parseGeometryEx(g[:n]); ok {
			return size, sector, nil
		}
	}
	// Volumes (\\.\C:) answer the length query; their sector size is the
	// geometry's when it was readable, else 512.
	sector := 512
	if _, s, _ := parseGeometryEx(g[:n]); s > 0 {
		sector = s
	}
	l := make([]byte, 8)
	if err := windows.DeviceIoControl(h, ioctlDiskGetLengthInfo, nil, 0, &l[0], 8, &n, nil); err != nil {
		return 0, 0, err
	}
	size, ok := parseLengthInfo(l[:n])
	if !ok {
		return 0, 0, fmt.Errorf("the device reports no size")
	}
	return size, sector, nil
}

// deviceGeometry is used for device files reached through os.Stat; on
// Windows raw devices go through openRawDevice instead.
func deviceGeometry(f *os.File) (int64, int, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, 0, err
	}
	return size, 512, nil
}
