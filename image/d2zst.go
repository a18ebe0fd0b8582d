package image

import (
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"

	"github.com/actrescue/actrescue/internal/safeio"
)

// ReadD2Zst decodes a delta-2 + zstd compressed image (the format of the
// committed fixtures and the embedded demo disk), refusing output larger
// than limit bytes.
func ReadD2Zst(r io.Reader, limit int64) ([]byte, error) {
	dec, err := zstd.NewReader(r, zstd.WithDecoderMaxMemory(uint64(limit)+1), zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	defer dec.Close()
	b, err := io.ReadAll(io.LimitReader(dec, limit+1))
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
