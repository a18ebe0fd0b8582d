// Package license decodes Windows product keys and the registry values that
// hold them (DigitalProductId, DigitalProductId4), and recognises the keys
// Microsoft publishes (KMS client setup keys, generic edition keys).
//
// The package is pure: no I/O, stdlib only. Formats follow
// docs/reference/formats-keys.md (§1 DigitalProductId, §2 DigitalProductId4,
// §3 key format, §5 published keys).
//
// # Threat model
//
// Every input (registry bytes, text typed or read from disk) is untrusted.
// Decoders bound every offset by the declared and the actual length, never
// panic, never allocate in proportion to a length read from the input, and
// keep only printable characters from embedded strings.
//
// The package does not generate keys and does not search for them: it only
// decodes and checks what it is given.
//
// A valid checksum means the key is well-formed (probably typed correctly), not
// that it is genuine: the key's security value cannot be verified offline.
//
// There is no API compatibility promise.
package license
