package license

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"unicode"
)

func FuzzParseKey(f *testing.F) {
	for _, r := range append(append([]publishedKey{}, kmsClientKeys...), genericKeys...) {
		f.Add(r.key)
	}
	for _, v := range keyVectors {
		f.Add(strings.ToLower(strings.ReplaceAll(v.key, "-", "")))
	}
	for _, s := range []string{"", "N", "NNNNN-NNNNN-NNNNN-NNNNN-NNNNN", "BBBBB-BBBBB-BBBBB-BBBBB-BBBBN",
		"99999-99999-99999-99999-9999N", "VK7JG-NPHTM-C97JM-9MPGT-3V66\xff", " \x00VK7JG-NPHTM-C97JM-9MPGT-3V66T\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		norm, nerr := NormalizeKey(s)
		c := CheckKey(s)
		_ = Classify(s)
		m := MaskKey(s)
		if nerr != nil {
			if !errors.Is(nerr, ErrMalformedKey) {
				t.Fatalf("NormalizeKey error %v", nerr)
			}
			if err == nil || c.WellFormed || !errors.Is(c.Err, ErrMalformedKey) {
				t.Fatalf("ParseKey %v / CheckKey %+v disagree with NormalizeKey %v", err, c, nerr)
			}
			return
		}
		if len(norm) != 29 || c.Normalized != norm || !c.WellFormed {
			t.Fatalf("normalized %q, CheckKey %+v", norm, c)
		}
		if len(m) != 29 || !strings.HasPrefix(m, "XXXXX-XXXXX-XXXXX-XXXXX-") || m[24:] != norm[24:] {
			t.Fatalf("MaskKey = %q for %q", m, norm)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformedKey) || strings.Contains(norm, "N") || c.Format != "legacy" {
				t.Fatalf("ParseKey(%q): %v, format %q", s, err, c.Format)
			}
			return
		}
		if k.String() != norm || c.Format != "pkey2009" || c.NPosition != k.NPosition() || strings.IndexByte(norm, 'N') != k.NPosition()+k.NPosition()/5 {
			t.Fatalf("ParseKey(%q) = %s, N at %d; normalized %s", s, k, k.NPosition(), norm)
		}
		k2, err := ParseKey(k.String())
		if err != nil || k2 != k {
			t.Fatalf("re-parse of %s: %v", k, err)
		}
		// Key bytes with the N flag decode back to the same text.
		b := k.Bytes()
		b[14] |= 0x08
		if got, err := EncodeKeyBytes(b[:]); err != nil || got != norm {
			t.Fatalf("EncodeKeyBytes(%x) = %q, %v; want %s", b, got, err, norm)
		}
		if *c.ChecksumValid != k.ChecksumValid() || c.Group != k.Group() || c.Serial != k.Serial() {
			t.Fatalf("CheckKey %+v disagrees with Key", c)
		}
	})
}

// checkDecoded: an error carries a sentinel and no key; a decoded key is
// turned back into b[off:off+15] by the independent math/big encoder.
func checkDecoded(t *testing.T, b []byte, off int, key string, present bool, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrNoKey) && !errors.Is(err, ErrBadLength) && !errors.Is(err, ErrMalformedKey) {
			t.Fatalf("error without a sentinel: %v", err)
		}
		if present || key != "" {
			t.Fatalf("error %v with key %q present %v", err, key, present)
		}
		return
	}
	if !present || len(b) < off+15 {
		t.Fatalf("decoded %d bytes, key %q present %v", len(b), key, present)
	}
	if n, err := NormalizeKey(key); err != nil || n != key {
		t.Fatalf("decoded key %q does not normalize: %v", key, err)
	}
	kb := b[off : off+15]
	if got := bigEncode(t, key); string(got[:15]) != string(kb) {
		t.Fatalf("key bytes %x decode to %s, which encodes to %x", kb, key, got[:15])
	}
}

func checkPrintable(t *testing.T, fields ...string) {
	t.Helper()
	for _, s := range fields {
		for _, r := range s {
			if !unicode.IsPrint(r) {
				t.Fatalf("non-printable %q in %q", r, s)
			}
		}
	}
}

func checkLength(t *testing.T, b []byte, got uint32) {
	t.Helper()
	if len(b) >= 4 && got != binary.LittleEndian.Uint32(b) {
		t.Fatalf("Length %d, header says %d", got, binary.LittleEndian.Uint32(b))
	}
}

func FuzzDecodeDigitalProductID(f *testing.F) {
	f.Add(tv5(f))
	f.Add(tv9PID3(f))
	f.Add(tv5(f)[:100])
	f.Add(make([]byte, 164))
	f.Add([]byte{})
	f.Add(buildPID3(pid3Fields{productID: "00371-OEM-8992671-00437", group: 178, key: bigEncode(f, "FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4")}))
	f.Add(buildPID3(pid3Fields{key: bigEncode(f, "VKCF7-HV62C-944TY-YJ9NF-6Q83G")}))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeDigitalProductID(b)
		checkPrintable(t, p.ProductID, p.EditionRaw)
		checkLength(t, b, p.Length)
		checkDecoded(t, b, 0x34, p.Key, p.KeyPresent, err)
	})
}

func FuzzDecodeDigitalProductID4(f *testing.F) {
	f.Add(tv6(f))
	f.Add(tv9PID4(f))
	f.Add(tv6(f)[:800])
	f.Add(make([]byte, 1272))
	f.Add([]byte{})
	f.Add(buildPID4(pid4Fields{actID: "{ABC}", edition: "\x00x", key: bigEncode(f, "NPPR9-FWDCX-D2C8J-H872K-2YT43")}))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeDigitalProductID4(b)
		checkPrintable(t, p.ExtendedPID, p.ActivationID, p.Edition, p.Channel, p.PartNumber, p.EULA)
		if p.ActivationID != strings.ToLower(p.ActivationID) {
			t.Fatalf("ActivationID %q not lowercase", p.ActivationID)
		}
		checkLength(t, b, p.Length)
		checkDecoded(t, b, 0x328, p.Key, p.KeyPresent, err)
	})
}
