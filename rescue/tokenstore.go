package rescue

import (
	"fmt"
	"io"
	"strings"

	"github.com/actrescue/actrescue/license"
	"github.com/actrescue/actrescue/ntfs"
)

// TokenStoreReport summarizes tokens.dat (version 3): its hashes, entries
// by kind, and whether licences for the installed edition are in it.
type TokenStoreReport struct {
	Path       string         `json:"path"`
	Version    uint32         `json:"version"`
	FileHashOK bool           `json:"file_hash_ok"`
	Blocks     int            `json:"blocks"`
	Entries    int            `json:"entries"`
	ByKind     map[string]int `json:"by_kind"`
	Problems   []string       `json:"problems,omitempty"`
	// InstalledSKU is the activation ID of the installed key, and
	// InstalledSKUPresent whether the store holds entries for it.
	InstalledSKU        string `json:"installed_sku,omitempty"`
	InstalledSKUPresent *bool  `json:"installed_sku_present,omitempty"`
	Error               string `json:"error,omitempty"`
}

// Warning codes for the token store.
const (
	CodeTokenStoreCorrupt = "token-store-corrupt"
	CodeTokenStoreNoSKU   = "token-store-missing-sku"
)

const maxTokenStore = 256 << 20

// readTokenStore parses the modern token store of an installation.
func (in *Installation) readTokenStore(fsys ntfs.FS) {
	var rec *FileRecord
	for _, f := range in.SPPFiles {
		if f.Role == "tokens.dat" && f.Error == "" {
			rec = f
		}
	}
	if rec == nil {
		return
	}
	p := strings.TrimPrefix(strings.ReplaceAll(rec.Path, `\`, "/"), "/")
	tr := &TokenStoreReport{Path: rec.Path}
	in.TokenStoreInfo = tr
	f, err := fsys.Open(p)
	if err == nil && f.Size() > maxTokenStore {
		err = fmt.Errorf("%d bytes, more than the %d-byte limit", f.Size(), maxTokenStore)
	}
	var b []byte
	if err == nil {
		b, err = io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
	}
	var ts *license.TokenStore
	if err == nil {
		ts, err = license.ParseTokenStore(b)
	}
	if ts != nil {
		tr.Version, tr.FileHashOK, tr.Blocks, tr.Entries = ts.Version, ts.FileHashOK, ts.Blocks, len(ts.Entries)
		tr.ByKind = ts.Summary()
		tr.Problems = ts.Problems
	}
	if err != nil {
		tr.Error = err.Error()
	}
	if err != nil || len(tr.Problems) > 0 || (ts != nil && !ts.FileHashOK) {
		detail := tr.Error
		if detail == "" && len(tr.Problems) > 0 {
			detail = tr.Problems[0]
			if n := len(tr.Problems); n > 1 {
				detail += fmt.Sprintf(" (and %d more)", n-1)
			}
		}
		in.warn(SevWarning, CodeTokenStoreCorrupt, rec.Path, map[string]string{"path": rec.Path, "detail": detail})
	}
	if ts == nil {
		return
	}
	for _, k := range in.Keys {
		if !k.isInstalled() {
			continue
		}
		id := k.ActivationID
		if k.Config != nil {
			id = k.Config.ActivationID
		}
		if id == "" {
			continue
		}
		ok := ts.HasLicenseFor(id)
		tr.InstalledSKU, tr.InstalledSKUPresent = id, &ok
		if !ok {
			in.warn(SevWarning, CodeTokenStoreNoSKU, rec.Path, map[string]string{"path": rec.Path, "sku": id, "edition": in.EditionID})
		}
		break
	}
}
