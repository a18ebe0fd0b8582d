package firmware

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/actrescue/actrescue/internal/utf16le"
)

// ParseAcpidump parses the text output of acpidump (ACPICA, including
// acpidump.exe, and the older pmtools/fwts style) and returns the raw bytes
// of each table by signature, in dump order. The RSDP ("RSD PTR ") is
// returned as "RSDP". Accepted variants: header lines "SIG @ 0x…" with any
// address width or with extra text before " @ " ("FACP (v04 …) @ 0x…"),
// header lines without an address ("MSDM", "MSDM:"), upper- or lowercase
// hex, with or without the ASCII column, CRLF line ends, and UTF-16 text
// with a BOM (PowerShell redirection).
//
// A table whose lines are missing or out of order is left out and reported
// with ErrBadDump; the map still holds every other table. No table at all
// gives ErrNoTable. Errors name line numbers, never line contents (the
// ASCII column of an MSDM holds the key).
func ParseAcpidump(text []byte) (map[string][][]byte, error) {
	list, err := parseDump(text)
	out := make(map[string][][]byte, len(list))
	for _, d := range list {
		out[d.sig] = append(out[d.sig], d.raw)
	}
	return out, err
}

// dumpTable is one table of an acpidump text, in dump order.
type dumpTable struct {
	sig   string
	line  int  // line number of the header line
	loose bool // header without "@ 0x…": ignored if no data follows
	raw   []byte
}

func parseDump(text []byte) ([]dumpTable, error) {
	text = decodeText(text)
	var (
		out     []dumpTable
		errs    []error
		cur     *dumpTable // current table, nil when none
		bad     bool       // current table is broken; skip its lines
		strayAt int        // first data line outside a table
	)
	flush := func() {
		switch {
		case cur == nil || bad || (cur.loose && len(cur.raw) == 0):
		case len(cur.raw) == 0:
			errs = append(errs, fmt.Errorf("acpidump line %d: table %s has no data lines: %w (the dump is cut short)", cur.line, cur.sig, ErrBadDump))
		default:
			out = append(out, *cur)
		}
		cur, bad = nil, false
	}
	lineNo := 0
	for line := range bytes.Lines(text) {
		lineNo++
		s := strings.TrimRight(string(line), "\r\n")
		if off, data, ok := parseDataLine(s); ok {
			switch {
			case cur == nil:
				if strayAt == 0 {
					strayAt = lineNo
				}
			case bad:
			case off != len(cur.raw):
				errs = append(errs, fmt.Errorf("acpidump line %d: table %s (line %d) continues at offset 0x%X after 0x%X bytes: %w (lines are missing or out of order; the table is skipped)",
					lineNo, cur.sig, cur.line, off, len(cur.raw), ErrBadDump))
				bad = true
			default:
				cur.raw = append(cur.raw, data...)
			}
			continue
		}
		if name, loose, ok := parseHeaderLine(s); ok {
			flush()
			cur = &dumpTable{sig: name, line: lineNo, loose: loose}
		}
		// Anything else (blank lines, log text) is ignored.
	}
	flush()
	if len(out) == 0 {
		hint := "expected a line like \"MSDM @ 0x0000000000000000\" followed by lines like \"    0000: 4D 53 44 4D ...\""
		if strayAt > 0 {
			hint = fmt.Sprintf("hex lines start at line %d but no \"SIG @ 0x…\" header line precedes them", strayAt)
		}
		errs = append(errs, fmt.Errorf("acpidump text: no table found (%s): %w (is this acpidump output?)", hint, ErrNoTable))
	}
	return out, errors.Join(errs...)
}

// parseHeaderLine recognises a table header line and returns the
// signature: "SIG @ 0xADDR" (as acpixtract, any line with " @ 0x"), or a
// line holding only an uppercase signature, optionally followed by ':' or
// "(v01 …)" (dumps without addresses; loose is set for those).
func parseHeaderLine(s string) (name string, loose, ok bool) {
	if s == "" || s[0] == ' ' || s[0] == '\t' {
		return "", false, false
	}
	if at := strings.Index(s, " @ "); at > 0 {
		addr := strings.TrimSpace(s[at+3:])
		if !strings.HasPrefix(addr, "0x") && !strings.HasPrefix(addr, "0X") {
			return "", false, false
		}
		head := s[:at]
		if strings.HasPrefix(head, "RSD ") || head == "RSD" || head == "RSDP" {
			return "RSDP", false, true
		}
		name, _, _ = strings.Cut(head, " ")
		name = name[:min(len(name), 4)]
		if len(name) < 3 || !validSignature([]byte(name)) {
			return "", false, false
		}
		return name, false, true
	}
	name, rest, _ := strings.Cut(strings.TrimSpace(s), " ")
	name = strings.TrimSuffix(name, ":")
	rest = strings.TrimSpace(rest)
	if len(name) != 4 || !upperSignature(name) || (rest != "" && rest[0] != '(') {
		return "", false, false
	}
	return name, true, true
}

// upperSignature reports whether s is made of A-Z, 0-9 and '_', starting
// with a letter, as real ACPI signatures are.
func upperSignature(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// parseDataLine recognises "    0000: 4D 53 ...  ASCII" and returns the
// offset and bytes. The ASCII column starts after two spaces and is ignored.
func parseDataLine(s string) (int, []byte, bool) {
	if s == "" || (s[0] != ' ' && s[0] != '\t') {
		return 0, nil, false
	}
	t := strings.TrimLeft(s, " \t")
	colon := strings.Index(t, ": ")
	if colon < 1 || colon > 8 {
		return 0, nil, false
	}
	off, err := strconv.ParseUint(t[:colon], 16, 32)
	if err != nil {
		return 0, nil, false
	}
	rest := t[colon+2:]
	data := make([]byte, 0, 16)
	for len(data) < 16 && len(rest) >= 2 {
		hi, ok1 := unhex(rest[0])
		lo, ok2 := unhex(rest[1])
		if !ok1 || !ok2 || (len(rest) > 2 && rest[2] != ' ') {
			break
		}
		data = append(data, hi<<4|lo)
		if len(rest) < 3 || (len(rest) > 3 && rest[3] == ' ') {
			break // end of line, or the two spaces before the ASCII column
		}
		rest = rest[3:]
	}
	if len(data) == 0 {
		return 0, nil, false
	}
	return int(off), data, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeText strips a UTF-8 BOM and turns UTF-16 text (with a BOM) into
// UTF-8; other input is returned unchanged.
func decodeText(b []byte) []byte {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:]
	case len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF):
		if b[0] == 0xFE {
			return []byte(utf16le.DecodeBE(b[2:]))
		}
		return []byte(utf16le.Decode(b[2:]))
	}
	return b
}
