// Package ui renders actrescue reports: the plain-text renderer used by
// the CLI and, later, the tview terminal interface.
//
// It depends only on the rescue model and does no disk I/O. Every string
// that came from a disk passes through Clean before it reaches a terminal,
// so control and escape sequences stored on a hostile disk cannot drive the
// console. No API compatibility promise.
package ui
