// Package firmware reads the firmware licensing evidence of a PC: the ACPI
// MSDM table (the OEM Windows 8+ product key embedded in the firmware), the
// ACPI SLIC table (OEM Activation 2.x for Vista/7) and the DMI/SMBIOS
// identity (vendor, model, serial, BIOS) an OEM support case asks for.
//
// # Contract
//
// Parsers take bytes and never touch the system: ParseTable, ParseMSDM,
// ParseSLIC, ParseAcpidump and ParseSMBIOS. ReadTableFile loads a raw
// table (or several concatenated) or acpidump text, auto-detected.
// ReadHost reads the machine actrescue runs on (Linux sysfs, or
// GetSystemFirmwareTable on Windows/WinPE); ReadHostFrom does the Linux
// reads below a different root, for tests. Firmware tables belong to the
// running machine, never to a disk image.
//
// Errors wrap the package sentinels (ErrShortTable, ErrBadLength,
// ErrBadChecksum, ErrBadSignature, ErrBadKey, ErrBadDump, ErrNoTable,
// ErrPermission); test them with errors.Is. Each message names the field
// or offset and says what to do. A checksum mismatch or a malformed key
// still returns the parsed value together with the error, so callers can
// show what the firmware holds.
//
// # Threat model
//
// Table bytes are untrusted: firmware can be buggy or tampered with, and
// dump files come from anywhere. Every length is checked against the data
// before use (lower and upper bound), loops are bounded and always make
// progress, and no allocation is sized by a field read from the input.
// Strings are cleaned of control characters. Everything is read-only.
//
// The MSDM key is the owner's secret. This package returns it in
// MSDM.Key but never puts it in an error message or a String method;
// masking it for display or reports is the caller's job.
//
// No API compatibility promise.
package firmware
