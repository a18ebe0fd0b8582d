package rescue

import (
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/actrescue/actrescue/hive"
)

// HistoryEntry is one earlier OS generation recorded by a feature update
// in SYSTEM\Setup\Source OS (Updated on …).
type HistoryEntry struct {
	KeyName        string     `json:"key_name"` // "Source OS (Updated on 5/16/2019 00:55:20)": a label only
	LastWrite      *time.Time `json:"last_written,omitempty"`
	Name           string     `json:"name"`
	ProductName    string     `json:"product_name,omitempty"`
	EditionID      string     `json:"edition_id,omitempty"`
	Composition    string     `json:"composition_edition_id,omitempty"`
	DisplayVersion string     `json:"display_version,omitempty"`
	CurrentBuild   string     `json:"current_build,omitempty"`
	UBR            uint32     `json:"ubr,omitempty"`
	ProductID      string     `json:"product_id,omitempty"`
	InstallDate    *time.Time `json:"install_date,omitempty"`
	InstallTime    *time.Time `json:"install_time,omitempty"`
	Keys           []string   `json:"keys,omitempty"` // keys found in this generation (masked when the report is)
}

// maxSourceOSKeys bounds how many Setup subkeys are examined.
const maxSourceOSKeys = 256

// readHistory reads every Source OS key of the SYSTEM hive, records its
// keys in the collector, and orders the entries oldest first by their
// InstallTime/InstallDate (the key names' dates are labels only).
func (in *Installation) readHistory(h *hive.Hive, hivePath string, keys *keyCollector) {
	setup, err := h.Key("Setup")
	if err != nil {
		if errors.Is(err, hive.ErrCorrupt) || !errors.Is(err, hive.ErrKeyNotFound) {
			in.warn(SevWarning, CodeInstallIncomplete, hivePath, map[string]string{"root": in.Root, "detail": "SYSTEM\\Setup: " + err.Error()})
		}
		return
	}
	subs, err := setup.Subkeys()
	if err != nil {
		in.warn(SevWarning, CodeInstallIncomplete, hivePath, map[string]string{"root": in.Root, "detail": "SYSTEM\\Setup: " + err.Error()})
	}
	n := 0
	for _, k := range subs {
		name := k.Name()
		if !strings.HasPrefix(strings.ToLower(name), "source os") {
			continue
		}
		if n++; n > maxSourceOSKeys {
			break
		}
		e := &HistoryEntry{KeyName: cleanText(name)}
		if lw := k.LastWrite(); !lw.IsZero() {
			t := lw.UTC()
			e.LastWrite = &t
		}
		e.ProductName = stringValue(k, "ProductName")
		e.EditionID = stringValue(k, "EditionID")
		e.Composition = stringValue(k, "CompositionEditionID")
		e.DisplayVersion = stringValue(k, "DisplayVersion")
		if e.DisplayVersion == "" {
			e.DisplayVersion = stringValue(k, "ReleaseId")
		}
		e.CurrentBuild = stringValue(k, "CurrentBuild")
		if e.CurrentBuild == "" {
			e.CurrentBuild = stringValue(k, "CurrentBuildNumber")
		}
		if v, err := k.Value("UBR"); err == nil {
			e.UBR, _ = v.Uint32()
		}
		e.ProductID = stringValue(k, "ProductId")
		if v, err := k.Value("InstallDate"); err == nil {
			if s, err := v.Uint32(); err == nil && s > 0 {
				t := time.Unix(int64(s), 0).UTC()
				e.InstallDate = &t
			}
		}
		if v, err := k.Value("InstallTime"); err == nil {
			if ft, err := v.Uint64(); err == nil {
				if t := hive.FiletimeToTime(ft); !t.IsZero() {
					e.InstallTime = &t
				}
			}
		}
		e.Name = DisplayName(e.ProductName, e.EditionID, stringValue(k, "InstallationType"), buildNumber(e.CurrentBuild))
		keys.fromPIDs(in, k, hivePath+`:Setup\`+e.KeyName, e.KeyName)
		seen := map[string]bool{}
		for _, rec := range keys.order {
			for _, s := range rec.Sources {
				if strings.HasPrefix(s.Kind, e.KeyName) && !seen[rec.Key] {
					seen[rec.Key] = true
					e.Keys = append(e.Keys, rec.Key)
				}
			}
		}
		in.History = append(in.History, e)
	}
	sort.SliceStable(in.History, func(i, j int) bool {
		return historyTime(in.History[i]).Before(historyTime(in.History[j]))
	})
}

// historyTime orders entries: InstallTime, else InstallDate, else the
// key's last-write time.
func historyTime(e *HistoryEntry) time.Time {
	switch {
	case e.InstallTime != nil:
		return *e.InstallTime
	case e.InstallDate != nil:
		return *e.InstallDate
	case e.LastWrite != nil:
		return *e.LastWrite
	}
	return time.Time{}
}
