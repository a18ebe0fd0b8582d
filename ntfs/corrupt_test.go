package ntfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/actrescue/actrescue/internal/safeio"
)

// Layout of vol-win11home: 512-byte sectors, 4 KiB clusters, $MFT at
// cluster 4 with 1 KiB records (checked by TestFixtureLayout).
const (
	mftOff  = 4 * 4096
	recSize = 1024
)

func TestFixtureLayout(t *testing.T) {
	b := win11Volume(t)
	if len(b) != 16<<20 || binary.LittleEndian.Uint64(b[48:]) != 4 || b[13] != 8 || int8(b[64]) != -10 {
		t.Fatalf("vol-win11home layout changed: size %d, $MFT cluster %d, spc %d, record code %d",
			len(b), binary.LittleEndian.Uint64(b[48:]), b[13], int8(b[64]))
	}
	if !bytes.HasPrefix(b[mftOff:], []byte("FILE")) || !bytes.HasPrefix(b[mftOff+5*recSize:], []byte("FILE")) {
		t.Fatal("no FILE records at the $MFT")
	}
}

type bootPatch struct {
	name  string
	patch func(b []byte)
}

func put16(off int, v uint16) func([]byte) {
	return func(b []byte) { binary.LittleEndian.PutUint16(b[off:], v) }
}

func put64(off int, v uint64) func([]byte) {
	return func(b []byte) { binary.LittleEndian.PutUint64(b[off:], v) }
}

func putByte(off int, v byte) func([]byte) {
	return func(b []byte) { b[off] = v }
}

func TestCheckBootRejects(t *testing.T) {
	vol := win11Volume(t)
	size := int64(len(vol))
	clusters := uint64(size / 4096)
	bad := []bootPatch{
		{"OEM id MSDOS5.0", func(b []byte) { copy(b[3:], "MSDOS5.0") }},
		{"OEM id lower case", func(b []byte) { copy(b[3:], "ntfs    ") }},
		{"OEM id zeroed", func(b []byte) { clear(b[3:11]) }},
		{"bytes/sector 0", put16(11, 0)},
		{"bytes/sector 100", put16(11, 100)},
		{"bytes/sector 128", put16(11, 128)},
		{"bytes/sector 768", put16(11, 768)},
		{"bytes/sector 8192", put16(11, 8192)},
		{"bytes/sector 65535", put16(11, 65535)},
		{"sectors/cluster 0", putByte(13, 0)},
		{"sectors/cluster 3", putByte(13, 3)},
		{"sectors/cluster 0x81", putByte(13, 0x81)}, // 2^127
		{"cluster shift 0xE0", putByte(13, 0xE0)},   // 2^32
		{"cluster shift 0xEF", putByte(13, 0xEF)},   // 2^17
		{"cluster 4 MiB", func(b []byte) { b[13] = 0xF4; binary.LittleEndian.PutUint16(b[11:], 1024) }},
		{"total sectors 0", put64(40, 0)},
		{"total sectors 2^63", put64(40, 1<<63)},
		{"total sectors 2^48+1", put64(40, 1<<48+1)},
		{"$MFT cluster 0", put64(48, 0)},
		{"$MFT cluster beyond the volume", put64(48, clusters+1)},
		{"$MFT cluster at the volume end", put64(48, clusters)},
		{"$MFT cluster 2^62", put64(48, 1<<62)},
		{"$MFT cluster -1", put64(48, ^uint64(0))},
		{"MFT record size code 0", putByte(64, 0)},
		{"MFT record size code -30", putByte(64, 0xE2)},
		{"MFT record size code -8", putByte(64, 0xF8)},   // 256 bytes
		{"MFT record size code -17", putByte(64, 0xEF)},  // 128 KiB
		{"MFT record size code -128", putByte(64, 0x80)}, // -(-128) overflows int8
		{"MFT record size 17 clusters", putByte(64, 17)},
		{"MFT record size 127 clusters", putByte(64, 127)},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			boot := bytes.Clone(vol[:512])
			tc.patch(boot)
			if err := checkBoot(boot, size); !errors.Is(err, ErrNotNTFS) {
				t.Errorf("checkBoot = %v, want ErrNotNTFS", err)
			}
			v, err := Open(&overlay{base: vol, patch: boot}, size)
			if !errors.Is(err, ErrNotNTFS) || v != nil {
				t.Errorf("Open = %v, %v; want ErrNotNTFS", v, err)
			}
		})
	}
}

func TestCheckBootAccepts(t *testing.T) {
	vol := win11Volume(t)
	size := int64(len(vol))
	good := []bootPatch{
		{"unchanged", func([]byte) {}},
		{"last cluster for $MFT", put64(48, uint64(size/4096-1))},
		{"128 sectors/cluster", putByte(13, 0x80)},
		{"2 MiB clusters (shift 0xF4)", putByte(13, 0xF4)},
		{"record size code -9", putByte(64, 0xF7)},
		{"record size code -16", putByte(64, 0xF0)},
		{"record size 1 cluster", putByte(64, 1)},
		{"record size 16 clusters", putByte(64, 16)},
		{"4096-byte sectors", func(b []byte) { binary.LittleEndian.PutUint16(b[11:], 4096); b[13] = 1 }},
		{"256-byte sectors", put16(11, 256)},
		{"total sectors beyond the image", put64(40, 1<<40)},
	}
	for _, tc := range good {
		boot := bytes.Clone(vol[:512])
		tc.patch(boot)
		if err := checkBoot(boot, size); err != nil {
			t.Errorf("%s: checkBoot = %v", tc.name, err)
		}
	}
}

func TestOpenTooSmall(t *testing.T) {
	vol := win11Volume(t)
	for _, size := range []int64{0, 511, 512, 64<<10 - 1} {
		if _, err := Open(bytes.NewReader(vol), size); !errors.Is(err, ErrNotNTFS) {
			t.Errorf("Open(size %d) = %v, want ErrNotNTFS", size, err)
		}
	}
	// A reader shorter than the boot sector.
	_, err := Open(bytes.NewReader(vol[:100]), 1<<20)
	if err == nil || !strings.Contains(err.Error(), "boot sector") {
		t.Errorf("Open(100-byte reader) = %v, want a boot sector error", err)
	}
	// Zeros and a non-NTFS boot sector.
	if _, err := Open(bytes.NewReader(make([]byte, 1<<20)), 1<<20); !errors.Is(err, ErrNotNTFS) {
		t.Errorf("Open(zeros) = %v, want ErrNotNTFS", err)
	}
}

// exercise calls every read path of v, failing on a panic that escaped.
func exercise(t *testing.T, v *Volume) (errs []error) {
	t.Helper()
	_ = v.State()
	for _, p := range []string{pSoftware, pTokens, pReadme, "", "Windows", "hiberfil.sys"} {
		if _, err := v.Stat(p); err != nil {
			errs = append(errs, err)
		}
		if l, err := v.ReadDir(p); err != nil {
			errs = append(errs, err)
		} else {
			for _, fi := range l {
				_, err := v.Stat(fi.Path)
				errs = append(errs, err)
			}
		}
		f, err := v.Open(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, err := readAll(f); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func TestOpenZeroedMFT(t *testing.T) {
	vol := win11Volume(t)
	for _, tc := range []struct {
		name    string
		off, n  int
		openErr bool
	}{
		{"whole $MFT", mftOff, 96 << 10, true},
		{"record 0 ($MFT)", mftOff, recSize, true},
		{"record 5 (root)", mftOff + 5*recSize, recSize, true},
		{"record 3 ($Volume)", mftOff + 3*recSize, recSize, false},
		{"record 66 (Windows)", mftOff + 66*recSize, recSize, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Open(&overlay{base: vol, off: int64(tc.off), patch: make([]byte, tc.n)}, int64(len(vol)))
			if errors.Is(err, safeio.ErrPanic) {
				t.Logf("go-ntfs panicked (recovered): %v", err)
			}
			if tc.openErr {
				if err == nil {
					t.Fatal("Open succeeded on a zeroed $MFT")
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			exercise(t, v)
			if tc.name == "record 3 ($Volume)" && v.State().Label != "" {
				t.Errorf("label %q read from a zeroed $Volume", v.State().Label)
			}
			if tc.name == "record 66 (Windows)" {
				if _, err := v.Stat(pSoftware); err == nil {
					t.Error("Stat under a zeroed directory record succeeded")
				}
			}
		})
	}
}

func TestOpenTruncated(t *testing.T) {
	vol := win11Volume(t)
	head := vol[:1<<20]
	// The image holds 1 MiB and says so: files beyond it are missing.
	v, err := Open(bytes.NewReader(head), int64(len(head)))
	if err == nil {
		for _, err := range exercise(t, v) {
			if errors.Is(err, safeio.ErrPanic) {
				t.Logf("recovered panic: %v", err)
			}
		}
		if _, err := v.Stat(pTokens); err == nil {
			t.Error("Stat(tokens.dat) succeeded on a 1 MiB volume")
		}
	}
	// The partition says 16 MiB but the image stops at 1 MiB: a read
	// error, not "not found" and not zero-filled data.
	v, err = Open(bytes.NewReader(head), int64(len(vol)))
	if err != nil {
		t.Logf("Open: %v", err)
		return
	}
	exercise(t, v)
	for _, p := range []string{pTokens, pSoftware} {
		_, err := v.Stat(p)
		if err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("Stat(%s) on a truncated image = %v, want a read error", p, err)
			continue
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "offset") {
			t.Errorf("Stat(%s) = %v, want io.ErrUnexpectedEOF with the offset", p, err)
		}
	}
}

// TestOpenFlippedMFT flips random bytes in MFT records 0-40: errors are
// fine, an escaped panic or a hang is not.
func TestOpenFlippedMFT(t *testing.T) {
	vol := win11Volume(t)
	iters := 200
	if testing.Short() {
		iters = 40
	}
	region := vol[mftOff : mftOff+41*recSize]
	var opened, failed, panics int
	for seed := range iters {
		rng := rand.New(rand.NewPCG(uint64(seed), 0x6e746673))
		patch := bytes.Clone(region)
		for range 1 + rng.IntN(32) {
			i := rng.IntN(len(patch))
			patch[i] ^= byte(1 + rng.IntN(255))
		}
		done := make(chan []error, 1)
		go func() {
			v, err := Open(&overlay{base: vol, off: mftOff, patch: patch}, int64(len(vol)))
			if err != nil {
				done <- []error{err, errOpenFailed}
				return
			}
			done <- exercise(t, v)
		}()
		select {
		case errs := <-done:
			if len(errs) == 2 && errs[1] == errOpenFailed {
				failed++
			} else {
				opened++
			}
			for _, err := range errs {
				if errors.Is(err, safeio.ErrPanic) {
					panics++
					break
				}
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("seed %d: no result after 10 s (go-ntfs loops?)", seed)
		}
	}
	t.Logf("%d iterations: %d opened, %d refused, %d with a recovered go-ntfs panic", iters, opened, failed, panics)
}

var errOpenFailed = fmt.Errorf("open failed")

// attrOffset returns the offset in vol of the first attribute of type typ
// in MFT record rec, or -1.
func attrOffset(vol []byte, rec int, typ uint32) int {
	base := mftOff + rec*recSize
	off := base + int(binary.LittleEndian.Uint16(vol[base+0x14:]))
	for off+8 <= base+recSize {
		t := binary.LittleEndian.Uint32(vol[off:])
		n := int(binary.LittleEndian.Uint32(vol[off+4:]))
		if t == 0xFFFFFFFF || n <= 0 {
			return -1
		}
		if t == typ {
			return off
		}
		off += n
	}
	return -1
}

// TestHugeDirectoryIndex: a directory whose $INDEX_ALLOCATION claims
// petabytes made go-ntfs loop and allocate without end (found by FuzzOpen).
func TestHugeDirectoryIndex(t *testing.T) {
	vol := win11Volume(t)
	at := attrOffset(vol, 5, 0xA0)
	if at < 0 || vol[at+8] != 1 {
		t.Fatal("no non-resident $INDEX_ALLOCATION in the root record")
	}
	for _, size := range []uint64{1 << 52, 1 << 62, uint64(len(vol)) + 4096} {
		patch := make([]byte, 8)
		binary.LittleEndian.PutUint64(patch, size) // real size
		r := &overlay{base: vol, off: int64(at + 0x30), patch: patch}
		done := make(chan error, 1)
		go func() {
			v, err := Open(r, int64(len(vol)))
			if err != nil {
				done <- err
				return
			}
			st := v.State()
			if st.Hibernation == HiberNone {
				t.Errorf("size %d: State %+v: hiberfil.sys could not be looked up", size, st)
			}
			if _, err := v.ReadDir(""); err == nil {
				t.Errorf("size %d: ReadDir(root) succeeded", size)
			}
			_, err = v.Stat(pSoftware)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "index") {
				t.Errorf("size %d: Stat = %v, want a corrupt-index error", size, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("size %d: lookup still running after 10 s", size)
		}
	}
}
