// Package safeio holds the small bounded-read helpers every parser in
// actrescue uses on untrusted input: capped reads, overflow-checked
// arithmetic, and turning panics from third-party parsers into errors.
//
// It imports only the standard library. No API compatibility promise.
package safeio

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/debug"
)

// ErrTooLarge reports a length or count read from disk that exceeds the
// caller's cap. Callers branch on it with errors.Is.
var ErrTooLarge = errors.New("size exceeds limit")

// ErrOverflow reports an arithmetic overflow on untrusted sizes.
var ErrOverflow = errors.New("integer overflow")

// ErrPanic marks an error converted from a panic inside a third-party parser.
var ErrPanic = errors.New("parser panic")

// chunk is the largest single allocation ReadAt makes before the data has
// actually been read, so a lying size cannot make us allocate gigabytes.
const chunk = 1 << 20

// ReadAt reads exactly n bytes at off from r. n must be in [0, max];
// otherwise it returns ErrTooLarge without allocating. Large reads grow the
// buffer chunk by chunk so that a short source fails before a big allocation.
func ReadAt(r io.ReaderAt, off, n, max int64) ([]byte, error) {
	if n < 0 || off < 0 {
		return nil, fmt.Errorf("read %d bytes at offset %d: %w", n, off, ErrOverflow)
	}
	if n > max {
		return nil, fmt.Errorf("read %d bytes at offset %d (limit %d): %w", n, off, max, ErrTooLarge)
	}
	if off > math.MaxInt64-n {
		return nil, fmt.Errorf("read %d bytes at offset %d: %w", n, off, ErrOverflow)
	}
	if n <= chunk {
		buf := make([]byte, n)
		if _, err := readFullAt(r, buf, off); err != nil {
			return nil, err
		}
		return buf, nil
	}
	var buf []byte
	for done := int64(0); done < n; {
		step := min(n-done, int64(chunk))
		part := make([]byte, step)
		if _, err := readFullAt(r, part, off+done); err != nil {
			return nil, err
		}
		buf = append(buf, part...)
		done += step
	}
	return buf, nil
}

// readFullAt is io.ReadFull for ReaderAt: a short read is io.ErrUnexpectedEOF.
func readFullAt(r io.ReaderAt, buf []byte, off int64) (int, error) {
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		return n, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return n, fmt.Errorf("read %d bytes at offset %d: got %d: %w", len(buf), off, n, err)
}

// Mul returns a*b or ErrOverflow. Both must be non-negative.
func Mul(a, b int64) (int64, error) {
	if a < 0 || b < 0 {
		return 0, ErrOverflow
	}
	if a != 0 && b > math.MaxInt64/a {
		return 0, ErrOverflow
	}
	return a * b, nil
}

// Add returns a+b or ErrOverflow. Both must be non-negative.
func Add(a, b int64) (int64, error) {
	if a < 0 || b < 0 || a > math.MaxInt64-b {
		return 0, ErrOverflow
	}
	return a + b, nil
}

// InRange reports whether [off, off+n) lies within [0, size).
func InRange(off, n, size int64) bool {
	if off < 0 || n < 0 || size < 0 {
		return false
	}
	end, err := Add(off, n)
	return err == nil && end <= size
}

// Recover converts a panic into an error wrapping ErrPanic. Use it as
// `defer safeio.Recover(&err, "open hive")` at every adapter boundary.
// Note: a runtime out-of-memory is fatal and cannot be recovered; callers
// must cap sizes before third-party code allocates.
func Recover(err *error, what string) {
	r := recover()
	if r == nil {
		return
	}
	stack := debug.Stack()
	_ = stack // kept for debugging under a debugger; not shown to users
	*err = fmt.Errorf("%s: %w: %v", what, ErrPanic, r)
}
