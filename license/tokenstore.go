package license

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/actrescue/actrescue/internal/utf16le"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The SPP token store (tokens.dat, version 3), formats-spp-firmware-hives.md
// §1.3. Layout (all integers little-endian u32):
//
//	file     0x00 version (3) | 0x04 SHA-256 of bytes [0,4) ++ [0x24,EOF) | 0x24 first block
//	block    +0x00 self offset | +0x04 next block offset (0 = last)
//	         +0x08 103 descriptors of 0x9E bytes | +0x3F9A 0x66 zero bytes
//	         +0x4000 SHA-256 of block bytes [+0, +0x4000) | +0x4020 content records
//	entry    +0x00 self offset | +0x04 populated (1) | +0x08 content offset
//	         +0x0C content length | +0x10 allocated length
//	         +0x14 name, UTF-16LE, 0x82 bytes | +0x96 extension, UTF-16LE, 8 bytes
//	content  +0x00 32 × 0x55 | +0x20 data length | +0x24 SHA-256 of the data
//	         +0x44 data | +0x44+n 32 × 0xAA
//
// Checked against massgravel/TSforge LibTSforge/TokenStore/TokenStoreModern.cs
// and massgravel/spp-stuff tokens_rebuild_v2.py and patterns/tokenstore.pat
// (read as format documentation only; no code taken).

// ErrNotTokenStore: the bytes are not a version-3 token store (too short to
// hold the version, or the version is not 3).
var ErrNotTokenStore = errors.New("license: not an SPP token store (tokens.dat version 3)")

// ErrTokenStoreCorrupt: a version-3 token store whose structure cannot be
// walked (truncated header or block, broken block chain, over a limit). The
// wrapping error gives the block index, offsets and sizes.
var ErrTokenStoreCorrupt = errors.New("license: corrupt SPP token store")

// Token entry kinds (TokenEntry.Kind).
const (
	// TokenKindLicense: XrML licence XML (an .xrm-ms file: SKU, TA/IL or other licence).
	TokenKindLicense = "license"
	// TokenKindPkeyConfig: a licence carrying pkeyConfigData (product-key configuration).
	TokenKindPkeyConfig = "pkeyconfig"
	// TokenKindSKU: binary metadata named after an activation (SKU) ID, "<GUID>_--_met" or "<GUID>_met".
	TokenKindSKU = "sku"
	// TokenKindEdition: binary metadata "msft:spp/token/windows/productkeyid/<EditionID>".
	TokenKindEdition = "edition"
	// TokenKindPkeyIDMap: binary metadata "msft:spp/token/PKeyIdUriMapper[_--_met|_met]".
	TokenKindPkeyIDMap = "pkeyid-map"
	// TokenKindMetadata: other binary metadata (extension "xml").
	TokenKindMetadata = "metadata"
	// TokenKindOther: readable content that is none of the above.
	TokenKindOther = "other"
	// TokenKindUnknown: populated, but the content could not be read.
	TokenKindUnknown = "unknown"
	// TokenKindFree: an unpopulated descriptor that still carries a name (a
	// deleted or superseded entry).
	TokenKindFree = "free"
)

// TokenStore is a parsed tokens.dat.
type TokenStore struct {
	Version    uint32
	FileHashOK bool // the SHA-256 at 0x04 matches
	Blocks     int  // blocks walked
	// Entries: every populated descriptor, and every unpopulated one that
	// still has a name (Kind "free"), in block and slot order. Blank free
	// slots are not listed.
	Entries []TokenEntry
	// Problems: integrity failures that did not stop the walk (bad block or
	// entry hash, markers, lengths, duplicate names…), with the Windows
	// SL_E_SFS_* code the condition corresponds to.
	Problems []string

	refs map[string]struct{} // lowercase GUIDs referenced by verified entries (HasLicenseFor)
}

// TokenEntry is one token (descriptor and content record).
type TokenEntry struct {
	Name      string // UTF-16 name, at most 65 code units; unprintable runes become U+FFFD
	Extension string // at most 4 code units, e.g. "xml" for binary metadata
	Size      int    // data length in bytes (0 when unpopulated)
	Offset    int64  // absolute offset of the content record (0 when unpopulated)
	HashOK    bool   // markers, lengths and the data SHA-256 all check out
	Kind      string // one of the TokenKind* constants
	Populated bool
}

// Layout constants (§1.3).
const (
	tsVersion       = 3
	tsHeaderSize    = 0x24
	tsDescSize      = 0x9E
	tsDescPerBlock  = 0x4020 / tsDescSize // 103
	tsDescArea      = 0x4000
	tsBlockHead     = tsDescArea + sha256.Size // 0x4020
	tsNameOff       = 0x14
	tsNameBytes     = 0x82
	tsExtOff        = 0x96
	tsExtBytes      = 8
	tsRecHead       = 0x44
	tsRecFoot       = 0x20
	tsMarkerLen     = 0x20
	tsUnpopulated   = 0xFFFFFFFF
	tsMaxEntries    = 200000
	tsMaxBlocks     = tsMaxEntries / tsDescPerBlock
	tsMaxMetaPairs  = 4096
	tsMetaSuffixNew = "_--_met" // Windows 8 and later
	tsMetaSuffixOld = "_met"    // Windows 7
	tsEditionPrefix = "msft:spp/token/windows/productkeyid/"
	tsPkeyIDMapper  = "msft:spp/token/PKeyIdUriMapper"
)

// SL_E_SFS_* codes from slerror.h (§1.3), quoted in Problems.
const (
	sfsBadDescTable = "0x8004E102" // invalid descriptor table
	sfsBadMarkers   = "0x8004E103" // token has invalid header/footer
	sfsBadName      = "0x8004E104"
	sfsDupName      = "0x8004E106"
	sfsSize         = "0x8004E107" // size mismatch
	sfsBadHash      = "0x8004E108" // invalid data hash
	sfsBadPos       = "0x8004E10B" // invalid file position
	sfsBadHeader    = "0x8004E10D" // invalid FS header
	sfsBadDesc      = "0x8004E10E" // invalid token descriptor
)

var (
	tsHeadMarker = bytes.Repeat([]byte{0x55}, tsMarkerLen)
	tsFootMarker = bytes.Repeat([]byte{0xAA}, tsMarkerLen)
	// TSforge's TokenStoreModern.cs at revision 0c8b1efa hashes a freshly
	// zeroed buffer instead of the block (the hash is taken before the read);
	// recognise that value so the report can say so.
	tsZeroBlockHash = sha256.Sum256(make([]byte, tsDescArea))
)

// ParseTokenStore parses the bytes of a whole tokens.dat (version 3).
//
// It never panics and allocates only in proportion to len(b). Errors:
// ErrNotTokenStore (too short for a version, or version ≠ 3);
// ErrTokenStoreCorrupt, with a nil store, when the header or the first block
// is truncated; ErrTokenStoreCorrupt together with the entries read so far
// when the chain to a later block is broken or over the block limit. A file
// hash mismatch only sets FileHashOK=false; bad block hashes and bad entries
// are listed in Problems and the walk continues.
//
// Only version 3 is known (§1.3: TSforge uses this one reader for every OS
// from Vista on; that Vista and 7 stores are version 3 is unconfirmed).
func ParseTokenStore(b []byte) (*TokenStore, error) {
	n := int64(len(b))
	if n < 4 {
		return nil, fmt.Errorf("%w: %d bytes, too short for a version field", ErrNotTokenStore, n)
	}
	v := binary.LittleEndian.Uint32(b)
	if v != tsVersion {
		return nil, fmt.Errorf("%w: version %d (0x%08X)", ErrNotTokenStore, v, v)
	}
	if n < tsHeaderSize {
		return nil, fmt.Errorf("%w: truncated header: %d bytes, need %d [%s]", ErrTokenStoreCorrupt, n, tsHeaderSize, sfsBadHeader)
	}
	if n < tsHeaderSize+tsBlockHead {
		return nil, fmt.Errorf("%w: block 0 at 0x%X: truncated: file is %d bytes, a block needs %d [%s]",
			ErrTokenStoreCorrupt, tsHeaderSize, n, tsBlockHead, sfsBadDescTable)
	}
	s := &TokenStore{Version: v, refs: map[string]struct{}{}}
	p := &tsParser{s: s, b: b, budget: 4*n + 1<<20, seen: map[string]int{}}

	h := sha256.New()
	h.Write(b[:4])
	h.Write(b[tsHeaderSize:])
	var got [sha256.Size]byte
	h.Sum(got[:0])
	if want := b[4:tsHeaderSize]; bytes.Equal(want, got[:]) {
		s.FileHashOK = true
	} else {
		p.problem("file header: SHA-256 mismatch: stored %x, computed %x [%s]", want, got, sfsBadHeader)
	}

	var visited []int64
	blk := int64(tsHeaderSize)
	for {
		visited = append(visited, blk)
		next := p.block(len(visited)-1, blk)
		s.Blocks++
		if next == 0 {
			return s, nil
		}
		bi := len(visited) - 1
		var err error
		switch {
		case s.Blocks >= tsMaxBlocks:
			err = fmt.Errorf("%w: block %d at 0x%X: chain longer than %d blocks (%d descriptors)",
				ErrTokenStoreCorrupt, bi, blk, tsMaxBlocks, tsMaxBlocks*tsDescPerBlock)
		case next < tsHeaderSize:
			err = fmt.Errorf("%w: block %d at 0x%X: next block offset 0x%X is inside the file header [%s]",
				ErrTokenStoreCorrupt, bi, blk, next, sfsBadPos)
		case next+tsBlockHead > n:
			err = fmt.Errorf("%w: block %d at 0x%X: next block offset 0x%X: block of %d bytes past end of file (%d bytes) [%s]",
				ErrTokenStoreCorrupt, bi, blk, next, tsBlockHead, n, sfsBadPos)
		default:
			for j, o := range visited {
				if next < o+tsBlockHead && o < next+tsBlockHead {
					err = fmt.Errorf("%w: block %d at 0x%X: next block offset 0x%X overlaps block %d at 0x%X (loop) [%s]",
						ErrTokenStoreCorrupt, bi, blk, next, j, o, sfsBadPos)
					break
				}
			}
		}
		if err != nil {
			s.Problems = append(s.Problems, strings.TrimPrefix(err.Error(), ErrTokenStoreCorrupt.Error()+": "))
			return s, err
		}
		blk = next
	}
}

type tsParser struct {
	s      *TokenStore
	b      []byte
	budget int64          // bytes still allowed for hashing and scanning entry data
	seen   map[string]int // populated name+ext → index in Entries
	spent  bool
}

func (p *tsParser) problem(format string, a ...any) {
	p.s.Problems = append(p.s.Problems, fmt.Sprintf(format, a...))
}

func (p *tsParser) u32(off int64) uint32 { return binary.LittleEndian.Uint32(p.b[off:]) }

// charge takes n bytes of work from the budget; false once it is spent
// (only overlapping or repeated content records can exhaust it).
func (p *tsParser) charge(n int64) bool {
	if n > p.budget {
		if !p.spent {
			p.spent = true
			p.problem("work limit reached (content records overlap or repeat); later entries not verified")
		}
		return false
	}
	p.budget -= n
	return true
}

// block reads the block at blk (whose 0x4020-byte head is in bounds) and
// returns its next-block offset.
func (p *tsParser) block(bi int, blk int64) int64 {
	if self := int64(p.u32(blk)); self != blk {
		p.problem("block %d at 0x%X: self offset is 0x%X [%s]", bi, blk, self, sfsBadDescTable)
	}
	sum := sha256.Sum256(p.b[blk : blk+tsDescArea])
	if stored := p.b[blk+tsDescArea : blk+tsBlockHead]; !bytes.Equal(stored, sum[:]) {
		note := ""
		if bytes.Equal(stored, tsZeroBlockHash[:]) {
			note = " (the stored value is the SHA-256 of 0x4000 zero bytes, as a buggy third-party writer produces)"
		}
		p.problem("block %d at 0x%X: descriptor-area SHA-256 mismatch: stored %x, computed %x%s [%s]", bi, blk, stored, sum, note, sfsBadDescTable)
	}
	for i := 0; i < tsDescPerBlock; i++ {
		p.entry(bi, i, blk+8+int64(i)*tsDescSize)
	}
	return int64(p.u32(blk + 4))
}

func (p *tsParser) entry(bi, slot int, d int64) {
	b := p.b
	self, pop := int64(p.u32(d)), p.u32(d+4)
	coff, clen, alen := int64(p.u32(d+8)), p.u32(d+0x0C), p.u32(d+0x10)
	name := tsUTF16(b[d+tsNameOff : d+tsNameOff+tsNameBytes])
	ext := tsUTF16(b[d+tsExtOff : d+tsExtOff+tsExtBytes])
	if pop != 1 {
		if pop != 0 {
			p.problem("block %d slot %d (descriptor 0x%X) %q: populated flag is %d, treated as free [%s]", bi, slot, d, tsFull(name, ext), pop, sfsBadDesc)
		}
		if name != "" || ext != "" {
			p.add(TokenEntry{Name: name, Extension: ext, Kind: TokenKindFree})
		}
		return
	}
	where := fmt.Sprintf("block %d slot %d %q (descriptor 0x%X, content 0x%X)", bi, slot, tsFull(name, ext), d, coff)
	if self != d {
		p.problem("%s: descriptor self offset is 0x%X [%s]", where, self, sfsBadDesc)
	}
	if name == "" {
		p.problem("%s: populated entry without a name [%s]", where, sfsBadName)
	}
	key := name + "\x00" + ext
	if j, dup := p.seen[key]; dup {
		p.problem("%s: duplicate populated name (also entry %d) [%s]", where, j, sfsDupName)
	} else {
		p.seen[key] = len(p.s.Entries)
	}
	e := TokenEntry{Name: name, Extension: ext, Size: int(clen), Offset: coff, Populated: true, Kind: TokenKindUnknown}
	if alen < clen {
		p.problem("%s: allocated length %d is below content length %d [%s]", where, alen, clen, sfsSize)
	}
	data, ok := p.content(where, coff, int64(clen))
	e.HashOK = ok
	e.Kind = p.kind(name, ext, data)
	if ok {
		p.collectRefs(e.Kind, name, data)
	}
	p.add(e)
}

// content checks a content record and returns its data when in bounds
// (nil otherwise) and whether every check passed.
func (p *tsParser) content(where string, off, n int64) ([]byte, bool) {
	size := int64(len(p.b))
	if off < tsHeaderSize || off+tsRecHead > size {
		p.problem("%s: content record header (%d bytes) past end of file (%d bytes) [%s]", where, tsRecHead, size, sfsBadPos)
		return nil, false
	}
	if n > size || off+tsRecHead+n+tsRecFoot > size {
		p.problem("%s: content record of %d data bytes past end of file (%d bytes) [%s]", where, n, size, sfsBadPos)
		return nil, false
	}
	rec := p.b[off : off+tsRecHead+n+tsRecFoot]
	data := rec[tsRecHead : tsRecHead+n]
	ok := true
	if !bytes.Equal(rec[:tsMarkerLen], tsHeadMarker) {
		p.problem("%s: header marker is not 32 × 0x55 [%s]", where, sfsBadMarkers)
		ok = false
	}
	if !bytes.Equal(rec[tsRecHead+n:], tsFootMarker) {
		p.problem("%s: footer marker at 0x%X is not 32 × 0xAA [%s]", where, off+tsRecHead+n, sfsBadMarkers)
		ok = false
	}
	if rl := int64(binary.LittleEndian.Uint32(rec[0x20:])); rl != n {
		p.problem("%s: record length %d differs from descriptor length %d [%s]", where, rl, n, sfsSize)
		ok = false
	}
	if !p.charge(n) {
		return data, false
	}
	sum := sha256.Sum256(data)
	if stored := rec[0x24:tsRecHead]; !bytes.Equal(stored, sum[:]) {
		p.problem("%s: data SHA-256 mismatch: stored %x, computed %x [%s]", where, stored, sum, sfsBadHash)
		ok = false
	}
	return data, ok
}

func (p *tsParser) add(e TokenEntry) {
	if len(p.s.Entries) < tsMaxEntries {
		p.s.Entries = append(p.s.Entries, e)
	}
}

// kind classifies an entry: binary metadata by name (extension "xml", §1.3),
// everything else by content (nil data: unreadable).
func (p *tsParser) kind(name, ext string, data []byte) string {
	if strings.EqualFold(ext, "xml") {
		base := tsMetaBase(name)
		switch {
		case strings.HasPrefix(name, tsEditionPrefix):
			return TokenKindEdition
		case strings.EqualFold(base, tsPkeyIDMapper):
			return TokenKindPkeyIDMap
		case base != name && tsIsGUID(base):
			return TokenKindSKU
		}
		return TokenKindMetadata
	}
	if data == nil || !p.charge(int64(len(data))) {
		return TokenKindUnknown
	}
	t := tsText(data)
	switch {
	case bytes.Contains(t, []byte("pkeyConfigData")):
		return TokenKindPkeyConfig
	case bytes.Contains(t, []byte("<r:license")), bytes.Contains(t, []byte(":licenseGroup")),
		bytes.Contains(t, []byte("<licenseGroup")), bytes.Contains(t, []byte("<license")):
		return TokenKindLicense
	}
	return TokenKindOther
}

// collectRefs records the GUIDs a verified entry references (HasLicenseFor).
func (p *tsParser) collectRefs(kind, name string, data []byte) {
	add := func(t []byte) {
		for _, g := range tsFindGUIDs(t) {
			p.s.refs[g] = struct{}{}
		}
	}
	switch kind {
	case TokenKindSKU:
		add([]byte(name))
	case TokenKindEdition:
		for _, kv := range tsMetaPairs(data) {
			if strings.EqualFold(kv[0], "windowsComponentEditionSkuId") {
				add([]byte(kv[1]))
			}
		}
	case TokenKindMetadata:
		add([]byte(name))
		for _, kv := range tsMetaPairs(data) {
			add([]byte(kv[0]))
			add([]byte(kv[1]))
		}
	case TokenKindLicense:
		if p.charge(int64(len(data))) {
			add([]byte(name))
			add(tsText(data))
		}
	}
	// pkeyconfig: lists every edition's configurations (inside a base64
	// payload), so it says nothing about which SKUs are licensed;
	// pkeyid-map: product-key IDs only; other/unknown: not understood.
}

// Summary counts the entries by Kind.
func (s *TokenStore) Summary() map[string]int {
	m := map[string]int{}
	if s == nil {
		return m
	}
	for _, e := range s.Entries {
		m[e.Kind]++
	}
	return m
}

// HasLicenseFor reports whether a populated, hash-verified entry references
// activationID (a GUID, with or without braces, any case):
//
//   - a licence (XrML) whose text contains the GUID anywhere (productSkuId or
//     any other reference: the licence schema is not parsed);
//   - SKU metadata named "<activationID>_--_met" / "_met", which the
//     product-key install path writes for that SKU (TSforge, [S]);
//   - edition metadata whose windowsComponentEditionSkuId is the GUID;
//   - other binary metadata naming the GUID in its name, keys or values.
//
// pkeyconfig entries are ignored: they describe every edition's key ranges,
// not the SKUs installed. A true result means the licence (or key metadata)
// for that SKU is in the store. It does not say that the SKU is activated,
// that a product key is installed now, or that the licence signature is
// valid: activation state and installed keys live in the encrypted data.dat,
// and signatures are not checked here.
func (s *TokenStore) HasLicenseFor(activationID string) bool {
	if s == nil {
		return false
	}
	g := strings.ToLower(strings.TrimSpace(activationID))
	g = strings.TrimSuffix(strings.TrimPrefix(g, "{"), "}")
	if !tsIsGUID(g) {
		return false
	}
	_, ok := s.refs[g]
	return ok
}

// tsMetaBase strips the metadata-name suffix "_--_met" or "_met".
func tsMetaBase(name string) string {
	if b, ok := strings.CutSuffix(name, tsMetaSuffixNew); ok {
		return b
	}
	if b, ok := strings.CutSuffix(name, tsMetaSuffixOld); ok {
		return b
	}
	return name
}

// tsMetaPairs decodes binary token metadata (§1.3; TSforge TokenMeta):
// u32 1, u32 name byte length, UTF-16 name, then [u32 keyLen][u32 valLen]
// [key][value] pairs, lengths in bytes, until at most 8 bytes remain. A
// malformed tail is dropped.
func tsMetaPairs(d []byte) [][2]string {
	if len(d) < 8 {
		return nil
	}
	pos := 8 + int64(binary.LittleEndian.Uint32(d[4:]))
	var out [][2]string
	for pos+8 < int64(len(d)) && len(out) < tsMaxMetaPairs {
		kl, vl := int64(binary.LittleEndian.Uint32(d[pos:])), int64(binary.LittleEndian.Uint32(d[pos+4:]))
		pos += 8
		if kl > int64(len(d))-pos || vl > int64(len(d))-pos-kl {
			break
		}
		out = append(out, [2]string{tsUTF16(d[pos : pos+kl]), tsUTF16(d[pos+kl : pos+kl+vl])})
		pos += kl + vl
	}
	return out
}

// tsUTF16 decodes UTF-16LE up to the first NUL; unprintable runes and
// unpaired surrogates become U+FFFD.
func tsUTF16(b []byte) string {
	return strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return utf8.RuneError
		}
		return r
	}, utf16le.DecodeZ(b))
}

// tsText returns licence content as UTF-8/ASCII bytes: UTF-16LE text (BOM
// FF FE, or a NUL second byte) is transcoded, anything else returned as is.
func tsText(d []byte) []byte {
	if len(d) >= 2 && (d[0] == 0xFF && d[1] == 0xFE || d[0] != 0 && d[1] == 0) {
		return []byte(utf16le.Decode(d))
	}
	return d
}

// tsFindGUIDs returns the lowercase textual GUIDs (8-4-4-4-12 hex digits,
// not part of a longer hex run) in t.
func tsFindGUIDs(t []byte) []string {
	var out []string
	for i := 0; i+36 <= len(t); i++ {
		if t[i+8] != '-' || t[i+13] != '-' || t[i+18] != '-' || t[i+23] != '-' {
			continue
		}
		if i > 0 && tsHex(t[i-1]) || i+36 < len(t) && tsHex(t[i+36]) {
			continue
		}
		if g := string(t[i : i+36]); tsIsGUID(g) {
			out = append(out, strings.ToLower(g))
			i += 35
		}
	}
	return out
}

func tsIsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
		} else if !tsHex(s[i]) {
			return false
		}
	}
	return true
}

func tsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func tsFull(name, ext string) string {
	if ext == "" {
		return name
	}
	return name + "." + ext
}
