package ntfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/actrescue/actrescue/image"
)

// allFixtureVolumes returns every NTFS partition of every committed
// fixture disk.
func allFixtureVolumes(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	for _, c := range []struct {
		name   string
		sector int
	}{{"gpt-win11", 512}, {"mbr-ext-win10", 512}, {"gpt4k-server", 4096}, {"gpt-nowin", 512},
		{"gpt-bitlocker-hiber", 512}, {"mbr-win7", 512}, {"gpt-server-eval", 512}, {"vol-win11home", 512}} {
		b := fixtureDisk(tb, c.name+".img.d2.zst")
		l, err := image.ScanReader(bytes.NewReader(b), int64(len(b)), c.sector)
		if err != nil {
			tb.Fatalf("%s: %v", c.name, err)
		}
		for _, p := range l.Partitions {
			if p.Content == image.ContentNTFS {
				out[c.name+"#"+string(rune('0'+p.Index))] = b[p.Start : p.Start+p.Size]
			}
		}
	}
	return out
}

// bigFixtureVolume opens the Windows volume of the generated big fixture
// (make bigfixture), or skips.
func bigFixtureVolume(tb testing.TB) (io.ReaderAt, int64, string) {
	tb.Helper()
	p := os.Getenv("ACTRESCUE_BIGFIXTURE")
	if p == "" {
		p = "/tmp/actrescue-bigfixture/disk.img"
	}
	t, err := image.Open(p)
	if err != nil {
		tb.Skipf("big fixture not found at %s (make bigfixture, or set ACTRESCUE_BIGFIXTURE): %v", p, err)
	}
	tb.Cleanup(func() { t.Close() })
	l, err := image.Scan(t)
	if err != nil {
		tb.Fatal(err)
	}
	for _, part := range l.Partitions {
		if part.Content == image.ContentNTFS && part.Size > 100<<30 {
			return part.Reader, part.Size, filepath.Dir(p)
		}
	}
	tb.Fatalf("%s: no large NTFS partition", p)
	return nil, 0, ""
}

// checkTreeMatchesListing looks every entry of every directory under dir
// up through the B-tree and through go-ntfs's full listing, in three
// cases, and asks for a few names that are not there.
func checkTreeMatchesListing(t *testing.T, v *Volume, dir string, maxDirs *int, listEvery int) {
	t.Helper()
	if *maxDirs <= 0 {
		return
	}
	*maxDirs--
	ents, err := v.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir(%q): %v", dir, err)
	}
	de, err := v.lookup(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range ents {
		rec, _, _ := strings.Cut(e.MFTRef, "-")
		slow := i%listEvery == 0 // full listings cost a whole directory each
		names := []string{e.Name, strings.ToUpper(e.Name), strings.ToLower(e.Name)}
		for _, n := range names {
			ref, found, _, err := v.lookupIndex(de, n)
			if err != nil || !found {
				t.Errorf("%s/%s: B-tree lookup: found=%v err=%v", dir, n, found, err)
				continue
			}
			if got := itoa(int64(ref & mftRefMask)); got != rec {
				t.Errorf("%s/%s: B-tree gives record %s, listing %s", dir, n, got, rec)
			}
			if slow {
				le, err := v.listLookup(de, n)
				if err != nil || itoa(int64(le.Record_number())) != rec {
					t.Errorf("%s/%s: full listing lookup: %v", dir, n, err)
				}
			}
		}
		if fi, err := v.Stat(path.Join(dir, strings.ToUpper(e.Name))); err != nil || strings.SplitN(fi.MFTRef, "-", 2)[0] != rec {
			t.Errorf("Stat(%s/%s) = %+v, %v", dir, e.Name, fi, err)
		}
		for _, missing := range []string{e.Name + "~", e.Name[:len(e.Name)-1] + "\u00e9", "0" + e.Name} {
			if _, found, _, err := v.lookupIndex(de, missing); (found || err != nil) && slow {
				if _, lerr := v.listLookup(de, missing); lerr != nil {
					t.Errorf("%s/%s: found=%v err=%v, but the listing has no such name", dir, missing, found, err)
				}
			}
		}
		if e.IsDir {
			checkTreeMatchesListing(t, v, path.Join(dir, e.Name), maxDirs, listEvery)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestIndexLookupMatchesListing(t *testing.T) {
	for name, b := range allFixtureVolumes(t) {
		t.Run(name, func(t *testing.T) {
			v := openBytes(t, b)
			n := 1000
			checkTreeMatchesListing(t, v, "", &n, 1)
			if v.ixStats.fallbacks != 0 {
				t.Errorf("%d lookups fell back to the full listing: %v", v.ixStats.fallbacks, v.ixStats.lastErr)
			}
			t.Logf("%d lookups, %d index blocks read", v.ixStats.lookups, v.ixStats.blocks)
		})
	}
}

func TestIndexLookupMatchesListingBig(t *testing.T) {
	r, size, _ := bigFixtureVolume(t)
	v, err := Open(r, size)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"Windows/System32", "Windows.old/Windows/System32"} {
		n := 3
		checkTreeMatchesListing(t, v, d, &n, 97)
	}
	if v.ixStats.fallbacks != 0 {
		t.Errorf("%d lookups fell back: %v", v.ixStats.fallbacks, v.ixStats.lastErr)
	}
	t.Logf("%d lookups, %d index blocks read", v.ixStats.lookups, v.ixStats.blocks)
}

// coldCost opens a fresh volume and returns what resolving p costs, by
// the B-tree (Stat) and by the full listing of every directory on the way.
func coldCost(t *testing.T, r io.ReaderAt, size int64, p string) (tree, list [2]int64) {
	t.Helper()
	c := &countingReader{r: r}
	v, err := Open(c, size)
	if err != nil {
		t.Fatal(err)
	}
	b0, n0 := c.bytes.Load(), c.calls.Load()
	if _, err := v.Stat(p); err != nil {
		t.Fatal(err)
	}
	tree = [2]int64{c.bytes.Load() - b0, c.calls.Load() - n0}

	c2 := &countingReader{r: r}
	v2, err := Open(c2, size)
	if err != nil {
		t.Fatal(err)
	}
	b0, n0 = c2.bytes.Load(), c2.calls.Load()
	dir, _ := v2.ctx.GetMFT(5)
	for _, comp := range strings.Split(p, "/") {
		if dir, err = v2.listLookup(dir, comp); err != nil {
			t.Fatal(err)
		}
	}
	list = [2]int64{c2.bytes.Load() - b0, c2.calls.Load() - n0}
	return tree, list
}

func TestIndexLookupBytes(t *testing.T) {
	for _, vc := range volCases {
		t.Run(vc.name, func(t *testing.T) {
			b := vc.vol(t)
			tree, list := coldCost(t, bytes.NewReader(b), int64(len(b)), pSoftware)
			t.Logf("cold lookup of %s: B-tree %d bytes in %d reads, full listings %d bytes in %d reads", pSoftware, tree[0], tree[1], list[0], list[1])
			if tree[0] > list[0] {
				t.Errorf("the B-tree lookup read more (%d bytes) than the full listings (%d)", tree[0], list[0])
			}
		})
	}
}

func TestIndexLookupBytesBig(t *testing.T) {
	r, size, _ := bigFixtureVolume(t)
	for _, p := range []string{"Windows/System32/config/SOFTWARE", "Windows.old/Windows/System32/spp/store/2.0/tokens.dat"} {
		tree, list := coldCost(t, r, size, p)
		t.Logf("cold lookup of %s: B-tree %d bytes in %d reads, full listings %d bytes in %d reads", p, tree[0], tree[1], list[0], list[1])
		// System32's index is about 1.4 MB; a descent reads a few blocks
		// and the MFT records on the way.
		if tree[0] > 128<<10 || tree[0]*10 > list[0] {
			t.Errorf("%s: B-tree lookup read %d bytes (full listings: %d)", p, tree[0], list[0])
		}
	}
}

// --- a synthetic index -------------------------------------------------

func u16(s string) []uint16 { return utf16.Encode([]rune(s)) }

// ixEntry encodes one index entry; child < 0 means no sub-node.
func ixEntry(name string, ref uint64, child int64, last bool) []byte {
	var key []byte
	if !last {
		n := u16(name)
		key = make([]byte, fnName+2*len(n))
		key[fnNameLen] = byte(len(n))
		key[fnNameLen+1] = 1 // Win32
		for i, c := range n {
			binary.LittleEndian.PutUint16(key[fnName+2*i:], c)
		}
	}
	length := (ieHeaderLen + len(key) + 7) &^ 7
	flags := uint32(0)
	if child >= 0 {
		length += 8
		flags |= ieHasChild
	}
	if last {
		flags |= ieLast
	}
	b := make([]byte, length)
	binary.LittleEndian.PutUint64(b, ref)
	binary.LittleEndian.PutUint16(b[8:], uint16(length))
	binary.LittleEndian.PutUint16(b[10:], uint16(len(key)))
	binary.LittleEndian.PutUint32(b[12:], flags)
	copy(b[ieHeaderLen:], key)
	if child >= 0 {
		binary.LittleEndian.PutUint64(b[length-8:], uint64(child))
	}
	return b
}

// ixNode is an INDEX_HEADER whose entries start first entriesAt bytes
// after it.
func ixNode(entriesAt int, entries ...[]byte) []byte {
	body := bytes.Join(entries, nil)
	h := make([]byte, entriesAt)
	binary.LittleEndian.PutUint32(h, uint32(entriesAt))
	binary.LittleEndian.PutUint32(h[4:], uint32(entriesAt+len(body)))
	binary.LittleEndian.PutUint32(h[8:], uint32(entriesAt+len(body)))
	return append(h, body...)
}

func ixRoot(entries ...[]byte) []byte {
	r := make([]byte, 16)
	binary.LittleEndian.PutUint32(r, fileNameKey)
	binary.LittleEndian.PutUint32(r[4:], collationName)
	binary.LittleEndian.PutUint32(r[8:], 4096)
	r[12] = 1
	return append(r, ixNode(16, entries...)...)
}

// ixBlock is a 4096-byte INDX block with fixups applied for disk.
func ixBlock(vcn uint64, entries ...[]byte) []byte {
	b := make([]byte, 4096)
	copy(b, "INDX")
	binary.LittleEndian.PutUint16(b[4:], 0x28) // update sequence offset
	binary.LittleEndian.PutUint16(b[6:], 9)    // 1 + 8 sectors
	binary.LittleEndian.PutUint64(b[16:], vcn)
	node := ixNode(0x40-24, entries...)
	copy(b[24:], node)
	binary.LittleEndian.PutUint16(b[0x28:], 0x0707) // update sequence number
	for i := 1; i <= 8; i++ {
		end := i*512 - 2
		copy(b[0x28+2*i:], b[end:end+2])
		b[end], b[end+1] = 0x07, 0x07
	}
	return b
}

func testIndex() *dirIndex {
	blocks := append(ixBlock(0,
		ixEntry("apple", 10, -1, false), ixEntry("Banana", 11, -1, false), ixEntry("", 0, -1, true)),
		ixBlock(1, ixEntry("orange", 12, -1, false), ixEntry("pear", 13, -1, false), ixEntry("", 0, -1, true))...)
	return &dirIndex{
		rec:   99,
		root:  ixRoot(ixEntry("cherry", 14, 0, false), ixEntry("", 0, 1, true)),
		alloc: bytes.NewReader(blocks), allocSize: int64(len(blocks)), blockSize: 4096, vcnSize: 4096,
	}
}

func TestIndexFindSynthetic(t *testing.T) {
	u := &upcase{pages: map[int][]uint16{}, builtin: true}
	ix := testIndex()
	for _, c := range []struct {
		name   string
		ref    uint64
		found  bool
		blocks int
	}{
		{"APPLE", 10, true, 1}, {"banana", 11, true, 1}, {"Cherry", 14, true, 0}, {"orange", 12, true, 1},
		{"PEAR", 13, true, 1}, {"kiwi", 0, false, 1}, {"aardvark", 0, false, 1}, {"zebra", 0, false, 1}, {"cherr", 0, false, 1},
	} {
		ref, found, blocks, err := ix.find(u, c.name)
		if err != nil || ref != c.ref || found != c.found || blocks != c.blocks {
			t.Errorf("find(%q) = %d %v %d blocks, %v; want %d %v %d", c.name, ref, found, blocks, err, c.ref, c.found, c.blocks)
		}
	}
}

func TestIndexFindCorrupt(t *testing.T) {
	u := &upcase{pages: map[int][]uint16{}, builtin: true}
	cases := map[string]func(ix *dirIndex){
		"out of order": func(ix *dirIndex) {
			ix.root = ixRoot(ixEntry("zeta", 1, -1, false), ixEntry("alpha", 2, -1, false), ixEntry("", 0, -1, true))
		},
		"loop": func(ix *dirIndex) {
			b := ixBlock(0, ixEntry("", 0, 0, true))
			ix.alloc, ix.allocSize = bytes.NewReader(b), int64(len(b))
			ix.root = ixRoot(ixEntry("", 0, 0, true))
		},
		"torn sector": func(ix *dirIndex) {
			b := ixBlock(0, ixEntry("apple", 10, -1, false), ixEntry("", 0, -1, true))
			b[3*512-1] ^= 0xFF
			ix.alloc = bytes.NewReader(b)
		},
		"wrong vcn": func(ix *dirIndex) {
			b := ixBlock(5, ixEntry("apple", 10, -1, false), ixEntry("", 0, -1, true))
			ix.alloc = bytes.NewReader(b)
		},
		"no signature": func(ix *dirIndex) {
			b := ixBlock(0, ixEntry("", 0, -1, true))
			copy(b, "BAAD")
			ix.alloc = bytes.NewReader(b)
		},
		"child outside allocation": func(ix *dirIndex) { ix.root = ixRoot(ixEntry("", 0, 1<<40, true)) },
		"entry length": func(ix *dirIndex) {
			e := ixEntry("apple", 10, -1, false)
			binary.LittleEndian.PutUint16(e[8:], 4000)
			ix.root = ixRoot(e, ixEntry("", 0, -1, true))
		},
		"name longer than key": func(ix *dirIndex) {
			e := ixEntry("apple", 10, -1, false)
			e[ieHeaderLen+fnNameLen] = 200
			ix.root = ixRoot(e, ixEntry("", 0, -1, true))
		},
		"no last entry": func(ix *dirIndex) { ix.root = ixRoot(ixEntry("zzz", 10, -1, false)) },
		"header outside node": func(ix *dirIndex) {
			binary.LittleEndian.PutUint32(ix.root[16:], 1<<30)
		},
		"no allocation": func(ix *dirIndex) { ix.alloc = nil },
	}
	for name, mutate := range cases {
		ix := testIndex()
		mutate(ix)
		_, found, _, err := ix.find(u, "zzzz")
		if !errors.Is(err, errIndexInconsistent) || found {
			t.Errorf("%s: found=%v err=%v, want errIndexInconsistent", name, found, err)
		}
	}
}

// indexBlockOffset returns the volume offset of block 0 of dir's
// $INDEX_ALLOCATION, decoded from its runlist.
func indexBlockOffset(t *testing.T, v *Volume, dir string) (int64, bool) {
	t.Helper()
	e, err := v.lookup(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range e.EnumerateAttributes(v.ctx) {
		if a.Type().Value != attrIndexAlloc || a.IsResident() {
			continue
		}
		b := make([]byte, a.Length())
		a.Reader.ReadAt(b, a.Offset)
		if binary.LittleEndian.Uint64(b[startVCNOff:]) != 0 {
			continue
		}
		ext, ok := decodeRuns(b[binary.LittleEndian.Uint16(b[runsOff:]):], 0, v.size/v.ctx.ClusterSize)
		if ok && ext[0].lcn >= 0 {
			return ext[0].lcn * v.ctx.ClusterSize, true
		}
	}
	return 0, false
}

// A damaged index block makes the lookup fall back to the full listing,
// which still finds what it can.
func checkFallback(t *testing.T, r io.ReaderAt, size int64, dir string, paths []string) {
	v, err := Open(r, size)
	if err != nil {
		t.Fatal(err)
	}
	off, ok := indexBlockOffset(t, v, dir)
	if !ok {
		t.Skipf("%q has no index allocation", dir)
	}
	hdr := make([]byte, 4)
	if _, err := r.ReadAt(hdr, off); err != nil || string(hdr) != "INDX" {
		t.Fatalf("block 0 of %q at %d: %q %v", dir, off, hdr, err)
	}
	// A name that block 0 holds: its lookup must read the broken block.
	blk := make([]byte, 4096)
	r.ReadAt(blk, off)
	if err := applyFixups(blk); err != nil {
		t.Fatal(err)
	}
	first := 24 + int(binary.LittleEndian.Uint32(blk[24:]))
	if nl := int(blk[first+ieHeaderLen+fnNameLen]); nl > 0 {
		u := make([]uint16, nl)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(blk[first+ieHeaderLen+fnName+2*i:])
		}
		paths = append(paths, path.Join(dir, string(utf16.Decode(u))))
	}
	v2, err := Open(&overlayReader{r: r, off: off, patch: []byte("XXXX")}, size)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if _, err := v2.Stat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := v2.Stat(dir + "/no-such-file"); !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrIndexDamaged) {
		t.Errorf("missing file: %v", err)
	}
	if v2.ixStats.fallbacks == 0 {
		t.Errorf("no fallback recorded for a block without its INDX signature")
	}
	t.Logf("fallbacks: %d (%v)", v2.ixStats.fallbacks, v2.ixStats.lastErr)
}

func TestIndexFallbackOnCorruptBlock(t *testing.T) {
	b := win11Volume(t)
	checkFallback(t, bytes.NewReader(b), int64(len(b)), "", []string{pSoftware, pReadme, "Windows"})
}

func TestIndexFallbackOnCorruptBlockBig(t *testing.T) {
	r, size, _ := bigFixtureVolume(t)
	checkFallback(t, r, size, "Windows/System32", []string{"Windows/System32/config/SOFTWARE", "Windows/System32/spp/store/2.0/tokens.dat"})
}

// overlayReader reads r with patch laid over it at off.
type overlayReader struct {
	r     io.ReaderAt
	off   int64
	patch []byte
}

func (o *overlayReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := o.r.ReadAt(p, off)
	lo, hi := max(off, o.off), min(off+int64(n), o.off+int64(len(o.patch)))
	if lo < hi {
		copy(p[lo-off:hi-off], o.patch[lo-o.off:hi-o.off])
	}
	return n, err
}

func FuzzIndexFind(f *testing.F) {
	ix := testIndex()
	blocks := make([]byte, ix.allocSize)
	ix.alloc.ReadAt(blocks, 0)
	f.Add(ix.root, blocks[:4096], "pear")
	f.Fuzz(func(t *testing.T, root, block []byte, name string) {
		u := &upcase{pages: map[int][]uint16{}, builtin: true}
		ix := &dirIndex{rec: 1, root: root, alloc: bytes.NewReader(block), allocSize: int64(len(block)), blockSize: 4096, vcnSize: 4096}
		if len(root) < 32 {
			return
		}
		ix.find(u, name) // must not panic or loop
	})
}
