package license

import (
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
)

// bigEncode is a test-only encoder, independent of the package code: key
// text → 16 little-endian bytes via math/big, with the DPID N flag (bit 3 of
// byte 14) set for keys that contain an N.
func bigEncode(t testing.TB, key string) [16]byte {
	t.Helper()
	s := strings.ReplaceAll(key, "-", "")
	if len(s) != 25 {
		t.Fatalf("bigEncode(%q): %d chars", key, len(s))
	}
	v := new(big.Int)
	p := strings.IndexByte(s, 'N')
	if p >= 0 {
		v.SetInt64(int64(p))
		s = s[:p] + s[p+1:]
	}
	for _, c := range s {
		d := strings.IndexRune(alphabetForTest, c)
		if d < 0 {
			t.Fatalf("bigEncode(%q): bad char %q", key, c)
		}
		v.Mul(v, big.NewInt(24))
		v.Add(v, big.NewInt(int64(d)))
	}
	var be [16]byte
	v.FillBytes(be[:])
	var le [16]byte
	for i := range be {
		le[i] = be[15-i]
	}
	if p >= 0 {
		le[14] |= 0x08
	}
	return le
}

// alphabetForTest is spelled out again so that a typo in the package
// constant cannot hide.
const alphabetForTest = "BCDFGHJKMPQRTVWXY2346789"

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// keyVector: §8 test vectors.
type keyVector struct {
	name     string
	key      string
	group    uint32
	serial   uint32
	security uint64 // 0: not stated
	checksum uint32
	npos     int
	extra    bool
	le16     string // Key.Bytes(), empty if not stated
	dpid     string // DPID key bytes (with N flag), empty if not stated
}

var keyVectors = []keyVector{
	{name: "TV1 Pro generic", key: "VK7JG-NPHTM-C97JM-9MPGT-3V66T", group: 3308, serial: 0,
		security: 0x13E0625B9EF4AA, checksum: 0x2DA, npos: 5,
		le16: "ec0c00000000a8d27b6e89814f6d0100", dpid: "ec0c00000000a8d27b6e89814f6d0900"},
	{name: "TV2 Enterprise GVLK, N at 0", key: "NPPR9-FWDCX-D2C8J-H872K-2YT43", group: 3290, serial: 3,
		checksum: 0x033, npos: 0, dpid: "da0c30000000186367e01565be190800"},
	{name: "TV3 twin, N at 0", key: "NJCF7-PW8QT-3324D-688JX-2YV66", group: 3892, serial: 1,
		security: 0x49F8E0A70BA9B, checksum: 0x021, npos: 0},
	{name: "TV3 twin, N at 18", key: "VKCF7-HV62C-944TY-YJ9NF-6Q83G", group: 3892, serial: 1,
		security: 0x49F8E0A70BA9B, checksum: 0x188, npos: 18, extra: true},
	{name: "TV4 Server 2019 eval", key: "J4WNC-H9BG3-6XRX4-3XD8K-Y7XRX", group: 4311, serial: 0,
		checksum: 0x1AF, npos: 3, dpid: "d71000000000288b1b9eaf44f3d70800"},
	{name: "TV9 Win10 Pro retail", key: "K9TM8-CNWCW-W7G7D-74JJ9-DYH26", group: 3308, serial: 11162153,
		checksum: 0x340, npos: 6, dpid: "ec0c9022a50af8f39ffd2ee269a00900"},
}

func TestParseKeyVectors(t *testing.T) {
	for _, v := range keyVectors {
		t.Run(v.name, func(t *testing.T) {
			k, err := ParseKey(v.key)
			if err != nil {
				t.Fatalf("ParseKey: %v", err)
			}
			if k.Group() != v.group || k.Serial() != v.serial {
				t.Errorf("group/serial = %d/%d, want %d/%d", k.Group(), k.Serial(), v.group, v.serial)
			}
			if v.security != 0 && k.Security() != v.security {
				t.Errorf("security = %#x, want %#x", k.Security(), v.security)
			}
			if k.Checksum() != v.checksum || !k.ChecksumValid() {
				t.Errorf("checksum = %#x valid %v, want %#x valid", k.Checksum(), k.ChecksumValid(), v.checksum)
			}
			if k.NPosition() != v.npos {
				t.Errorf("NPosition = %d, want %d", k.NPosition(), v.npos)
			}
			if k.Upgrade() {
				t.Error("upgrade bit set")
			}
			if k.extra() != v.extra {
				t.Errorf("extra = %v, want %v", k.extra(), v.extra)
			}
			if got := k.String(); got != v.key {
				t.Errorf("String = %s", got)
			}
			b := k.Bytes()
			if v.le16 != "" && hex.EncodeToString(b[:]) != v.le16 {
				t.Errorf("Bytes = %x, want %s", b, v.le16)
			}
			// Independent encoder agrees (without the N flag).
			want := bigEncode(t, v.key)
			want[14] &^= 0x08
			if b != want {
				t.Errorf("Bytes = %x, math/big encoder gives %x", b, want)
			}
			if v.dpid != "" {
				d := bigEncode(t, v.key)
				if hex.EncodeToString(d[:]) != v.dpid {
					t.Errorf("test encoder DPID bytes = %x, want %s", d, v.dpid)
				}
				got, err := EncodeKeyBytes(mustHex(t, v.dpid))
				if err != nil || got != v.key {
					t.Errorf("EncodeKeyBytes = %q, %v; want %s", got, err, v.key)
				}
			}
		})
	}
}

func TestTwinKeysShareFields(t *testing.T) {
	a, _ := ParseKey("NJCF7-PW8QT-3324D-688JX-2YV66")
	b, _ := ParseKey("VKCF7-HV62C-944TY-YJ9NF-6Q83G")
	if a.Group() != b.Group() || a.Serial() != b.Serial() || a.Security() != b.Security() {
		t.Errorf("twin fields differ: %d/%d/%#x vs %d/%d/%#x",
			a.Group(), a.Serial(), a.Security(), b.Group(), b.Serial(), b.Security())
	}
}

func TestCRC32BZIP2(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		want uint32
	}{
		{[]byte("123456789"), 0xFC891918},                              // TV8
		{mustHex(t, "ec0c00000000a8d27b6e89814f000000"), 0xCDC182DA},   // TV1
		{mustHex(t, "da0c300000001863 67e01565 3e000000"), 0xEAEB6833}, // TV2
	} {
		if got := crc32BZIP2(c.in); got != c.want {
			t.Errorf("crc32BZIP2(%x) = %#x, want %#x", c.in, got, c.want)
		}
	}
}

// A typo (one character changed) is caught by the checksum.
func TestChecksumFlippedCharacter(t *testing.T) {
	for _, c := range []struct{ good, bad string }{
		{"VK7JG-NPHTM-C97JM-9MPGT-3V66T", "VK7JG-NPHTM-C97JM-9MPGT-3V66V"},
		{"VK7JG-NPHTM-C97JM-9MPGT-3V66T", "BK7JG-NPHTM-C97JM-9MPGT-3V66T"},
		{"NPPR9-FWDCX-D2C8J-H872K-2YT43", "NPPR9-FWDCX-D2C8J-H872K-2YT44"},
		{"W269N-WFGWX-YVC9B-4J6C9-T83GX", "W269N-WFGWX-YVC9B-4J6C9-T83GY"},
		{"K9TM8-CNWCW-W7G7D-74JJ9-DYH26", "K9TM8-CNWCW-W7G7D-74JJ9-DYH27"},
		{"K9TM8-CNWCW-W7G7D-74JJ9-DYH26", "K9TM8-CNWCW-W7G7F-74JJ9-DYH26"},
		// The Pro GVLK as misquoted in a brief: its last group is T83GX.
		{"W269N-WFGWX-YVC9B-4J6C9-T83GX", "W269N-WFGWX-YVC9B-4J6C9-9T83W"},
	} {
		good, err := ParseKey(c.good)
		if err != nil || !good.ChecksumValid() {
			t.Fatalf("%s: %v valid %v", c.good, err, good.ChecksumValid())
		}
		bad, err := ParseKey(c.bad)
		if err != nil {
			t.Fatalf("%s: %v", c.bad, err)
		}
		if bad.ChecksumValid() {
			t.Errorf("%s: checksum valid after a changed character", c.bad)
		}
	}

	// Over every single-character change of the generic keys, the 10-bit
	// check must catch nearly all (a 1/1024 miss rate is expected).
	total, missed := 0, 0
	for _, r := range genericKeys {
		for i := 0; i < len(r.key); i++ {
			c := r.key[i]
			if c == '-' || c == 'N' {
				continue
			}
			for _, d := range alphabetForTest {
				if byte(d) == c {
					continue
				}
				k, err := ParseKey(r.key[:i] + string(d) + r.key[i+1:])
				if err != nil {
					t.Fatal(err)
				}
				total++
				if k.ChecksumValid() {
					missed++
				}
			}
		}
	}
	if missed*100 > total {
		t.Errorf("%d of %d one-character changes still pass the checksum", missed, total)
	}
}

func TestParseKeyAcceptsForms(t *testing.T) {
	const want = "VK7JG-NPHTM-C97JM-9MPGT-3V66T"
	for _, in := range []string{
		want,
		"vk7jg-nphtm-c97jm-9mpgt-3v66t",
		"VK7JGNPHTMC97JM9MPGT3V66T",
		"  VK7JG-NPHTM-C97JM-9MPGT-3V66T\x00\x00",
		"\tVK7JG NPHTM C97JM 9MPGT 3V66T\r\n",
	} {
		k, err := ParseKey(in)
		if err != nil {
			t.Errorf("ParseKey(%q): %v", in, err)
			continue
		}
		if k.String() != want {
			t.Errorf("ParseKey(%q) = %s", in, k)
		}
		if n, err := NormalizeKey(in); err != nil || n != want {
			t.Errorf("NormalizeKey(%q) = %q, %v", in, n, err)
		}
	}
}

func TestParseKeyErrors(t *testing.T) {
	for _, c := range []struct {
		name, in, msg string
	}{
		{"empty", "", "0 characters"},
		{"24 chars", "VK7JG-NPHTM-C97JM-9MPGT-3V66", "24 characters"},
		{"26 chars", "VK7JG-NPHTM-C97JM-9MPGT-3V66TT", "more than 25"},
		{"vowel", "VK7JG-NPHTM-C97JM-9MPGT-3V66A", `'A' at offset 28`},
		{"digit 0", "0K7JG-NPHTM-C97JM-9MPGT-3V66T", `'0' at offset 0`},
		{"digit 1 after trim", "  VK7JG-NPHTM-1", `'1' at offset 14`},
		{"non-ASCII", "VK7JG-NPHTM-C97JM-9MPGT-3V66É", `'É' at offset 28`},
		{"inner NUL", "VK7JG\x00NPHTM-C97JM-9MPGT-3V66T", `'\x00' at offset 5`},
		{"no N (legacy)", "FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4", "no N"},
		{"two N", "NK7JG-NPHTM-C97JM-9MPGT-3V66T", "2 N characters"},
		{"N last", "VK7JG-BPHTM-C97JM-9MPGT-3V66N", "last"},
		{"too long", strings.Repeat("B", 500), "too long"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseKey(c.in)
			if !errors.Is(err, ErrMalformedKey) {
				t.Fatalf("err = %v, want ErrMalformedKey", err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("err = %q, want it to mention %q", err, c.msg)
			}
		})
	}
}

func TestNormalizeKey(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"fj82h-xt6cr-j8d7p-xqjj2-gpdd4", "FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4"}, // legacy
		{"W269NWFGWXYVC9B4J6C9T83GX\x00", "W269N-WFGWX-YVC9B-4J6C9-T83GX"},
		{"  nppr9-fwdcx-d2c8j-h872k-2yt43  ", "NPPR9-FWDCX-D2C8J-H872K-2YT43"},
	} {
		got, err := NormalizeKey(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeKey(%q) = %q, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", "NNBBB-BBBBB-BBBBB-BBBBB-BBBBB", "BBBBB-BBBBB-BBBBB-BBBBB-BBBBN"} {
		if _, err := NormalizeKey(in); !errors.Is(err, ErrMalformedKey) {
			t.Errorf("NormalizeKey(%q) err = %v, want ErrMalformedKey", in, err)
		}
	}
}

func TestEncodeKeyBytes(t *testing.T) {
	t.Run("round trip published keys", func(t *testing.T) {
		for _, r := range append(append([]publishedKey{}, kmsClientKeys...), genericKeys...) {
			b := bigEncode(t, r.key)
			if !strings.Contains(r.key, "N") && b[14] > 6 {
				t.Errorf("%s: legacy byte 14 = %#x, want <= 6", r.key, b[14])
			}
			got, err := EncodeKeyBytes(b[:15])
			if err != nil || got != r.key {
				t.Errorf("%s: EncodeKeyBytes = %q, %v", r.key, got, err)
			}
		}
	})
	t.Run("legacy byte 0x06 is not an N key", func(t *testing.T) {
		// (b/6)&1 heuristics misread this (§1.2, §9.5).
		const key = "99999-99999-99999-99999-99999"
		b := bigEncode(t, key)
		if b[14] != 0x06 {
			t.Fatalf("byte 14 = %#x, want 0x06", b[14])
		}
		if got, err := EncodeKeyBytes(b[:]); err != nil || got != key {
			t.Errorf("EncodeKeyBytes = %q, %v", got, err)
		}
	})
	t.Run("twin key byte 14 above 0x0B", func(t *testing.T) {
		const key = "VKCF7-HV62C-944TY-YJ9NF-6Q83G"
		b := bigEncode(t, key)
		if b[14] < 0x0C {
			t.Fatalf("byte 14 = %#x, want >= 0x0C", b[14])
		}
		if got, err := EncodeKeyBytes(b[:]); err != nil || got != key {
			t.Errorf("EncodeKeyBytes = %q, %v", got, err)
		}
	})
	t.Run("all zero", func(t *testing.T) {
		if _, err := EncodeKeyBytes(make([]byte, 16)); !errors.Is(err, ErrNoKey) {
			t.Errorf("err = %v, want ErrNoKey", err)
		}
	})
	t.Run("short", func(t *testing.T) {
		if _, err := EncodeKeyBytes(make([]byte, 14)); !errors.Is(err, ErrBadLength) {
			t.Errorf("err = %v, want ErrBadLength", err)
		}
	})
	t.Run("out of range", func(t *testing.T) {
		for _, h := range []string{"ffffffffffffffffffffffffffff07", "ffffffffffffffffffffffffffff0f", "00000000000000000000000000008000"} {
			if got, err := EncodeKeyBytes(mustHex(t, h)); !errors.Is(err, ErrMalformedKey) {
				t.Errorf("%s: %q, %v; want ErrMalformedKey", h, got, err)
			}
		}
	})
	t.Run("byte 15 ignored", func(t *testing.T) {
		b := mustHex(t, "ec0c00000000a8d27b6e89814f6d09ff")
		if got, err := EncodeKeyBytes(b); err != nil || got != "VK7JG-NPHTM-C97JM-9MPGT-3V66T" {
			t.Errorf("EncodeKeyBytes = %q, %v", got, err)
		}
	})
}

func TestCheckKey(t *testing.T) {
	c := CheckKey("vk7jg-nphtm-c97jm-9mpgt-3v66t")
	if !c.WellFormed || c.Err != nil || c.Format != "pkey2009" || c.Normalized != "VK7JG-NPHTM-C97JM-9MPGT-3V66T" {
		t.Fatalf("CheckKey(Pro generic) = %+v", c)
	}
	if c.ChecksumValid == nil || !*c.ChecksumValid || c.Group != 3308 || c.Serial != 0 ||
		c.Security != 0x13E0625B9EF4AA || c.Upgrade || c.NPosition != 5 {
		t.Errorf("CheckKey(Pro generic) fields = %+v", c)
	}
	if c.Info.Class != ClassGeneric || c.Info.Edition != "Professional" {
		t.Errorf("Info = %+v", c.Info)
	}

	c = CheckKey("FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4")
	if !c.WellFormed || c.Format != "legacy" || c.ChecksumValid != nil || c.NPosition != -1 || c.Err != nil {
		t.Errorf("CheckKey(Win7 GVLK) = %+v", c)
	}
	if c.Info.Class != ClassKMSClient || c.Info.Product != "Windows 7 Professional" {
		t.Errorf("Info = %+v", c.Info)
	}

	c = CheckKey("K9TM8-CNWCW-W7G7D-74JJ9-DYH27")
	if !c.WellFormed || c.ChecksumValid == nil || *c.ChecksumValid || c.Info.Class != ClassUnknown {
		t.Errorf("CheckKey(typo) = %+v", c)
	}

	c = CheckKey("VK7JG-NPHTM-C97JM-9MPGT-3V66A")
	if c.WellFormed || !errors.Is(c.Err, ErrMalformedKey) || c.Format != "" || c.ChecksumValid != nil ||
		c.NPosition != -1 || c.Info.Class != ClassUnknown {
		t.Errorf("CheckKey(malformed) = %+v", c)
	}
}

func TestMaskKey(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"VK7JG-NPHTM-C97JM-9MPGT-3V66T", "XXXXX-XXXXX-XXXXX-XXXXX-3V66T"},
		{"vk7jgnphtmc97jm9mpgt3v66t", "XXXXX-XXXXX-XXXXX-XXXXX-3V66T"},
		{"FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4", "XXXXX-XXXXX-XXXXX-XXXXX-GPDD4"},
		{"garbage-text-12345", "XXXXXXX-XXXX-12345"},
		{"abc", "abc"},
		{"ab-cdefg", "XX-cdefg"},
	} {
		if got := MaskKey(c.in); got != c.want {
			t.Errorf("MaskKey(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
