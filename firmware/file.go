package firmware

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxTableFileSize caps the files ReadTableFile loads (a full acpidump text
// of a large machine is a few MiB).
const MaxTableFileSize = 32 << 20

// Table file formats.
const (
	FormatBinary   = "binary"   // raw table(s), e.g. acpidump -b output or /sys/firmware/acpi/tables/*
	FormatAcpidump = "acpidump" // acpidump text output
)

// FileTable is one table found in a file.
type FileTable struct {
	// Signature comes from the table header, or from the dump header line
	// when the table header is unusable.
	Signature string
	// Where locates the table: "offset 0x…" (binary) or "table N of SIG" (text).
	Where string
	// Table is nil when even the ACPI header could not be parsed.
	Table *Table
	// Err is the ParseTable error (a checksum mismatch comes with Table set).
	Err error
}

// TableFile is the result of ReadTableFile or ParseTables.
type TableFile struct {
	Path   string
	Format string // FormatBinary or FormatAcpidump
	Tables []FileTable
}

// Find returns the tables with signature sig, in file order.
func (f *TableFile) Find(sig string) []FileTable {
	var out []FileTable
	for _, t := range f.Tables {
		if t.Signature == sig {
			out = append(out, t)
		}
	}
	return out
}

// ReadTableFile loads a file holding one raw ACPI table, several raw tables
// back to back, or acpidump text (auto-detected), up to MaxTableFileSize.
// The file is opened read-only. The RSDP of a dump has no ACPI header and
// is left out (ParseAcpidump returns it). Per-table problems are in FileTable.Err;
// the returned error covers the file as a whole (unreadable, too big, no
// table, malformed dump) and may come with a partial TableFile.
func ReadTableFile(path string) (*TableFile, error) {
	b, err := readFileCapped(path, MaxTableFileSize)
	if err != nil {
		return nil, err
	}
	f, err := ParseTables(b)
	if f != nil {
		f.Path = path
	}
	if err != nil {
		return f, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// ParseTables is ReadTableFile on bytes already in memory.
func ParseTables(b []byte) (*TableFile, error) {
	if isText(b) {
		return parseDumpTables(b)
	}
	return parseBinaryTables(b)
}

// isText tells acpidump text from binary tables. A binary table's length
// field (bytes 4..7) always holds a NUL for any table under 16 MiB; text
// holds none (UTF-16 text is recognised by its BOM or its NUL pattern).
func isText(b []byte) bool {
	if bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}) || bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF}) {
		return true
	}
	head := b[:min(len(b), HeaderSize)]
	return len(head) >= 8 && bytes.IndexByte(head, 0) < 0
}

func parseDumpTables(b []byte) (*TableFile, error) {
	list, err := parseDump(b)
	f := &TableFile{Format: FormatAcpidump}
	for _, d := range list {
		ft := FileTable{Signature: d.sig, Where: fmt.Sprintf("%s at line %d of the dump", d.sig, d.line)}
		if d.sig == "RSDP" {
			continue // no ACPI header; ParseAcpidump returns its bytes
		}
		t, perr := ParseTable(d.raw)
		if perr != nil {
			ft.Err = fmt.Errorf("%s: %w", ft.Where, perr)
		}
		if t != nil {
			ft.Table, ft.Signature = t, t.Header.Signature
		}
		f.Tables = append(f.Tables, ft)
	}
	if len(f.Tables) == 0 && err == nil {
		err = fmt.Errorf("acpidump text holds only the RSDP: %w (dump the tables with acpidump, not acpidump -s)", ErrNoTable)
	}
	if len(f.Tables) == 0 {
		return nil, err
	}
	return f, err
}

func parseBinaryTables(b []byte) (*TableFile, error) {
	f := &TableFile{Format: FormatBinary}
	if len(b) == 0 {
		return nil, fmt.Errorf("file is empty: %w (expected a raw ACPI table or acpidump text)", ErrNoTable)
	}
	for off := 0; off < len(b); {
		ft := FileTable{Where: fmt.Sprintf("offset 0x%X", off)}
		t, err := ParseTable(b[off:])
		if err != nil {
			ft.Err = fmt.Errorf("%s: %w", ft.Where, err)
		}
		if t == nil {
			if len(b)-off >= 4 {
				ft.Signature = clean(b[off : off+4])
			}
			f.Tables = append(f.Tables, ft)
			break // the next table's start is unknown
		}
		ft.Table, ft.Signature = t, t.Header.Signature
		f.Tables = append(f.Tables, ft)
		off += int(t.Header.Length) // at least HeaderSize: always progresses
	}
	if len(f.Tables) == 1 && f.Tables[0].Table == nil {
		return f, fmt.Errorf("no ACPI table: %w", f.Tables[0].Err)
	}
	return f, nil
}

// readFileCapped reads at most max bytes of path, read-only, and maps the
// common failures to package errors.
func readFileCapped(path string, max int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, osError(path, err)
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, max+1))
	if err != nil {
		return nil, osError(path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: larger than the %d-byte limit: %w (pass a single table, e.g. acpidump -n MSDM -b)", path, max, ErrBadLength)
	}
	return b, nil
}

// osError wraps a permission error with ErrPermission.
func osError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("read %s: %w: run as root (sudo)", path, ErrPermission)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err // already names the operation and the path
	}
	return fmt.Errorf("read %s: %w", path, err)
}
