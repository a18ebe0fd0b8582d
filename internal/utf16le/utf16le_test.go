package utf16le

import "testing"

func TestDecode(t *testing.T) {
	cases := []struct {
		in     []byte
		all, z string
	}{
		{[]byte{'h', 0, 'i', 0}, "hi", "hi"},
		{[]byte{'h', 0, 0, 0, 'x', 0}, "h\x00x", "h"},
		{[]byte{'h', 0, 'i'}, "h", "h"},                    // odd trailing byte
		{[]byte{0xAC, 0x20}, "€", "€"},                     // U+20AC
		{[]byte{0x3C, 0xD8, 0x0E, 0xDF}, "🌎", "🌎"},         // surrogate pair
		{[]byte{0x3C, 0xD8, 'a', 0}, "\uFFFDa", "\uFFFDa"}, // unpaired surrogate
		{nil, "", ""},
	}
	for _, c := range cases {
		if got := Decode(c.in); got != c.all {
			t.Errorf("Decode(%x) = %q, want %q", c.in, got, c.all)
		}
		if got := DecodeZ(c.in); got != c.z {
			t.Errorf("DecodeZ(%x) = %q, want %q", c.in, got, c.z)
		}
		// The same text big-endian must decode alike.
		be := make([]byte, len(c.in))
		copy(be, c.in)
		for i := 0; i+1 < len(be); i += 2 {
			be[i], be[i+1] = be[i+1], be[i]
		}
		if got := DecodeBE(be); got != c.all {
			t.Errorf("DecodeBE(%x) = %q, want %q", be, got, c.all)
		}
		if got := DecodeBEZ(be); got != c.z {
			t.Errorf("DecodeBEZ(%x) = %q, want %q", be, got, c.z)
		}
	}
}
