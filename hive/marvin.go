package hive

import (
	"encoding/binary"
	"math/bits"
)

// hvleSeed is the Marvin32 seed of HvLE log entry hashes.
const hvleSeed = 0x82EF4D887A4E55C5

// marvin32 is the Marvin32 hash of data with a 64-bit seed (low word
// first, as in .NET): the result is hi<<32 | lo.
func marvin32(seed uint64, data []byte) uint64 {
	lo, hi := uint32(seed), uint32(seed>>32)
	block := func() {
		hi ^= lo
		lo = bits.RotateLeft32(lo, 20)
		lo += hi
		hi = bits.RotateLeft32(hi, 9)
		hi ^= lo
		lo = bits.RotateLeft32(lo, 27)
		lo += hi
		hi = bits.RotateLeft32(hi, 19)
	}
	for len(data) >= 4 {
		lo += binary.LittleEndian.Uint32(data)
		block()
		data = data[4:]
	}
	// Tail: the remaining 0–3 bytes, then a 0x80 marker byte.
	final := uint32(0x80) << (8 * uint(len(data)))
	for i, c := range data {
		final |= uint32(c) << (8 * uint(i))
	}
	lo += final
	block()
	block()
	return uint64(hi)<<32 | uint64(lo)
}

// LogHash is the Marvin32 hash transaction-log entries use (seed
// 0x82EF4D887A4E55C5). Exported for tools that build test logs.
func LogHash(data []byte) uint64 { return marvin32(hvleSeed, data) }
