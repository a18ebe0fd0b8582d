package hive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/actrescue/actrescue/internal/safeio"
	"github.com/actrescue/actrescue/internal/testenv"
)

// ---------------------------------------------------------------------------
// A hive builder for tests, in the spirit of minimalHive (build_test.go) but
// for any tree: one hbin, names ASCII-compressed when Latin-1, value data
// inline up to 4 bytes, else in its own cell. A key pointer may appear
// several times in the tree (shared subtrees, cycles): it gets one nk cell.

type rxVal struct {
	name string
	typ  uint32
	data []byte
}

type rxKey struct {
	name string
	vals []rxVal
	subs []*rxKey
	// junkVals adds value-list entries that point at no vk cell.
	junkVals int
}

func rxBuildHive(t testing.TB, root *rxKey) []byte {
	t.Helper()
	le := binary.LittleEndian
	hb := make([]byte, 0x20, 1<<16)
	alloc := func(payload int) int {
		size := (4 + payload + 7) &^ 7
		off := len(hb)
		hb = append(hb, make([]byte, size)...)
		le.PutUint32(hb[off:], uint32(int32(-size)))
		return off
	}
	encName := func(s string) ([]byte, bool) {
		latin := true
		for _, r := range s {
			if r > 0xFF {
				latin = false
			}
		}
		if latin {
			b := make([]byte, 0, len(s))
			for _, r := range s {
				b = append(b, byte(r))
			}
			return b, true
		}
		return rxU16(s), false
	}
	var order []*rxKey
	nkOff := map[*rxKey]int{}
	parent := map[*rxKey]*rxKey{}
	var collect func(k *rxKey)
	collect = func(k *rxKey) {
		if _, ok := nkOff[k]; ok {
			return
		}
		name, _ := encName(k.name)
		nkOff[k] = alloc(0x4C + len(name))
		order = append(order, k)
		for _, s := range k.subs {
			if parent[s] == nil {
				parent[s] = k
			}
			collect(s)
		}
	}
	collect(root)
	for _, k := range order {
		subList, valList := uint32(0xFFFFFFFF), uint32(0xFFFFFFFF)
		if len(k.subs) > 0 {
			off := alloc(4 + 8*len(k.subs))
			c := hb[off+4:]
			copy(c, "lf")
			le.PutUint16(c[2:], uint16(len(k.subs)))
			for i, s := range k.subs {
				le.PutUint32(c[4+8*i:], uint32(nkOff[s]))
				n, _ := encName(s.name)
				copy(c[8+8*i:8+8*i+4], n)
			}
			subList = uint32(off)
		}
		nvals := len(k.vals) + k.junkVals
		if nvals > 0 {
			var vks []uint32
			for _, v := range k.vals {
				name, ascii := encName(v.name)
				vk := alloc(20 + len(name))
				c := hb[vk+4:]
				copy(c, "vk")
				le.PutUint16(c[2:], uint16(len(name)))
				if len(v.data) <= 4 {
					le.PutUint32(c[4:], uint32(len(v.data))|0x80000000)
					copy(c[8:12], v.data)
				} else {
					if len(v.data) > 16344 {
						t.Fatalf("rxBuildHive: value %q is %d bytes, big data is not built", v.name, len(v.data))
					}
					d := alloc(len(v.data))
					copy(hb[d+4:], v.data)
					c = hb[vk+4:]
					le.PutUint32(c[4:], uint32(len(v.data)))
					le.PutUint32(c[8:], uint32(d))
				}
				le.PutUint32(c[12:], v.typ)
				if ascii {
					le.PutUint16(c[16:], valueCompName)
				}
				copy(c[20:], name)
				vks = append(vks, uint32(vk))
			}
			for i := 0; i < k.junkVals; i++ {
				vks = append(vks, uint32(nkOff[k])) // an nk cell, not a vk
			}
			off := alloc(4 * nvals)
			for i, o := range vks {
				le.PutUint32(hb[off+4+4*i:], o)
			}
			valList = uint32(off)
		}
		name, ascii := encName(k.name)
		c := hb[nkOff[k]+4:]
		copy(c, "nk")
		flags := uint16(0)
		if ascii {
			flags |= keyCompName
		}
		if k == root {
			flags |= 0x0C
		}
		le.PutUint16(c[2:], flags)
		le.PutUint64(c[4:], 133722144000000000)
		if p := parent[k]; p != nil {
			le.PutUint32(c[16:], uint32(nkOff[p]))
		}
		le.PutUint32(c[20:], uint32(len(k.subs)))
		le.PutUint32(c[28:], subList)
		le.PutUint32(c[32:], 0xFFFFFFFF)
		le.PutUint32(c[36:], uint32(nvals))
		le.PutUint32(c[40:], valList)
		le.PutUint32(c[44:], 0xFFFFFFFF)
		le.PutUint32(c[48:], 0xFFFFFFFF)
		le.PutUint16(c[72:], uint16(len(name)))
		copy(c[76:], name)
	}
	binSize := (len(hb) + 8 + 4095) &^ 4095
	free := binSize - len(hb)
	hb = append(hb, make([]byte, free)...)
	le.PutUint32(hb[binSize-free:], uint32(free))
	copy(hb, "hbin")
	le.PutUint32(hb[8:], uint32(binSize))

	b := make([]byte, 4096, 4096+binSize)
	copy(b, "regf")
	le.PutUint32(b[4:], 1)
	le.PutUint32(b[8:], 1)
	le.PutUint32(b[20:], 1)
	le.PutUint32(b[24:], 5)
	le.PutUint32(b[32:], 1)
	le.PutUint32(b[36:], uint32(nkOff[root]))
	le.PutUint32(b[40:], uint32(binSize))
	le.PutUint32(b[44:], 1)
	var sum uint32
	for i := 0; i < 508; i += 4 {
		sum ^= le.Uint32(b[i:])
	}
	le.PutUint32(b[508:], sum)
	return append(b, hb...)
}

func rxOpen(t testing.TB, b []byte) *Hive {
	t.Helper()
	h, err := Open(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		t.Fatalf("open built hive: %v", err)
	}
	return h
}

// rxKeyAt opens a key by a path split on '\' only (Hive.Key also splits on
// '/', which real key names contain).
func rxKeyAt(t testing.TB, h *Hive, path string) *Key {
	t.Helper()
	k, err := h.Root()
	for _, c := range strings.Split(path, `\`) {
		if err != nil || c == "" {
			continue
		}
		k, err = k.Subkey(c)
	}
	if err != nil {
		t.Fatalf("key %q: %v", path, err)
	}
	return k
}

func rxExport(t testing.TB, keys []*Key, opts ExportOptions) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	err := ExportReg(&buf, keys, opts)
	return buf.Bytes(), err
}

// rxU16 is s as UTF-16LE, no terminator.
func rxU16(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// rxSZ is s as UTF-16LE with its NUL terminator, as REG_SZ data.
func rxSZ(s string) []byte { return rxU16(s + "\x00") }

func rxDWORD(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }

// rxFile is the bytes reg.exe writes for text written with "\r\n" lines:
// a BOM and UTF-16LE.
func rxFile(text string) []byte {
	return append([]byte{0xFF, 0xFE}, rxU16(text)...)
}

func rxShow(b []byte) string {
	if len(b) < 2 || len(b)%2 != 0 {
		return fmt.Sprintf("%q", b)
	}
	u := make([]uint16, len(b)/2-1)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2+2*i:])
	}
	return string(utf16.Decode(u))
}

func rxCompare(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(rxShow(got), "\r\n"), strings.Split(rxShow(want), "\r\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			t.Fatalf("%s: first difference at line %d:\n got  %q\n want %q\n(got %d bytes, want %d)", what, i+1, gl, wl, len(got), len(want))
		}
	}
	t.Fatalf("%s: outputs differ (got %d bytes, want %d)", what, len(got), len(want))
}

// ---------------------------------------------------------------------------
// A strict reader of the files ExportReg writes, used to check the format
// and to round-trip data.

type rxSection struct {
	Path   string
	Values []rxVal
}

const rxHeader = "Windows Registry Editor Version 5.00"

func rxParseReg(b []byte) ([]rxSection, error) {
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xFE || len(b)%2 != 0 {
		return nil, errors.New("no UTF-16LE BOM or odd length")
	}
	u := make([]uint16, len(b)/2-1)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2+2*i:])
	}
	for i := 0; i < len(u); i++ {
		switch {
		case u[i] >= 0xD800 && u[i] < 0xDC00:
			if i+1 == len(u) || u[i+1] < 0xDC00 || u[i+1] >= 0xE000 {
				return nil, fmt.Errorf("unpaired high surrogate at unit %d", i)
			}
			i++
		case u[i] >= 0xDC00 && u[i] < 0xE000:
			return nil, fmt.Errorf("unpaired low surrogate at unit %d", i)
		}
	}
	text := string(utf16.Decode(u))
	if !strings.HasSuffix(text, "\r\n") {
		return nil, errors.New("does not end with CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			return nil, fmt.Errorf("line %d holds a lone CR or LF", i+1)
		}
	}
	if lines[0] != rxHeader {
		return nil, fmt.Errorf("header %q", lines[0])
	}
	var secs []rxSection
	i := 1
	for i < len(lines) {
		if lines[i] != "" {
			return nil, fmt.Errorf("line %d: %q, want an empty line", i+1, lines[i])
		}
		i++
		if i == len(lines) {
			break
		}
		l := lines[i]
		if len(l) < 2 || l[0] != '[' || l[len(l)-1] != ']' {
			return nil, fmt.Errorf("line %d: %q, want [key]", i+1, l)
		}
		sec := rxSection{Path: l[1 : len(l)-1]}
		i++
		for i < len(lines) && lines[i] != "" {
			l := lines[i]
			i++
			name, rest, err := rxParseName(l)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", i, err)
			}
			if strings.HasPrefix(rest, "hex") {
				for strings.HasSuffix(rest, `\`) {
					if i == len(lines) || !strings.HasPrefix(lines[i], "  ") {
						return nil, fmt.Errorf("line %d: continuation without indented line", i)
					}
					rest = rest[:len(rest)-1] + lines[i][2:]
					i++
				}
			}
			typ, data, err := rxParseData(rest)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", i, err)
			}
			sec.Values = append(sec.Values, rxVal{name, typ, data})
		}
		secs = append(secs, sec)
	}
	if lines[len(lines)-1] != "" {
		return nil, errors.New("the last key section is not followed by an empty line")
	}
	return secs, nil
}

// rxUnquote reads a quoted string with \\ and \" escapes from the start of
// s and returns it and what follows.
func rxUnquote(s string) (string, string, error) {
	if !strings.HasPrefix(s, `"`) {
		return "", "", fmt.Errorf("no opening quote in %q", s)
	}
	var out strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 == len(s) || (s[i+1] != '\\' && s[i+1] != '"') {
				return "", "", fmt.Errorf("bad escape in %q", s)
			}
			i++
			out.WriteByte(s[i])
		case '"':
			return out.String(), s[i+1:], nil
		default:
			out.WriteByte(s[i])
		}
	}
	return "", "", fmt.Errorf("no closing quote in %q", s)
}

func rxParseName(l string) (name, rest string, err error) {
	if strings.HasPrefix(l, "@=") {
		return "", l[2:], nil
	}
	name, rest, err = rxUnquote(l)
	if err != nil {
		return "", "", err
	}
	if name == "" || !strings.HasPrefix(rest, "=") {
		return "", "", fmt.Errorf("bad value name in %q", l)
	}
	return name, rest[1:], nil
}

func rxParseData(s string) (uint32, []byte, error) {
	switch {
	case strings.HasPrefix(s, `"`):
		text, rest, err := rxUnquote(s)
		if err != nil || rest != "" {
			return 0, nil, fmt.Errorf("bad string %q", s)
		}
		return TypeSZ, rxSZ(text), nil
	case strings.HasPrefix(s, "dword:"):
		h := s[6:]
		n, err := strconv.ParseUint(h, 16, 32)
		if err != nil || len(h) != 8 || strings.ToLower(h) != h {
			return 0, nil, fmt.Errorf("bad dword %q", s)
		}
		return TypeDWORD, rxDWORD(uint32(n)), nil
	}
	var typ uint64 = TypeBinary
	var digits string
	switch {
	case strings.HasPrefix(s, "hex:"):
		digits = s[4:]
	case strings.HasPrefix(s, "hex("):
		end := strings.Index(s, "):")
		if end < 0 {
			return 0, nil, fmt.Errorf("bad hex type in %q", s)
		}
		var err error
		typ, err = strconv.ParseUint(s[4:end], 16, 32)
		if err != nil || strconv.FormatUint(typ, 16) != s[4:end] {
			return 0, nil, fmt.Errorf("bad hex type in %q", s)
		}
		digits = s[end+2:]
	default:
		return 0, nil, fmt.Errorf("unknown data %q", s)
	}
	var data []byte
	if digits != "" {
		for _, x := range strings.Split(digits, ",") {
			n, err := strconv.ParseUint(x, 16, 8)
			if err != nil || len(x) != 2 || strings.ToLower(x) != x {
				return 0, nil, fmt.Errorf("bad hex byte %q", x)
			}
			data = append(data, byte(n))
		}
	}
	return uint32(typ), data, nil
}

// rxReimported is what importing the exported line gives back for value v:
// the quoted REG_SZ form loses what follows the first NUL and an odd byte
// and gains a terminator; every other form is exact.
func rxReimported(v rxVal) rxVal {
	if v.typ != TypeSZ {
		return v
	}
	units, ok := regText(v.data)
	if !ok {
		return v
	}
	var b []byte
	for _, u := range units {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return rxVal{v.name, v.typ, append(b, 0, 0)}
}

// rxCheckLines checks line lengths: continuation lines and hex first lines
// (when the name leaves room) stay within 80 characters; quoted REG_SZ,
// dword and key lines are never wrapped and may be longer, as in reg.exe.
func rxCheckLines(t testing.TB, out []byte) {
	t.Helper()
	lines := strings.Split(rxShow(out), "\r\n")
	for i, l := range lines {
		n := len(utf16.Encode([]rune(l)))
		if n <= 80 || strings.HasPrefix(l, "[") {
			continue
		}
		if strings.HasPrefix(l, "  ") {
			t.Fatalf("continuation line %d is %d characters: %q", i+1, n, l)
		}
		_, rest, err := rxParseName(l)
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, "dword:") {
			continue
		}
		prefix := len(utf16.Encode([]rune(l[:len(l)-len(rest)])))
		tag := strings.Index(rest, ":") + 1
		if prefix+tag < regHexWrap {
			t.Fatalf("line %d is %d characters: %q", i+1, n, l)
		}
		if n := len(rest) - tag; !(n == 0 || n == 2 || (n == 4 && strings.HasSuffix(l, `,\`))) {
			t.Fatalf("line %d: a long-named hex line should carry one byte: %q", i+1, l)
		}
	}
}

// ---------------------------------------------------------------------------
// (1) Golden files.

// Windows reg.exe output pinned by Wine's conformance tests, which compare
// the whole exported file and pass on Windows (wine-mirror/wine,
// programs/reg/tests/export.c: complex_data_test, empty_hex_test,
// embedded_null_test, escaped_null_test, slashes_test, key_order_test,
// value_order_test). The hives hold the data those tests create (string
// data set through the A functions is stored as UTF-16).
func TestExportRegWindowsConformance(t *testing.T) {
	const base = `HKEY_CURRENT_USER\Software\Wine\reg_test`
	cases := []struct {
		name string
		key  *rxKey
		want string
	}{{
		name: "empty key",
		key:  &rxKey{},
		want: "[" + base + "]\r\n\r\n",
	}, {
		name: "simple data",
		key: &rxKey{vals: []rxVal{
			{"DWORD", TypeDWORD, rxDWORD(0x100)},
			{"String", TypeSZ, rxSZ("Your text here...")},
		}},
		want: "[" + base + "]\r\n" +
			"\"DWORD\"=dword:00000100\r\n" +
			"\"String\"=\"Your text here...\"\r\n\r\n",
	}, {
		name: "complex data",
		key: &rxKey{
			vals: []rxVal{
				{"DWORD", TypeDWORD, rxDWORD(0x100)},
				{"String", TypeSZ, rxSZ("Your text here...")},
			},
			subs: []*rxKey{
				{name: "Subkey1", vals: []rxVal{
					{"Binary", TypeBinary, []byte{0x11, 0x22, 0x33, 0x44}},
					{"Undefined hex", 0x100, []byte("%PATH%\x00")},
				}},
				{name: "Subkey2a",
					vals: []rxVal{
						{`double"quote`, TypeSZ, rxSZ(`"Hello, World!"`)},
						{"single'quote", TypeDWORD, rxDWORD(8)},
					},
					subs: []*rxKey{{name: "Subkey2b", vals: []rxVal{
						{"", TypeSZ, rxSZ("Default value name")},
						{"Multiple strings", TypeMultiSZ, rxU16("Line1\x00Line2\x00Line3\x00\x00")},
					}}}},
				{name: "Subkey3a",
					vals: []rxVal{{"Backslash", TypeSZ, rxSZ(`Use \\ to escape a backslash`)}},
					subs: []*rxKey{{name: "Subkey3b", subs: []*rxKey{{name: "Subkey3c", vals: []rxVal{
						{"String expansion", TypeExpandSZ, rxSZ(`%HOME%\%PATH%`)},
						{"Zero data type", TypeNone, []byte("Value\x00")},
					}}}}}},
				{name: "Subkey4", vals: []rxVal{
					{"", TypeDWORD, rxDWORD(0x12345678)},
					{"43981", 0xabcd, []byte("Value\x00")},
				}},
			},
		},
		want: "[" + base + "]\r\n" +
			"\"DWORD\"=dword:00000100\r\n" +
			"\"String\"=\"Your text here...\"\r\n\r\n" +
			"[" + base + "\\Subkey1]\r\n" +
			"\"Binary\"=hex:11,22,33,44\r\n" +
			"\"Undefined hex\"=hex(100):25,50,41,54,48,25,00\r\n\r\n" +
			"[" + base + "\\Subkey2a]\r\n" +
			"\"double\\\"quote\"=\"\\\"Hello, World!\\\"\"\r\n" +
			"\"single'quote\"=dword:00000008\r\n\r\n" +
			"[" + base + "\\Subkey2a\\Subkey2b]\r\n" +
			"@=\"Default value name\"\r\n" +
			"\"Multiple strings\"=hex(7):4c,00,69,00,6e,00,65,00,31,00,00,00,4c,00,69,00,6e,\\\r\n" +
			"  00,65,00,32,00,00,00,4c,00,69,00,6e,00,65,00,33,00,00,00,00,00\r\n\r\n" +
			"[" + base + "\\Subkey3a]\r\n" +
			"\"Backslash\"=\"Use \\\\\\\\ to escape a backslash\"\r\n\r\n" +
			"[" + base + "\\Subkey3a\\Subkey3b]\r\n\r\n" +
			"[" + base + "\\Subkey3a\\Subkey3b\\Subkey3c]\r\n" +
			"\"String expansion\"=hex(2):25,00,48,00,4f,00,4d,00,45,00,25,00,5c,00,25,00,50,\\\r\n" +
			"  00,41,00,54,00,48,00,25,00,00,00\r\n" +
			"\"Zero data type\"=hex(0):56,61,6c,75,65,00\r\n\r\n" +
			"[" + base + "\\Subkey4]\r\n" +
			"@=dword:12345678\r\n" +
			"\"43981\"=hex(abcd):56,61,6c,75,65,00\r\n\r\n",
	}, {
		name: "empty hex",
		key: &rxKey{vals: []rxVal{
			{"Wine1a", TypeNone, nil},
			{"Wine1b", TypeSZ, nil},
			{"Wine1c", TypeExpandSZ, nil},
			{"Wine1d", TypeBinary, nil},
			{"Wine1e", TypeDWORD, nil},
			{"Wine1f", TypeMultiSZ, nil},
			{"Wine1g", 0x100, nil},
			{"Wine1h", 0xabcd, nil},
		}},
		want: "[" + base + "]\r\n" +
			"\"Wine1a\"=hex(0):\r\n" +
			"\"Wine1b\"=\"\"\r\n" +
			"\"Wine1c\"=hex(2):\r\n" +
			"\"Wine1d\"=hex:\r\n" +
			"\"Wine1e\"=hex(4):\r\n" +
			"\"Wine1f\"=hex(7):\r\n" +
			"\"Wine1g\"=hex(100):\r\n" +
			"\"Wine1h\"=hex(abcd):\r\n\r\n",
	}, {
		name: "embedded null",
		key: &rxKey{vals: []rxVal{
			{"Wine4a", TypeDWORD, rxDWORD(5)},
			{"Wine4b", TypeSZ, make([]byte, 8)},
			{"Wine4c", TypeSZ, rxSZ("Value")},
			{"Wine4d", TypeSZ, []byte{0, 0, 'a', 0, 'b', 0, 'c', 0}},
			{"Wine4e", TypeDWORD, rxDWORD(0x100)},
			{"Wine4f", TypeSZ, rxU16("\x00Value\x00")},
			{"Wine4g", TypeSZ, rxSZ("Value2")},
			{"Wine4h", TypeSZ, rxU16("abc\x00def\x00")},
		}},
		want: "[" + base + "]\r\n" +
			"\"Wine4a\"=dword:00000005\r\n" +
			"\"Wine4b\"=\"\"\r\n" +
			"\"Wine4c\"=\"Value\"\r\n" +
			"\"Wine4d\"=\"\"\r\n" +
			"\"Wine4e\"=dword:00000100\r\n" +
			"\"Wine4f\"=\"\"\r\n" +
			"\"Wine4g\"=\"Value2\"\r\n" +
			"\"Wine4h\"=\"abc\"\r\n\r\n",
	}, {
		name: "escaped null",
		key: &rxKey{vals: []rxVal{
			{"Wine5a", TypeSZ, rxSZ(`\0`)},
			{"Wine5b", TypeSZ, rxSZ(`\0\0`)},
			{"Wine5c", TypeSZ, rxSZ(`Value1\0`)},
			{"Wine5d", TypeSZ, rxSZ(`Value2\0\0\0\0`)},
			{"Wine5e", TypeSZ, rxSZ(`Value3\0Value4`)},
			{"Wine5f", TypeSZ, rxSZ(`\0Value5`)},
		}},
		want: "[" + base + "]\r\n" +
			`"Wine5a"="\\0"` + "\r\n" +
			`"Wine5b"="\\0\\0"` + "\r\n" +
			`"Wine5c"="Value1\\0"` + "\r\n" +
			`"Wine5d"="Value2\\0\\0\\0\\0"` + "\r\n" +
			`"Wine5e"="Value3\\0Value4"` + "\r\n" +
			`"Wine5f"="\\0Value5"` + "\r\n\r\n",
	}, {
		name: "slashes",
		key: &rxKey{
			vals: []rxVal{
				{"count/up", TypeSZ, rxSZ("one/two/three")},
				{`\foo\bar`, TypeSZ, rxSZ("")},
			},
			subs: []*rxKey{{name: "https://winehq.org"}},
		},
		want: "[" + base + "]\r\n" +
			`"count/up"="one/two/three"` + "\r\n" +
			`"\\foo\\bar"=""` + "\r\n\r\n" +
			"[" + base + "\\https://winehq.org]\r\n\r\n",
	}, {
		name: "key order", // subkey index order (sorted), not creation order
		key:  &rxKey{subs: []*rxKey{{name: "Subkey1"}, {name: "Subkey2"}}},
		want: "[" + base + "]\r\n\r\n" +
			"[" + base + "\\Subkey1]\r\n\r\n" +
			"[" + base + "\\Subkey2]\r\n\r\n",
	}, {
		name: "value order", // value-list (creation) order, as Windows
		key: &rxKey{vals: []rxVal{
			{"Value 2", TypeSZ, rxSZ("I was added first!")},
			{"Value 1", TypeSZ, rxSZ("I was added second!")},
		}},
		want: "[" + base + "]\r\n" +
			"\"Value 2\"=\"I was added first!\"\r\n" +
			"\"Value 1\"=\"I was added second!\"\r\n\r\n",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.key.name = "reg_test"
			h := rxOpen(t, rxBuildHive(t, &rxKey{name: "ROOT", subs: []*rxKey{c.key}}))
			out, err := rxExport(t, []*Key{rxKeyAt(t, h, "reg_test")},
				ExportOptions{Root: `HKEY_CURRENT_USER\Software\Wine`, Recursive: true})
			if err != nil {
				t.Fatal(err)
			}
			rxCompare(t, c.name, out, rxFile(rxHeader+"\r\n\r\n"+c.want))
		})
	}
}

// Value lines copied from real regedit exports found in public repositories
// (searched in the "code" corpus): the data is rebuilt independently, then
// the line breaks must come out the same. They cover the three residues of
// the prefix length mod 3; "Favorites" (prefix+tag 16 units, 21 bytes on
// the first line, ending at column 79 + '\' = 80) is the case that tells a
// threshold of 77 from 76.
func TestExportRegRealSamples(t *testing.T) {
	cases := []struct {
		name string
		v    rxVal
		want string
	}{{
		// Windows Photo Viewer restore tweak (e.g. qiiwexc/qiiwexc.github.io
		// src/3-configs/Windows/Base.ps1), a regedit export.
		name: "default hex(2)",
		v:    rxVal{"", TypeExpandSZ, rxSZ(`%SystemRoot%\System32\rundll32.exe "%ProgramFiles%\Windows Photo Viewer\PhotoViewer.dll", ImageView_Fullscreen %1`)},
		want: "@=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,00,25,\\\r\n" +
			"  00,5c,00,53,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,5c,00,72,00,75,00,\\\r\n" +
			"  6e,00,64,00,6c,00,6c,00,33,00,32,00,2e,00,65,00,78,00,65,00,20,00,22,00,25,\\\r\n" +
			"  00,50,00,72,00,6f,00,67,00,72,00,61,00,6d,00,46,00,69,00,6c,00,65,00,73,00,\\\r\n" +
			"  25,00,5c,00,57,00,69,00,6e,00,64,00,6f,00,77,00,73,00,20,00,50,00,68,00,6f,\\\r\n" +
			"  00,74,00,6f,00,20,00,56,00,69,00,65,00,77,00,65,00,72,00,5c,00,50,00,68,00,\\\r\n" +
			"  6f,00,74,00,6f,00,56,00,69,00,65,00,77,00,65,00,72,00,2e,00,64,00,6c,00,6c,\\\r\n" +
			"  00,22,00,2c,00,20,00,49,00,6d,00,61,00,67,00,65,00,56,00,69,00,65,00,77,00,\\\r\n" +
			"  5f,00,46,00,75,00,6c,00,6c,00,73,00,63,00,72,00,65,00,65,00,6e,00,20,00,25,\\\r\n" +
			"  00,31,00,00,00\r\n",
	}, {
		// Same file: the last byte alone on its line.
		name: "FriendlyTypeName",
		v:    rxVal{"FriendlyTypeName", TypeExpandSZ, rxSZ(`@%ProgramFiles%\Windows Photo Viewer\PhotoViewer.dll,-3056`)},
		want: "\"FriendlyTypeName\"=hex(2):40,00,25,00,50,00,72,00,6f,00,67,00,72,00,61,00,6d,\\\r\n" +
			"  00,46,00,69,00,6c,00,65,00,73,00,25,00,5c,00,57,00,69,00,6e,00,64,00,6f,00,\\\r\n" +
			"  77,00,73,00,20,00,50,00,68,00,6f,00,74,00,6f,00,20,00,56,00,69,00,65,00,77,\\\r\n" +
			"  00,65,00,72,00,5c,00,50,00,68,00,6f,00,74,00,6f,00,56,00,69,00,65,00,77,00,\\\r\n" +
			"  65,00,72,00,2e,00,64,00,6c,00,6c,00,2c,00,2d,00,33,00,30,00,35,00,36,00,00,\\\r\n" +
			"  00\r\n",
	}, {
		// HKCU\...\Explorer\Taskband "Favorites", a regedit export embedded in
		// public PowerShell scripts; its first four lines, and the first
		// byte of the fifth.
		name: "Favorites",
		want: "\"Favorites\"=hex:00,ec,05,00,00,14,00,1f,80,9b,d4,34,42,45,02,f3,4d,b7,80,38,93,\\\r\n" +
			"  94,34,56,e1,d6,05,00,00,3e,05,41,50,50,53,2c,05,08,00,03,00,00,00,00,00,00,\\\r\n" +
			"  00,68,02,00,00,31,53,50,53,55,28,4c,9f,79,9f,39,4b,a8,d0,e1,d4,2d,e1,d5,f3,\\\r\n" +
			"  5d,00,00,00,11,00,00,00,00,1f,00,00,00,25,00,00,00,4d,00,69,00,63,00,72,00,\\\r\n" +
			"  6f\r\n",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := c.v
			if c.name == "Favorites" {
				_, data, err := rxParseData("hex:" + strings.NewReplacer("\"Favorites\"=hex:", "", "\\\r\n  ", "", "\r\n", "").Replace(c.want))
				if err != nil {
					t.Fatal(err)
				}
				v = rxVal{"Favorites", TypeBinary, data}
			}
			h := rxOpen(t, rxBuildHive(t, &rxKey{name: "ROOT", vals: []rxVal{v}}))
			out, err := rxExport(t, []*Key{rxKeyAt(t, h, "")}, ExportOptions{Root: `HKEY_CLASSES_ROOT\X`})
			if err != nil {
				t.Fatal(err)
			}
			rxCompare(t, c.name, out, rxFile(rxHeader+"\r\n\r\n[HKEY_CLASSES_ROOT\\X]\r\n"+c.want+"\r\n"))
		})
	}
}

var rxLongName = strings.Repeat("L", 75)

// rxGoldenTree has every value type and the edge cases of the format.
func rxGoldenTree() *rxKey {
	return &rxKey{name: "ROOT", subs: []*rxKey{{
		name: "Golden",
		vals: []rxVal{
			{"", TypeSZ, rxSZ("default")},
			{`Quote"Back\slash`, TypeSZ, rxSZ(`say "hi" C:\dir\`)},
			{"Unicode€", TypeSZ, rxSZ("€uro")},
			{"Expand", TypeExpandSZ, rxSZ(`%SystemRoot%\system32\x.exe`)},
			{"Binary", TypeBinary, func() []byte {
				b := make([]byte, 100)
				for i := range b {
					b[i] = byte(i)
				}
				return b
			}()},
			{"DWORD", TypeDWORD, rxDWORD(10)},
			{"DWORDBE", TypeDWORDBE, []byte{0, 0, 0, 10}},
			{"Link", TypeLink, rxU16(`\Registry\Machine\Sys`)},
			{"Multi", TypeMultiSZ, rxU16("a\x00b\x00\x00")},
			{"EmptyMulti", TypeMultiSZ, []byte{0, 0}},
			{"EmptyMultiZero", TypeMultiSZ, nil},
			{"QWORD", TypeQWORD, []byte{0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}},
			{"None", TypeNone, nil},
			{"Type100", 0x100, []byte{1, 2}},
			{"DWORD3", TypeDWORD, []byte{1, 2, 3}},
			{"EmptySZ", TypeSZ, nil},
			{"Unterminated", TypeSZ, rxU16("abc")},
			{"EmbeddedNul", TypeSZ, rxU16("abc\x00def\x00")},
			{"MultiLine", TypeSZ, rxSZ("a\r\nb")},
			{rxLongName, TypeBinary, []byte{1, 2, 3, 4}},
		},
		subs: []*rxKey{
			{name: "Child",
				vals: []rxVal{
					{"Odd", TypeSZ, []byte{'a', 0, 'b', 0, 'c'}},
					{"Emoji🌍", TypeSZ, rxSZ("🌍")},
					{strings.Repeat("🌍", 10), TypeBinary, make([]byte, 20)},
					{"Lone", TypeSZ, []byte{'x', 0, 0x00, 0xD8, 'y', 0, 0, 0}},
				},
				subs: []*rxKey{{name: "Grandchild"}}},
			{name: "Sub]Bracket", vals: []rxVal{{"x", TypeDWORD, rxDWORD(1)}}},
		},
	}}}
}

const rxGoldenWant = rxHeader + "\r\n\r\n" +
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Golden]\r\n" +
	"@=\"default\"\r\n" +
	"\"Quote\\\"Back\\\\slash\"=\"say \\\"hi\\\" C:\\\\dir\\\\\"\r\n" +
	"\"Unicode€\"=\"€uro\"\r\n" +
	"\"Expand\"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,\\\r\n" +
	"  00,25,00,5c,00,73,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,5c,00,78,00,\\\r\n" +
	"  2e,00,65,00,78,00,65,00,00,00\r\n" +
	"\"Binary\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,\\\r\n" +
	"  16,17,18,19,1a,1b,1c,1d,1e,1f,20,21,22,23,24,25,26,27,28,29,2a,2b,2c,2d,2e,\\\r\n" +
	"  2f,30,31,32,33,34,35,36,37,38,39,3a,3b,3c,3d,3e,3f,40,41,42,43,44,45,46,47,\\\r\n" +
	"  48,49,4a,4b,4c,4d,4e,4f,50,51,52,53,54,55,56,57,58,59,5a,5b,5c,5d,5e,5f,60,\\\r\n" +
	"  61,62,63\r\n" +
	"\"DWORD\"=dword:0000000a\r\n" +
	"\"DWORDBE\"=hex(5):00,00,00,0a\r\n" +
	"\"Link\"=hex(6):5c,00,52,00,65,00,67,00,69,00,73,00,74,00,72,00,79,00,5c,00,4d,\\\r\n" +
	"  00,61,00,63,00,68,00,69,00,6e,00,65,00,5c,00,53,00,79,00,73,00\r\n" +
	"\"Multi\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n" +
	"\"EmptyMulti\"=hex(7):00,00\r\n" +
	"\"EmptyMultiZero\"=hex(7):\r\n" +
	"\"QWORD\"=hex(b):88,77,66,55,44,33,22,11\r\n" +
	"\"None\"=hex(0):\r\n" +
	"\"Type100\"=hex(100):01,02\r\n" +
	"\"DWORD3\"=hex(4):01,02,03\r\n" +
	"\"EmptySZ\"=\"\"\r\n" +
	"\"Unterminated\"=\"abc\"\r\n" +
	"\"EmbeddedNul\"=\"abc\"\r\n" +
	"\"MultiLine\"=hex(1):61,00,0d,00,0a,00,62,00,00,00\r\n" +
	"\"LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL\"=hex:01,\\\r\n" +
	"  02,03,04\r\n" +
	"\r\n" +
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Golden\\Child]\r\n" +
	"\"Odd\"=\"ab\"\r\n" +
	"\"Emoji🌍\"=\"🌍\"\r\n" +
	// 3 + 20 UTF-16 units + "hex:" = 27 columns: 17 bytes on the first line.
	"\"🌍🌍🌍🌍🌍🌍🌍🌍🌍🌍\"=hex:00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,\\\r\n" +
	"  00,00,00\r\n" +
	"\"Lone\"=hex(1):78,00,00,d8,79,00,00,00\r\n" +
	"\r\n" +
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Golden\\Child\\Grandchild]\r\n" +
	"\r\n" +
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Golden\\Sub]Bracket]\r\n" +
	"\"x\"=dword:00000001\r\n" +
	"\r\n"

func TestExportRegGolden(t *testing.T) {
	h := rxOpen(t, rxBuildHive(t, rxGoldenTree()))
	golden := rxKeyAt(t, h, "Golden")
	out, err := rxExport(t, []*Key{golden}, ExportOptions{Root: `HKEY_LOCAL_MACHINE\SOFTWARE\`, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	want := rxFile(rxGoldenWant)
	if !bytes.Equal(want[:2], []byte{0xFF, 0xFE}) || !bytes.HasSuffix(want, []byte{'\r', 0, '\n', 0, '\r', 0, '\n', 0}) {
		t.Fatal("golden framing")
	}
	rxCompare(t, "golden", out, want)
	rxCheckLines(t, out)

	// Not recursive: the key alone.
	out, err = rxExport(t, []*Key{golden}, ExportOptions{Root: `HKEY_LOCAL_MACHINE\SOFTWARE`})
	if err != nil {
		t.Fatal(err)
	}
	first := rxGoldenWant[:strings.Index(rxGoldenWant, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Golden\\Child]")]
	rxCompare(t, "not recursive", out, rxFile(first))

	// The file reads back to the hive's data.
	secs, err := rxParseReg(rxFile(rxGoldenWant))
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range secs {
		k := rxKeyAt(t, h, strings.TrimPrefix(sec.Path, `HKEY_LOCAL_MACHINE\SOFTWARE\`))
		vals, err := k.Values()
		if err != nil {
			t.Fatal(err)
		}
		rxSameValues(t, sec.Path, vals, sec.Values)
	}
}

func rxSameValues(t testing.TB, where string, hiveVals []Value, got []rxVal) {
	t.Helper()
	if len(hiveVals) != len(got) {
		t.Fatalf("%s: %d values in the hive, %d read back", where, len(hiveVals), len(got))
	}
	for i, hv := range hiveVals {
		want := rxReimported(rxVal{hv.Name, hv.Type, hv.Data})
		g := got[i]
		if g.name != want.name || g.typ != want.typ || !bytes.Equal(g.data, want.data) {
			t.Errorf("%s value %d: got %q type %d % x, want %q type %d % x", where, i, g.name, g.typ, g.data, want.name, want.typ, want.data)
		}
	}
}

// ---------------------------------------------------------------------------
// (2) Oracle: hivexregedit --merge reads the file into an empty hive, which
// is then read back with this package and compared value by value.
//
// hivexregedit reads the file as bytes in the local encoding, so the test
// converts the UTF-16LE output to UTF-8 (as `iconv -f utf-16le -t utf-8`
// would; CRLF is accepted) and sets PERL_UNICODE=SD so that Perl decodes it
// as UTF-8: without it, non-ASCII REG_SZ text is stored as its UTF-8 bytes
// widened one by one.
func TestExportRegHivexOracle(t *testing.T) {
	hivex, err := exec.LookPath("hivexregedit")
	if err != nil {
		t.Skip("hivexregedit not installed (Debian libhivex-bin): skipping the oracle test")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: cannot write the empty hive, skipping")
	}
	gen := filepath.Join(testenv.RepoRoot(t), "testdata", "gen", "emptyhive.py")
	dir := t.TempDir()
	hivePath := filepath.Join(dir, "SOFTWARE")
	if out, err := exec.Command(py, gen, hivePath).CombinedOutput(); err != nil {
		t.Fatalf("emptyhive.py: %v\n%s", err, out)
	}

	src := rxOpen(t, rxBuildHive(t, rxGoldenTree()))
	const root = `HKEY_LOCAL_MACHINE\SOFTWARE`
	out, err := rxExport(t, []*Key{rxKeyAt(t, src, "")}, ExportOptions{Root: root, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	regPath := filepath.Join(dir, "export.reg")
	if err := os.WriteFile(regPath, []byte(rxShowWithBOM(out)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(hivex, "--merge", "--prefix", root, hivePath, regPath)
	cmd.Env = append(os.Environ(), "PERL_UNICODE=SD")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hivexregedit --merge: %v\n%s", err, msg)
	}
	merged, err := os.ReadFile(hivePath)
	if err != nil {
		t.Fatal(err)
	}
	dst := rxOpen(t, merged)

	// Walk the source tree; every key must exist in the merged hive with the
	// same values, in the same order, byte for byte (after the documented
	// REG_SZ transformation).
	nkeys, nvals := 0, 0
	var walk func(k *Key)
	walk = func(k *Key) {
		nkeys++
		d := rxKeyAt(t, dst, k.Path())
		sv, err := k.Values()
		if err != nil {
			t.Fatal(err)
		}
		dv, err := d.Values()
		if err != nil {
			t.Fatal(err)
		}
		var got []rxVal
		for _, v := range dv {
			got = append(got, rxVal{v.Name, v.Type, v.Data})
		}
		rxSameValues(t, "merged "+k.Path(), sv, got)
		nvals += len(sv)
		subs, err := k.Subkeys()
		if err != nil {
			t.Fatal(err)
		}
		dsubs, err := d.Subkeys()
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != len(dsubs) {
			t.Errorf("%s: %d subkeys, merged %d", k.Path(), len(subs), len(dsubs))
		}
		for _, s := range subs {
			walk(s)
		}
	}
	walk(rxKeyAt(t, src, ""))
	if nkeys != 5 || nvals != 25 {
		t.Errorf("compared %d keys and %d values, want 5 and 25", nkeys, nvals)
	}
}

// rxShowWithBOM is the export re-encoded as UTF-8, BOM kept.
func rxShowWithBOM(b []byte) string { return "\uFEFF" + rxShow(b) }

// ---------------------------------------------------------------------------
// (3) Real hive: ControlSet001\Control\ComputerName of regipy's SYSTEM.

func TestExportRegCorpusComputerName(t *testing.T) {
	h, _ := openShared(t, "regipy/regipy_tests/data/SYSTEM.xz")
	k := rxKeyAt(t, h, `ControlSet001\Control\ComputerName`)
	out, err := rxExport(t, []*Key{k}, ExportOptions{Root: `HKEY_LOCAL_MACHINE\SYSTEM`, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	const want = rxHeader + "\r\n\r\n" +
		"[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\ComputerName]\r\n\r\n" +
		"[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\ComputerName\\ComputerName]\r\n" +
		"@=\"mnmsrvc\"\r\n" +
		"\"ComputerName\"=\"WKS-WIN732BITA\"\r\n\r\n"
	if got := rxShow(out); !strings.HasPrefix(got, want) {
		t.Errorf("export begins\n%q\nwant\n%q", got[:min(len(got), len(want)+200)], want)
	}
	rxCheckLines(t, out)
	secs, err := rxParseReg(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range secs {
		sk := rxKeyAt(t, h, strings.TrimPrefix(sec.Path, `HKEY_LOCAL_MACHINE\SYSTEM\`))
		vals, err := sk.Values()
		if err != nil {
			t.Fatal(err)
		}
		rxSameValues(t, sec.Path, vals, sec.Values)
	}
	t.Logf("%d key sections, %d bytes", len(secs), len(out))
}

// The whole ControlSet001\Control subtree of a real hive: sections come in
// depth-first subkey-index order, every value reads back, the format holds.
func TestExportRegCorpusControlSet(t *testing.T) {
	h, _ := openShared(t, "regipy/regipy_tests/data/SYSTEM.xz")
	k := rxKeyAt(t, h, `ControlSet001\Control`)
	start := time.Now()
	out, err := rxExport(t, []*Key{k}, ExportOptions{Root: `HKEY_LOCAL_MACHINE\SYSTEM`, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	rxCheckLines(t, out)
	secs, err := rxParseReg(out)
	if err != nil {
		t.Fatal(err)
	}
	i, nvals := 0, 0
	var walk func(k *Key)
	walk = func(k *Key) {
		if i >= len(secs) {
			t.Fatalf("no section for %s", k.Path())
		}
		if want := `HKEY_LOCAL_MACHINE\SYSTEM\` + k.Path(); secs[i].Path != want {
			t.Fatalf("section %d is %q, want %q", i, secs[i].Path, want)
		}
		vals, err := k.Values()
		if err != nil {
			t.Fatal(err)
		}
		rxSameValues(t, secs[i].Path, vals, secs[i].Values)
		i++
		nvals += len(vals)
		subs, err := k.Subkeys()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range subs {
			walk(s)
		}
	}
	walk(k)
	if i != len(secs) {
		t.Errorf("%d sections, %d keys", len(secs), i)
	}
	t.Logf("%d keys, %d values, %d bytes in %v", len(secs), nvals, len(out), took)
}

// ---------------------------------------------------------------------------
// (4) Caps and hostile input.

func TestExportRegCaps(t *testing.T) {
	tree := &rxKey{name: "ROOT"}
	for i := 0; i < 5; i++ {
		tree.subs = append(tree.subs, &rxKey{name: fmt.Sprintf("K%d", i), vals: []rxVal{{"v", TypeBinary, make([]byte, 200)}}})
	}
	h := rxOpen(t, rxBuildHive(t, tree))
	root := rxKeyAt(t, h, "")

	t.Run("MaxKeys", func(t *testing.T) {
		if _, err := rxExport(t, []*Key{root}, ExportOptions{Root: "HKEY_USERS", Recursive: true, MaxKeys: 6}); err != nil {
			t.Fatalf("6 keys within MaxKeys 6: %v", err)
		}
		out, err := rxExport(t, []*Key{root}, ExportOptions{Root: "HKEY_USERS", Recursive: true, MaxKeys: 5})
		if !errors.Is(err, safeio.ErrTooLarge) {
			t.Fatalf("6 keys with MaxKeys 5: %v", err)
		}
		if !bytes.HasSuffix(out, []byte{'\r', 0, '\n', 0}) {
			t.Error("truncated output does not end with a complete line")
		}
		_, err = rxExport(t, []*Key{root, root, root}, ExportOptions{Root: "HKEY_USERS", MaxKeys: 2})
		if !errors.Is(err, safeio.ErrTooLarge) {
			t.Fatalf("3 top-level keys with MaxKeys 2: %v", err)
		}
	})
	t.Run("MaxBytes", func(t *testing.T) {
		full, err := rxExport(t, []*Key{root}, ExportOptions{Root: "HKEY_USERS", Recursive: true})
		if err != nil {
			t.Fatal(err)
		}
		if out, err := rxExport(t, []*Key{root}, ExportOptions{Root: "HKEY_USERS", Recursive: true, MaxBytes: int64(len(full))}); err != nil || !bytes.Equal(out, full) {
			t.Fatalf("export of exactly MaxBytes: %v", err)
		}
		for _, max := range []int64{2, 100, 1000, int64(len(full)) - 1} {
			out, err := rxExport(t, []*Key{root}, ExportOptions{Root: "HKEY_USERS", Recursive: true, MaxBytes: max})
			if !errors.Is(err, safeio.ErrTooLarge) {
				t.Fatalf("MaxBytes %d: %v", max, err)
			}
			if int64(len(out)) > max || !bytes.HasPrefix(full, out) {
				t.Fatalf("MaxBytes %d: wrote %d bytes, not a prefix within the cap", max, len(out))
			}
			if len(out) > 0 && !bytes.HasSuffix(out, []byte{'\r', 0, '\n', 0}) {
				t.Fatalf("MaxBytes %d: output ends mid-line", max)
			}
		}
	})
	t.Run("value list budget", func(t *testing.T) {
		h := rxOpen(t, rxBuildHive(t, &rxKey{name: "ROOT", junkVals: 2000}))
		_, err := rxExport(t, []*Key{rxKeyAt(t, h, "")}, ExportOptions{Root: "HKEY_USERS", MaxBytes: 12000})
		if !errors.Is(err, safeio.ErrTooLarge) {
			t.Fatalf("2000 value entries in a 12000-byte export: %v", err)
		}
		// Junk value entries are left out of the file (regedit would not
		// see them either) but reported, so that the loss is not silent.
		out, err := rxExport(t, []*Key{rxKeyAt(t, h, "")}, ExportOptions{Root: "HKEY_USERS"})
		if !errors.Is(err, ErrCorrupt) || len(out) == 0 {
			t.Fatalf("junk value entries: %v (%d bytes)", err, len(out))
		}
	})
	t.Run("big value", func(t *testing.T) {
		h := rxOpen(t, rxBuildHive(t, &rxKey{name: "ROOT", vals: []rxVal{{"big", TypeBinary, make([]byte, 16000)}, {"after", TypeDWORD, rxDWORD(1)}}}))
		h.opts.MaxValueSize = 1000
		out, err := rxExport(t, []*Key{rxKeyAt(t, h, "")}, ExportOptions{Root: "HKEY_USERS"})
		if !errors.Is(err, safeio.ErrTooLarge) {
			t.Fatalf("value over MaxValueSize: %v", err)
		}
		if !strings.Contains(rxShow(out), "\"after\"=dword:00000001") {
			t.Error("values after a skipped one are lost")
		}
	})
}

func TestExportRegHostile(t *testing.T) {
	t.Run("cycle and shared subtree", func(t *testing.T) {
		a := &rxKey{name: "A"}
		b := &rxKey{name: "B"}
		root := &rxKey{name: "ROOT", subs: []*rxKey{a}}
		a.subs = []*rxKey{b, b}       // B twice
		b.subs = []*rxKey{a, root, b} // back to ancestors and itself
		h := rxOpen(t, rxBuildHive(t, root))
		done := make(chan struct{})
		var out []byte
		var err error
		go func() {
			defer close(done)
			out, err = rxExport(t, []*Key{rxKeyAt(t, h, "")}, ExportOptions{Root: "HKEY_USERS", Recursive: true})
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("export of a cyclic hive does not end")
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("cycle not reported: %v", err)
		}
		want := rxHeader + "\r\n\r\n[HKEY_USERS]\r\n\r\n[HKEY_USERS\\A]\r\n\r\n[HKEY_USERS\\A\\B]\r\n\r\n"
		if got := rxShow(out); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("DAG bomb", func(t *testing.T) {
		// 40 levels, each key listing the next one 1000 times: 1000^40 paths.
		last := &rxKey{name: "L40"}
		k := last
		for i := 39; i >= 0; i-- {
			p := &rxKey{name: fmt.Sprintf("L%d", i)}
			for j := 0; j < 1000; j++ {
				p.subs = append(p.subs, k)
			}
			k = p
		}
		h := rxOpen(t, rxBuildHive(t, &rxKey{name: "ROOT", subs: []*rxKey{k}}))
		start := time.Now()
		out, err := rxExport(t, []*Key{rxKeyAt(t, h, "")}, ExportOptions{Root: "HKEY_USERS", Recursive: true})
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("shared subtrees not reported: %v", err)
		}
		if n := strings.Count(rxShow(out), "["); n != 42 {
			t.Errorf("%d key sections, want 42", n)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %v", d)
		}
		// With a tighter MaxKeys the references alone stop it.
		_, err = rxExport(t, []*Key{rxKeyAt(t, h, "")}, ExportOptions{Root: "HKEY_USERS", Recursive: true, MaxKeys: 5000})
		if !errors.Is(err, safeio.ErrTooLarge) {
			t.Errorf("MaxKeys 5000 on 40000 references: %v", err)
		}
	})
	t.Run("line injection", func(t *testing.T) {
		evil := "x\"=dword:1\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n\"y"
		h := rxOpen(t, rxBuildHive(t, &rxKey{name: "ROOT",
			vals: []rxVal{{evil, TypeSZ, rxSZ("calc")}, {"ok", TypeSZ, rxSZ("line1\r\n[HKEY_LOCAL_MACHINE\\X]")}, {"nul\x00name", TypeDWORD, rxDWORD(1)}},
			subs: []*rxKey{{name: "bad\nkey", subs: []*rxKey{{name: "below"}}}, {name: "good"}},
		}))
		out, err := rxExport(t, []*Key{rxKeyAt(t, h, "")}, ExportOptions{Root: "HKEY_USERS", Recursive: true})
		if !errors.Is(err, ErrNotExportable) {
			t.Fatalf("bad names not reported: %v", err)
		}
		secs, perr := rxParseReg(out)
		if perr != nil {
			t.Fatal(perr)
		}
		var paths []string
		for _, s := range secs {
			paths = append(paths, s.Path)
		}
		if strings.Join(paths, "|") != `HKEY_USERS|HKEY_USERS\good` {
			t.Errorf("sections %q", paths)
		}
		if len(secs[0].Values) != 1 || secs[0].Values[0].name != "ok" || secs[0].Values[0].typ != TypeSZ {
			t.Errorf("values %+v", secs[0].Values)
		}
		if strings.Contains(err.Error(), "\r\n") {
			// %q keeps control characters out of messages.
			t.Errorf("raw CR LF in the error: %q", err)
		}
	})
	t.Run("bad root and nil key", func(t *testing.T) {
		h := rxOpen(t, rxBuildHive(t, &rxKey{name: "ROOT"}))
		if _, err := rxExport(t, []*Key{rxKeyAt(t, h, "")}, ExportOptions{Root: "HKEY_USERS\r\n[X]"}); !errors.Is(err, ErrNotExportable) {
			t.Errorf("root with CRLF: %v", err)
		}
		out, err := rxExport(t, []*Key{nil, rxKeyAt(t, h, "")}, ExportOptions{Root: "HKEY_USERS"})
		if err == nil || rxShow(out) != rxHeader+"\r\n\r\n[HKEY_USERS]\r\n\r\n" {
			t.Errorf("nil key: %v, %q", err, rxShow(out))
		}
		out, err = rxExport(t, nil, ExportOptions{})
		if err != nil || rxShow(out) != rxHeader+"\r\n\r\n" {
			t.Errorf("no keys: %v, %q", err, rxShow(out))
		}
	})
	t.Run("corpus corrupted hive", func(t *testing.T) {
		b := testenv.SharedXZ(t, "regipy/regipy_tests/data/corrupted_system_hive.xz")
		h, err := Open(bytes.NewReader(b), int64(len(b)), Options{})
		if err != nil {
			t.Skipf("corrupted hive does not open: %v", err)
		}
		root, err := h.Root()
		if err != nil {
			t.Skip(err)
		}
		out, err := rxExport(t, []*Key{root}, ExportOptions{Root: `HKEY_LOCAL_MACHINE\SYSTEM`, Recursive: true, MaxBytes: 8 << 20})
		if _, perr := rxParseReg(out); perr != nil && !errors.Is(err, safeio.ErrTooLarge) {
			t.Errorf("export of a corrupted hive does not parse: %v (export error %v)", perr, err)
		}
		t.Logf("%d bytes, error: %.300v", len(out), err)
	})
}

// ---------------------------------------------------------------------------
// (5) Fuzz: any value type and data, a few names (one long enough to force
// reg.exe's one-byte first line), must export without panic to a file that
// is valid UTF-16 with CRLF lines within 80 characters (quoted REG_SZ lines
// and dword lines excepted, as reg.exe never wraps them) and that reads back to the data.

var rxFuzzNames = []string{"", "v", `a"b\c`, "Unicode€", "🌍", strings.Repeat("n", 70), strings.Repeat("N", 80)}

func FuzzExportReg(f *testing.F) {
	f.Add(uint32(TypeSZ), []byte("h\x00i\x00\x00\x00"), uint8(1))
	f.Add(uint32(TypeDWORD), []byte{1, 2, 3}, uint8(0))
	f.Add(uint32(TypeBinary), bytes.Repeat([]byte{0xAB}, 300), uint8(5))
	f.Add(uint32(TypeMultiSZ), []byte{0, 0}, uint8(3))
	f.Add(uint32(TypeSZ), []byte{0, 0xD8, '\r', 0}, uint8(4))
	f.Add(uint32(0xFFFFFFFF), []byte{}, uint8(6))
	f.Add(uint32(TypeDWORD), []byte("0000"), uint8(5))
	f.Fuzz(func(t *testing.T, typ uint32, data []byte, sel uint8) {
		if len(data) > 16000 {
			data = data[:16000]
		}
		name := rxFuzzNames[int(sel)%len(rxFuzzNames)]
		v := rxVal{name, typ, data}
		h := rxOpen(t, rxBuildHive(t, &rxKey{name: "ROOT", subs: []*rxKey{{name: "K", vals: []rxVal{v, {"after", TypeSZ, data}}}}}))
		out, err := rxExport(t, []*Key{rxKeyAt(t, h, "")}, ExportOptions{Root: `HKEY_LOCAL_MACHINE\SOFTWARE`, Recursive: true})
		if err != nil {
			t.Fatal(err)
		}
		secs, err := rxParseReg(out)
		if err != nil {
			t.Fatalf("output does not parse: %v\n%q", err, rxShow(out))
		}
		rxCheckLines(t, out)
		if len(secs) != 2 || len(secs[1].Values) != 2 {
			t.Fatalf("sections %+v", secs)
		}
		for i, want := range []rxVal{v, {"after", TypeSZ, data}} {
			want = rxReimported(want)
			got := secs[1].Values[i]
			if got.name != want.name || got.typ != want.typ || !bytes.Equal(got.data, want.data) {
				t.Fatalf("value %d reads back as %q type %d % x, want %q type %d % x", i, got.name, got.typ, got.data, want.name, want.typ, want.data)
			}
		}
	})
}

// The wrap rule on every prefix length and data size near the boundaries,
// against an independent statement of it: the first line ends after the
// smallest k with prefix+3k >= 77 (k >= 1), continuation lines after 25.
func TestExportRegWrapRule(t *testing.T) {
	for nameLen := 1; nameLen <= 90; nameLen++ {
		name := strings.Repeat("n", nameLen)
		prefix := nameLen + 3 + len("hex:")
		first := 1
		for prefix+3*first < regHexWrap {
			first++
		}
		for _, size := range []int{1, first, first + 1, first + 25, first + 26, 200} {
			data := bytes.Repeat([]byte{0xcd}, size)
			var want []string
			rest := size
			take := min(first, rest)
			want = append(want, fmt.Sprintf(`"%s"=hex:%s`, name, strings.TrimSuffix(strings.Repeat("cd,", take), ",")))
			rest -= take
			for rest > 0 {
				want[len(want)-1] += `,\`
				take = min(25, rest)
				want = append(want, "  "+strings.TrimSuffix(strings.Repeat("cd,", take), ","))
				rest -= take
			}
			h := rxOpen(t, rxBuildHive(t, &rxKey{name: "ROOT", vals: []rxVal{{name, TypeBinary, data}}}))
			out, err := rxExport(t, []*Key{rxKeyAt(t, h, "")}, ExportOptions{Root: "R"})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSuffix(strings.TrimPrefix(rxShow(out), rxHeader+"\r\n\r\n[R]\r\n"), "\r\n\r\n"), "\r\n")
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("name %d, %d bytes:\ngot  %q\nwant %q", nameLen, size, got, want)
			}
			for _, l := range got {
				if len(l) > 80 && prefix < regHexWrap {
					t.Fatalf("name %d, %d bytes: line of %d characters", nameLen, size, len(l))
				}
			}
		}
	}
}
