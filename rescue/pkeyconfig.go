package rescue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/actrescue/actrescue/internal/safeio"
	"github.com/actrescue/actrescue/license"
	"github.com/actrescue/actrescue/ntfs"
)

// KeyConfig is what the installation's own pkeyconfig says about a key:
// an offline "slmgr /dlv". Description keeps Microsoft's internal naming
// (Windows 11 keys say "Win 10"); never show it as the product name.
type KeyConfig struct {
	Source       string   `json:"source"` // pkeyconfig file on the volume
	ActivationID string   `json:"activation_id"`
	EditionID    string   `json:"edition_id"`
	Description  string   `json:"description"`
	Channel      string   `json:"channel"`
	EulaType     string   `json:"eula_type,omitempty"`
	PartNumbers  []string `json:"part_numbers,omitempty"`
	Valid        bool     `json:"valid"`
	Algorithm    string   `json:"algorithm,omitempty"`
}

// Config notes, when a key has no KeyConfig.
const (
	ConfigNoFiles  = "no-pkeyconfig"     // the installation has no readable pkeyconfig
	ConfigNotFound = "not-in-pkeyconfig" // group/serial in no range
	ConfigLegacy   = "legacy-key"        // pre-Windows 8 key: cannot be decoded offline
)

// Warning codes for pkeyconfig.
const (
	CodePkeyConfigError    = "pkeyconfig-unreadable"
	CodeActivationMismatch = "activation-id-mismatch"
)

const maxPkeyConfigFile = 32 << 20

// pkeyConfigDirs are searched, relative to the installation root and to
// the volume root.
func pkeyConfigFiles(fsys ntfs.FS, root string) []string {
	var out []string
	dir := root + "/System32/spp/tokens/pkeyconfig"
	if ents, err := fsys.ReadDir(dir); err == nil {
		for _, e := range ents {
			if !e.IsDir && strings.HasSuffix(strings.ToLower(e.Name), ".xrm-ms") {
				out = append(out, dir+"/"+e.Name)
			}
		}
	}
	base := path.Dir(root)
	if base == "." {
		base = ""
	}
	for _, p := range []string{"Program Files/Microsoft Office/root/Licenses16/pkeyconfig-office.xrm-ms"} {
		full := path.Join(base, p)
		if _, err := fsys.Stat(full); err == nil {
			out = append(out, full)
		}
	}
	sort.Strings(out)
	return out
}

// loadPkeyConfigs reads every pkeyconfig file of an installation.
func (in *Installation) loadPkeyConfigs(fsys ntfs.FS, root string) {
	for _, p := range pkeyConfigFiles(fsys, root) {
		f, err := fsys.Open(p)
		if err == nil && f.Size() > maxPkeyConfigFile {
			err = fmt.Errorf("%d bytes, more than the %d-byte limit: %w", f.Size(), maxPkeyConfigFile, safeio.ErrTooLarge)
		}
		var b []byte
		if err == nil {
			b, err = io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
		}
		var pc *license.PkeyConfig
		if err == nil {
			pc, err = license.ParsePkeyConfig(b, winPath(p))
		}
		if err != nil {
			in.warn(SevWarning, CodePkeyConfigError, winPath(p), map[string]string{"path": winPath(p), "error": err.Error()})
			continue
		}
		in.pkeys = append(in.pkeys, pc)
		in.PkeyConfigFiles = append(in.PkeyConfigFiles, winPath(p))
	}
}

// lookupConfig maps a key to the installation's pkeyconfig.
func lookupConfig(cs license.PkeyConfigs, key string) (*KeyConfig, string) {
	if len(cs) == 0 {
		return nil, ConfigNoFiles
	}
	if !strings.Contains(key, "N") {
		return nil, ConfigLegacy
	}
	ms, err := cs.LookupKey(key)
	if err != nil || len(ms) == 0 {
		return nil, ConfigNotFound
	}
	m := ms[0]
	for _, c := range ms {
		if c.Valid {
			m = c
			break
		}
	}
	return &KeyConfig{Source: m.Source, ActivationID: m.ActConfigID, EditionID: m.EditionID, Description: m.Description,
		Channel: m.KeyType, EulaType: m.EulaType, PartNumbers: m.PartNumbers, Valid: m.Valid, Algorithm: m.Algorithm}, ""
}

// applyPkeyConfig annotates every key of the installation and checks the
// DigitalProductId4 activation ID against the configuration.
func (in *Installation) applyPkeyConfig() {
	cs := license.PkeyConfigs(in.pkeys)
	for _, k := range in.Keys {
		k.Config, k.ConfigNote = lookupConfig(cs, k.Key)
		if k.Config != nil && k.ActivationID != "" && !strings.EqualFold(strings.Trim(k.ActivationID, "{}"), k.Config.ActivationID) {
			in.warn(SevWarning, CodeActivationMismatch, in.Root, map[string]string{
				"key": k.Key, "dpid4": k.ActivationID, "config": k.Config.ActivationID, "edition": k.Config.EditionID})
		}
	}
}

// MapFirmwareKey fills the firmware key's Config from pkeyconfig files
// (a target's or files given by the user).
func MapFirmwareKey(fr *FirmwareReport, cs license.PkeyConfigs) {
	if fr == nil || fr.MSDM == nil || fr.MSDM.Key == nil || len(cs) == 0 {
		return
	}
	fr.MSDM.Key.Config, fr.MSDM.Key.ConfigNote = lookupConfig(cs, fr.MSDM.Key.Key)
}

// PkeyConfigsOf scans path and returns the pkeyconfig of its first
// current installation that has one, with that installation.
func PkeyConfigsOf(ctx context.Context, path string) (license.PkeyConfigs, *Installation, error) {
	rep := Scan(ctx, []string{path}, Options{})
	for _, t := range rep.Targets {
		if t.Error != nil {
			return nil, nil, errors.New(t.Error.Message)
		}
		for _, in := range t.Installations {
			if !in.Previous && len(in.pkeys) > 0 {
				return in.pkeys, in, nil
			}
		}
	}
	return nil, nil, fmt.Errorf("no Windows installation with pkeyconfig files on %s", path)
}
