//go:build !linux && !windows

package image

import (
	"io"
	"os"
)

// charDevicesAreDisks is true: BSD and macOS raw disks (/dev/rdiskN) are
// character devices.
const charDevicesAreDisks = true

// deviceGeometry returns a device's size; the sector size is assumed to be
// 512 bytes until the platform reader (issue 8) asks the device.
func deviceGeometry(f *os.File) (int64, int, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, 0, err
	}
	return size, 512, nil
}

// openRawDevice handles platform device paths; none on this platform.
func openRawDevice(path string) (*Target, error, bool) { return nil, nil, false }
