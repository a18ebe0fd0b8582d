//go:build !linux && !windows

package fsutil

// FreeSpace is not known on this platform yet.
func FreeSpace(dir string) (int64, error) { return 0, ErrUnknown }

// SameDisk is not known on this platform yet (issue 8 adds Windows).
func SameDisk(source, dest string) (bool, string, error) { return false, "", ErrUnknown }
