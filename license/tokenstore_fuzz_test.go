package license

import (
	"errors"
	"fmt"
	"testing"
)

func FuzzParseTokenStore(f *testing.F) {
	for _, n := range tsSampleFiles {
		f.Add(readTokenSample(f, n))
	}
	var ents []tsEnt
	for i := 0; i < tsDescPerBlock+2; i++ {
		ents = append(ents, tsEnt{name: fmt.Sprintf("%s_--_met", tsProRetail), ext: "xml", data: tsMeta("m", [2]string{"k", tsProGVLK})})
	}
	two, _ := tsBuild(ents, true)
	f.Add(two)
	f.Add([]byte{})
	f.Add([]byte{3, 0, 0, 0})
	kinds := map[string]bool{TokenKindLicense: true, TokenKindPkeyConfig: true, TokenKindSKU: true, TokenKindEdition: true,
		TokenKindPkeyIDMap: true, TokenKindMetadata: true, TokenKindOther: true, TokenKindUnknown: true, TokenKindFree: true}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseTokenStore(b)
		switch {
		case err == nil:
		case errors.Is(err, ErrNotTokenStore):
			if s != nil {
				t.Fatal("store with ErrNotTokenStore")
			}
			return
		case errors.Is(err, ErrTokenStoreCorrupt):
			if s == nil {
				return
			}
			if len(s.Problems) == 0 {
				t.Fatal("partial store without a problem")
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
		if s.Version != tsVersion || s.Blocks < 1 || s.Blocks > tsMaxBlocks || len(s.Entries) > tsMaxEntries ||
			len(s.Entries) > s.Blocks*tsDescPerBlock {
			t.Fatalf("store: version %d, %d blocks, %d entries", s.Version, s.Blocks, len(s.Entries))
		}
		total := 0
		for _, c := range s.Summary() {
			total += c
		}
		if total != len(s.Entries) {
			t.Fatalf("summary counts %d of %d entries", total, len(s.Entries))
		}
		for _, e := range s.Entries {
			if !kinds[e.Kind] || len([]rune(e.Name)) > tsNameBytes/2 || len([]rune(e.Extension)) > tsExtBytes/2 {
				t.Fatalf("entry %+v", e)
			}
			if e.Populated != (e.Kind != TokenKindFree) {
				t.Fatalf("entry %+v", e)
			}
			if e.HashOK && (!e.Populated || e.Offset < tsHeaderSize || e.Offset+tsRecHead+int64(e.Size)+tsRecFoot > int64(len(b))) {
				t.Fatalf("verified entry out of bounds: %+v (file %d bytes)", e, len(b))
			}
		}
		if len(s.Problems) == 0 && !s.FileHashOK {
			t.Fatal("file hash mismatch not listed in Problems")
		}
		_ = s.HasLicenseFor(tsProRetail)
		_ = s.HasLicenseFor(tsProGVLK)
	})
}
