package license

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

// Samples in testdata/tokens, written by internal/fixturegen (tokens.go).
var tsSampleFiles = []string{"tokens-healthy.dat", "tokens-empty.dat", "tokens-bad-entry-hash.dat"}

const (
	tsProRetail = "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c"
	tsProGVLK   = "2de67392-b7a7-462a-b1ca-108dd189f588"
	tsEntGVLK   = "73111121-5638-40f6-bc11-f1d7b0d64300" // only inside the pkeyconfig placeholder
	tsFakePkey  = "00000000-0000-4000-8000-00000000f1c5" // product-key ID in the metadata
	tsFirstRec  = tsHeaderSize + tsBlockHead             // 0x4044
)

func readTokenSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "tokens", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// --- a test-side writer, independent of internal/fixturegen -------------

type tsEnt struct {
	name, ext string
	data      []byte
	deleted   bool
}

type tsLayout struct {
	blocks []int // block offsets
	desc   []int // descriptor offset per entry
	rec    []int // content-record offset per entry (-1 when deleted)
}

// tsBuild writes a valid store: blocks of 103 descriptors (filled from slot
// 0, or from slot 102 down), each followed by its content records.
func tsBuild(ents []tsEnt, fromLast bool) ([]byte, tsLayout) {
	le := binary.LittleEndian
	var lay tsLayout
	out := make([]byte, tsHeaderSize)
	le.PutUint32(out, tsVersion)
	for first := true; first || len(ents) > 0; first = false {
		n := min(len(ents), tsDescPerBlock)
		blk := len(out)
		lay.blocks = append(lay.blocks, blk)
		out = append(out, make([]byte, tsBlockHead)...)
		le.PutUint32(out[blk:], uint32(blk))
		for s := 0; s < tsDescPerBlock; s++ {
			d := blk + 8 + s*tsDescSize
			le.PutUint32(out[d:], uint32(d))
			le.PutUint32(out[d+0x0C:], tsUnpopulated)
			le.PutUint32(out[d+0x10:], tsUnpopulated)
		}
		for i, e := range ents[:n] {
			s := i
			if fromLast {
				s = tsDescPerBlock - 1 - i
			}
			d := blk + 8 + s*tsDescSize
			lay.desc = append(lay.desc, d)
			tsPut16(out[d+tsNameOff:d+tsNameOff+tsNameBytes], e.name)
			tsPut16(out[d+tsExtOff:d+tsExtOff+tsExtBytes], e.ext)
			if e.deleted {
				lay.rec = append(lay.rec, -1)
				continue
			}
			rec := len(out)
			lay.rec = append(lay.rec, rec)
			le.PutUint32(out[d+4:], 1)
			le.PutUint32(out[d+8:], uint32(rec))
			le.PutUint32(out[d+0x0C:], uint32(len(e.data)))
			le.PutUint32(out[d+0x10:], uint32(len(e.data)))
			sum := sha256.Sum256(e.data)
			out = append(out, tsHeadMarker...)
			out = le.AppendUint32(out, uint32(len(e.data)))
			out = append(out, sum[:]...)
			out = append(out, e.data...)
			out = append(out, tsFootMarker...)
		}
		ents = ents[n:]
		if len(ents) > 0 {
			le.PutUint32(out[blk+4:], uint32(len(out)))
		}
	}
	tsRehash(out, lay)
	return out, lay
}

// tsRehash recomputes every block hash, then the file hash.
func tsRehash(b []byte, lay tsLayout) {
	for _, blk := range lay.blocks {
		sum := sha256.Sum256(b[blk : blk+tsDescArea])
		copy(b[blk+tsDescArea:], sum[:])
	}
	tsRehashFile(b)
}

func tsRehashFile(b []byte) {
	sum := sha256.Sum256(append(append([]byte{}, b[:4]...), b[tsHeaderSize:]...))
	copy(b[4:], sum[:])
}

func tsPut16(dst []byte, s string) {
	for i, c := range utf16.Encode([]rune(s)) {
		binary.LittleEndian.PutUint16(dst[2*i:], c)
	}
}

func tsEnc16(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

// tsMeta encodes binary metadata the way TSforge's TokenMeta does.
func tsMeta(name string, pairs ...[2]string) []byte {
	le := binary.LittleEndian
	out := le.AppendUint32(nil, 1)
	n := tsEnc16(name + "\x00")
	out = le.AppendUint32(out, uint32(len(n)))
	out = append(out, n...)
	for _, kv := range pairs {
		k, v := tsEnc16(kv[0]+"\x00"), tsEnc16(kv[1]+"\x00")
		out = le.AppendUint32(out, uint32(len(k)))
		out = le.AppendUint32(out, uint32(len(v)))
		out = append(append(out, k...), v...)
	}
	return out
}

func tsLicence(sku string) []byte {
	return []byte(`<r:license xmlns:r="urn:fixture"><!-- FIXTURE --><tm:infoStr name="productSkuId">{` + sku + `}</tm:infoStr></r:license>`)
}

func tsMustParse(t *testing.T, b []byte) *TokenStore {
	t.Helper()
	s, err := ParseTokenStore(b)
	if err != nil {
		t.Fatalf("ParseTokenStore: %v", err)
	}
	return s
}

func tsHasProblem(s *TokenStore, parts ...string) bool {
	for _, p := range s.Problems {
		ok := true
		for _, x := range parts {
			ok = ok && strings.Contains(p, x)
		}
		if ok {
			return true
		}
	}
	return false
}

// --- samples ----------------------------------------------------------------

type tsWant struct {
	name, ext, kind string
	populated       bool
	size            int
}

var tsHealthyWant = []tsWant{
	{"FIXTURE-Professional-Retail", "lic", TokenKindLicense, true, 0},
	{"FIXTURE-Professional-Volume-GVLK", "lic", TokenKindLicense, true, 0},
	{"FIXTURE-pkeyconfig", "lic", TokenKindPkeyConfig, true, 0},
	{"msft:spp/token/windows/productkeyid/Professional", "xml", TokenKindEdition, true, 0},
	{"msft:spp/token/PKeyIdUriMapper_--_met", "xml", TokenKindFree, false, 0},
	{"msft:spp/token/PKeyIdUriMapper_--_met", "xml", TokenKindPkeyIDMap, true, 0},
	{tsProRetail + "_--_met", "xml", TokenKindSKU, true, 0},
}

func TestTokenStoreHealthySample(t *testing.T) {
	b := readTokenSample(t, "tokens-healthy.dat")
	s := tsMustParse(t, b)
	if s.Version != 3 || !s.FileHashOK || s.Blocks != 1 || len(s.Problems) != 0 {
		t.Fatalf("store: version %d fileHash %v blocks %d problems %q", s.Version, s.FileHashOK, s.Blocks, s.Problems)
	}
	if len(s.Entries) != len(tsHealthyWant) {
		t.Fatalf("%d entries, want %d: %+v", len(s.Entries), len(tsHealthyWant), s.Entries)
	}
	next := int64(tsFirstRec)
	for i, w := range tsHealthyWant {
		e := s.Entries[i]
		if e.Name != w.name || e.Extension != w.ext || e.Kind != w.kind || e.Populated != w.populated {
			t.Errorf("entry %d = %+v, want %+v", i, e, w)
		}
		if !w.populated {
			if e.HashOK || e.Size != 0 || e.Offset != 0 {
				t.Errorf("free entry %d = %+v", i, e)
			}
			continue
		}
		if !e.HashOK || e.Offset != next || e.Size <= 0 {
			t.Errorf("entry %d = %+v, want hash OK at 0x%X", i, e, next)
		}
		// The record is where the descriptor says, with its data hash.
		data := b[e.Offset+tsRecHead : e.Offset+tsRecHead+int64(e.Size)]
		if sum := sha256.Sum256(data); !bytes.Equal(sum[:], b[e.Offset+0x24:e.Offset+tsRecHead]) {
			t.Errorf("entry %d: stored hash differs", i)
		}
		if e.Kind == TokenKindLicense || e.Kind == TokenKindPkeyConfig {
			if !bytes.Contains(data, []byte("FIXTURE")) {
				t.Errorf("entry %d is not a FIXTURE placeholder", i)
			}
		}
		next = e.Offset + tsRecHead + int64(e.Size) + tsRecFoot
	}
	if next != int64(len(b)) {
		t.Errorf("last record ends at 0x%X, file is 0x%X bytes", next, len(b))
	}
	want := map[string]int{TokenKindLicense: 2, TokenKindPkeyConfig: 1, TokenKindEdition: 1, TokenKindPkeyIDMap: 1, TokenKindSKU: 1, TokenKindFree: 1}
	if got := s.Summary(); !reflect.DeepEqual(got, want) {
		t.Errorf("Summary = %v, want %v", got, want)
	}
}

func TestTokenStoreEmptySample(t *testing.T) {
	b := readTokenSample(t, "tokens-empty.dat")
	if len(b) != tsHeaderSize+tsBlockHead {
		t.Fatalf("empty store is %d bytes", len(b))
	}
	s := tsMustParse(t, b)
	if !s.FileHashOK || s.Blocks != 1 || len(s.Entries) != 0 || len(s.Problems) != 0 || len(s.Summary()) != 0 {
		t.Fatalf("empty store: %+v", s)
	}
	if s.HasLicenseFor(tsProRetail) {
		t.Error("empty store has a licence")
	}
}

func TestTokenStoreBadEntryHashSample(t *testing.T) {
	s := tsMustParse(t, readTokenSample(t, "tokens-bad-entry-hash.dat"))
	if !s.FileHashOK || len(s.Problems) != 1 {
		t.Fatalf("fileHash %v, problems %q", s.FileHashOK, s.Problems)
	}
	p := s.Problems[0]
	for _, x := range []string{`"FIXTURE-Professional-Retail.lic"`, fmt.Sprintf("content 0x%X", tsFirstRec), "data SHA-256 mismatch", "stored ", "computed ", sfsBadHash} {
		if !strings.Contains(p, x) {
			t.Errorf("problem %q lacks %q", p, x)
		}
	}
	for i, e := range s.Entries {
		if want := e.Populated && i != 0; e.HashOK != want {
			t.Errorf("entry %d %q HashOK = %v", i, e.Name, e.HashOK)
		}
	}
	if s.Entries[0].Kind != TokenKindLicense {
		t.Errorf("corrupt entry kind %q", s.Entries[0].Kind)
	}
	// The licence no longer counts, but the SKU and edition metadata still
	// name the Pro retail SKU.
	if !s.HasLicenseFor(tsProRetail) || !s.HasLicenseFor(tsProGVLK) {
		t.Error("HasLicenseFor on the bad-entry-hash sample")
	}
}

func TestTokenStoreHasLicenseFor(t *testing.T) {
	s := tsMustParse(t, readTokenSample(t, "tokens-healthy.dat"))
	for id, want := range map[string]bool{
		tsProRetail:                              true,
		"{4DE7CB65-CDF1-4DE9-8AE8-E3CCE27B9F2C}": true,
		" " + tsProGVLK + " ":                    true,
		tsEntGVLK:                                false, // only in pkeyconfig
		tsFakePkey:                               false, // a product-key ID, not a SKU
		"55c92734-d682-4d71-983e-d6ec3f16059f":   false,
		"":                                       false,
		"4de7cb65cdf14de98ae8e3cce27b9f2c":       false,
		"4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2":    false,
		"{" + tsProRetail:                        true,
	} {
		if got := s.HasLicenseFor(id); got != want {
			t.Errorf("HasLicenseFor(%q) = %v, want %v", id, got, want)
		}
	}
	var nilStore *TokenStore
	if nilStore.HasLicenseFor(tsProRetail) || len(nilStore.Summary()) != 0 {
		t.Error("nil store")
	}
}

// Each source of evidence on its own, and a failed hash removing it.
func TestTokenStoreHasLicenseForSources(t *testing.T) {
	other := "11111111-2222-4333-8444-555555555555"
	utf16Lic := append([]byte{0xFF, 0xFE}, tsEnc16(string(tsLicence(tsProRetail)))...)
	for _, c := range []struct {
		name string
		ent  tsEnt
		want bool
		kind string
	}{
		{"licence", tsEnt{name: "L", ext: "lic", data: tsLicence(tsProRetail)}, true, TokenKindLicense},
		{"utf16 licence", tsEnt{name: "L", ext: "lic", data: utf16Lic}, true, TokenKindLicense},
		{"licence group", tsEnt{name: "L", ext: "lic", data: []byte(`<rg:licenseGroup>` + tsProRetail + `</rg:licenseGroup>`)}, true, TokenKindLicense},
		{"sku meta win8+", tsEnt{name: tsProRetail + "_--_met", ext: "xml", data: tsMeta(tsProRetail+"_--_met", [2]string{"pkeyId", other})}, true, TokenKindSKU},
		{"sku meta win7", tsEnt{name: tsProRetail + "_met", ext: "xml", data: tsMeta(tsProRetail + "_met")}, true, TokenKindSKU},
		{"edition meta", tsEnt{name: tsEditionPrefix + "Professional", ext: "xml", data: tsMeta(tsEditionPrefix+"Professional",
			[2]string{"windowsComponentEditionPkeyId", other}, [2]string{"windowsComponentEditionSkuId", tsProRetail})}, true, TokenKindEdition},
		{"other meta value", tsEnt{name: "something", ext: "xml", data: tsMeta("something", [2]string{"k", "{" + tsProRetail + "}"})}, true, TokenKindMetadata},
		{"pkeyconfig", tsEnt{name: "P", ext: "lic", data: []byte(`<r:license><tm:infoBin name="pkeyConfigData">` + tsProRetail + `</tm:infoBin></r:license>`)}, false, TokenKindPkeyConfig},
		{"uri mapper", tsEnt{name: tsPkeyIDMapper + "_--_met", ext: "xml", data: tsMeta(tsPkeyIDMapper+"_--_met", [2]string{tsProRetail, "x"})}, false, TokenKindPkeyIDMap},
		{"binary", tsEnt{name: "B", ext: "bin", data: []byte("\x00\x01" + tsProRetail)}, false, TokenKindOther},
		{"longer hex run", tsEnt{name: "L", ext: "lic", data: tsLicence("a" + tsProRetail)}, false, TokenKindLicense},
		{"deleted", tsEnt{name: tsProRetail + "_--_met", ext: "xml", deleted: true}, false, TokenKindFree},
	} {
		b, lay := tsBuild([]tsEnt{c.ent}, false)
		s := tsMustParse(t, b)
		if len(s.Problems) != 0 || len(s.Entries) != 1 || s.Entries[0].Kind != c.kind {
			t.Errorf("%s: problems %q, entries %+v", c.name, s.Problems, s.Entries)
			continue
		}
		if got := s.HasLicenseFor(tsProRetail); got != c.want {
			t.Errorf("%s: HasLicenseFor = %v, want %v", c.name, got, c.want)
		}
		if c.ent.deleted {
			continue
		}
		b[lay.rec[0]+tsRecHead] ^= 0x01 // corrupt the data
		tsRehash(b, lay)
		s = tsMustParse(t, b)
		if s.Entries[0].HashOK || s.HasLicenseFor(tsProRetail) {
			t.Errorf("%s: corrupted entry still counts", c.name)
		}
	}
}

// Several blocks, descriptors filled from the last slot down (spp-stuff).
func TestTokenStoreMultiBlock(t *testing.T) {
	for _, fromLast := range []bool{false, true} {
		var ents []tsEnt
		for i := 0; i < 2*tsDescPerBlock+44; i++ {
			ents = append(ents, tsEnt{name: fmt.Sprintf("FIXTURE-%03d", i), ext: "lic", data: []byte(fmt.Sprintf("<r:license>FIXTURE %d</r:license>", i))})
		}
		b, lay := tsBuild(ents, fromLast)
		s := tsMustParse(t, b)
		if !s.FileHashOK || s.Blocks != 3 || len(s.Entries) != len(ents) || len(s.Problems) != 0 {
			t.Fatalf("fromLast=%v: blocks %d entries %d problems %q", fromLast, s.Blocks, len(s.Entries), s.Problems)
		}
		for i, e := range s.Entries {
			// Entries come in slot order; filling from the end reverses each block.
			blk, k := i/tsDescPerBlock, i%tsDescPerBlock
			want := i
			if fromLast {
				n := min(tsDescPerBlock, len(ents)-blk*tsDescPerBlock)
				want = blk*tsDescPerBlock + n - 1 - k
			}
			if e.Name != ents[want].name || !e.HashOK || e.Offset != int64(lay.rec[want]) || e.Kind != TokenKindLicense {
				t.Fatalf("fromLast=%v: entry %d = %+v, want %s", fromLast, i, e, ents[want].name)
			}
		}
	}
	// Exactly 103 entries, then an empty trailing block (TSforge's writer).
	var ents []tsEnt
	for i := 0; i < tsDescPerBlock; i++ {
		ents = append(ents, tsEnt{name: fmt.Sprintf("E%d", i), ext: "xml", data: tsMeta("E")})
	}
	b, lay := tsBuild(ents, false)
	blk2 := len(b)
	binary.LittleEndian.PutUint32(b[lay.blocks[0]+4:], uint32(blk2))
	b = append(b, make([]byte, tsBlockHead)...)
	binary.LittleEndian.PutUint32(b[blk2:], uint32(blk2))
	lay.blocks = append(lay.blocks, blk2)
	tsRehash(b, lay)
	s := tsMustParse(t, b)
	if s.Blocks != 2 || len(s.Entries) != tsDescPerBlock || len(s.Problems) != 0 {
		t.Fatalf("trailing empty block: blocks %d entries %d problems %q", s.Blocks, len(s.Entries), s.Problems)
	}
}

// --- corruption -------------------------------------------------------------

func tsBase() ([]byte, tsLayout) {
	return tsBuild([]tsEnt{
		{name: "FIXTURE-A", ext: "lic", data: tsLicence(tsProRetail)},
		{name: "FIXTURE-B", ext: "lic", data: tsLicence(tsProGVLK)},
	}, false)
}

func TestTokenStoreNotAStore(t *testing.T) {
	good, _ := tsBase()
	bad := append([]byte{}, good...)
	binary.LittleEndian.PutUint32(bad, 2)
	for name, b := range map[string][]byte{
		"nil": nil, "3 bytes": {3, 0, 0}, "version 2": bad, "text": []byte("<?xml version='1.0'?>"),
		"version 3 big-endian": append([]byte{0, 0, 0, 3}, good[4:]...),
	} {
		s, err := ParseTokenStore(b)
		if !errors.Is(err, ErrNotTokenStore) || s != nil {
			t.Errorf("%s: %v, %v", name, s, err)
		}
	}
}

func TestTokenStoreFatal(t *testing.T) {
	good, lay := tsBase()
	cases := []struct {
		name    string
		mutate  func([]byte) []byte
		partial bool // a store with the first block's entries comes back too
		msg     []string
	}{
		{"truncated header", func(b []byte) []byte { return b[:20] }, false, []string{"truncated header", "20 bytes", sfsBadHeader}},
		{"truncated first block", func(b []byte) []byte { return b[:tsHeaderSize+tsDescArea] }, false, []string{"block 0 at 0x24", "truncated"}},
		{"next block past EOF", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[lay.blocks[0]+4:], uint32(len(b)-16))
			tsRehash(b, lay)
			return b
		}, true, []string{"block 0 at 0x24", fmt.Sprintf("next block offset 0x%X", len(good)-16), "past end of file", sfsBadPos}},
		{"next block offset huge", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[lay.blocks[0]+4:], 0xFFFFFFF0)
			tsRehash(b, lay)
			return b
		}, true, []string{"next block offset 0xFFFFFFF0", "past end of file"}},
		{"next block below header", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[lay.blocks[0]+4:], 8)
			tsRehash(b, lay)
			return b
		}, true, []string{"next block offset 0x8", "inside the file header"}},
		{"block loop", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[lay.blocks[0]+4:], tsHeaderSize)
			tsRehash(b, lay)
			return b
		}, true, []string{"overlaps block 0", "loop"}},
		{"overlapping block", func(b []byte) []byte {
			b = append(b, make([]byte, tsBlockHead)...)
			binary.LittleEndian.PutUint32(b[lay.blocks[0]+4:], tsHeaderSize+0x100)
			tsRehash(b, lay)
			return b
		}, true, []string{"overlaps block 0"}},
	}
	for _, c := range cases {
		s, err := ParseTokenStore(c.mutate(append([]byte{}, good...)))
		if !errors.Is(err, ErrTokenStoreCorrupt) {
			t.Errorf("%s: error %v", c.name, err)
			continue
		}
		for _, x := range c.msg {
			if !strings.Contains(err.Error(), x) {
				t.Errorf("%s: error %q lacks %q", c.name, err, x)
			}
		}
		if !c.partial {
			if s != nil {
				t.Errorf("%s: store %+v with error", c.name, s)
			}
			continue
		}
		if s == nil || s.Blocks != 1 || len(s.Entries) != 2 || !s.Entries[0].HashOK || !tsHasProblem(s, "next block offset") {
			t.Errorf("%s: partial store %+v", c.name, s)
		}
	}
}

func TestTokenStoreProblems(t *testing.T) {
	good, lay := tsBase()
	d0, r0 := lay.desc[0], lay.rec[0]
	le := binary.LittleEndian
	cases := []struct {
		name     string
		mutate   func(b []byte) []byte
		fileHash bool     // expected FileHashOK
		badEntry int      // entry with HashOK=false (-1: none)
		problem  []string // substrings of one problem
	}{
		{"entry hash mismatch", func(b []byte) []byte {
			b[r0+tsRecHead+5] ^= 0x20
			tsRehashFile(b)
			return b
		}, true, 0, []string{`"FIXTURE-A.lic"`, fmt.Sprintf("descriptor 0x%X", d0), fmt.Sprintf("content 0x%X", r0), "data SHA-256 mismatch", sfsBadHash}},
		{"entry offset past EOF", func(b []byte) []byte {
			le.PutUint32(b[d0+8:], uint32(len(b)-10))
			tsRehash(b, lay)
			return b
		}, true, 0, []string{`"FIXTURE-A.lic"`, fmt.Sprintf("content 0x%X", len(good)-10), "past end of file", sfsBadPos}},
		{"entry offset huge", func(b []byte) []byte {
			le.PutUint32(b[d0+8:], 0xFFFFFF00)
			tsRehash(b, lay)
			return b
		}, true, 0, []string{"content 0xFFFFFF00", "past end of file"}},
		{"content length huge", func(b []byte) []byte {
			le.PutUint32(b[d0+0x0C:], 0xFFFFFFF0)
			le.PutUint32(b[d0+0x10:], 0xFFFFFFF0)
			tsRehash(b, lay)
			return b
		}, true, 0, []string{"4294967280 data bytes past end of file"}},
		{"file hash mismatch", func(b []byte) []byte {
			b[10] ^= 1
			return b
		}, false, -1, []string{"file header: SHA-256 mismatch", sfsBadHeader}},
		{"file hash mismatch from data", func(b []byte) []byte {
			b[len(b)-1] ^= 1 // last footer byte
			return b
		}, false, 1, []string{`"FIXTURE-B.lic"`, "footer marker"}},
		{"block hash mismatch", func(b []byte) []byte {
			b[lay.blocks[0]+tsDescArea-1] = 1 // padding
			tsRehashFile(b)
			return b
		}, true, -1, []string{"block 0 at 0x24: descriptor-area SHA-256 mismatch", sfsBadDescTable}},
		{"zeroed block hash", func(b []byte) []byte {
			copy(b[lay.blocks[0]+tsDescArea:], tsZeroBlockHash[:])
			tsRehashFile(b)
			return b
		}, true, -1, []string{"SHA-256 of 0x4000 zero bytes"}},
		{"block self offset", func(b []byte) []byte {
			le.PutUint32(b[lay.blocks[0]:], 0x99)
			tsRehash(b, lay)
			return b
		}, true, -1, []string{"block 0 at 0x24: self offset is 0x99"}},
		{"descriptor self offset", func(b []byte) []byte {
			le.PutUint32(b[d0:], 0x1234)
			tsRehash(b, lay)
			return b
		}, true, -1, []string{`"FIXTURE-A.lic"`, "descriptor self offset is 0x1234", sfsBadDesc}},
		{"header marker", func(b []byte) []byte {
			b[r0+3] = 0
			tsRehash(b, lay)
			return b
		}, true, 0, []string{"header marker", sfsBadMarkers}},
		{"length mismatch", func(b []byte) []byte {
			le.PutUint32(b[r0+0x20:], 7)
			tsRehash(b, lay)
			return b
		}, true, 0, []string{"record length 7 differs", sfsSize}},
		{"alloc below length", func(b []byte) []byte {
			le.PutUint32(b[d0+0x10:], 1)
			tsRehash(b, lay)
			return b
		}, true, -1, []string{"allocated length 1", sfsSize}},
		{"duplicate name", func(b []byte) []byte {
			copy(b[lay.desc[1]+tsNameOff:lay.desc[1]+tsNameOff+tsNameBytes], b[d0+tsNameOff:d0+tsNameOff+tsNameBytes])
			tsRehash(b, lay)
			return b
		}, true, -1, []string{"duplicate populated name (also entry 0)", sfsDupName}},
		{"empty name", func(b []byte) []byte {
			clear(b[d0+tsNameOff : d0+tsNameOff+tsNameBytes])
			tsRehash(b, lay)
			return b
		}, true, -1, []string{"populated entry without a name", sfsBadName}},
		{"populated flag 2", func(b []byte) []byte {
			le.PutUint32(b[d0+4:], 2)
			tsRehash(b, lay)
			return b
		}, true, -1, []string{"populated flag is 2, treated as free", sfsBadDesc}},
	}
	for _, c := range cases {
		b := c.mutate(append([]byte{}, good...))
		s, err := ParseTokenStore(b)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if s.FileHashOK != c.fileHash {
			t.Errorf("%s: FileHashOK = %v", c.name, s.FileHashOK)
		}
		if !tsHasProblem(s, c.problem...) {
			t.Errorf("%s: no problem with %q in %q", c.name, c.problem, s.Problems)
		}
		for i, e := range s.Entries {
			if want := i != c.badEntry; e.Populated && e.HashOK != want {
				t.Errorf("%s: entry %d HashOK = %v", c.name, i, e.HashOK)
			}
		}
	}
}

// Descriptors all pointing at one big record: the work stays bounded by
// the file size and the repeats are reported.
func TestTokenStoreRepeatedRecords(t *testing.T) {
	b, lay := tsBuild([]tsEnt{{name: "BIG", ext: "lic", data: bytes.Repeat([]byte("<r:license>"), 6000)}}, false)
	d0 := lay.desc[0]
	for i := 1; i < tsDescPerBlock; i++ {
		d := lay.blocks[0] + 8 + i*tsDescSize
		copy(b[d+4:d+0x14], b[d0+4:d0+0x14])
		tsPut16(b[d+tsNameOff:d+tsNameOff+tsNameBytes], fmt.Sprintf("BIG%d", i))
		tsPut16(b[d+tsExtOff:d+tsExtOff+tsExtBytes], "lic")
	}
	tsRehash(b, lay)
	s := tsMustParse(t, b)
	if len(s.Entries) != tsDescPerBlock || !tsHasProblem(s, "work limit reached") {
		t.Fatalf("%d entries, problems %q", len(s.Entries), s.Problems)
	}
	if !s.Entries[0].HashOK || s.Entries[tsDescPerBlock-1].HashOK {
		t.Error("first entry should verify, the last should be left unverified")
	}
}

// A chain of empty blocks longer than the limit is refused with a bounded error.
func TestTokenStoreTooManyBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 32 MB store")
	}
	n := tsMaxBlocks + 5
	b := make([]byte, tsHeaderSize+n*tsBlockHead)
	binary.LittleEndian.PutUint32(b, tsVersion)
	for i := 0; i < n; i++ {
		blk := tsHeaderSize + i*tsBlockHead
		binary.LittleEndian.PutUint32(b[blk:], uint32(blk))
		if i+1 < n {
			binary.LittleEndian.PutUint32(b[blk+4:], uint32(blk+tsBlockHead))
		}
		sum := sha256.Sum256(b[blk : blk+tsDescArea])
		copy(b[blk+tsDescArea:], sum[:])
	}
	tsRehashFile(b)
	s, err := ParseTokenStore(b)
	if !errors.Is(err, ErrTokenStoreCorrupt) || !strings.Contains(err.Error(), fmt.Sprintf("longer than %d blocks", tsMaxBlocks)) {
		t.Fatalf("error %v", err)
	}
	if s == nil || s.Blocks != tsMaxBlocks || len(s.Problems) != 1 || !s.FileHashOK {
		t.Fatalf("store: blocks %d, %d problems", s.Blocks, len(s.Problems))
	}
}

func TestTokenStoreNames(t *testing.T) {
	long := strings.Repeat("n", 65) // fills the 0x82-byte field, no NUL
	b, lay := tsBuild([]tsEnt{{name: long, ext: "abcd", data: []byte("x")}, {name: "é\x01\U0001F600", ext: "xml", data: tsMeta("x")}}, false)
	// An unpaired surrogate.
	binary.LittleEndian.PutUint16(b[lay.desc[1]+tsNameOff+8:], 0xD800)
	tsRehash(b, lay)
	s := tsMustParse(t, b)
	if s.Entries[0].Name != long || s.Entries[0].Extension != "abcd" || s.Entries[0].Kind != TokenKindOther {
		t.Errorf("entry 0 = %+v", s.Entries[0])
	}
	if got := s.Entries[1].Name; got != "é\uFFFD\U0001F600\uFFFD" {
		t.Errorf("entry 1 name %q", got)
	}
}

func TestTokenStoreHelpers(t *testing.T) {
	got := tsFindGUIDs([]byte("x{4DE7CB65-CDF1-4DE9-8AE8-E3CCE27B9F2C}y " + tsProGVLK + "0 -" + tsEntGVLK))
	if want := []string{tsProRetail, tsEntGVLK}; !reflect.DeepEqual(got, want) {
		t.Errorf("tsFindGUIDs = %q, want %q", got, want)
	}
	m := tsMeta("n", [2]string{"a", "b"}, [2]string{"c", "d"})
	if got := tsMetaPairs(m); !reflect.DeepEqual(got, [][2]string{{"a", "b"}, {"c", "d"}}) {
		t.Errorf("tsMetaPairs = %q", got)
	}
	// Truncated or lying lengths stop the walk without a panic.
	for i := 0; i <= len(m); i++ {
		_ = tsMetaPairs(m[:i])
	}
	bad := append([]byte{}, m...)
	binary.LittleEndian.PutUint32(bad[4:], 0xFFFFFFFF)
	if tsMetaPairs(bad) != nil {
		t.Error("huge name length")
	}
	if got := string(tsText(append([]byte{0xFF, 0xFE}, tsEnc16("<r:license>")...))); got != "\uFEFF<r:license>" {
		t.Errorf("tsText = %q", got)
	}
}
