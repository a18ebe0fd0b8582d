package license

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrMissingChars means a typed key has placeholder or missing characters.
// They cannot be recovered: nothing may be guessed.
var ErrMissingChars = errors.New("license: the key has missing or unreadable characters")

// homoglyphs maps look-alike letters pasted from mail, PDF or chat
// (Cyrillic, Greek) to the Latin letters they imitate.
var homoglyphs = map[rune]rune{
	'А': 'A', 'В': 'B', 'С': 'C', 'Е': 'E', 'Н': 'H', 'К': 'K', 'М': 'M', 'О': 'O', 'Р': 'P', 'Т': 'T',
	'Х': 'X', 'У': 'Y', 'а': 'A', 'в': 'B', 'с': 'C', 'е': 'E', 'н': 'H', 'к': 'K', 'м': 'M', 'о': 'O',
	'р': 'P', 'т': 'T', 'х': 'X', 'у': 'Y',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Η': 'H', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O', 'Ρ': 'P', 'Τ': 'T',
	'Χ': 'X', 'Υ': 'Y',
}

// placeholders stand for characters the user could not read.
const placeholders = "?*_#…·•□■"

// NormalizeTyped cleans a key typed or pasted by a person before
// NormalizeKey: typographic dashes, exotic and zero-width spaces,
// full-width forms and Cyrillic/Greek look-alikes are replaced, and each
// change is listed in notes. Placeholders ('?', '*', '_'…) or too few
// characters give ErrMissingChars: missing characters are never guessed.
func NormalizeTyped(s string) (key string, notes []string, err error) {
	if len(s) > maxKeyInput*4 {
		return "", nil, fmt.Errorf("%w: %d bytes of text, too long for a key", ErrMalformedKey, len(s))
	}
	var b strings.Builder
	noted := map[string]bool{}
	note := func(n string) {
		if !noted[n] {
			noted[n] = true
			notes = append(notes, n)
		}
	}
	for _, r := range s {
		switch {
		case r == '-':
			b.WriteRune(r)
		case r == 0x2010 || r == 0x2011 || r == 0x2012 || r == 0x2013 || r == 0x2014 || r == 0x2015 ||
			r == 0x2212 || r == 0xFE58 || r == 0xFE63 || r == 0xFF0D || r == 0x00AD:
			b.WriteRune('-')
			note(fmt.Sprintf("replaced the typographic dash U+%04X with '-'", r))
		case r == 0x200B || r == 0x200C || r == 0x200D || r == 0xFEFF || r == 0x2060:
			note(fmt.Sprintf("removed the invisible character U+%04X", r))
		case unicode.IsSpace(r) || r == 0:
			if r != ' ' {
				note(fmt.Sprintf("removed the space character U+%04X", r))
			}
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteRune(r - 0xFF01 + '!')
			note("replaced full-width characters with ASCII")
		case strings.ContainsRune(placeholders, r):
			return "", notes, fmt.Errorf("%w: %q stands for a character that could not be read; missing characters cannot be recovered or guessed: get a replacement key from the vendor or Microsoft with your proof of purchase", ErrMissingChars, r)
		default:
			if l, ok := homoglyphs[r]; ok {
				b.WriteRune(l)
				note(fmt.Sprintf("replaced the look-alike letter %q (U+%04X) with the Latin %q", r, r, l))
				continue
			}
			b.WriteRune(r)
		}
	}
	clean := b.String()
	n := 0
	for _, r := range clean {
		if r != '-' {
			n++
		}
	}
	if n > 0 && n < keyChars {
		return "", notes, fmt.Errorf("%w: %d of %d characters; missing characters cannot be recovered or guessed: get a replacement key from the vendor or Microsoft with your proof of purchase", ErrMissingChars, n, keyChars)
	}
	key, err = NormalizeKey(clean)
	return key, notes, err
}
