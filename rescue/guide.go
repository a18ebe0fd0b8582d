package rescue

import "github.com/actrescue/actrescue/license"

// GuideEntry is one activation error explained (see license.Explain).
type GuideEntry = license.GuideEntry

// GuideStep is one step of an explanation.
type GuideStep = license.GuideStep

// ErrUnknownCode means the code is not in the guide.
var ErrUnknownCode = license.ErrUnknownCode

// Explain looks an activation or setup error code up in the guide. It
// accepts 0xC004F213, C004F213, signed or unsigned decimal HRESULTs and
// 0xC1900101-0x4000D forms.
func Explain(code string) (*GuideEntry, error) { return license.Explain(code) }

// GuideEntries lists every explained code.
func GuideEntries() []GuideEntry { return license.GuideEntries() }
