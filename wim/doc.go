// Package wim reads Windows Imaging (WIM) files and ESD files — an
// install.wim or install.esd from Windows media, or a system image saved
// with DISM or wimlib — so that actrescue can read an image's registry
// hives and SPP store with the same code it uses on a disk.
//
// It is its own reader, written from the format (Microsoft's WIM
// documentation and wimlib's notes), with its own XPRESS (Huffman) and LZX
// decoders; it uses no cgo and no third-party module. github.com/Microsoft/
// go-winio/wim was not used: it decodes only LZX with 32 KiB chunks (not
// XPRESS, not uncompressed WIMs, not solid resources) and has no path
// lookup.
//
// # Contract
//
//	w, err := wim.Open(r, size)        // header, blob table, XML data
//	w.Images()                         // []ImageInfo from the XML, index order
//	img, err := w.FS(index)            // 1-based; an ntfs.FS over the image
//	img.Stat / Open / ReadDir / Describe
//
// Open reads the 208-byte header, the blob (lookup) table and the XML data;
// it reads no file data. Images lists every image the header counts, with
// what the XML says about it: name, description, edition flags and, for OS
// images, the <WINDOWS> block (ProductName, EditionID, InstallationType,
// ProductType, architecture, languages, MAJOR.MINOR.BUILD.SPBUILD). Those
// values are what WIMGAPI or wimlib copied from the image's hives at
// capture time; the hives themselves are the ground truth and are read
// through FS. Problems with the XML data do not fail Open: they become
// Notes, and the images are listed by index only.
//
// FS returns an *Image implementing ntfs.FS, so rescue's installation
// reader (findInstallations) runs on an image as on a volume. Paths use '/'
// or '\', relative to the image root; each component matches exactly, or
// else case-insensitively (Unicode simple folding). A missing path gives
// ntfs.ErrNotFound; opening a directory gives ntfs.ErrIsDir; paths with ':'
// (alternate data streams) are not looked up. Files are io.ReaderAt with a
// size; ReadAt never reads past the end and returns io.EOF on a short
// read there. (*File).Verify checks a file's SHA-1 against the digest the
// WIM stores; (*WIM).CheckIntegrity checks the optional integrity table.
//
// Supported: WIM versions 0x10d00 and 0xe00 (solid); resources stored
// uncompressed, XPRESS (chunks up to 64 KiB) and LZX (chunks up to 2 MiB;
// WIMGAPI writes 32 KiB); solid resources compressed with XPRESS or LZX;
// multi-image files. Not supported, with an error wrapping ErrUnsupported:
// LZMS (Microsoft's install.esd files are solid LZMS; Images still works
// on them because their XML data is stored uncompressed, but FS fails and
// the message says to convert the file with
// "wimlib-imagex export install.esd N install.wim --compress=LZX"),
// wimlib's pipable WIMs, EFS-encrypted files. A split WIM part opens; its
// files whose data lives in another part give ErrMissingBlob.
//
// Errors wrap one of ErrNotWIM, ErrTruncated, ErrCorrupt, ErrUnsupported,
// ErrNoImage, ErrMissingBlob, ErrNoIntegrity, or safeio.ErrTooLarge, with
// the offsets and sizes involved in the message.
//
// # Cost
//
// Reading is lazy. A lookup reads only the directory entries on the way
// to the name (each directory's listing is parsed once and cached, up to
// 256 Ki entries); file data is decompressed one chunk at a time, through a
// cache of decompressed chunks bounded in bytes (Limits.CacheBytes, 32 MiB
// by default). Non-solid chunk tables are read two entries at a time;
// solid ones once per resource. Reading the SOFTWARE hive of a real
// install.wim touches a few MiB of metadata and the hive's own chunks,
// not the whole image.
//
// # Threat model
//
// The file may be truncated, damaged or crafted. Every size and offset
// read from it is checked before use: resources must lie inside the file
// (and not overlap the header); chunk tables must fit in their resource,
// with offsets increasing and each chunk no larger than its uncompressed
// size; chunk sizes are powers of two within the decoders' limits, so the
// largest buffer a chunk allocates is 2 MiB (64 MiB solid chunks are only
// accepted to report LZMS). Declared sizes above Limits (XML 16 MiB, blob
// table 64 MiB, a metadata resource 1 GiB, a file 64 GiB, 4096 images,
// 2^20 entries per directory, 2^22 chunks per solid resource) are refused
// with safeio.ErrTooLarge or skipped with a note, before any allocation of
// that size. Directory entries are bounded in length (1 MiB; stream entries
// 128 KiB) and must lie inside the metadata; lookups are bounded by the
// path's components (at most 1024) and stop with ErrCorrupt when a
// directory points back at an ancestor's entries, so a cyclic tree cannot
// loop a lookup; a caller that walks the tree recursively must still bound
// its depth. The decoders stop at the chunk's uncompressed size, refuse
// matches outside the output, invalid prefix codes and block sizes, and
// read past the end of the input as zero bits (the output bound makes
// that terminate). Panics are recovered at each exported entry point into
// errors wrapping safeio.ErrPanic. Damage inside compressed data that the
// decoders cannot see is caught by Verify's SHA-1 check. FuzzOpen covers
// all of this.
package wim
