package fsutil

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// FreeSpace returns the bytes available to this user at dir.
func FreeSpace(dir string) (int64, error) {
	p, err := windows.UTF16PtrFromString(existingParent(dir))
	if err != nil {
		return 0, err
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return 0, err
	}
	return int64(avail), nil
}

const ioctlVolumeGetDiskExtents = 0x00560000

type diskExtent struct {
	DiskNumber     uint32
	_              uint32
	StartingOffset int64
	ExtentLength   int64
}

type volumeDiskExtents struct {
	Count   uint32
	_       uint32
	Extents [8]diskExtent
}

// SameDisk reports whether dest lies on the disk (\\.\PhysicalDriveN) or
// volume (\\.\C:) being read.
func SameDisk(source, dest string) (bool, string, error) {
	abs, err := filepath.Abs(existingParent(dest))
	if err != nil {
		return false, "", err
	}
	vol := filepath.VolumeName(abs) // "E:"
	if vol == "" {
		return false, "", ErrUnknown
	}
	src := strings.TrimRight(source, `\`)
	if strings.EqualFold(strings.TrimPrefix(src, `\\.\`), vol) {
		return true, "the destination is on the volume being read (" + vol + ")", nil
	}
	const prefix = `\\.\PHYSICALDRIVE`
	if !strings.HasPrefix(strings.ToUpper(src), prefix) {
		return false, "", nil
	}
	n, err := strconv.Atoi(src[len(prefix):])
	if err != nil {
		return false, "", nil
	}
	disks, err := volumeDisks(vol)
	if err != nil {
		return false, "", err
	}
	for _, d := range disks {
		if int(d) == n {
			return true, fmt.Sprintf("the destination %s is on PhysicalDrive%d, the disk being read", vol, n), nil
		}
	}
	return false, "", nil
}

func volumeDisks(vol string) ([]uint32, error) {
	name, err := windows.UTF16PtrFromString(`\\.\` + vol)
	if err != nil {
		return nil, err
	}
	h, err := windows.CreateFile(name, 0, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		return nil, err
	}
	defer windows.CloseHandle(h)
	var ext volumeDiskExtents
	var n uint32
	if err := windows.DeviceIoControl(h, ioctlVolumeGetDiskExtents, nil, 0, (*byte)(unsafe.Pointer(&ext)), uint32(unsafe.Sizeof(ext)), &n, nil); err != nil {
		return nil, err
	}
	var out []uint32
	for i := uint32(0); i < ext.Count && i < uint32(len(ext.Extents)); i++ {
		out = append(out, ext.Extents[i].DiskNumber)
	}
	return out, nil
}
