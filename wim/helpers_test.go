package wim

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/actrescue/actrescue/image"
	"github.com/actrescue/actrescue/internal/testenv"
)

// Ground truth of testdata/vol-win11home (testdata/README.md), as wimlib
// writes it into the XML data from the image's hives.
const (
	homeName        = "Windows 11 Home"
	homeEditionID   = "Core"
	homeBuild       = 22631
	homeProductType = "WinNT"
	homeGenericKey  = "YTMG3-N6DKC-DKB77-7M9GH-8HVX7"
	softwarePath    = "Windows/System32/config/SOFTWARE"
)

// committed returns a WIM committed under wim/testdata.
func committed(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("committed fixture: %v", err)
	}
	return b
}

func openBytes(t testing.TB, b []byte) *WIM {
	t.Helper()
	w, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return w
}

var (
	volOnce sync.Once
	volData []byte
	volErr  error
)

// homeVolume decodes testdata/vol-win11home.img.d2.zst (the NTFS volume
// the WIM fixtures were captured from).
func homeVolume(t testing.TB) []byte {
	t.Helper()
	volOnce.Do(func() {
		f, err := os.Open(testenv.Fixture(t, "vol-win11home.img.d2.zst"))
		if err != nil {
			volErr = err
			return
		}
		defer f.Close()
		volData, volErr = image.ReadD2Zst(f, 256<<20)
	})
	if volErr != nil {
		t.Fatalf("decode vol-win11home: %v", volErr)
	}
	return volData
}

var (
	genOnce sync.Once
	genDir  string
	genErr  error
	genOut  []byte
)

// generated runs testdata/gen/mkwim.sh once per test binary and returns
// its output directory, or skips when wimlib-imagex is not installed.
func generated(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("wimlib-imagex"); err != nil {
		t.Skip("wimlib-imagex not installed (apt-get install wimtools): the WIM fixtures are built at test time, skipping")
	}
	genOnce.Do(func() {
		genDir, genErr = os.MkdirTemp("", "actrescue-wim-")
		if genErr != nil {
			return
		}
		vol := filepath.Join(genDir, "vol.img")
		if genErr = os.WriteFile(vol, homeVolume(t), 0o644); genErr != nil {
			return
		}
		script := filepath.Join(testenv.RepoRoot(t), "testdata", "gen", "mkwim.sh")
		genOut, genErr = exec.Command("bash", script, genDir, vol).CombinedOutput()
	})
	if genErr != nil {
		t.Fatalf("mkwim.sh: %v\n%s", genErr, genOut)
	}
	return genDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if genDir != "" {
		os.RemoveAll(genDir)
	}
	os.Exit(code)
}

// synthetic WIM writer: an uncompressed, single-image WIM built byte by
// byte, so that tests can corrupt any structure at a known offset.

type tnode struct {
	name     string
	dir      bool
	data     []byte
	kids     []*tnode
	off      int64 // dentry offset in the metadata
	subdir   int64
	nameOffs int
}

type synth struct {
	wim       []byte
	metaOff   int64 // metadata resource offset in the file
	metaLen   int64
	blobOff   int64 // blob table offset
	blobLen   int64
	xmlOff    int64
	dentries  map[string]int64 // path -> dentry offset in the metadata
	dataOff   map[string]int64 // path -> data offset in the file
	hashes    map[string][20]byte
	files     map[string][]byte
	blobEntry map[string]int64 // path -> blob table entry offset in the file
}

func dentryLen(n *tnode) int64 {
	l := int64(dentryFixed)
	if n.name != "" {
		l += int64(2*len(utf16.Encode([]rune(n.name)))) + 2
	}
	return (l + 7) &^ 7
}

// buildSynth writes a WIM holding files (path -> content; a trailing "/"
// makes an empty directory).
func buildSynth(files map[string]string) *synth {
	root := &tnode{dir: true}
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		cur := root
		parts := strings.Split(strings.TrimSuffix(p, "/"), "/")
		for i, c := range parts {
			last := i == len(parts)-1
			var next *tnode
			for _, k := range cur.kids {
				if k.name == c {
					next = k
				}
			}
			if next == nil {
				next = &tnode{name: c, dir: !last || strings.HasSuffix(p, "/")}
				cur.kids = append(cur.kids, next)
			}
			if last && !next.dir {
				next.data = []byte(files[p])
			}
			cur = next
		}
	}
	s := &synth{dentries: map[string]int64{}, dataOff: map[string]int64{}, hashes: map[string][20]byte{}, files: map[string][]byte{}, blobEntry: map[string]int64{}}
	// Metadata layout: 8-byte security data, root, end mark, then each
	// directory's children followed by an end mark.
	root.off = 8
	off := 8 + dentryLen(root) + 8
	var assign func(n *tnode)
	assign = func(n *tnode) {
		if len(n.kids) == 0 {
			return
		}
		n.subdir = off
		for _, k := range n.kids {
			k.off = off
			off += dentryLen(k)
		}
		off += 8
		for _, k := range n.kids {
			assign(k)
		}
	}
	assign(root)
	meta := make([]byte, off)
	binary.LittleEndian.PutUint32(meta, 8)

	out := make([]byte, headerSize)
	var blobs []byte
	addBlob := func(off, size int64, flags byte, hash [20]byte) int64 {
		e := make([]byte, blobEntrySize)
		binary.LittleEndian.PutUint64(e, uint64(size))
		e[7] = flags
		binary.LittleEndian.PutUint64(e[8:], uint64(off))
		binary.LittleEndian.PutUint64(e[16:], uint64(size))
		binary.LittleEndian.PutUint16(e[24:], 1)
		binary.LittleEndian.PutUint32(e[26:], 1)
		copy(e[30:], hash[:])
		blobs = append(blobs, e...)
		return int64(len(blobs) - blobEntrySize)
	}
	var write func(n *tnode, p string)
	write = func(n *tnode, p string) {
		d := meta[n.off:]
		binary.LittleEndian.PutUint64(d, uint64(dentryLen(n)))
		attrs := uint32(0x20)
		if n.dir {
			attrs = attrDirectory
		}
		binary.LittleEndian.PutUint32(d[8:], attrs)
		binary.LittleEndian.PutUint32(d[12:], 0xffffffff)
		binary.LittleEndian.PutUint64(d[16:], uint64(n.subdir))
		for i := 40; i < 64; i += 8 {
			binary.LittleEndian.PutUint64(d[i:], 133000000000000000) // 2022
		}
		if !n.dir && len(n.data) > 0 {
			h := sha1.Sum(n.data)
			copy(d[64:84], h[:])
			s.hashes[p] = h
			s.dataOff[p] = int64(len(out))
			s.files[p] = n.data
			s.blobEntry[p] = addBlob(int64(len(out)), int64(len(n.data)), 0, h)
			out = append(out, n.data...)
		} else if !n.dir {
			s.files[p] = nil
		}
		u := utf16.Encode([]rune(n.name))
		binary.LittleEndian.PutUint16(d[100:], uint16(2*len(u)))
		for i, c := range u {
			binary.LittleEndian.PutUint16(d[dentryFixed+2*i:], c)
		}
		s.dentries[p] = n.off
		for _, k := range n.kids {
			write(k, strings.TrimPrefix(p+"/"+k.name, "/"))
		}
	}
	write(root, "")
	s.metaOff, s.metaLen = int64(len(out)), int64(len(meta))
	metaEntry := addBlob(s.metaOff, s.metaLen, resFlagMetadata, sha1.Sum(meta))
	_ = metaEntry
	out = append(out, meta...)
	s.blobOff, s.blobLen = int64(len(out)), int64(len(blobs))
	for p, e := range s.blobEntry {
		s.blobEntry[p] = s.blobOff + e
	}
	out = append(out, blobs...)
	xml := `<WIM><IMAGE INDEX="1"><NAME>Synthetic</NAME><WINDOWS><ARCH>9</ARCH><EDITIONID>Professional</EDITIONID>` +
		`<PRODUCTTYPE>WinNT</PRODUCTTYPE><VERSION><MAJOR>10</MAJOR><MINOR>0</MINOR><BUILD>19045</BUILD><SPBUILD>5011</SPBUILD></VERSION></WINDOWS></IMAGE></WIM>`
	xb := []byte{0xff, 0xfe}
	for _, c := range utf16.Encode([]rune(xml)) {
		xb = binary.LittleEndian.AppendUint16(xb, c)
	}
	s.xmlOff = int64(len(out))
	out = append(out, xb...)

	h := out[:headerSize]
	copy(h, "MSWIM\x00\x00\x00")
	binary.LittleEndian.PutUint32(h[8:], headerSize)
	binary.LittleEndian.PutUint32(h[12:], versionDefault)
	copy(h[24:40], "synthetic-guid!!")
	binary.LittleEndian.PutUint16(h[40:], 1)
	binary.LittleEndian.PutUint16(h[42:], 1)
	binary.LittleEndian.PutUint32(h[44:], 1)
	putRes := func(at int, off, size int64, flags byte) {
		binary.LittleEndian.PutUint64(h[at:], uint64(size))
		h[at+7] = flags
		binary.LittleEndian.PutUint64(h[at+8:], uint64(off))
		binary.LittleEndian.PutUint64(h[at+16:], uint64(size))
	}
	putRes(0x30, s.blobOff, s.blobLen, resFlagMetadata)
	putRes(0x48, s.xmlOff, int64(len(xb)), 0)
	s.wim = out
	return s
}

// synthFiles is the default synthetic tree.
var synthFiles = map[string]string{
	"Windows/System32/config/SOFTWARE": "software hive stand-in",
	"Windows/System32/config/SYSTEM":   "system hive stand-in",
	"Windows/System32/drivers/":        "",
	"Users/Public/readme.txt":          "hello",
	"empty.txt":                        "",
	"Ünïcode name.txt":                 "utf-16 names",
}
