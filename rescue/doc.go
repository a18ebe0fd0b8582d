// Package rescue is the application core of actrescue: it opens targets,
// finds Windows installations on their volumes, gathers activation
// evidence (product keys, edition and build, SPP store files), and turns it
// into a versioned Report for the text renderer, the JSON output and the TUI.
//
// # Contract
//
// Scanning is read-only: targets are opened through package image, which
// never opens anything for writing. A scan never stops at the first broken
// partition, volume or hive; each failure becomes a Warning that says what
// failed, where (target, partition, offset or path) and what to do next,
// and the scan continues with whatever is still readable.
//
// # Threat model
//
// Every byte comes from a possibly failing or hostile disk. The lower
// packages bound every length they read; this package additionally caps
// file sizes it hashes and the number of partitions and installations it
// reports, and never prints a stored "no key" pattern as a product key.
// Keys are the owner's secrets: the Mask option hides all but the last five
// characters in every output.
//
// No API compatibility promise.
package rescue
