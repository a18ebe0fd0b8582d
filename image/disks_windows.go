package image

import (
	"errors"
	"fmt"
)

// maxPhysicalDrives bounds the \\.\PhysicalDriveN probe.
const maxPhysicalDrives = 32

// ListLocalDisks lists the physical drives that open (\\.\PhysicalDrive0…).
// Access denied on every drive means the prompt is not elevated.
func ListLocalDisks() ([]string, error) {
	var out []string
	denied := 0
	for i := 0; i < maxPhysicalDrives; i++ {
		p := fmt.Sprintf(`\\.\PhysicalDrive%d`, i)
		t, err, _ := openRawDevice(p)
		switch {
		case err == nil:
			t.Close()
			out = append(out, p)
		case errors.Is(err, ErrPermission):
			denied++
		}
	}
	if len(out) == 0 && denied > 0 {
		return nil, fmt.Errorf("%w: the physical drives cannot be opened: run actrescue from an elevated prompt (Run as administrator), or from WinPE", ErrPermission)
	}
	return out, nil
}
