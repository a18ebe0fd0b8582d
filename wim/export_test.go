package wim

import "testing"

// Generated gives the external tests (scan_test.go) the directory of
// WIMs built by testdata/gen/mkwim.sh, or skips without wimlib-imagex.
func Generated(t testing.TB) string { return generated(t) }
