package image

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unsafe"

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

// diskGeometryEx mirrors DISK_GEOMETRY_EX up to DiskSize.
type diskGeometryEx struct {
	Cylinders         int64
	MediaType         uint32
	TracksPerCylinder uint32
	SectorsPerTrack   uint32
	BytesPerSector    uint32
	DiskSize          int64
	_                 [64]byte // partition and detection info follow
}

// isRawDevicePath matches \\.\PhysicalDriveN, \\.\C:, \\.\HarddiskVolumeN,
// \\?\Volume{…} and \\.\GLOBALROOT\… device paths.
func isRawDevicePath(p string) bool {
	return strings.HasPrefix(p, `\\.\`) || strings.HasPrefix(p, `\\?\Volume`) || strings.HasPrefix(p, `\\?\GLOBALROOT`)
}

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
	var g diskGeometryEx
	var n uint32
	sector := 512
	if err := windows.DeviceIoControl(h, ioctlDiskGetDriveGeometryEx, nil, 0, (*byte)(unsafe.Pointer(&g)), uint32(unsafe.Sizeof(g)), &n, nil); err == nil {
		if bs := int(g.BytesPerSector); bs >= 512 && bs <= 65536 && bs&(bs-1) == 0 {
			sector = bs
		}
		if g.DiskSize > 0 {
			return g.DiskSize, sector, nil
		}
	}
	// Volumes (\\.\C:) answer the length query.
	var length int64
	if err := windows.DeviceIoControl(h, ioctlDiskGetLengthInfo, nil, 0, (*byte)(unsafe.Pointer(&length)), 8, &n, nil); err != nil {
		return 0, 0, err
	}
	return length, sector, nil
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
