package rescue

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/actrescue/actrescue/internal/safeio"

	"github.com/actrescue/actrescue/license"
)

// KeyCheck is the offline verdict on one typed key (`actrescue key check`).
// Checksum-valid means well-formed, never genuine: the security value
// cannot be verified offline.
type KeyCheck struct {
	Input         string   `json:"input,omitempty"` // omitted when masked
	Key           string   `json:"key,omitempty"`   // normalized
	WellFormed    bool     `json:"well_formed"`
	Format        string   `json:"format,omitempty"` // pkey2009 or legacy
	ChecksumValid *bool    `json:"checksum_valid,omitempty"`
	Group         uint32   `json:"group,omitempty"`
	Serial        uint32   `json:"serial,omitempty"`
	Upgrade       bool     `json:"upgrade,omitempty"`
	NPosition     int      `json:"n_position,omitempty"`
	Class         string   `json:"class"`
	KnownProduct  string   `json:"known_product,omitempty"`
	KnownEdition  string   `json:"known_edition,omitempty"`
	Verdict       string   `json:"verdict"`         // malformed, missing-characters, checksum-invalid, legacy-structure-ok, checksum-valid
	Notes         []string `json:"notes,omitempty"` // what normalization changed (dashes, look-alikes…)
	// Config is the key's entry in the pkeyconfig given with --target or
	// --pkeyconfig; ConfigNote says why there is none.
	Config     *KeyConfig `json:"config,omitempty"`
	ConfigNote string     `json:"config_note,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// Verdicts of a key check.
const (
	VerdictMalformed   = "malformed"
	VerdictMissing     = "missing-characters"
	VerdictBadChecksum = "checksum-invalid"
	VerdictLegacy      = "legacy-structure-ok"
	VerdictValid       = "checksum-valid"
)

// CheckKeys checks typed keys offline, and maps them through pkeyconfig
// files when cs is not empty. With mask, keys are masked in the result and
// the raw input is dropped.
func CheckKeys(inputs []string, mask bool, cs license.PkeyConfigs) []KeyCheck {
	out := make([]KeyCheck, 0, len(inputs))
	for _, in := range inputs {
		norm, notes, nerr := license.NormalizeTyped(in)
		c := license.CheckKey(norm)
		if nerr != nil {
			c = license.KeyCheck{Err: nerr, NPosition: -1, Info: license.KeyInfo{Class: license.ClassUnknown}}
		}
		r := KeyCheck{Notes: notes, Input: cleanText(in), Key: c.Normalized, WellFormed: c.WellFormed, Format: c.Format,
			ChecksumValid: c.ChecksumValid, Group: c.Group, Serial: c.Serial, Upgrade: c.Upgrade,
			Class: string(c.Info.Class), KnownProduct: c.Info.Product, KnownEdition: c.Info.Edition}
		if c.NPosition >= 0 {
			r.NPosition = c.NPosition
		}
		switch {
		case errors.Is(nerr, license.ErrMissingChars):
			r.Verdict = VerdictMissing
		case !c.WellFormed:
			r.Verdict = VerdictMalformed
		case c.ChecksumValid == nil:
			r.Verdict = VerdictLegacy
		case !*c.ChecksumValid:
			r.Verdict = VerdictBadChecksum
		default:
			r.Verdict = VerdictValid
		}
		if c.Err != nil {
			r.Error = c.Err.Error()
		}
		if c.WellFormed && len(cs) > 0 {
			r.Config, r.ConfigNote = lookupConfig(cs, c.Normalized)
		}
		if mask {
			r.Input = ""
			if r.Key != "" {
				r.Key = license.MaskKey(r.Key)
			}
			if !errors.Is(nerr, license.ErrMissingChars) {
				r.Error = "" // may quote the input
				if !c.WellFormed {
					r.Error = "not a 25-character product key"
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// PkeyConfigs returns the pkeyconfig files read on the installation.
func (in *Installation) PkeyConfigs() license.PkeyConfigs { return in.pkeys }

// LoadPkeyConfigFile reads one pkeyconfig file from the host.
func LoadPkeyConfigFile(path string) (*license.PkeyConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPkeyConfigFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > maxPkeyConfigFile {
		return nil, fmt.Errorf("%s: more than %d bytes: %w", path, maxPkeyConfigFile, safeio.ErrTooLarge)
	}
	return license.ParsePkeyConfig(b, path)
}
