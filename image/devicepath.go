package image

import (
	"io/fs"
	"os"
	"strings"
)

// isRawDevicePath matches Windows device paths: \\.\PhysicalDriveN,
// \\.\C:, \\.\HarddiskVolumeN, \\?\Volume{…} and \\?\GLOBALROOT\….
func isRawDevicePath(p string) bool {
	return strings.HasPrefix(p, `\\.\`) || strings.HasPrefix(p, `\\?\Volume`) || strings.HasPrefix(p, `\\?\GLOBALROOT`)
}

// IsLocalDevice reports whether path names a device of this machine (a
// block device, or a Windows disk or volume path) rather than an image
// file or a folder: the firmware of the host then belongs to the target.
func IsLocalDevice(path string) bool {
	if isRawDevicePath(path) {
		return true
	}
	st, err := os.Stat(path)
	return err == nil && st.Mode()&fs.ModeDevice != 0
}
