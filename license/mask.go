package license

// MaskKey hides all but the last five characters of a key:
// XXXXX-XXXXX-XXXXX-XXXXX-3V66T. A key that normalizes is masked in its
// normalized form; other text is masked rune by rune, keeping dashes.
// Empty stays empty.
func MaskKey(key string) string {
	if key == "" {
		return ""
	}
	if norm, err := NormalizeKey(key); err == nil {
		key = norm
	}
	r := []rune(key)
	keep := 5
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == '-' {
			continue
		}
		if keep > 0 {
			keep--
			continue
		}
		r[i] = 'X'
	}
	return string(r)
}
