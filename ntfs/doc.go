// Package ntfs is actrescue's adapter over go-ntfs
// (www.velocidex.com/golang/go-ntfs): case-insensitive path lookup, file
// streams as io.ReaderAt with a size, directory listings with timestamps,
// and the volume state a technician must know about (dirty flag,
// hibernation). A mounted Windows folder is served through the same FS
// interface by DirFS.
//
// # Contract
//
// Read-only. Paths use '/' or '\' separators, relative to the volume root,
// and match case-insensitively. Missing paths give ErrNotFound. File
// readers never read past the file's size.
//
// # Threat model
//
// The volume comes from a failing or hostile disk. The boot sector is
// checked before go-ntfs sees it. go-ntfs does not bound sizes read from
// MFT records, and it may panic on corrupt structures: every call into it
// is wrapped so a panic becomes an error wrapping safeio.ErrPanic, and this
// package never allocates from a size it read; callers stream through
// io.SectionReader with their own caps.
package ntfs
