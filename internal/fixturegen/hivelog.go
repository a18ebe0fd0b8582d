package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"github.com/actrescue/actrescue/hive"
)

// hivelog writes what a power loss leaves behind: the primary hive still
// holds OLD (its sequence numbers now differ: dirty), and a new-format
// (HvLE) LOG1 holds the pages that turn it into NEW. A reader that replays
// the log sees NEW; one that does not sees OLD.
//
//	fixturegen hivelog OLD NEW OUT-PRIMARY OUT-LOG1
func hivelog(args []string) error {
	if len(args) != 4 {
		return errors.New("usage: fixturegen hivelog OLD NEW OUT-PRIMARY OUT-LOG1")
	}
	old, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	cur, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	if len(old) < 8192 || len(cur) < 8192 || string(old[:4]) != "regf" || string(cur[:4]) != "regf" {
		return errors.New("hivelog: both files must be hives")
	}
	le := binary.LittleEndian
	seq := le.Uint32(old[8:]) // last complete write
	next := seq + 1

	primary := bytes.Clone(old)
	le.PutUint32(primary[4:], next) // a write was started: dirty
	fixSum(primary)

	// Dirty pages: every 4 KiB page of NEW's bins that differs from OLD.
	type page struct {
		off  uint32
		data []byte
	}
	var pages []page
	for off := 4096; off < len(cur); off += 4096 {
		p := cur[off:min(off+4096, len(cur))]
		if off+len(p) <= len(old) && bytes.Equal(p, old[off:off+len(p)]) {
			continue
		}
		pages = append(pages, page{uint32(off - 4096), p})
	}
	size := 40 + 8*len(pages)
	for _, p := range pages {
		size += len(p.data)
	}
	size = (size + 511) / 512 * 512
	e := make([]byte, size)
	copy(e, "HvLE")
	le.PutUint32(e[4:], uint32(size))
	le.PutUint32(e[12:], next)
	le.PutUint32(e[16:], le.Uint32(cur[40:])) // hive bins size after the write
	le.PutUint32(e[20:], uint32(len(pages)))
	pos := 40 + 8*len(pages)
	for i, p := range pages {
		le.PutUint32(e[40+8*i:], p.off)
		le.PutUint32(e[44+8*i:], uint32(len(p.data)))
		pos += copy(e[pos:], p.data)
	}
	le.PutUint64(e[24:], hive.LogHash(e[40:]))
	le.PutUint64(e[32:], hive.LogHash(e[:32]))

	log := make([]byte, 512)
	copy(log, cur[:512])
	le.PutUint32(log[4:], next)
	le.PutUint32(log[8:], next)
	le.PutUint32(log[28:], 6) // new-format log
	fixSum(log)
	log = append(log, e...)
	if err := os.WriteFile(args[2], primary, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(args[3], log, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "hivelog: %d dirty pages, sequence %d -> %d\n", len(pages), seq, next)
	return nil
}

// fixSum recomputes a base block checksum.
func fixSum(b []byte) {
	var sum uint32
	for i := 0; i < 508; i += 4 {
		sum ^= binary.LittleEndian.Uint32(b[i:])
	}
	switch sum {
	case 0:
		sum = 1
	case 0xFFFFFFFF:
		sum = 0xFFFFFFFE
	}
	binary.LittleEndian.PutUint32(b[508:], sum)
}
