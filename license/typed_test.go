package license

import (
	"errors"
	"testing"
)

func TestNormalizeTyped(t *testing.T) {
	const pro = "VK7JG-NPHTM-C97JM-9MPGT-3V66T"
	cases := []struct {
		in    string
		want  string
		notes int
		err   error
	}{
		{"vk7jg-nphtm-c97jm-9mpgt-3v66t", pro, 0, nil},
		{"VK7JG NPHTM C97JM 9MPGT 3V66T", pro, 0, nil},
		{"VK7JG\u2014NPHTM\u2013C97JM\u2212\u200b9MPGT-3V66T", pro, 4, nil},
		{"\uFF36K7JG-NPHTM-C97JM-9MPGT-3V66T", pro, 1, nil},         // full-width V
		{"VK7JG-NPН\u0422M-C97JM-9MPGT-3V66T", pro, 2, nil},         // Cyrillic Н, Т
		{"VK7JG-NPHTM-C97JM-9MPGT-3V6?T", "", 0, ErrMissingChars},   // placeholder
		{"VK7JG-NPHTM-C97JM-9MPGT", "", 0, ErrMissingChars},         // 20 characters
		{"VK7JG-NPHTM-C97JM-9MPGT-3V66T-B", "", 0, ErrMalformedKey}, // too long
		{"VK7JG-NPHTM-C97JM-9MPGT-3V6OT", "", 0, ErrMalformedKey},   // letter O is never in a key
	}
	for _, c := range cases {
		got, notes, err := NormalizeTyped(c.in)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%q: err %v, want %v", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want || len(notes) != c.notes {
			t.Errorf("%q: %q %v %v, want %q with %d notes", c.in, got, notes, err, c.want, c.notes)
		}
	}
}

func FuzzNormalizeTyped(f *testing.F) {
	f.Add("VK7JG\u2014NPHTM-C97JM-9MPGT-3V66T")
	f.Add("???")
	f.Fuzz(func(t *testing.T, s string) {
		k, _, err := NormalizeTyped(s)
		if err == nil {
			if _, err := NormalizeKey(k); err != nil {
				t.Fatalf("normalized %q does not re-normalize: %v", k, err)
			}
		}
	})
}
