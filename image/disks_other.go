//go:build !linux && !windows

package image

import "errors"

// ListLocalDisks is not implemented on this platform yet (issue 8).
func ListLocalDisks() ([]string, error) {
	return nil, errors.New("listing local disks is not supported on this platform yet; name a disk or image")
}
