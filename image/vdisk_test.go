package image

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/actrescue/actrescue/internal/testenv"
)

// ---------------------------------------------------------------------------
// An in-memory VHD builder (dynamic and differencing disks), written from
// the VHD specification independently of the reader's parsing code.

type vhdLoc struct {
	code string
	data []byte
}

type vhdBlock struct {
	bitmap []byte
	data   []byte
}

type vhdBuild struct {
	size, bs   int64
	diskType   uint32
	uuid       [16]byte
	parentUUID [16]byte
	parentName string
	locators   []vhdLoc
	blocks     map[int64]*vhdBlock
}

func roundUp(v, to int64) int64 { return (v + to - 1) / to * to }

func utf16Bytes(s string, order binary.ByteOrder) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		order.PutUint16(b[2*i:], c)
	}
	return b
}

// newDynamicVHD allocates a block for every bs-sized piece of data that is not all zero.
func newDynamicVHD(data []byte, bs int64, id byte) *vhdBuild {
	v := &vhdBuild{size: int64(len(data)), bs: bs, diskType: 3, blocks: map[int64]*vhdBlock{}}
	v.uuid[0], v.uuid[15] = id, 0x42
	for blk := int64(0); blk*bs < v.size; blk++ {
		piece := data[blk*bs : min((blk+1)*bs, v.size)]
		if isZero(piece) {
			continue
		}
		b := v.block(blk)
		for i := range b.bitmap {
			b.bitmap[i] = 0xFF
		}
		copy(b.data, piece)
	}
	return v
}

// newDiffVHD is a differencing child of parent (by name) with the given sectors written.
func newDiffVHD(size, bs int64, parentName string, parentUUID [16]byte, id byte, writes map[int64]byte) *vhdBuild {
	v := &vhdBuild{size: size, bs: bs, diskType: 4, parentName: parentName, parentUUID: parentUUID, blocks: map[int64]*vhdBlock{}}
	v.uuid[0], v.uuid[15] = id, 0x42
	for s, fill := range writes {
		b := v.block(s * 512 / bs)
		in := s * 512 % bs / 512
		b.bitmap[in/8] |= 0x80 >> (in % 8)
		for i := range int64(512) {
			b.data[in*512+i] = fill
		}
	}
	return v
}

func (v *vhdBuild) block(i int64) *vhdBlock {
	if b, ok := v.blocks[i]; ok {
		return b
	}
	b := &vhdBlock{bitmap: make([]byte, roundUp(v.bs/512/8, 512)), data: make([]byte, v.bs)}
	v.blocks[i] = b
	return b
}

func (v *vhdBuild) bytes() []byte {
	entries := (v.size + v.bs - 1) / v.bs
	batOff := int64(1536)
	pos := batOff + roundUp(entries*4, 512)
	bat := make([]uint32, entries)
	for i := range bat {
		bat[i] = 0xFFFFFFFF
	}
	var idx []int64
	for i := range v.blocks {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
	blockAt := map[int64]int64{}
	for _, i := range idx {
		blockAt[i] = pos
		bat[i] = uint32(pos / 512)
		pos += int64(len(v.blocks[i].bitmap)) + v.bs
	}
	locAt := make([]int64, len(v.locators))
	for i, l := range v.locators {
		locAt[i] = pos
		pos += roundUp(int64(len(l.data)), 512)
	}
	img := make([]byte, pos+512)

	f := make([]byte, 512)
	copy(f, "conectix")
	be.PutUint32(f[8:], 2)
	be.PutUint32(f[12:], 0x00010000)
	be.PutUint64(f[16:], 512)
	copy(f[28:], "actr")
	be.PutUint32(f[32:], 0x00010000)
	copy(f[36:], "Wi2k")
	be.PutUint64(f[40:], uint64(v.size))
	be.PutUint64(f[48:], uint64(v.size))
	be.PutUint32(f[60:], v.diskType)
	copy(f[68:], v.uuid[:])
	be.PutUint32(f[64:], vhdTestChecksum(f, 64))
	copy(img, f)
	copy(img[pos:], f)

	h := img[512:1536]
	copy(h, "cxsparse")
	be.PutUint64(h[8:], 0xFFFFFFFFFFFFFFFF)
	be.PutUint64(h[16:], uint64(batOff))
	be.PutUint32(h[24:], 0x00010000)
	be.PutUint32(h[28:], uint32(entries))
	be.PutUint32(h[32:], uint32(v.bs))
	copy(h[40:], v.parentUUID[:])
	copy(h[64:576], utf16Bytes(v.parentName, binary.BigEndian))
	for i, l := range v.locators {
		e := h[576+24*i:]
		copy(e, l.code)
		be.PutUint32(e[4:], uint32(roundUp(int64(len(l.data)), 512)/512))
		be.PutUint32(e[8:], uint32(len(l.data)))
		be.PutUint64(e[16:], uint64(locAt[i]))
		copy(img[locAt[i]:], l.data)
	}
	be.PutUint32(h[36:], vhdTestChecksum(h, 36))

	for i, b := range bat {
		be.PutUint32(img[batOff+int64(4*i):], b)
	}
	for _, i := range idx {
		b := v.blocks[i]
		copy(img[blockAt[i]:], b.bitmap)
		copy(img[blockAt[i]+int64(len(b.bitmap)):], b.data)
	}
	return img
}

// vhdTestChecksum: one's complement of the byte sum, the checksum field counted as zero.
func vhdTestChecksum(b []byte, field int) uint32 {
	c := bytes.Clone(b)
	copy(c[field:field+4], make([]byte, 4))
	var sum uint32
	for _, x := range c {
		sum += uint32(x)
	}
	return ^sum
}

// testPattern is size bytes of position-dependent data with zero runs.
func testPattern(size int64) []byte {
	b := make([]byte, size)
	for i := range b {
		if (i/65536)%3 != 1 {
			b[i] = byte(i*7 + i/512)
		}
	}
	return b
}

// readAll reads the whole target and hashes it.
func readAllTarget(tb testing.TB, tg *Target) []byte {
	tb.Helper()
	b := make([]byte, tg.Size)
	if n, err := tg.ReadAt(b, 0); int64(n) != tg.Size || err != nil {
		tb.Fatalf("read the whole %d-byte %s: %d, %v", tg.Size, tg.Kind, n, err)
	}
	return b
}

func hashTarget(tb testing.TB, tg *Target, h hash.Hash) string {
	tb.Helper()
	n, err := io.Copy(h, io.NewSectionReader(tg, 0, tg.Size))
	if err != nil || n != tg.Size {
		tb.Fatalf("read %s: %d of %d bytes: %v", tg.Path, n, tg.Size, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkEnd: reads past the end give io.EOF, reads crossing it are truncated with io.EOF.
func checkEnd(t *testing.T, tg *Target, want []byte) {
	t.Helper()
	for _, r := range []io.ReaderAt{tg, tg.r} {
		buf := make([]byte, 4096)
		n, err := r.ReadAt(buf, tg.Size-100)
		if n != 100 || err != io.EOF || !bytes.Equal(buf[:100], want[len(want)-100:]) {
			t.Errorf("%T: read across the end: %d, %v", r, n, err)
		}
		if n, err := r.ReadAt(buf, tg.Size); n != 0 || err != io.EOF {
			t.Errorf("%T: read at the end: %d, %v", r, n, err)
		}
		if n, err := r.ReadAt(buf, tg.Size+1<<20); n != 0 || err != io.EOF {
			t.Errorf("%T: read past the end: %d, %v", r, n, err)
		}
	}
}

func wantErr(t *testing.T, err error, target error, parts ...string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func mustOpen(t *testing.T, path string) *Target {
	t.Helper()
	tg, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	return tg
}

func writeFile(t *testing.T, path string, b []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ---------------------------------------------------------------------------

func TestContainerKindStrings(t *testing.T) {
	for k, s := range map[Kind]string{KindFile: "image-file", KindDevice: "block-device", KindMemory: "memory",
		KindVHD: "vhd", KindVHDX: "vhdx", KindVMDK: "vmdk", KindEWF: "ewf", KindQCOW2: "qcow2", Kind(99): "unknown"} {
		if k.String() != s {
			t.Errorf("Kind(%d) = %q, want %q", k, k.String(), s)
		}
	}
}

func TestVHDDynamic(t *testing.T) {
	const bs = 512 << 10
	data := testPattern(5*bs/2 + 4096) // last block partly used; block 1 partly zero
	img := newDynamicVHD(data, bs, 1).bytes()
	path := writeTemp(t, "dyn.vhd", img)
	tg := mustOpen(t, path)
	if tg.Kind != KindVHD || tg.Size != int64(len(data)) || tg.SectorSize != 512 || len(tg.Warnings) != 0 || tg.Path != path {
		t.Fatalf("target %+v", tg)
	}
	if got := readAllTarget(t, tg); !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
	checkEnd(t, tg, data)

	mem, err := OpenImageReader("mem.vhd", bytes.NewReader(img), int64(len(img)))
	if err != nil || mem.Kind != KindVHD || !bytes.Equal(readAllTarget(t, mem), data) {
		t.Fatalf("OpenImageReader: %v %+v", err, mem)
	}
	// Raw data through OpenImageReader stays raw.
	raw, err := OpenImageReader("raw", bytes.NewReader(data), int64(len(data)))
	if err != nil || raw.Kind != KindMemory || raw.Size != int64(len(data)) {
		t.Fatalf("raw: %v %+v", err, raw)
	}
}

// TestVHDFixed: a fixed VHD is the raw disk plus a footer.
func TestVHDFixed(t *testing.T) {
	data := testPattern(1 << 20)
	foot := bytes.Clone(newDynamicVHD(data, 512<<10, 2).bytes()[:512])
	be.PutUint64(foot[16:], 0xFFFFFFFFFFFFFFFF)
	be.PutUint32(foot[60:], 2)
	be.PutUint32(foot[64:], vhdTestChecksum(foot, 64))
	img := append(bytes.Clone(data), foot...)

	tg := mustOpen(t, writeTemp(t, "fixed.vhd", img))
	if tg.Kind != KindVHD || tg.Size != int64(len(data)) || len(tg.Warnings) != 0 || !bytes.Equal(readAllTarget(t, tg), data) {
		t.Fatalf("fixed: %+v", tg)
	}
	checkEnd(t, tg, data)

	// A bad checksum on a consistent footer: read on, with a warning.
	bad := bytes.Clone(img)
	bad[len(bad)-512+100] ^= 1
	tg = mustOpen(t, writeTemp(t, "fixed-bad.vhd", bad))
	if tg.Kind != KindVHD || len(tg.Warnings) != 1 || !strings.Contains(tg.Warnings[0], "checksum") {
		t.Fatalf("bad checksum: %+v", tg)
	}

	// A raw disk whose last sector merely starts with the cookie stays raw.
	look := bytes.Clone(data)
	copy(look[len(look)-512:], "conectix garbage")
	tg = mustOpen(t, writeTemp(t, "raw.img", look))
	if tg.Kind != KindFile || tg.Size != int64(len(look)) {
		t.Fatalf("look-alike: %+v", tg)
	}
}

func TestVHDDifferencing(t *testing.T) {
	const bs = 512 << 10
	size := int64(3 * bs)
	base := testPattern(size)
	parent := newDynamicVHD(base, bs, 1)
	writes := map[int64]byte{0: 0xA1, 7: 0xA2, 8: 0xA3, 1025: 0xA4, 2047: 0xA5, 3071: 0xA6}
	want := bytes.Clone(base)
	for s, v := range writes {
		copy(want[s*512:(s+1)*512], bytes.Repeat([]byte{v}, 512))
	}

	dir := t.TempDir()
	parentPath := writeFile(t, filepath.Join(dir, "base", "parent.vhd"), parent.bytes())
	for _, tc := range []struct {
		name     string
		locators []vhdLoc
		pname    string
		at       string // where the parent is
	}{
		{"relative locator", []vhdLoc{{"W2ru", utf16Bytes(`.\base\parent.vhd`, binary.LittleEndian)}}, "other-name.vhd", parentPath},
		{"absolute locator", []vhdLoc{{"W2ku", utf16Bytes(parentPath, binary.LittleEndian)}}, "", parentPath},
		{"MacX locator", []vhdLoc{{"MacX", []byte("file://" + parentPath)}}, "", parentPath},
		{"by name", nil, `C:\VMs\parent.vhd`, filepath.Join(dir, "parent.vhd")},
		{"by locator name when its path is stale", []vhdLoc{{"W2ku", utf16Bytes(`D:\gone\parent.vhd`, binary.LittleEndian)}}, "", filepath.Join(dir, "parent.vhd")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.at != parentPath {
				writeFile(t, tc.at, parent.bytes())
				defer os.Remove(tc.at)
			}
			c := newDiffVHD(size, bs, tc.pname, parent.uuid, 2, writes)
			c.locators = tc.locators
			tg := mustOpen(t, writeFile(t, filepath.Join(dir, "child.vhd"), c.bytes()))
			if tg.Kind != KindVHD || tg.Size != size || len(tg.Warnings) != 0 {
				t.Fatalf("target %+v", tg)
			}
			if !bytes.Equal(readAllTarget(t, tg), want) {
				t.Fatal("content differs")
			}
			checkEnd(t, tg, want)
		})
	}

	t.Run("grandchild", func(t *testing.T) {
		d := t.TempDir()
		writeFile(t, filepath.Join(d, "parent.vhd"), parent.bytes())
		child := newDiffVHD(size, bs, "parent.vhd", parent.uuid, 2, writes)
		writeFile(t, filepath.Join(d, "child.vhd"), child.bytes())
		more := map[int64]byte{7: 0xB1, 9: 0xB2, 2048: 0xB3}
		grand := newDiffVHD(size, bs, "child.vhd", child.uuid, 3, more)
		tg := mustOpen(t, writeFile(t, filepath.Join(d, "grand.vhd"), grand.bytes()))
		w := bytes.Clone(want)
		for s, v := range more {
			copy(w[s*512:(s+1)*512], bytes.Repeat([]byte{v}, 512))
		}
		if len(tg.Warnings) != 0 || !bytes.Equal(readAllTarget(t, tg), w) {
			t.Fatalf("grandchild: warnings %q or content differs", tg.Warnings)
		}
		// Unaligned reads across sector and bitmap-run boundaries.
		for _, r := range [][2]int64{{7*512 - 3, 1030}, {2047*512 + 100, 600}, {bs - 1, 2}} {
			buf := make([]byte, r[1])
			if n, err := tg.ReadAt(buf, r[0]); n != len(buf) || err != nil || !bytes.Equal(buf, w[r[0]:r[0]+r[1]]) {
				t.Errorf("read %d@%d: %d %v", r[1], r[0], n, err)
			}
		}
	})

	t.Run("parent id mismatch warns", func(t *testing.T) {
		d := t.TempDir()
		writeFile(t, filepath.Join(d, "parent.vhd"), parent.bytes())
		c := newDiffVHD(size, bs, "parent.vhd", [16]byte{9, 9, 9}, 2, writes)
		tg := mustOpen(t, writeFile(t, filepath.Join(d, "child.vhd"), c.bytes()))
		if len(tg.Warnings) != 1 || !strings.Contains(tg.Warnings[0], "expects") || !bytes.Equal(readAllTarget(t, tg), want) {
			t.Fatalf("warnings %q", tg.Warnings)
		}
	})

	t.Run("missing parent", func(t *testing.T) {
		d := t.TempDir()
		c := newDiffVHD(size, bs, "gone.vhd", parent.uuid, 2, writes)
		c.locators = []vhdLoc{{"W2ru", utf16Bytes(`..\elsewhere\gone.vhd`, binary.LittleEndian)}}
		p := writeFile(t, filepath.Join(d, "child.vhd"), c.bytes())
		_, err := Open(p)
		wantErr(t, err, ErrMissingFile, p, filepath.Join(filepath.Dir(d), "elsewhere", "gone.vhd"), filepath.Join(d, "gone.vhd"))
		// In memory there is no file system to look in.
		_, err = OpenImageReader("child.vhd", bytes.NewReader(c.bytes()), int64(len(c.bytes())))
		wantErr(t, err, ErrMissingFile, "gone.vhd")
	})

	t.Run("chain loop", func(t *testing.T) {
		d := t.TempDir()
		a := newDiffVHD(size, bs, "b.vhd", [16]byte{}, 2, writes)
		b := newDiffVHD(size, bs, "a.vhd", [16]byte{}, 3, nil)
		pa := writeFile(t, filepath.Join(d, "a.vhd"), a.bytes())
		writeFile(t, filepath.Join(d, "b.vhd"), b.bytes())
		_, err := Open(pa)
		wantErr(t, err, ErrDamagedImage, "loop", pa)
		self := writeFile(t, filepath.Join(d, "self.vhd"), newDiffVHD(size, bs, "self.vhd", [16]byte{}, 4, nil).bytes())
		_, err = Open(self)
		wantErr(t, err, ErrDamagedImage, "loop", self)
	})

	t.Run("chain depth", func(t *testing.T) {
		d := t.TempDir()
		writeFile(t, filepath.Join(d, "d0.vhd"), newDynamicVHD(make([]byte, bs), bs, 1).bytes())
		for i := 1; i <= maxChainDepth+1; i++ {
			writeFile(t, filepath.Join(d, fmt.Sprintf("d%d.vhd", i)), newDiffVHD(bs, bs, fmt.Sprintf("d%d.vhd", i-1), [16]byte{}, byte(i), map[int64]byte{int64(i): byte(i)}).bytes())
		}
		// 16 differencing disks above the base: fine (with id warnings).
		tg := mustOpen(t, filepath.Join(d, fmt.Sprintf("d%d.vhd", maxChainDepth)))
		got := readAllTarget(t, tg)
		for i := 1; i <= maxChainDepth; i++ {
			if got[i*512] != byte(i) {
				t.Errorf("sector %d = %#x", i, got[i*512])
			}
		}
		_, err := Open(filepath.Join(d, fmt.Sprintf("d%d.vhd", maxChainDepth+1)))
		wantErr(t, err, ErrDamagedImage, "deeper than 16")
	})
}

func TestVHDCorruption(t *testing.T) {
	const bs = 512 << 10
	data := testPattern(3 * bs)
	good := newDynamicVHD(data, bs, 1).bytes()
	footer := len(good) - 512

	t.Run("truncated footer", func(t *testing.T) {
		_, err := Open(writeTemp(t, "short.vhd", good[:300]))
		wantErr(t, err, ErrDamagedImage, "footer truncated", "300 bytes")
	})
	t.Run("footer gone, good copy", func(t *testing.T) {
		tg := mustOpen(t, writeTemp(t, "cut.vhd", good[:footer]))
		if len(tg.Warnings) != 1 || !strings.Contains(tg.Warnings[0], "no footer at the end") {
			t.Fatalf("warnings %q", tg.Warnings)
		}
		if !bytes.Equal(readAllTarget(t, tg), data) {
			t.Fatal("content differs")
		}
	})
	t.Run("bad footer checksum, good copy", func(t *testing.T) {
		b := bytes.Clone(good)
		b[footer+200] ^= 0x55 // reserved byte: only the checksum notices
		tg := mustOpen(t, writeTemp(t, "badsum.vhd", b))
		if len(tg.Warnings) != 1 || !strings.Contains(tg.Warnings[0], "checksum") || !strings.Contains(tg.Warnings[0], "copy at offset 0") {
			t.Fatalf("warnings %q", tg.Warnings)
		}
		if !bytes.Equal(readAllTarget(t, tg), data) {
			t.Fatal("content differs")
		}
	})
	t.Run("BAT entry past EOF", func(t *testing.T) {
		b := bytes.Clone(good)
		be.PutUint32(b[1536+4*2:], 0x00FFFFF0)
		tg := mustOpen(t, writeTemp(t, "bat.vhd", b))
		buf := make([]byte, 4096)
		if n, err := tg.ReadAt(buf, bs); n != 4096 || err != nil {
			t.Fatalf("block 1: %d %v", n, err)
		}
		_, err := tg.ReadAt(buf, 2*bs+512)
		wantErr(t, err, ErrDamagedImage, "block 2", fmt.Sprint("file offset ", int64(0x00FFFFF0)*512+512+512), fmt.Sprint("offset ", 2*bs+512))
	})
	t.Run("huge block size", func(t *testing.T) {
		b := bytes.Clone(good)
		h := b[512:1536]
		be.PutUint32(h[32:], 1<<30)
		be.PutUint32(h[36:], vhdTestChecksum(h, 36))
		_, err := Open(writeTemp(t, "bs.vhd", b))
		wantErr(t, err, ErrDamagedImage, "block size 1073741824")
	})
	t.Run("bad dynamic header checksum warns", func(t *testing.T) {
		b := bytes.Clone(good)
		b[512+1000] ^= 1
		tg := mustOpen(t, writeTemp(t, "hsum.vhd", b))
		if len(tg.Warnings) != 1 || !strings.Contains(tg.Warnings[0], "dynamic header") {
			t.Fatalf("warnings %q", tg.Warnings)
		}
	})
	for _, tc := range []struct {
		name  string
		edit  func(b []byte)
		parts []string
	}{
		{"BAT outside the file", func(b []byte) { be.PutUint64(b[512+16:], 1<<40) }, []string{"BAT", "runs past the end"}},
		{"no dynamic header", func(b []byte) { copy(b[512:], "xxxxxxxx") }, []string{"cxsparse"}},
		{"header offset outside", func(b []byte) { be.PutUint64(b[16:], 1<<50); be.PutUint64(b[footer+16:], 1<<50) }, []string{"dynamic header offset"}},
		{"unknown disk type", func(b []byte) { be.PutUint32(b[60:], 7); be.PutUint32(b[footer+60:], 7) }, []string{"disk type 7"}},
		{"huge virtual size", func(b []byte) { be.PutUint64(b[48:], 1<<60); be.PutUint64(b[footer+48:], 1<<60) }, []string{"virtual size"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(good)
			tc.edit(b)
			be.PutUint32(b[64:], vhdTestChecksum(b[:512], 64))
			be.PutUint32(b[footer+64:], vhdTestChecksum(b[footer:], 64))
			h := b[512:1536]
			be.PutUint32(h[36:], vhdTestChecksum(h, 36))
			_, err := Open(writeTemp(t, "bad.vhd", b))
			wantErr(t, err, ErrDamagedImage, tc.parts...)
		})
	}
}

func TestUnsupportedFormats(t *testing.T) {
	for _, tc := range []struct {
		name, head, msg string
	}{
		{"qcow2", "QFI\xfb\x00\x00\x00\x03", "qcow2 is not supported; convert it: qemu-img convert -O raw disk.qcow2 disk.raw"},
		{"ex01", "EVF2\r\n\x81\x00", "EWF2 (Ex01)"},
		{"l01", "LVF\x09\r\n\xff\x00", "logical evidence"},
		{"cowd", "COWD", "COWD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := make([]byte, 4096)
			copy(b, tc.head)
			p := writeTemp(t, "disk."+tc.name, b)
			_, err := Open(p)
			wantErr(t, err, ErrUnsupportedFormat, tc.msg, p)
			_, err = OpenImageReader("mem", bytes.NewReader(b), int64(len(b)))
			wantErr(t, err, ErrUnsupportedFormat, tc.msg)
		})
	}
}

func TestEWFSegmentNames(t *testing.T) {
	for _, tc := range []struct {
		path string
		n    int
		want string
	}{
		{"d/x.E01", 2, "d/x.E02"}, {"d/x.E01", 99, "d/x.E99"}, {"d/x.E01", 100, "d/x.EAA"}, {"d/x.E01", 101, "d/x.EAB"},
		{"d/x.E01", 126, "d/x.EBA"}, {"d/x.E01", 100 + 676, "d/x.FAA"}, {"x.split.e05", 1, "x.split.e01"},
		{"x.s01", 100, "x.saa"}, {"d/x.E01", 100 + 22*676 - 1, "d/x.ZZZ"}, {"d/x.E01", 100 + 22*676, ""}, {"x.raw", 2, "x.r02"}, {"x", 2, ""},
	} {
		got, ok := ewfSegmentPath(filepath.FromSlash(tc.path), tc.n)
		if ok != (tc.want != "") || got != filepath.FromSlash(tc.want) {
			t.Errorf("ewfSegmentPath(%s, %d) = %q, %v; want %q", tc.path, tc.n, got, ok, tc.want)
		}
	}
}

func TestVMDKDescriptor(t *testing.T) {
	dir := t.TempDir()
	data := testPattern(1 << 20)
	writeFile(t, filepath.Join(dir, "d-flat.vmdk"), data[:768<<10])
	desc := func(extents string, extra string) []byte {
		return []byte("# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\n" + extra + "createType=\"monolithicFlat\"\n\n# Extent description\n" + extents + "\n# The Disk Data Base\nddb.adapterType = \"ide\"\n")
	}
	t.Run("flat and zero extents", func(t *testing.T) {
		p := writeFile(t, filepath.Join(dir, "d.vmdk"), desc("RW 1024 FLAT \"d-flat.vmdk\" 512\nRW 512 ZERO\nRDONLY 256 FLAT \"../elsewhere/d-flat.vmdk\" 0", ""))
		tg := mustOpen(t, p)
		want := append(append(bytes.Clone(data[256<<10:768<<10]), make([]byte, 256<<10)...), data[:128<<10]...)
		if tg.Kind != KindVMDK || tg.Size != int64(len(want)) || !bytes.Equal(readAllTarget(t, tg), want) {
			t.Fatalf("%+v", tg)
		}
		checkEnd(t, tg, want)
	})
	t.Run("missing extent", func(t *testing.T) {
		p := writeFile(t, filepath.Join(dir, "m.vmdk"), desc("RW 1024 FLAT \"gone-flat.vmdk\" 0", ""))
		_, err := Open(p)
		wantErr(t, err, ErrMissingFile, filepath.Join(dir, "gone-flat.vmdk"))
	})
	t.Run("extent shorter than declared", func(t *testing.T) {
		p := writeFile(t, filepath.Join(dir, "s.vmdk"), desc("RW 4096 FLAT \"d-flat.vmdk\" 0", ""))
		tg := mustOpen(t, p)
		_, err := tg.ReadAt(make([]byte, 4096), 1<<20)
		wantErr(t, err, io.ErrUnexpectedEOF, "d-flat.vmdk")
	})
	t.Run("snapshot child", func(t *testing.T) {
		p := writeFile(t, filepath.Join(dir, "c.vmdk"), bytes.Replace(desc("RW 1024 FLAT \"d-flat.vmdk\" 0", "parentFileNameHint=\"base.vmdk\"\n"), []byte("parentCID=ffffffff"), []byte("parentCID=0badf00d"), 1))
		_, err := Open(p)
		wantErr(t, err, ErrUnsupportedFormat, "base.vmdk")
	})
	t.Run("unsupported extent type", func(t *testing.T) {
		p := writeFile(t, filepath.Join(dir, "v.vmdk"), desc("RW 1024 VMFSSPARSE \"d-flat.vmdk\"", ""))
		_, err := Open(p)
		wantErr(t, err, ErrUnsupportedFormat, "VMFSSPARSE")
	})
	t.Run("bad sparse header", func(t *testing.T) {
		h := make([]byte, 4096)
		copy(h, "KDMV")
		le.PutUint32(h[4:], 1)
		le.PutUint64(h[12:], 2048)
		le.PutUint64(h[20:], 3) // grain size not a power of two
		le.PutUint32(h[44:], 512)
		_, err := OpenImageReader("s.vmdk", bytes.NewReader(h), int64(len(h)))
		wantErr(t, err, ErrDamagedImage, "grain size 3")
	})
}

// ---------------------------------------------------------------------------
// Containers made by qemu-img and ewfacquire from a committed fixture.

func TestVirtualDiskFixtures(t *testing.T) {
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img not installed (Debian: apt-get install qemu-utils): skipping the qemu-made VHD/VHDX/VMDK fixtures")
	}
	raw := fixture(t, "mbr-win7")
	dir := t.TempDir()
	rawPath := writeFile(t, filepath.Join(dir, "raw.img"), raw)
	script := filepath.Join(testenv.RepoRoot(t), "testdata", "gen", "mkvdisk.sh")
	if out, err := exec.Command("bash", script, dir, rawPath).CombinedOutput(); err != nil {
		t.Fatalf("mkvdisk.sh: %v\n%s", err, out)
	}
	wantSum := sha256Hex(raw)
	rawLayout, err := ScanReader(bytes.NewReader(raw), int64(len(raw)), 512)
	if err != nil || len(rawLayout.Partitions) == 0 {
		t.Fatalf("raw scan: %v", err)
	}
	haveEWF := true
	if _, err := os.Stat(filepath.Join(dir, "disk.E01")); err != nil {
		haveEWF = false
	}

	for _, tc := range []struct {
		file string
		kind Kind
	}{
		{"fixed.vhd", KindVHD}, {"dynamic.vhd", KindVHD}, {"disk.vhdx", KindVHDX}, {"disk-1m.vhdx", KindVHDX},
		{"sparse.vmdk", KindVMDK}, {"stream.vmdk", KindVMDK}, {"split.vmdk", KindVMDK}, {"flat.vmdk", KindVMDK},
		{"disk.E01", KindEWF}, {"split.E01", KindEWF}, {"split.E03", KindEWF},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if tc.kind == KindEWF && !haveEWF {
				t.Skip("ewfacquire not installed (Debian: apt-get install ewf-tools): no E01 fixtures")
			}
			tg := mustOpen(t, filepath.Join(dir, tc.file))
			if tg.Kind != tc.kind || tg.Size != int64(len(raw)) || tg.SectorSize != 512 || len(tg.Warnings) != 0 {
				t.Fatalf("target kind %s size %d sector %d warnings %q", tg.Kind, tg.Size, tg.SectorSize, tg.Warnings)
			}
			if got := hashTarget(t, tg, sha256.New()); got != wantSum {
				t.Fatalf("sha256 %s, want %s (the raw disk)", got, wantSum)
			}
			checkEnd(t, tg, raw)
			l, err := Scan(tg)
			if err != nil {
				t.Fatal(err)
			}
			sameLayout(t, l, rawLayout)
		})
	}

	t.Run("differencing child of a qemu-made VHD", func(t *testing.T) {
		parent, err := os.ReadFile(filepath.Join(dir, "dynamic.vhd"))
		if err != nil {
			t.Fatal(err)
		}
		var id [16]byte
		copy(id[:], parent[len(parent)-512+68:])
		first := rawLayout.Partitions[0].Start / 512
		writes := map[int64]byte{1: 0xEE, first + 100: 0xEF, first + 4097: 0xF0}
		c := newDiffVHD(int64(len(raw)), 2<<20, `D:\vms\dynamic.vhd`, id, 7, writes)
		c.locators = []vhdLoc{{"W2ku", utf16Bytes(`D:\vms\dynamic.vhd`, binary.LittleEndian)}, {"W2ru", utf16Bytes(`.\dynamic.vhd`, binary.LittleEndian)}}
		tg := mustOpen(t, writeFile(t, filepath.Join(dir, "child.vhd"), c.bytes()))
		want := bytes.Clone(raw)
		for s, v := range writes {
			copy(want[s*512:(s+1)*512], bytes.Repeat([]byte{v}, 512))
		}
		if len(tg.Warnings) != 0 || hashTarget(t, tg, sha256.New()) != sha256Hex(want) {
			t.Fatalf("warnings %q, or the content is not the parent plus the writes", tg.Warnings)
		}
		l, err := Scan(tg)
		if err != nil {
			t.Fatal(err)
		}
		sameLayout(t, l, rawLayout)
	})

	t.Run("VHDX damage", func(t *testing.T) {
		img, err := os.ReadFile(filepath.Join(dir, "disk-1m.vhdx"))
		if err != nil {
			t.Fatal(err)
		}
		b := bytes.Clone(img)
		b[64<<10+100] ^= 1 // header 1 checksum
		tg := mustOpen(t, writeTemp(t, "h1.vhdx", b))
		if len(tg.Warnings) != 1 || !strings.Contains(tg.Warnings[0], "header 1") || hashTarget(t, tg, sha256.New()) != wantSum {
			t.Errorf("one damaged header: warnings %q", tg.Warnings)
		}
		b[128<<10+100] ^= 1
		_, err = Open(writeTemp(t, "h2.vhdx", b))
		wantErr(t, err, ErrDamagedImage, "no valid header")

		// A BAT entry pointing past the end of the file: a read error naming the block.
		b = bytes.Clone(img)
		bat, batLen := vhdxRegion(t, b, vhdxBATRegion)
		found := false
		for i := int64(0); i < batLen/8 && !found; i++ {
			e := le.Uint64(b[bat+8*i:])
			if e&7 == 6 && i > 0 {
				le.PutUint64(b[bat+8*i:], 6|uint64(1<<30)<<20)
				blk := i - i/(1<<23*512/(1<<20)+1)
				tg := mustOpen(t, writeTemp(t, "bat.vhdx", b))
				_, err := tg.ReadAt(make([]byte, 512), blk<<20)
				wantErr(t, err, ErrDamagedImage, fmt.Sprintf("block %d", blk), "runs past the end")
				found = true
			}
		}
		if !found {
			t.Fatal("no present block in the BAT")
		}
	})

	t.Run("EWF damage", func(t *testing.T) {
		if !haveEWF {
			t.Skip("ewfacquire not installed (Debian: apt-get install ewf-tools): no E01 fixtures")
		}
		d := t.TempDir()
		for _, n := range []string{"split.E01", "split.E02", "split.E04", "split.E05"} {
			b, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(d, n), b)
		}
		_, err := Open(filepath.Join(d, "split.E01"))
		wantErr(t, err, ErrMissingFile, filepath.Join(d, "split.E03"))

		b, err := os.ReadFile(filepath.Join(dir, "disk.E01"))
		if err != nil {
			t.Fatal(err)
		}
		b[13+20] ^= 1 // the first section descriptor's next offset
		_, err = Open(writeTemp(t, "bad.E01", b))
		wantErr(t, err, ErrDamagedImage, "section descriptor at offset 13")
		_, err = OpenImageReader("mem.E01", bytes.NewReader(b[:12]), 12)
		wantErr(t, err, ErrDamagedImage, "truncated")
	})
}

// vhdxRegion returns a region's offset and length from the first region table.
func vhdxRegion(t *testing.T, b []byte, id [16]byte) (int64, int64) {
	r := b[192<<10:]
	for i := 0; i < int(le.Uint32(r[8:])); i++ {
		e := r[16+32*i:]
		if [16]byte(e[:16]) == id {
			return int64(le.Uint64(e[16:])), int64(le.Uint32(e[24:]))
		}
	}
	t.Fatal("region not found")
	return 0, 0
}

func sameLayout(t *testing.T, got, want *Layout) {
	t.Helper()
	if got.Table != want.Table || len(got.Partitions) != len(want.Partitions) {
		t.Fatalf("layout %s with %d partitions, want %s with %d", got.Table, len(got.Partitions), want.Table, len(want.Partitions))
	}
	for i, p := range got.Partitions {
		w := want.Partitions[i]
		if p.Index != w.Index || p.Start != w.Start || p.Size != w.Size || p.TypeID != w.TypeID || p.Content != w.Content {
			t.Errorf("partition %d: %+v, want %+v", i, p, w)
		}
	}
}

// ---------------------------------------------------------------------------
// The shared public corpus: decoded-media MD5s stated in CATALOG.md §2–§3.

func TestSharedCorpusContainers(t *testing.T) {
	for _, tc := range []struct {
		file     string
		kind     Kind
		size     int64
		md5      string
		warnings int
	}{
		{"dfvfs/test_data/ext2.vhd", KindVHD, 4212736, "3f0e360a1211f80b3f5633a68dbe98ba", 0},
		{"dfvfs/test_data/image.vhd", KindVHD, 104448, "221a58695f266d7ce045f2e54926e6e2", 2},              // both footer checksums wrong
		{"dfvfs/test_data/image-differential.vhd", KindVHD, 104448, "221a58695f266d7ce045f2e54926e6e2", 5}, // + its parent's
		{"dfvfs/test_data/ext2.vmdk", KindVMDK, 4194304, "196066add11fb71c4c49cf1bb50d6d24", 0},
		{"dfvfs/test_data/ext2.E01", KindEWF, 4194304, "196066add11fb71c4c49cf1bb50d6d24", 0},
		{"dfvfs/test_data/ext2.split.E01", KindEWF, 4194304, "196066add11fb71c4c49cf1bb50d6d24", 0},
		{"dfvfs/test_data/ext2.split.E02", KindEWF, 4194304, "196066add11fb71c4c49cf1bb50d6d24", 0},
		{"plaso/test_data/image.vhd", KindVHD, 104448, "221a58695f266d7ce045f2e54926e6e2", 0}, // checksum valid
		{"plaso/test_data/image.vmdk", KindVMDK, 102400, "a528fc1bec79f4fef062f2bf1008c045", 0},
		{"plaso/test_data/image.E01", KindEWF, 102400, "d73c51f10c7ee6a681b7b619ccc6f1c4", 0},
		{"plaso/test_data/image-split.E01", KindEWF, 1474560, "38ea5af8a80e16e46c095c9110242fc0", 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			tg := mustOpen(t, testenv.SharedFile(t, tc.file))
			if tg.Kind != tc.kind || tg.Size != tc.size || len(tg.Warnings) != tc.warnings {
				t.Fatalf("kind %s size %d warnings %q; want %s %d and %d warnings", tg.Kind, tg.Size, tg.Warnings, tc.kind, tc.size, tc.warnings)
			}
			if got := hashTarget(t, tg, md5.New()); got != tc.md5 {
				t.Fatalf("media md5 %s, want %s", got, tc.md5)
			}
		})
	}
	t.Run("image-split partitions", func(t *testing.T) {
		// CATALOG §2: media == tsk_volume_system.raw: p1 at 512 (179200 B), p5 at 180224 (1294336 B).
		tg := mustOpen(t, testenv.SharedFile(t, "plaso/test_data/image-split.E01"))
		l, err := Scan(tg)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int][2]int64{}
		for _, p := range l.Partitions {
			got[p.Index] = [2]int64{p.Start, p.Size}
		}
		if got[1] != [2]int64{512, 179200} || got[5] != [2]int64{180224, 1294336} {
			t.Fatalf("partitions %v", got)
		}
	})
	t.Run("missing VHD parent", func(t *testing.T) {
		b, err := os.ReadFile(testenv.SharedFile(t, "dfvfs/test_data/image-differential.vhd"))
		if err != nil {
			t.Fatal(err)
		}
		p := writeTemp(t, "image-differential.vhd", b)
		_, err = Open(p)
		wantErr(t, err, ErrMissingFile, filepath.Join(filepath.Dir(p), "image.vhd"))
	})
	for _, f := range []string{"dfvfs/test_data/ext2.qcow2", "dfvfs/test_data/windows_volume.qcow2", "plaso/test_data/image.qcow2", "plaso/test_data/vsstest.qcow2"} {
		t.Run(f, func(t *testing.T) {
			_, err := Open(testenv.SharedFile(t, f))
			wantErr(t, err, ErrUnsupportedFormat, "qemu-img convert -O raw")
		})
	}
}
