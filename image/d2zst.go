package image

import (
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"

	"github.com/actrescue/actrescue/internal/safeio"
)

// d2zstMinMemory is the smallest decoder memory limit ReadD2Zst sets.
const d2zstMinMemory = 8 << 20

// ReadD2Zst decodes a delta-2 + zstd compressed image (the format of the
// committed fixtures and the embedded demo disk), refusing output larger
// than limit bytes.
func ReadD2Zst(r io.Reader, limit int64) ([]byte, error) {
	// The decoder caps its window at its memory limit; keep room for the
	// encoders' default 8 MiB window so small images decode under small
	// limits. The LimitReader enforces the limit itself.
	mem := max(uint64(limit)+1, d2zstMinMemory)
	dec, err := zstd.NewReader(r, zstd.WithDecoderMaxMemory(mem), zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	defer dec.Close()
	b, err := io.ReadAll(io.LimitReader(dec, limit+1))
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
		return nil, fmt.Errorf("zstd frame exceeds the %d-byte limit: %w: %w", limit, safeio.ErrTooLarge, err)
	}
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("decoded image exceeds %d bytes: %w", limit, safeio.ErrTooLarge)
	}
	for i := 2; i < len(b); i++ {
		b[i] += b[i-2]
	}
	return b, nil
}

// EncodeD2 applies the delta-2 transform in place (the inverse of the
// decoding step of ReadD2Zst); fixture tools compress the result with zstd.
func EncodeD2(b []byte) {
	for i := len(b) - 1; i >= 2; i-- {
		b[i] -= b[i-2]
	}
}
