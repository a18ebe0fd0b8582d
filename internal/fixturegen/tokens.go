package main

// Synthetic SPP token stores (tokens.dat version 3) for the license
// package tests; layout in docs/reference/formats-spp-firmware-hives.md §1.3
// and license/tokenstore.go. Entry contents are small placeholders labelled
// FIXTURE, never Microsoft licence files.
//
//	fixturegen tokens DIR                      write the license/testdata/tokens samples into DIR
//	fixturegen tokens OUT NAME.EXT=FILE...     write one store holding FILE's bytes as NAME.EXT

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf16"
)

// TokensSpec describes a synthetic tokens.dat.
type TokensSpec struct {
	Entries []TokensEntry
	// FromLastSlot fills each block's descriptors from slot 102 down, as
	// spp-stuff's rebuild script does (TSforge fills from slot 0).
	FromLastSlot bool
	// CorruptHashOf names an entry ("name.ext") whose stored data SHA-256
	// gets its first byte inverted; the block and file hashes are computed
	// afterwards, so only that entry fails.
	CorruptHashOf string
}

// TokensEntry is one token. A Deleted entry keeps its name in an
// unpopulated descriptor and has no content record.
type TokensEntry struct {
	Name, Ext string
	Data      []byte
	Deleted   bool
}

const (
	tokVersion     = 3
	tokHeader      = 0x24
	tokDescSize    = 0x9E
	tokDescPerBlk  = 0x4020 / tokDescSize // 103
	tokDescArea    = 0x4000
	tokBlockHead   = tokDescArea + 32
	tokMaxName     = 64 // code units, leaving room for the NUL TSforge writes
	tokMaxExt      = 3
	tokUnpopulated = 0xFFFFFFFF
)

// writeTokens builds the store described by spec and writes it to path.
func writeTokens(path string, spec TokensSpec) error {
	b, err := buildTokens(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// buildTokens lays out blocks of 103 descriptors, each block followed by
// the content records of its populated entries, the next block right after
// the last record (spp-stuff's layout: no trailing empty block). It computes
// every entry, block and file SHA-256.
func buildTokens(spec TokensSpec) ([]byte, error) {
	le := binary.LittleEndian
	for _, e := range spec.Entries {
		if len(utf16.Encode([]rune(e.Name))) > tokMaxName || len(utf16.Encode([]rune(e.Ext))) > tokMaxExt {
			return nil, fmt.Errorf("tokens: name %q.%q too long (max %d and %d UTF-16 units)", e.Name, e.Ext, tokMaxName, tokMaxExt)
		}
		if strings.ContainsRune(e.Name+e.Ext, 0) {
			return nil, fmt.Errorf("tokens: NUL in name %q", e.Name)
		}
		if int64(len(e.Data)) > 1<<30 {
			return nil, errors.New("tokens: entry too large")
		}
	}
	corrupted := spec.CorruptHashOf == ""
	out := make([]byte, tokHeader)
	le.PutUint32(out, tokVersion)
	entries := spec.Entries
	for {
		n := min(len(entries), tokDescPerBlk)
		blk := len(out)
		out = append(out, make([]byte, tokBlockHead)...)
		le.PutUint32(out[blk:], uint32(blk))
		for slot := 0; slot < tokDescPerBlk; slot++ {
			d := blk + 8 + slot*tokDescSize
			le.PutUint32(out[d:], uint32(d))
			le.PutUint32(out[d+0x0C:], tokUnpopulated)
			le.PutUint32(out[d+0x10:], tokUnpopulated)
		}
		for i, e := range entries[:n] {
			slot := i
			if spec.FromLastSlot {
				slot = tokDescPerBlk - 1 - i
			}
			d := blk + 8 + slot*tokDescSize
			putTokUTF16(out[d+0x14:d+0x96], e.Name)
			putTokUTF16(out[d+0x96:d+0x9E], e.Ext)
			if e.Deleted {
				continue
			}
			rec := len(out)
			le.PutUint32(out[d+0x04:], 1)
			le.PutUint32(out[d+0x08:], uint32(rec))
			le.PutUint32(out[d+0x0C:], uint32(len(e.Data)))
			le.PutUint32(out[d+0x10:], uint32(len(e.Data)))
			sum := sha256.Sum256(e.Data)
			if !corrupted && spec.CorruptHashOf == e.Name+"."+e.Ext {
				sum[0] ^= 0xFF
				corrupted = true
			}
			out = append(out, bytes.Repeat([]byte{0x55}, 32)...)
			out = le.AppendUint32(out, uint32(len(e.Data)))
			out = append(out, sum[:]...)
			out = append(out, e.Data...)
			out = append(out, bytes.Repeat([]byte{0xAA}, 32)...)
			if int64(len(out)) > 1<<31 {
				return nil, errors.New("tokens: store over 2 GiB")
			}
		}
		entries = entries[n:]
		if len(entries) > 0 {
			le.PutUint32(out[blk+4:], uint32(len(out)))
		}
		sum := sha256.Sum256(out[blk : blk+tokDescArea])
		copy(out[blk+tokDescArea:], sum[:])
		if len(entries) == 0 {
			break
		}
	}
	if !corrupted {
		return nil, fmt.Errorf("tokens: no entry %q to corrupt", spec.CorruptHashOf)
	}
	h := sha256.New()
	h.Write(out[:4])
	h.Write(out[tokHeader:])
	copy(out[4:tokHeader], h.Sum(nil))
	return out, nil
}

// putTokUTF16 writes s as NUL-padded UTF-16LE into dst.
func putTokUTF16(dst []byte, s string) {
	for i, c := range utf16.Encode([]rune(s)) {
		binary.LittleEndian.PutUint16(dst[2*i:], c)
	}
}

// tokensMeta encodes binary token metadata (extension "xml"): u32 1, u32
// name byte length, name, then [keyLen][valLen][key][value]; every string
// is UTF-16LE with its NUL, lengths in bytes.
func tokensMeta(name string, pairs ...[2]string) []byte {
	enc := func(s string) []byte {
		var b []byte
		for _, c := range utf16.Encode([]rune(s + "\x00")) {
			b = binary.LittleEndian.AppendUint16(b, c)
		}
		return b
	}
	le := binary.LittleEndian
	out := le.AppendUint32(nil, 1)
	n := enc(name)
	out = le.AppendUint32(out, uint32(len(n)))
	out = append(out, n...)
	for _, kv := range pairs {
		k, v := enc(kv[0]), enc(kv[1])
		out = le.AppendUint32(out, uint32(len(k)))
		out = le.AppendUint32(out, uint32(len(v)))
		out = append(out, k...)
		out = append(out, v...)
	}
	return out
}

// Public activation IDs (Windows 10/11 Pro retail and Pro Volume:GVLK, the
// latter from the published KMS client key table), Enterprise GVLK (only in
// the pkeyconfig placeholder) and an obviously synthetic product-key ID.
const (
	tokProRetail     = "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c"
	tokProGVLK       = "2de67392-b7a7-462a-b1ca-108dd189f588"
	tokEnterpriseKMS = "73111121-5638-40f6-bc11-f1d7b0d64300"
	tokFakePkeyID    = "00000000-0000-4000-8000-00000000f1c5"
)

// tokensLicence is a small XML-like placeholder shaped like an XrML licence.
func tokensLicence(title, skuID string) []byte {
	return []byte(`<?xml version="1.0" encoding="utf-8"?>` +
		`<r:license xmlns:r="urn:actrescue:fixture" xmlns:tm="urn:actrescue:fixture">` +
		`<!-- FIXTURE: synthetic placeholder, not a Microsoft licence -->` +
		`<r:title>FIXTURE ` + title + `</r:title>` +
		`<tm:infoStr name="productSkuId">{` + skuID + `}</tm:infoStr>` +
		`</r:license>`)
}

// tokensSamples returns the license/testdata/tokens samples by file name.
func tokensSamples() map[string]TokensSpec {
	pkeyconfig := []byte(`<?xml version="1.0" encoding="utf-8"?>` +
		`<r:license xmlns:r="urn:actrescue:fixture" xmlns:tm="urn:actrescue:fixture">` +
		`<!-- FIXTURE: synthetic placeholder, not a Microsoft pkeyconfig; ` + tokEnterpriseKMS + ` -->` +
		`<tm:infoBin name="pkeyConfigData">RklYVFVSRQ==</tm:infoBin></r:license>`)
	healthy := []TokensEntry{
		{Name: "FIXTURE-Professional-Retail", Ext: "lic", Data: tokensLicence("Professional Retail", tokProRetail)},
		{Name: "FIXTURE-Professional-Volume-GVLK", Ext: "lic", Data: tokensLicence("Professional Volume:GVLK", tokProGVLK)},
		{Name: "FIXTURE-pkeyconfig", Ext: "lic", Data: pkeyconfig},
		{Name: "msft:spp/token/windows/productkeyid/Professional", Ext: "xml", Data: tokensMeta("msft:spp/token/windows/productkeyid/Professional",
			[2]string{"windowsComponentEditionPkeyId", tokFakePkeyID}, [2]string{"windowsComponentEditionSkuId", tokProRetail})},
		{Name: "msft:spp/token/PKeyIdUriMapper_--_met", Ext: "xml", Deleted: true},
		{Name: "msft:spp/token/PKeyIdUriMapper_--_met", Ext: "xml", Data: tokensMeta("msft:spp/token/PKeyIdUriMapper_--_met",
			[2]string{tokFakePkeyID, "msft:rm/algorithm/pkey/2009"})},
		{Name: tokProRetail + "_--_met", Ext: "xml", Data: tokensMeta(tokProRetail+"_--_met",
			[2]string{"pkeyId", tokFakePkeyID}, [2]string{"pkeyIdList", tokFakePkeyID})},
	}
	return map[string]TokensSpec{
		"tokens-healthy.dat":        {Entries: healthy},
		"tokens-empty.dat":          {},
		"tokens-bad-entry-hash.dat": {Entries: healthy, CorruptHashOf: "FIXTURE-Professional-Retail.lic"},
	}
}

// tokensCmd implements "fixturegen tokens".
func tokensCmd(args []string) error {
	switch {
	case len(args) == 1:
		for name, spec := range tokensSamples() {
			if err := writeTokens(filepath.Join(args[0], name), spec); err != nil {
				return err
			}
		}
		return nil
	case len(args) >= 2:
		var spec TokensSpec
		for _, a := range args[1:] {
			ne, file, ok := strings.Cut(a, "=")
			dot := strings.LastIndexByte(ne, '.')
			if !ok || dot < 0 {
				return fmt.Errorf("tokens: bad entry %q, want NAME.EXT=FILE", a)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			spec.Entries = append(spec.Entries, TokensEntry{Name: ne[:dot], Ext: ne[dot+1:], Data: data})
		}
		return writeTokens(args[0], spec)
	}
	return errors.New("usage: fixturegen tokens DIR | fixturegen tokens OUT NAME.EXT=FILE...")
}
