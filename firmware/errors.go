package firmware

import "errors"

// Sentinel errors. Returned errors wrap them with details; use errors.Is.
var (
	// ErrShortTable: the data ends before a structure it must hold.
	ErrShortTable = errors.New("table truncated")
	// ErrBadLength: a length field is zero, too small, too large or
	// disagrees with the data.
	ErrBadLength = errors.New("bad length field")
	// ErrBadChecksum: the bytes of an ACPI table do not sum to 0 mod 256.
	ErrBadChecksum = errors.New("bad checksum")
	// ErrBadSignature: a signature, magic or type field has the wrong value.
	ErrBadSignature = errors.New("bad signature")
	// ErrBadKey: the MSDM key is not a well-formed 5x5 product key.
	ErrBadKey = errors.New("malformed product key")
	// ErrBadDump: acpidump text is malformed (missing or misordered lines).
	ErrBadDump = errors.New("malformed acpidump text")
	// ErrNoTable: the table or data does not exist on this machine or in this input.
	ErrNoTable = errors.New("table not found")
	// ErrPermission: the OS refused the read; usually fixed by running as root.
	ErrPermission = errors.New("permission denied")
)
