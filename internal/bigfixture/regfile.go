//go:build linux

package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MergeReg reads a .reg file (the subset testdata/gen/mkreg.py writes:
// strings, dword:, hex:, hex(b):, hex(2):, hex(7):, @ for the default value,
// lines continued with '\') into root. Key paths lose prefix (for example
// `HKEY_LOCAL_MACHINE\SOFTWARE`).
func MergeReg(root *Key, r io.Reader, prefix string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var cur *Key
	line, n := "", 0
	for sc.Scan() {
		n++
		t := strings.TrimRight(sc.Text(), "\r")
		if strings.HasSuffix(t, `\`) && !strings.HasPrefix(strings.TrimSpace(t), "[") {
			line += strings.TrimSuffix(t, `\`)
			continue
		}
		line += strings.TrimSpace(t)
		l := line
		line = ""
		switch {
		case l == "" || strings.HasPrefix(l, ";") || strings.HasPrefix(l, "Windows Registry Editor") || l == "REGEDIT4":
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			p := l[1 : len(l)-1]
			if !strings.HasPrefix(strings.ToUpper(p), strings.ToUpper(prefix)) {
				return fmt.Errorf("line %d: key %q is outside %q", n, p, prefix)
			}
			cur = root.Path(strings.TrimPrefix(p[len(prefix):], `\`))
		default:
			if cur == nil {
				return fmt.Errorf("line %d: value before any key", n)
			}
			v, err := parseRegValue(l)
			if err != nil {
				return fmt.Errorf("line %d: %w", n, err)
			}
			cur.Set(v)
		}
	}
	return sc.Err()
}

func parseRegValue(l string) (Value, error) {
	var name, rest string
	if strings.HasPrefix(l, "@=") {
		rest = l[2:]
	} else {
		s, r, err := regString(l)
		if err != nil {
			return Value{}, err
		}
		if !strings.HasPrefix(r, "=") {
			return Value{}, fmt.Errorf("no '=' after the value name in %q", l)
		}
		name, rest = s, r[1:]
	}
	switch {
	case strings.HasPrefix(rest, `"`):
		s, _, err := regString(rest)
		if err != nil {
			return Value{}, err
		}
		return SZ(name, s), nil
	case strings.HasPrefix(rest, "dword:"):
		n, err := strconv.ParseUint(rest[6:], 16, 32)
		if err != nil {
			return Value{}, err
		}
		return DWORD(name, uint32(n)), nil
	case strings.HasPrefix(rest, "hex"):
		typ := uint32(RegBinary)
		body := rest[3:]
		if strings.HasPrefix(body, "(") {
			end := strings.Index(body, ")")
			if end < 0 {
				return Value{}, fmt.Errorf("bad hex type in %q", rest)
			}
			t, err := strconv.ParseUint(body[1:end], 16, 32)
			if err != nil {
				return Value{}, err
			}
			typ = uint32(t)
			body = body[end+1:]
		}
		body = strings.TrimPrefix(body, ":")
		b, err := hex.DecodeString(strings.ReplaceAll(strings.ReplaceAll(body, ",", ""), " ", ""))
		if err != nil {
			return Value{}, err
		}
		return Value{name, typ, b}, nil
	}
	return Value{}, fmt.Errorf("unsupported value %q", rest)
}

// regString reads a quoted string with \\ and \" escapes and returns it
// and what follows the closing quote.
func regString(s string) (string, string, error) {
	if !strings.HasPrefix(s, `"`) {
		return "", "", fmt.Errorf("expected a quoted string in %q", s)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated string in %q", s)
}
