package rescue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/actrescue/actrescue/hive"
	"github.com/actrescue/actrescue/license"
	"github.com/actrescue/actrescue/ntfs"
)

// keyCollector merges identical keys found in several places into one
// KeyRecord that lists every source, in discovery order.
type keyCollector struct {
	order []*KeyRecord
	byKey map[string]*KeyRecord
}

func (c *keyCollector) records() []*KeyRecord {
	if c.order == nil {
		return []*KeyRecord{}
	}
	return c.order
}

// add records key from src; details fills fields the first source that
// knows them provides (edition, channel, activation ID from PID4).
func (c *keyCollector) add(key string, src KeySource, details func(*KeyRecord)) {
	if c.byKey == nil {
		c.byKey = map[string]*KeyRecord{}
	}
	rec, ok := c.byKey[key]
	if !ok {
		rec = newKeyRecord(key)
		c.byKey[key] = rec
		c.order = append(c.order, rec)
	}
	rec.Sources = append(rec.Sources, src)
	if details != nil {
		details(rec)
	}
}

func newKeyRecord(key string) *KeyRecord {
	rec := &KeyRecord{Key: key, Format: "legacy", Class: string(license.ClassUnknown)}
	if k, err := license.ParseKey(key); err == nil {
		rec.Format = "pkey2009"
		valid := k.ChecksumValid()
		rec.ChecksumValid = &valid
	}
	info := license.Classify(key)
	rec.Class = string(info.Class)
	rec.KnownProduct = info.Product
	rec.KnownEdition = info.Edition
	return rec
}

func setIfEmpty(dst *string, v string) {
	if *dst == "" {
		*dst = cleanText(v)
	}
}

// fromPIDs decodes DigitalProductId and DigitalProductId4 under k.
// label prefixes the source kind (e.g. "DefaultProductKey").
func (c *keyCollector) fromPIDs(in *Installation, k *hive.Key, keyPath, label string) {
	kind := func(v string) string {
		if label == "" {
			return v
		}
		return label + `\` + v
	}
	for _, name := range []string{"DigitalProductId", "DigitalProductId4"} {
		if _, err := k.Value(name); err != nil && (!errors.Is(err, hive.ErrValueNotFound) || errors.Is(err, hive.ErrCorrupt)) {
			where := keyPath + `!` + name
			in.warn(SevWarning, CodeKeyUnreadable, where, map[string]string{"value": where, "error": err.Error()})
		}
	}
	if v, err := k.Value("DigitalProductId"); err == nil {
		where := keyPath + `!DigitalProductId`
		pid, err := license.DecodeDigitalProductID(v.Bytes())
		switch {
		case errors.Is(err, license.ErrNoKey) || (err == nil && !pid.KeyPresent):
			in.warn(SevInfo, CodeKeyMissing, where, map[string]string{"value": where})
		case err != nil:
			in.warn(SevWarning, CodeKeyUnreadable, where, map[string]string{"value": where, "error": err.Error()})
		default:
			c.add(pid.Key, KeySource{Kind: kind("DigitalProductId"), Path: where}, func(r *KeyRecord) {
				setIfEmpty(&r.ProductID, pid.ProductID)
			})
		}
	}
	if v, err := k.Value("DigitalProductId4"); err == nil {
		where := keyPath + `!DigitalProductId4`
		pid, err := license.DecodeDigitalProductID4(v.Bytes())
		switch {
		case errors.Is(err, license.ErrNoKey) || (err == nil && !pid.KeyPresent):
			in.warn(SevInfo, CodeKeyMissing, where, map[string]string{"value": where})
		case err != nil:
			in.warn(SevWarning, CodeKeyUnreadable, where, map[string]string{"value": where, "error": err.Error()})
		default:
			c.add(pid.Key, KeySource{Kind: kind("DigitalProductId4"), Path: where}, func(r *KeyRecord) {
				setIfEmpty(&r.Channel, pid.Channel)
				setIfEmpty(&r.Edition, pid.Edition)
				setIfEmpty(&r.ActivationID, pid.ActivationID)
				setIfEmpty(&r.PartNumber, pid.PartNumber)
			})
		}
	}
}

// fromText records a key stored as text (BackupProductKeyDefault).
func (c *keyCollector) fromText(in *Installation, text string, src KeySource) {
	norm, err := license.NormalizeKey(text)
	if err != nil {
		in.warn(SevWarning, CodeKeyUnreadable, src.Path, map[string]string{"value": src.Path, "error": err.Error()})
		return
	}
	c.add(norm, src, nil)
}

// hashFile streams a file through SHA-256.
func hashFile(ctx context.Context, fsys ntfs.FS, p string, max int64) (string, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return "", err
	}
	if f.Size() > max {
		return "", fmt.Errorf("%s is %d bytes, more than the %d-byte limit", winPath(p), f.Size(), max)
	}
	h := sha256.New()
	var r io.Reader = io.NewSectionReader(f, 0, f.Size())
	if ctx != nil {
		r = &ctxReader{ctx: ctx, r: r}
	}
	if _, err := io.Copy(h, r); err != nil {
		return "", fmt.Errorf("read %s: %w", winPath(p), err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// mask hides every key in the report but its last five characters.
func (r *Report) mask() {
	if r.Firmware != nil && r.Firmware.MSDM != nil && r.Firmware.MSDM.Key != nil {
		r.Firmware.MSDM.Key.Key = license.MaskKey(r.Firmware.MSDM.Key.Key)
	}
	for _, t := range r.Targets {
		for _, in := range t.Installations {
			for _, k := range in.Keys {
				k.Key = license.MaskKey(k.Key)
			}
			for _, e := range in.History {
				for i := range e.Keys {
					e.Keys[i] = license.MaskKey(e.Keys[i])
				}
			}
			for i := range in.Findings {
				maskFinding(&in.Findings[i])
			}
			for i := range in.Warnings {
				if key, ok := in.Warnings[i].Params["key"]; ok {
					in.Warnings[i].Params["key"] = license.MaskKey(key)
					in.Warnings[i].Message = Message("en", in.Warnings[i].Code, in.Warnings[i].Params)
				}
			}
		}
	}
}

// maskFinding hides the key a finding quotes in its params, message and
// step commands.
func maskFinding(f *Finding) {
	key, ok := f.Params["key"]
	if !ok || key == "" {
		return
	}
	masked := license.MaskKey(key)
	f.Params["key"] = masked
	f.Message = strings.ReplaceAll(f.Message, key, masked)
	for i := range f.Steps {
		f.Steps[i].Command = strings.ReplaceAll(f.Steps[i].Command, key, masked)
		f.Steps[i].Text = strings.ReplaceAll(f.Steps[i].Text, key, masked)
	}
}

// MaskedCopy returns a deep copy of rep with every key masked (for
// reports written to disk with --mask).
func MaskedCopy(rep *Report) *Report {
	b, err := json.Marshal(rep)
	if err != nil {
		return rep
	}
	var c Report
	if err := json.Unmarshal(b, &c); err != nil {
		return rep
	}
	c.Masked = true
	c.mask()
	return &c
}
