// Package testenv locates test data for actrescue tests: the repository's
// own fixtures and the shared public corpus (../shared/testdata beside the
// repository, or $ACTRESCUE_SHARED_TESTDATA).
//
// It is imported only from _test.go files.
package testenv

import (
	"io"

	"github.com/ulikunitz/xz"
	"os"
	"path/filepath"
	"testing"
)

// EnvShared names the environment variable that overrides the shared corpus location.
const EnvShared = "ACTRESCUE_SHARED_TESTDATA"

// RepoRoot returns the module root (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// SharedTestdata returns the shared corpus directory, or skips the test
// with a message saying where it looked and how to point at it.
func SharedTestdata(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvShared)
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared", "testdata")
	}
	if _, err := os.Stat(filepath.Join(dir, "CATALOG.md")); err != nil {
		t.Skipf("shared test corpus not found at %s (set %s to its path): skipping corpus test", dir, EnvShared)
	}
	return dir
}

// SharedFile returns the path of a file inside the shared corpus, skipping
// the test when the corpus or the file is absent.
func SharedFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(SharedTestdata(t), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared corpus file %s missing: skipping", p)
	}
	return p
}

// Fixture returns the path of a file under the repository's testdata/.
// When $ACTRESCUE_FIXTURES is set (CI points it at freshly regenerated
// fixtures), files are taken from there instead.
func Fixture(t testing.TB, name string) string {
	t.Helper()
	dir := os.Getenv("ACTRESCUE_FIXTURES")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "testdata")
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture %s missing: run `make fixtures`", p)
	}
	return p
}

// SharedXZ returns the decompressed bytes of an xz file in the shared
// corpus, skipping the test when it is absent.
func SharedXZ(t testing.TB, rel string) []byte {
	t.Helper()
	f, err := os.Open(SharedFile(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := xz.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	b, err := io.ReadAll(io.LimitReader(r, 256<<20))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return b
}
