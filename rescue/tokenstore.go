package rescue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

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

// maxTokenStore caps the store that is read into memory and parsed (real
// stores are a few MiB; the scan's memory budget is 128 MiB).
const maxTokenStore = 64 << 20

// readAndHash reads a whole file (the caller has bounded its size) and
// returns its bytes and SHA-256.
func readAndHash(ctx context.Context, fsys ntfs.FS, p string) ([]byte, string, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, "", err
	}
	if f.Size() > maxTokenStore {
		return nil, "", fmt.Errorf("%s is %d bytes, more than the %d-byte limit", winPath(p), f.Size(), maxTokenStore)
	}
	var r io.Reader = io.NewSectionReader(f, 0, f.Size())
	if ctx != nil {
		r = &ctxReader{ctx: ctx, r: r}
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", winPath(p), err)
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:]), nil
}

// readTokenStore parses the modern token store of an installation.
func (in *Installation) readTokenStore() {
	var rec *FileRecord
	for _, f := range in.SPPFiles {
		if f.Role == "tokens.dat" && f.Error == "" {
			rec = f
		}
	}
	if rec == nil {
		return
	}
	tr := &TokenStoreReport{Path: rec.Path}
	in.TokenStoreInfo = tr
	var err error
	b := in.tokensRaw
	in.tokensRaw = nil
	if b == nil {
		err = fmt.Errorf("%s: %d bytes, more than the %d-byte limit for parsing", rec.Path, rec.Size, maxTokenStore)
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
