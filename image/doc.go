// Package image opens inspection targets read-only (disk image files, block
// devices, in-memory images), finds their partitions (GPT with 512- or
// 4096-byte logical sectors, MBR with extended/logical partitions, or no
// table at all) and classifies each partition by its content.
//
// # Contract
//
// Targets are opened with O_RDONLY; this package has no write path. Every
// partition gets a reader bounded to its extent: reads past its end fail.
// A Target counts the bytes and read calls it serves, so callers can report
// what a scan cost.
//
// # Threat model
//
// Partition tables come from failing or hostile disks. Entry counts, entry
// sizes, offsets and EBR chains are bounded and checked against the target
// size before anything is allocated or followed; a loop in an EBR chain is
// detected. Panics from go-diskfs are recovered and returned as errors
// wrapping safeio.ErrPanic. A damaged table never stops the scan of the
// partitions that can still be located.
package image
