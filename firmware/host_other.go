//go:build !linux && !windows

package firmware

import (
	"fmt"
	"runtime"
)

// ReadHost is not supported on this OS: every part reports ErrNoTable.
func ReadHost() *HostInfo {
	err := fmt.Errorf("reading firmware tables on %s is not supported: %w (boot the machine into Linux or WinPE, or load an acpidump file)", runtime.GOOS, ErrNoTable)
	return &HostInfo{MSDMErr: err, SLICErr: err, DMIErr: err, Source: runtime.GOOS + " (unsupported)"}
}
