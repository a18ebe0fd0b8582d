package hive

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"www.velocidex.com/golang/regparser"

	"github.com/actrescue/actrescue/internal/safeio"
)

// ErrNotExportable marks a key or value that the .reg format cannot carry
// (a name holding CR, LF or NUL). ExportReg skips it, exports the rest and
// reports it in its error.
var ErrNotExportable = errors.New("hive: not representable in a .reg file")

// ExportOptions controls ExportReg.
type ExportOptions struct {
	// Root is written in front of every key path, e.g.
	// `HKEY_LOCAL_MACHINE\SOFTWARE` for keys of a SOFTWARE hive. Trailing
	// backslashes are dropped. When empty, key paths are written relative
	// to the hive root.
	Root string
	// Recursive also exports every subkey, depth first, as reg.exe does.
	Recursive bool
	// MaxKeys caps the number of keys exported (and of subkey references
	// followed); default 100000.
	MaxKeys int
	// MaxBytes caps the output size; default 64 MiB. Output never exceeds it.
	MaxBytes int64
}

// Format notes. The reference is the output of Windows reg.exe export, as
// pinned by Wine's conformance tests (wine programs/reg/tests/export.c, run
// against Windows), Wine's reimplementation of it (programs/reg/export.c)
// and real regedit exports; regexport_test.go holds those samples.
//
//   - File: UTF-16LE with BOM (FF FE), CRLF line ends. It is
//     "Windows Registry Editor Version 5.00" CRLF, then per key an empty
//     line and "[path]" CRLF and one line per value, then one final CRLF:
//     every key section, the last included, is followed by an empty line.
//   - Key paths are written verbatim: reg.exe escapes nothing in them, so a
//     name holding ']' is written as is (importers take the last ']' of the
//     line; hivexregedit does too).
//   - Value names: "@" for the default value, else quoted with '\' and '"'
//     escaped by a backslash.
//   - REG_SZ: quoted text with '\' and '"' escaped, cut at the first NUL;
//     no terminator written; an odd trailing byte is dropped. Exception, a
//     deliberate deviation: reg.exe writes CR and LF raw (the file then no
//     longer imports) and an unpaired surrogate cannot be written as UTF-16
//     text, so such a REG_SZ is written as hex(1): with all its bytes, which
//     reg import and hivexregedit turn back into the same REG_SZ.
//   - REG_DWORD of exactly 4 bytes: dword:%08x. Any other size is written
//     as hex(4): raw bytes, like a zero-length DWORD in reg.exe.
//   - Everything else: "hex:" for REG_BINARY, else "hex(%x):" with the type
//     in lowercase hex (hex(0) REG_NONE, hex(2) REG_EXPAND_SZ, hex(5) big-
//     endian DWORD, hex(6) REG_LINK, hex(7) REG_MULTI_SZ, hex(b) REG_QWORD,
//     hex(100) ...), then the data bytes as lowercase "%02x" joined by ','.
//
// Hex wrapping (reg.exe; Wine's export_hex_data, MAX_HEX_CHARS 77): a
// counter starts at the length in UTF-16 units of `"name"=` (or `@=`) plus
// the type tag. After each byte except the last a ',' is written and the
// counter grows by 3; when it reaches 77 or more, `\` CRLF and two spaces
// are written and the counter restarts at 2. So a continuation line holds
// 25 bytes (78 characters with its `\`), the first line ends once the
// counter reaches 77-79 (at most 80 characters with the `\`), and with a
// name so long that the prefix alone is 77+ units the first line carries
// one byte and is longer than 80 characters, as in reg.exe. String and
// dword lines are never wrapped.
const regHexWrap = 77

// regProblemsKept is how many skipped keys or values are itemised.
const regProblemsKept = 16

// ExportReg writes keys (and, if Recursive, their subkeys depth-first in
// the order regedit uses: a key, its values in value-list order, then each
// subkey in subkey-index order) to w as a Windows Registry Editor 5.00
// file, byte for byte as reg.exe export writes it.
//
// Unreadable or unrepresentable keys and values are skipped and the rest is
// exported; the returned error then lists them (wrapping ErrCorrupt,
// ErrNotExportable, safeio.ErrTooLarge for oversized values, ...). Exceeding
// MaxKeys or MaxBytes stops the export with an error wrapping
// safeio.ErrTooLarge; w then holds a truncated file of complete lines.
// Subkey cycles and shared subtrees in a hostile hive are exported once.
func ExportReg(w io.Writer, keys []*Key, opts ExportOptions) (err error) {
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = 100000
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	root := strings.TrimRight(opts.Root, `\`)
	if regBadName(root) {
		return fmt.Errorf("export root %q holds CR, LF or NUL: %w", root, ErrNotExportable)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	e := &regExporter{w: bw, opts: opts, root: root}
	fatal := e.run(keys)
	if ferr := bw.Flush(); fatal == nil && ferr != nil {
		fatal = ferr
	}
	return e.result(fatal)
}

type regExporter struct {
	w    *bufio.Writer
	opts ExportOptions
	root string

	written   int64 // bytes accepted for output
	keys      int   // top-level keys plus subkey references followed
	valueRefs int64 // value-list entries examined

	line []byte // the physical line being built, UTF-16LE
	cols int    // its length in UTF-16 units

	problems  []error
	nproblems int
}

type regFrame struct {
	k    *Key
	kids []*regparser.CM_KEY_NODE
	next int
}

func (e *regExporter) run(keys []*Key) (fatal error) {
	defer safeio.Recover(&fatal, "export .reg")
	e.line = append(e.line, 0xFF, 0xFE)
	e.put("Windows Registry Editor Version 5.00")
	if err := e.endLine(); err != nil {
		return err
	}
	for _, k := range keys {
		if k == nil {
			e.problem(fmt.Errorf("nil key: %w", ErrKeyNotFound))
			continue
		}
		e.keys++
		if e.keys > e.opts.MaxKeys {
			return fmt.Errorf("more than %d keys to export: %w", e.opts.MaxKeys, safeio.ErrTooLarge)
		}
		if err := e.tree(k); err != nil {
			return err
		}
	}
	return e.endLine()
}

// tree exports k and, if Recursive, its subtree, depth first. Each key
// cell is exported once per tree: a hostile subkey list that points back
// to an ancestor or repeats a key is reported, not followed.
func (e *regExporter) tree(top *Key) error {
	if regBadName(top.Path()) {
		e.problem(fmt.Errorf("key %q: name holds CR, LF or NUL: %w", top.Path(), ErrNotExportable))
		return nil
	}
	visited := map[int64]bool{top.nk.Offset: true}
	if err := e.key(top); err != nil {
		return err
	}
	if !e.opts.Recursive {
		return nil
	}
	kids, err := e.children(top)
	if err != nil {
		return err
	}
	stack := []regFrame{{k: top, kids: kids}}
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next == len(f.kids) {
			stack[len(stack)-1] = regFrame{}
			stack = stack[:len(stack)-1]
			continue
		}
		nk := f.kids[f.next]
		f.kids[f.next] = nil
		f.next++
		child, cerr := regChild(f.k, nk)
		if cerr != nil {
			e.problem(fmt.Errorf("subkey of %s: %w", f.k.path, cerr))
			continue
		}
		if visited[nk.Offset] {
			e.problem(fmt.Errorf("%q: key cell 0x%x already exported (subkey cycle or shared subtree): %w", child.path, nk.Offset-0x1000, ErrCorrupt))
			continue
		}
		visited[nk.Offset] = true
		if regBadName(child.name) {
			e.problem(fmt.Errorf("key %q: name holds CR, LF or NUL, subtree skipped: %w", child.path, ErrNotExportable))
			continue
		}
		if err := e.key(child); err != nil {
			return err
		}
		kids, err := e.children(child)
		if err != nil {
			return err
		}
		stack = append(stack, regFrame{k: child, kids: kids})
	}
	return nil
}

func regChild(k *Key, nk *regparser.CM_KEY_NODE) (c *Key, err error) {
	defer safeio.Recover(&err, "subkey")
	return k.child(nk), nil
}

// children lists k's subkey cells. Every reference counts against MaxKeys,
// so the lists held on the stack stay bounded by it.
func (e *regExporter) children(k *Key) (kids []*regparser.CM_KEY_NODE, fatal error) {
	werr := regTry("subkeys of "+k.path, func() error {
		return k.walkSubkeys(func(nk *regparser.CM_KEY_NODE) bool {
			e.keys++
			if e.keys > e.opts.MaxKeys {
				fatal = fmt.Errorf("%s: more than %d keys to export: %w", k.path, e.opts.MaxKeys, safeio.ErrTooLarge)
				return false
			}
			kids = append(kids, nk)
			return true
		})
	})
	if fatal != nil {
		return nil, fatal
	}
	if werr != nil {
		e.problem(werr)
	}
	return kids, nil
}

// key writes one key section: an empty line, [path], its values.
func (e *regExporter) key(k *Key) error {
	if err := e.endLine(); err != nil {
		return err
	}
	e.put("[")
	switch {
	case e.root == "":
		e.put(k.path)
	case k.path == "":
		e.put(e.root)
	default:
		e.put(e.root)
		e.put(`\`)
		e.put(k.path)
	}
	e.put("]")
	if err := e.endLine(); err != nil {
		return err
	}
	return e.values(k)
}

func (e *regExporter) values(k *Key) (fatal error) {
	var count int64
	if err := regTry("value list of "+k.path, func() error {
		count = int64(k.nk.ValueList().Count())
		return nil
	}); err != nil {
		e.problem(err)
		return nil
	}
	// Every exported value costs at least 12 bytes (`@=""` CRLF), so more
	// list entries than MaxBytes/12 cannot all be written.
	e.valueRefs += min(count, int64(k.h.opts.MaxValues)+1)
	if e.valueRefs > e.opts.MaxBytes/12 {
		return fmt.Errorf("%s: more values than a %d-byte export can hold: %w", k.path, e.opts.MaxBytes, safeio.ErrTooLarge)
	}
	werr := regTry("values of "+k.path, func() error {
		return k.walkValues(func(name string, off int64) bool {
			v, err := k.loadValue(name, off)
			if err != nil {
				e.problem(err)
				return true
			}
			if fatal = e.value(v); fatal != nil {
				return false
			}
			return true
		})
	})
	if fatal != nil {
		return fatal
	}
	if werr != nil {
		e.problem(werr)
	}
	return nil
}

func (e *regExporter) value(v Value) error {
	if regBadName(v.Name) {
		e.problem(fmt.Errorf("%s!%q: value name holds CR, LF or NUL: %w", v.Path, v.Name, ErrNotExportable))
		return nil
	}
	if v.Name == "" {
		e.put("@=")
	} else {
		e.put(`"`)
		e.putEscaped(v.Name)
		e.put(`"=`)
	}
	switch {
	case v.Type == TypeSZ:
		if units, ok := regText(v.Data); ok {
			e.put(`"`)
			for _, u := range units {
				if u == '\\' || u == '"' {
					e.line = append(e.line, '\\', 0)
				}
				e.line = binary.LittleEndian.AppendUint16(e.line, u)
			}
			e.put(`"`)
			return e.endLine()
		}
	case v.Type == TypeDWORD && len(v.Data) == 4:
		e.put(fmt.Sprintf("dword:%08x", binary.LittleEndian.Uint32(v.Data)))
		return e.endLine()
	}
	return e.hex(v.Type, v.Data)
}

// hex writes type tag and data with reg.exe's wrapping (see regHexWrap).
func (e *regExporter) hex(typ uint32, data []byte) error {
	if typ == TypeBinary {
		e.put("hex:")
	} else {
		e.put(fmt.Sprintf("hex(%x):", typ))
	}
	const digits = "0123456789abcdef"
	cols := e.cols
	for i, b := range data {
		e.line = append(e.line, digits[b>>4], 0, digits[b&15], 0)
		if i == len(data)-1 {
			break
		}
		e.line = append(e.line, ',', 0)
		cols += 3
		if cols >= regHexWrap {
			e.line = append(e.line, '\\', 0)
			if err := e.endLine(); err != nil {
				return err
			}
			e.put("  ")
			cols = 2
		}
	}
	return e.endLine()
}

// regText decodes REG_SZ data for the quoted form: UTF-16LE units up to the
// first NUL. ok is false when the text holds CR, LF or an unpaired
// surrogate, which the quoted form cannot carry.
func regText(b []byte) (units []uint16, ok bool) {
	units = make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u := binary.LittleEndian.Uint16(b[i:])
		if u == 0 {
			break
		}
		units = append(units, u)
	}
	for i := 0; i < len(units); i++ {
		u := units[i]
		switch {
		case u == '\r' || u == '\n':
			return nil, false
		case u >= 0xD800 && u < 0xDC00:
			if i+1 == len(units) || units[i+1] < 0xDC00 || units[i+1] >= 0xE000 {
				return nil, false
			}
			i++
		case u >= 0xDC00 && u < 0xE000:
			return nil, false
		}
	}
	return units, true
}

func regBadName(s string) bool { return strings.ContainsAny(s, "\r\n\x00") }

// put appends s to the current line as UTF-16LE.
func (e *regExporter) put(s string) {
	for _, r := range s {
		if r < 0x10000 {
			e.line = binary.LittleEndian.AppendUint16(e.line, uint16(r))
			e.cols++
			continue
		}
		r1, r2 := utf16.EncodeRune(r)
		e.line = binary.LittleEndian.AppendUint16(e.line, uint16(r1))
		e.line = binary.LittleEndian.AppendUint16(e.line, uint16(r2))
		e.cols += 2
	}
}

// putEscaped appends s with '\' and '"' escaped.
func (e *regExporter) putEscaped(s string) {
	for _, r := range s {
		if r == '\\' || r == '"' {
			e.put(`\`)
		}
		e.put(string(r))
	}
}

// endLine terminates the current line with CRLF and writes it, unless that
// would take the output past MaxBytes.
func (e *regExporter) endLine() error {
	e.line = append(e.line, '\r', 0, '\n', 0)
	n := int64(len(e.line))
	if e.written+n > e.opts.MaxBytes {
		e.line, e.cols = e.line[:0], 0
		return fmt.Errorf("export exceeds the %d-byte limit after %d bytes: %w", e.opts.MaxBytes, e.written, safeio.ErrTooLarge)
	}
	_, err := e.w.Write(e.line)
	e.written += n
	if cap(e.line) > 1<<20 {
		e.line = nil
	}
	e.line, e.cols = e.line[:0], 0
	return err
}

func (e *regExporter) problem(err error) {
	e.nproblems++
	if len(e.problems) < regProblemsKept {
		e.problems = append(e.problems, err)
	}
}

func (e *regExporter) result(fatal error) error {
	if e.nproblems == 0 {
		return fatal
	}
	errs := append([]error(nil), e.problems...)
	if more := e.nproblems - len(e.problems); more > 0 {
		errs = append(errs, fmt.Errorf("and %d more", more))
	}
	skipped := fmt.Errorf("%d keys or values not exported: %w", e.nproblems, errors.Join(errs...))
	if fatal != nil {
		return errors.Join(fatal, skipped)
	}
	return skipped
}

func regTry(what string, fn func() error) (err error) {
	defer safeio.Recover(&err, what)
	return fn()
}
