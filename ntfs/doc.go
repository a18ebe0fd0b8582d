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
// and match case-insensitively. Missing paths give ErrNotFound; a name
// that could not be found because its directory's index is damaged gives
// ErrIndexDamaged. File readers never read past the file's size.
//
// # Cost
//
// A lookup reads only the index blocks on the way to each name: the $I30
// B+ tree is descended with NTFS collation (btree.go), and go-ntfs's full
// listing is used only when the tree fails its checks. Reads of 16 KiB or
// more are served from 1 MiB chunks read with one request per extent
// (direct.go); small reads go through a 16 MiB page cache. Listings
// (ReadDir) read the whole index and every entry's MFT record. See
// docs/performance.md.
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
