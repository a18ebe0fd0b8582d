package license

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
	"unicode/utf16"
)

// pid3Fields and buildPID3 write a DigitalProductId the way §1.1 describes
// (test-only writer, independent of the decoder).
type pid3Fields struct {
	productID, part string
	group           uint32
	key             [16]byte
	time, random    uint32
}

func buildPID3(f pid3Fields) []byte {
	b := make([]byte, 0xA4)
	binary.LittleEndian.PutUint32(b[0:], 0xA4)
	binary.LittleEndian.PutUint16(b[4:], 3)
	copy(b[0x08:0x20], f.productID)
	binary.LittleEndian.PutUint32(b[0x20:], f.group)
	copy(b[0x24:0x34], f.part)
	copy(b[0x34:0x44], f.key[:])
	binary.LittleEndian.PutUint32(b[0x48:], f.time)
	binary.LittleEndian.PutUint32(b[0x4C:], f.random)
	binary.LittleEndian.PutUint32(b[0xA0:], ^crc32.ChecksumIEEE(b[:0xA0]))
	return b
}

type pid4Fields struct {
	extPID, actID, edition, part, channel, eula string
	key                                         [16]byte
}

func putUTF16(b []byte, off int, s string) {
	for i, u := range utf16.Encode([]rune(s)) {
		binary.LittleEndian.PutUint16(b[off+2*i:], u)
	}
}

func buildPID4(f pid4Fields) []byte {
	b := make([]byte, 0x4F8)
	binary.LittleEndian.PutUint32(b[0:], 0x4F8)
	binary.LittleEndian.PutUint16(b[4:], 4)
	putUTF16(b, 0x008, f.extPID)
	putUTF16(b, 0x088, f.actID)
	putUTF16(b, 0x118, f.edition)
	copy(b[0x328:0x338], f.key[:])
	h := sha256.Sum256(b[0x328:0x338])
	copy(b[0x338:], h[:])
	putUTF16(b, 0x378, f.part)
	putUTF16(b, 0x3F8, f.channel)
	putUTF16(b, 0x478, f.eula)
	h = sha256.Sum256(b) // 0x358..0x377 still zero
	copy(b[0x358:], h[:])
	return b
}

// tv5 rebuilds the Windows 11 24H2 DigitalProductId of §8 TV5.
func tv5(t testing.TB) []byte {
	return buildPID3(pid3Fields{
		productID: "00330-80000-00000-AA965",
		part:      "[TH]X19-98841",
		group:     3308,
		key:       bigEncode(t, "VK7JG-NPHTM-C97JM-9MPGT-3V66T"),
		time:      0x680F704D,
		random:    0x3722035D,
	})
}

// tv6 rebuilds the Windows 11 24H2 DigitalProductId4 of §8 TV6.
func tv6(t testing.TB) []byte {
	return buildPID4(pid4Fields{
		extPID:  "03612-03308-000-000000-00-1033-26100.0000-1182025",
		actID:   "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c",
		edition: "Professional",
		part:    "[TH]X19-98841",
		channel: "Retail",
		eula:    "Retail",
		key:     bigEncode(t, "VK7JG-NPHTM-C97JM-9MPGT-3V66T"),
	})
}

// tv9 builds DigitalProductId/4 values with the TV9 key (§8): fields not
// stated in the doc (time, random) are zero.
func tv9PID3(t testing.TB) []byte {
	return buildPID3(pid3Fields{
		productID: "00330-80111-62153-AA362",
		part:      "[TH]X19-98843",
		group:     3308,
		key:       [16]byte(mustHex(t, "ec0c9022a50af8f39ffd2ee269a00900")),
	})
}

func tv9PID4(t testing.TB) []byte {
	return buildPID4(pid4Fields{
		extPID:  "00000-03308-011-162153-00-1033-15063.0000-1932017",
		actID:   "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c",
		edition: "Professional",
		part:    "[TH]X19-98843",
		channel: "Retail",
		eula:    "Retail",
		key:     [16]byte(mustHex(t, "ec0c9022a50af8f39ffd2ee269a00900")),
	})
}

// The rebuilt TV5/TV6 blobs are byte-identical to the real ones: the
// trailer CRC and the SHA-256 fields match the values in §8.
func TestRebuiltBlobsMatchRealDumps(t *testing.T) {
	b := tv5(t)
	if got := hex.EncodeToString(b[0xA0:]); got != "d7b3eb3a" {
		t.Errorf("TV5 trailer = %s, want d7b3eb3a", got)
	}
	b4 := tv6(t)
	cd := hex.EncodeToString(b4[0x338:0x358])
	all := hex.EncodeToString(b4[0x358:0x378])
	if !strings.HasPrefix(cd, "58ed3820") || !strings.HasSuffix(cd, "a7dfc119") {
		t.Errorf("TV6 key hash = %s", cd)
	}
	if !strings.HasPrefix(all, "fe246213") || !strings.HasSuffix(all, "47b925b8") {
		t.Errorf("TV6 struct hash = %s", all)
	}
}

func TestDecodeDigitalProductID(t *testing.T) {
	for _, c := range []struct {
		name                 string
		blob                 []byte
		productID, part, key string
	}{
		{"TV5 Win11 24H2", tv5(t), "00330-80000-00000-AA965", "[TH]X19-98841", "VK7JG-NPHTM-C97JM-9MPGT-3V66T"},
		{"TV9 Win10 retail", tv9PID3(t), "00330-80111-62153-AA362", "[TH]X19-98843", "K9TM8-CNWCW-W7G7D-74JJ9-DYH26"},
		{"N at 0", buildPID3(pid3Fields{productID: "X", key: bigEncode(t, "NPPR9-FWDCX-D2C8J-H872K-2YT43")}),
			"X", "", "NPPR9-FWDCX-D2C8J-H872K-2YT43"},
		{"legacy Win7 GVLK", buildPID3(pid3Fields{productID: "00371-OEM-8992671-00437", part: "X15-37377", group: 178,
			key: bigEncode(t, "FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4")}),
			"00371-OEM-8992671-00437", "X15-37377", "FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4"},
		{"trailing slack ignored", append(tv5(t), 1, 2, 3), "00330-80000-00000-AA965", "[TH]X19-98841", "VK7JG-NPHTM-C97JM-9MPGT-3V66T"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := DecodeDigitalProductID(c.blob)
			if err != nil {
				t.Fatal(err)
			}
			if p.Length != 164 || p.ProductID != c.productID || p.EditionRaw != c.part || p.Key != c.key || !p.KeyPresent {
				t.Errorf("got %+v", p)
			}
		})
	}
}

func TestDecodeDigitalProductID4(t *testing.T) {
	for _, c := range []struct {
		name   string
		blob   []byte
		extPID string
		part   string
		key    string
	}{
		{"TV6 Win11 24H2", tv6(t), "03612-03308-000-000000-00-1033-26100.0000-1182025", "[TH]X19-98841", "VK7JG-NPHTM-C97JM-9MPGT-3V66T"},
		{"TV9 Win10 retail", tv9PID4(t), "00000-03308-011-162153-00-1033-15063.0000-1932017", "[TH]X19-98843", "K9TM8-CNWCW-W7G7D-74JJ9-DYH26"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := DecodeDigitalProductID4(c.blob)
			if err != nil {
				t.Fatal(err)
			}
			want := PID4{Length: 1272, ExtendedPID: c.extPID, ActivationID: "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c",
				Edition: "Professional", Channel: "Retail", PartNumber: c.part, EULA: "Retail", Key: c.key, KeyPresent: true}
			if p != want {
				t.Errorf("got  %+v\nwant %+v", p, want)
			}
		})
	}
	t.Run("GUID case and braces, control chars", func(t *testing.T) {
		p, err := DecodeDigitalProductID4(buildPID4(pid4Fields{
			actID:   "{4DE7CB65-CDF1-4DE9-8AE8-E3CCE27B9F2C}",
			edition: "Pro\x1b[31mfessional\x07",
			channel: "Volume:GVLK",
			key:     bigEncode(t, "W269N-WFGWX-YVC9B-4J6C9-T83GX"),
		}))
		if err != nil {
			t.Fatal(err)
		}
		if p.ActivationID != "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c" || p.Edition != "Pro[31mfessional" || p.Channel != "Volume:GVLK" {
			t.Errorf("got %+v", p)
		}
	})
	t.Run("unpaired surrogate", func(t *testing.T) {
		b := tv6(t)
		binary.LittleEndian.PutUint16(b[0x118:], 0xD800)
		p, err := DecodeDigitalProductID4(b)
		if err != nil || p.Edition != "\uFFFDrofessional" {
			t.Errorf("Edition = %q, %v", p.Edition, err)
		}
	})
}

func TestDecodeCorrupt(t *testing.T) {
	setSize := func(b []byte, n uint32) []byte {
		binary.LittleEndian.PutUint32(b, n)
		return b
	}
	zeroKey := func(b []byte, off int) []byte {
		clear(b[off : off+16])
		return b
	}
	overflowKey := func(b []byte, off int) []byte {
		copy(b[off:], mustHex(t, "ffffffffffffffffffffffffffff07"))
		return b
	}
	for _, c := range []struct {
		name string
		pid4 bool
		blob []byte
		want error
	}{
		{"PID3 nil", false, nil, ErrNoKey},
		{"PID3 all zero", false, make([]byte, 164), ErrNoKey},
		{"PID3 zero key bytes", false, zeroKey(tv5(t), 0x34), ErrNoKey},
		{"PID3 truncated to 100", false, tv5(t)[:100], ErrBadLength},
		{"PID3 truncated to 66", false, tv5(t)[:66], ErrBadLength},
		{"PID3 truncated to 3", false, tv5(t)[:3], ErrBadLength},
		{"PID3 size 0", false, setSize(tv5(t), 0), ErrBadLength},
		{"PID3 size 66", false, setSize(tv5(t), 66), ErrBadLength},
		{"PID3 size huge", false, setSize(tv5(t), 0xFFFFFFFF), ErrBadLength},
		{"PID3 given a PID4", false, tv6(t), ErrBadLength},
		{"PID3 key out of range", false, overflowKey(tv5(t), 0x34), ErrMalformedKey},
		{"PID4 empty", true, []byte{}, ErrNoKey},
		{"PID4 all zero", true, make([]byte, 1272), ErrNoKey},
		{"PID4 zero key bytes", true, zeroKey(tv6(t), 0x328), ErrNoKey},
		{"PID4 truncated to 800", true, tv6(t)[:800], ErrBadLength},
		{"PID4 truncated to 1271", true, tv6(t)[:1271], ErrBadLength},
		{"PID4 given a PID3", true, tv5(t), ErrBadLength},
		{"PID4 size 0x4F9", true, setSize(append(tv6(t), 0), 0x4F9), ErrBadLength},
		{"PID4 key out of range", true, overflowKey(tv6(t), 0x328), ErrMalformedKey},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			var present bool
			if c.pid4 {
				var p PID4
				p, err = DecodeDigitalProductID4(c.blob)
				present = p.KeyPresent
			} else {
				var p PID3
				p, err = DecodeDigitalProductID(c.blob)
				present = p.KeyPresent
			}
			if !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
			if present {
				t.Error("KeyPresent with an error")
			}
		})
	}
}

// With no key the other fields are still returned.
func TestNoKeyKeepsFields(t *testing.T) {
	b := tv5(t)
	clear(b[0x34:0x44])
	p, err := DecodeDigitalProductID(b)
	if !errors.Is(err, ErrNoKey) || p.ProductID != "00330-80000-00000-AA965" || p.Key != "" {
		t.Errorf("PID3 = %+v, %v", p, err)
	}
	b = tv6(t)
	clear(b[0x328:0x338])
	p4, err := DecodeDigitalProductID4(b)
	if !errors.Is(err, ErrNoKey) || p4.Edition != "Professional" || p4.Channel != "Retail" || p4.Key != "" {
		t.Errorf("PID4 = %+v, %v", p4, err)
	}
}

// A shorter declared PID4 size still gives the key; fields past it are empty.
func TestPID4ShortDeclaredSize(t *testing.T) {
	b := tv6(t)[:0x340]
	binary.LittleEndian.PutUint32(b, 0x340)
	p, err := DecodeDigitalProductID4(b)
	if err != nil || p.Key != "VK7JG-NPHTM-C97JM-9MPGT-3V66T" || p.Edition != "Professional" || p.Channel != "" || p.PartNumber != "" {
		t.Errorf("got %+v, %v", p, err)
	}
}
