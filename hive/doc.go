// Package hive is actrescue's adapter over regparser
// (www.velocidex.com/golang/regparser): keys by path, typed values, the
// base block (sequence numbers, dirty state, last write time).
//
// # Contract
//
// Read-only. Paths are relative to the hive root, separated by '\' or '/',
// and match case-insensitively. Names are decoded (ASCII-compressed or
// UTF-16LE), string values lose their trailing NULs. Missing keys and values
// give ErrKeyNotFound and ErrValueNotFound; a value of another type gives
// ErrWrongType.
//
// # Threat model
//
// Hives come from failing disks and may be truncated, dirty or hostile.
// The hive is read through a bounded page cache, never loaded whole.
// regparser is used for the cell structures; this package walks subkey
// lists and value lists itself, with bounded counts and index depth, and
// extracts value data itself with the length capped by the cell size and
// Options.MaxValueSize, because regparser trusts counts and lengths and
// reads data one byte per call. Panics inside regparser are recovered and
// become errors wrapping safeio.ErrPanic.
package hive
