package rescue

import (
	"errors"
	"strings"

	"github.com/actrescue/actrescue/ntfs"
)

// Warning codes for RegBack.
const (
	CodeRegBackEmpty = "regback-empty"
)

// readRegBack lists config\RegBack and, when its SOFTWARE copy is not
// empty, reads the keys it still holds (labelled "RegBack"). Windows 10
// 1803 and later leave 0-byte files there by design.
func (in *Installation) readRegBack(fsys ntfs.FS, root string, keys *keyCollector, opts Options) {
	dir := root + "/System32/config/RegBack"
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, ntfs.ErrNotFound) {
			in.warn(SevWarning, CodeSPPFileError, winPath(dir), map[string]string{"path": winPath(dir), "error": err.Error()})
		}
		return
	}
	empty := 0
	for _, e := range ents {
		if e.IsDir {
			continue
		}
		rec := &FileRecord{Role: "regback", Path: winPath(dir + "/" + e.Name), Size: e.Size, MFTRef: e.MFTRef}
		if !e.Modified.IsZero() {
			t := e.Modified.UTC()
			rec.Modified = &t
		}
		in.RegBack = append(in.RegBack, rec)
		if e.Size == 0 {
			empty++
			continue
		}
		if !strings.EqualFold(e.Name, "SOFTWARE") {
			continue
		}
		h, hr := openHive(fsys, "RegBack SOFTWARE", dir+"/"+e.Name, opts)
		if h == nil {
			in.warn(SevWarning, CodeHiveUnreadable, hr.Path, map[string]string{"path": hr.Path, "error": hr.Error})
			continue
		}
		in.Hives = append(in.Hives, hr)
		cv, err := h.Key(keyCurrentVersion)
		if err != nil {
			continue
		}
		keys.fromPIDs(in, cv, hr.Path+`:`+keyCurrentVersion, "RegBack")
		if spp, err := h.Key(keySPP); err == nil {
			if s := stringValue(spp, "BackupProductKeyDefault"); s != "" {
				keys.fromText(in, s, KeySource{Kind: `RegBack\BackupProductKeyDefault`, Path: hr.Path + `:` + keySPP + `!BackupProductKeyDefault`})
			}
		}
	}
	if empty > 0 && empty == len(in.RegBack) {
		in.warn(SevInfo, CodeRegBackEmpty, winPath(dir), map[string]string{"path": winPath(dir)})
	}
}
