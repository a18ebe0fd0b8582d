package image

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// charDevicesAreDisks is false: Linux disks are block devices, and a
// character device (/dev/null, a tty) is not a disk.
const charDevicesAreDisks = false

// deviceGeometry returns a block device's size and logical sector size.
func deviceGeometry(f *os.File) (int64, int, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, 0, err
	}
	sector, err := unix.IoctlGetInt(int(f.Fd()), unix.BLKSSZGET)
	if err != nil || sector < 512 || sector > 65536 || sector&(sector-1) != 0 {
		sector = 512
	}
	return size, sector, nil
}

// openRawDevice handles platform device paths; Linux devices are files.
func openRawDevice(path string) (*Target, error, bool) { return nil, nil, false }
