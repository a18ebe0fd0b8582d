package rescue

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/actrescue/actrescue/hive"
	"github.com/actrescue/actrescue/ntfs"
)

// Registry paths read from an installation's hives.
const (
	keyCurrentVersion = `Microsoft\Windows NT\CurrentVersion`
	keySPP            = `Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform`
)

// maxPrevious bounds how many Windows.old* folders are examined.
const maxPrevious = 16

// installBases lists the folders that may hold an installation: the volume
// root, then every Windows.old, Windows.old.000, … folder (previous
// installations kept by an upgrade or a reset), sorted by name.
func installBases(fsys ntfs.FS) []string {
	bases := []string{""}
	ents, err := fsys.ReadDir("")
	if err != nil {
		return bases
	}
	var prev []string
	for _, e := range ents {
		if e.IsDir && isWindowsOld(e.Name) {
			prev = append(prev, e.Name)
		}
	}
	sort.Strings(prev)
	if len(prev) > maxPrevious {
		prev = prev[:maxPrevious]
	}
	return append(bases, prev...)
}

// isWindowsOld matches "Windows.old" and "Windows.old.NNN".
func isWindowsOld(name string) bool {
	l := strings.ToLower(name)
	if l == "windows.old" {
		return true
	}
	rest, ok := strings.CutPrefix(l, "windows.old.")
	if !ok || rest == "" || len(rest) > 4 {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// findInstallations looks for Windows installations on one file system.
func findInstallations(ctx context.Context, fsys ntfs.FS, target string, part int, opts Options) ([]*Installation, []Warning) {
	var out []*Installation
	var warns []Warning
	for _, base := range installBases(fsys) {
		if ctx.Err() != nil {
			break
		}
		root := path.Join(base, "Windows")
		if _, err := fsys.Stat(root + "/System32/config/SOFTWARE"); errors.Is(err, ntfs.ErrNotFound) {
			// A Windows folder whose hive cannot be reached is not silence:
			// say which step of the path is missing.
			if w, ok := brokenWindowsPath(fsys, root); ok {
				warns = append(warns, w)
			}
			continue
		}
		// Any other error (a damaged directory, a read error) still gives
		// an installation: its unreadable SOFTWARE hive becomes a warning
		// instead of the installation silently disappearing.
		opts.progress("%s: reading the installation in %s", fsys.Describe(), winPath(root))
		opts.ctx = ctx
		in := readInstallation(fsys, target, part, root, opts)
		in.fs, in.base = fsys, base
		if base != "" {
			in.Previous = true
			in.Base = winPath(base)
		} else {
			in.readRollback(fsys, opts.Now())
		}
		out = append(out, in)
	}
	for _, in := range out {
		if in.Previous && strings.EqualFold(in.Base, `\Windows.old`) && len(out) > 0 && !out[0].Previous {
			out[0].Rollback.windowsOldBuild(in.CurrentBuild)
		}
	}
	return out, warns
}

// brokenWindowsPath checks a Windows folder that has no SOFTWARE hive: when
// System32 exists (a real installation, not a stray folder), it names the
// first missing step of the path to the hive.
func brokenWindowsPath(fsys ntfs.FS, root string) (Warning, bool) {
	if st, err := fsys.Stat(root); err != nil || !st.IsDir {
		// Listed by its parent but not openable: a damaged folder record.
		if err != nil && listedIn(fsys, path.Dir(root), path.Base(root)) {
			return newWarning(SevWarning, CodeInstallIncomplete, winPath(root), map[string]string{
				"root": winPath(root), "detail": winPath(root) + " is listed but cannot be opened: " + err.Error()}), true
		}
		return Warning{}, false
	}
	p := root
	for _, step := range []string{"System32", "config", "SOFTWARE"} {
		p += "/" + step
		if _, err := fsys.Stat(p); err != nil {
			return newWarning(SevWarning, CodeInstallIncomplete, winPath(root), map[string]string{
				"root": winPath(root), "detail": winPath(p) + ": " + err.Error()}), true
		}
	}
	return Warning{}, false
}

func winPath(p string) string { return `\` + strings.ReplaceAll(p, "/", `\`) }

func readInstallation(fsys ntfs.FS, target string, part int, root string, opts Options) *Installation {
	in := &Installation{Target: target, Partition: part, Root: winPath(root), Keys: []*KeyRecord{}, SPPFiles: []*FileRecord{}, Hives: []*HiveRecord{}}
	softwarePath := root + "/System32/config/SOFTWARE"
	systemPath := root + "/System32/config/SYSTEM"

	var keys keyCollector
	if sw, rec := openHive(fsys, "SOFTWARE", softwarePath, opts); sw == nil {
		in.Hives = append(in.Hives, rec)
		in.warn(SevError, CodeHiveUnreadable, rec.Path, map[string]string{"path": rec.Path, "error": rec.Error})
	} else {
		in.Hives = append(in.Hives, rec)
		in.noteDirty(rec)
		in.readCurrentVersion(sw, rec.Path, &keys)
	}
	if sys, rec := openHive(fsys, "SYSTEM", systemPath, opts); sys == nil {
		in.Hives = append(in.Hives, rec)
		in.warn(SevWarning, CodeSystemHiveMissing, rec.Path, map[string]string{"path": rec.Path, "error": rec.Error})
	} else {
		in.Hives = append(in.Hives, rec)
		in.noteDirty(rec)
		in.readSystem(sys)
		in.readHistory(sys, rec.Path, &keys)
	}
	in.Keys = keys.records()
	in.Name = DisplayName(in.ProductName, in.EditionID, in.InstallationType, buildNumber(in.CurrentBuild))
	if strings.HasSuffix(in.EditionID, "Eval") {
		in.Evaluation = true
	}
	if opts.canceled() {
		in.warn(SevWarning, CodeInstallIncomplete, in.Root, map[string]string{"root": in.Root, "detail": "scan canceled"})
		return in
	}
	in.SPPFiles = collectSPPFiles(fsys, root, in, opts)
	in.readRegBack(fsys, root, &keys, opts)
	in.Keys = keys.records()
	in.loadPkeyConfigs(fsys, root)
	in.applyPkeyConfig()
	in.readTokenStore()
	return in
}

func (in *Installation) warn(sev Severity, code, where string, params map[string]string) {
	in.Warnings = append(in.Warnings, newWarning(sev, code, where, params))
}

func (in *Installation) noteDirty(rec *HiveRecord) {
	if rp := rec.Replay; rp != nil && rp.Applied {
		logs := map[string]bool{}
		var names []string
		for _, e := range rp.Entries {
			if !logs[e.Log] {
				logs[e.Log] = true
				names = append(names, e.Log)
			}
		}
		in.warn(SevInfo, CodeHiveReplayed, rec.Path, map[string]string{
			"path": rec.Path, "entries": fmt.Sprint(len(rp.Entries)), "pages": fmt.Sprint(rp.Pages),
			"logs": strings.Join(names, ", "), "sequence": fmt.Sprint(rp.Sequence)})
		for _, r := range rp.Rejected {
			in.warn(SevWarning, CodeLogRejected, rec.Path, map[string]string{"path": rec.Path, "reason": r})
		}
		return
	}
	if rp := rec.Replay; rp != nil {
		for _, r := range rp.Rejected {
			in.warn(SevWarning, CodeLogRejected, rec.Path, map[string]string{"path": rec.Path, "reason": r})
		}
	}
	if rec.Dirty {
		in.warn(SevWarning, CodeHiveDirty, rec.Path, map[string]string{
			"path": rec.Path, "primary": fmt.Sprint(rec.Sequences[0]), "secondary": fmt.Sprint(rec.Sequences[1]),
		})
	}
}

// openHive opens a hive file on fsys. On failure it returns nil and a
// record whose Error says why.
func openHive(fsys ntfs.FS, name, p string, opts Options) (*hive.Hive, *HiveRecord) {
	rec := &HiveRecord{Name: name, Path: winPath(p)}
	f, err := fsys.Open(p)
	if err != nil {
		rec.Error = err.Error()
		return nil, rec
	}
	rec.Size = f.Size()
	hopts := hive.Options{MaxSize: opts.MaxHiveSize}
	h, err := hive.Open(f, f.Size(), hopts)
	if err != nil {
		rec.Error = err.Error()
		return nil, rec
	}
	rec.Dirty = h.Dirty()
	p1, p2 := h.Sequences()
	rec.Sequences = [2]uint32{p1, p2}
	if lw := h.Header().LastWritten; !lw.IsZero() {
		t := lw.UTC()
		rec.LastWrite = &t
	}
	if rec.Dirty {
		if rh := replayLogs(fsys, p, f, hopts, rec); rh != nil {
			h = rh
		}
	}
	return h, rec
}

// replayLogs applies the hive's .LOG1/.LOG2 (or .LOG) in memory. The files
// on disk are never changed; on any failure the primary is used as is and
// the record says why.
func replayLogs(fsys ntfs.FS, p string, primary ntfs.File, opts hive.Options, rec *HiveRecord) *hive.Hive {
	var logs []hive.LogFile
	for _, ext := range []string{".LOG1", ".LOG2", ".LOG"} {
		lf, err := fsys.Open(p + ext)
		if err != nil || lf.Size() == 0 {
			continue
		}
		logs = append(logs, hive.LogFile{Name: path.Base(p) + ext, R: lf, Size: lf.Size()})
	}
	rp := &ReplayRecord{}
	rec.Replay = rp
	if len(logs) == 0 {
		rp.Notes = append(rp.Notes, "no non-empty transaction log beside the hive")
		return nil
	}
	h, report, err := hive.OpenReplayed(primary, primary.Size(), logs, opts)
	if report != nil {
		rp.Applied = report.Applied
		rp.Pages = report.Pages
		rp.Sequence = report.FinalSequence
		rp.Notes = append(rp.Notes, report.Notes...)
		for _, e := range report.Entries {
			rp.Entries = append(rp.Entries, ReplayEntry{Log: e.Log, Sequence: e.Sequence, Pages: e.Pages})
		}
		for _, r := range report.Rejected {
			rp.Rejected = append(rp.Rejected, r.Log+": "+r.Reason)
		}
	}
	if err != nil {
		rp.Error = err.Error()
		return nil
	}
	if !report.Applied {
		return nil
	}
	return h
}

// stringValue reads a string value, returning "" when absent or unreadable.
func stringValue(k *hive.Key, name string) string {
	v, err := k.Value(name)
	if err != nil {
		return ""
	}
	s, err := v.String()
	if err != nil {
		return ""
	}
	return cleanText(s)
}

// cleanText removes control characters so strings from disk cannot drive
// the terminal.
func cleanText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

func (in *Installation) readCurrentVersion(h *hive.Hive, hivePath string, keys *keyCollector) {
	cv, err := h.Key(keyCurrentVersion)
	if err != nil {
		in.warn(SevError, CodeInstallIncomplete, in.Root, map[string]string{"root": in.Root, "detail": fmt.Sprintf("%s: %v", keyCurrentVersion, err)})
		return
	}
	in.ProductName = stringValue(cv, "ProductName")
	in.EditionID = stringValue(cv, "EditionID")
	in.CompositionEditionID = stringValue(cv, "CompositionEditionID")
	in.DisplayVersion = stringValue(cv, "DisplayVersion")
	if in.DisplayVersion == "" {
		in.DisplayVersion = stringValue(cv, "ReleaseId")
	}
	in.CurrentBuild = stringValue(cv, "CurrentBuild")
	if in.CurrentBuild == "" {
		in.CurrentBuild = stringValue(cv, "CurrentBuildNumber")
	}
	if v, err := cv.Value("UBR"); err == nil {
		if n, err := v.Uint32(); err == nil {
			in.UBR = n
		}
	}
	in.Version = versionString(cv, in.CurrentBuild, in.UBR)
	in.InstallationType = stringValue(cv, "InstallationType")
	in.ProductID = stringValue(cv, "ProductId")
	in.RegisteredOwner = stringValue(cv, "RegisteredOwner")
	in.RegisteredOrganization = stringValue(cv, "RegisteredOrganization")
	if v, err := cv.Value("InstallDate"); err == nil {
		if n, err := v.Uint32(); err == nil && n > 0 {
			t := time.Unix(int64(n), 0).UTC()
			in.InstallDate = &t
		}
	}
	if v, err := cv.Value("InstallTime"); err == nil {
		if ft, err := v.Uint64(); err == nil {
			if t := hive.FiletimeToTime(ft); !t.IsZero() {
				in.InstallTime = &t
			}
		}
	}
	cvPath := hivePath + `:` + keyCurrentVersion
	keys.fromPIDs(in, cv, cvPath, "")

	for _, sub := range []string{"DefaultProductKey", "DefaultProductKey2"} {
		if k, err := cv.Subkey(sub); err == nil {
			keys.fromPIDs(in, k, cvPath+`\`+sub, sub)
		}
	}

	if spp, err := h.Key(keySPP); err == nil {
		sppPath := hivePath + `:` + keySPP
		if s := stringValue(spp, "BackupProductKeyDefault"); s != "" {
			keys.fromText(in, s, KeySource{Kind: "BackupProductKeyDefault", Path: sppPath + `!BackupProductKeyDefault`})
		}
		name := stringValue(spp, "KeyManagementServiceName")
		port := stringValue(spp, "KeyManagementServicePort")
		if name != "" || port != "" {
			in.KMS = &KMSConfig{Name: name, Port: port}
		}
		in.TokenStore = stringValue(spp, "TokenStore")
	}
}

func versionString(cv *hive.Key, build string, ubr uint32) string {
	if build == "" {
		return ""
	}
	major, minor := uint32(0), uint32(0)
	if v, err := cv.Value("CurrentMajorVersionNumber"); err == nil {
		major, _ = v.Uint32()
	}
	if v, err := cv.Value("CurrentMinorVersionNumber"); err == nil {
		minor, _ = v.Uint32()
	}
	if major == 0 {
		// Before Windows 10 the version lives in CurrentVersion ("6.1").
		if s := stringValue(cv, "CurrentVersion"); s != "" {
			if ubr > 0 {
				return fmt.Sprintf("%s.%s.%d", s, build, ubr)
			}
			return s + "." + build
		}
		return build
	}
	return fmt.Sprintf("%d.%d.%s.%d", major, minor, build, ubr)
}

func (in *Installation) readSystem(h *hive.Hive) {
	cs := "ControlSet001"
	if sel, err := h.Key("Select"); err == nil {
		if v, err := sel.Value("Current"); err == nil {
			if n, err := v.Uint32(); err == nil && n > 0 && n < 1000 {
				cs = fmt.Sprintf("ControlSet%03d", n)
			}
		}
	}
	if k, err := h.Key(cs + `\Control\ComputerName\ComputerName`); err == nil {
		in.ComputerName = stringValue(k, "ComputerName")
	}
	if k, err := h.Key(cs + `\Control\ProductOptions`); err == nil {
		in.ProductType = stringValue(k, "ProductType")
	}
	if k, err := h.Key("Setup"); err == nil {
		if v, err := k.Value("UninstallWindow"); err == nil {
			in.uninstallWindow, _ = v.Uint32()
		}
	}
}

// sppCandidates lists the SPP and ClipSVC store files worth keeping, relative
// to the volume root, by role.
func sppCandidates(root, tokenStore string) [][2]string {
	win := root
	c := [][2]string{
		{"tokens.dat", win + "/System32/spp/store/2.0/tokens.dat"},
		{"data.dat", win + "/System32/spp/store/2.0/data.dat"},
		{"cache.dat", win + "/System32/spp/store/2.0/cache/cache.dat"},
		{"tokens.dat (Windows 8)", win + "/System32/spp/store/tokens.dat"},
		{"data.dat (Windows 8)", win + "/System32/spp/store/data.dat"},
		{"cache.dat (Windows 8)", win + "/System32/spp/store/cache/cache.dat"},
		{"tokens.dat (Windows 7)", win + "/ServiceProfiles/NetworkService/AppData/Roaming/Microsoft/SoftwareProtectionPlatform/tokens.dat"},
		{"tokens.dat (Vista)", win + "/ServiceProfiles/NetworkService/AppData/Roaming/Microsoft/SoftwareLicensing/tokens.dat"},
		{"clipsvc-tokens.dat", path.Join(path.Dir(root), "ProgramData/Microsoft/Windows/ClipSVC/tokens.dat")},
	}
	if ts := tokenStoreRel(tokenStore, root); ts != "" && !strings.EqualFold(ts, win+"/System32/spp/store/2.0") && !strings.EqualFold(ts, win+"/System32/spp/store") {
		c = append(c,
			[2]string{"tokens.dat (TokenStore)", ts + "/tokens.dat"},
			[2]string{"data.dat (TokenStore)", ts + "/data.dat"},
		)
	}
	return c
}

// tokenStoreRel maps the registry TokenStore value (e.g.
// "%SystemRoot%\system32\spp\store\2.0") onto the volume.
func tokenStoreRel(v, root string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	v = strings.ReplaceAll(v, `\`, "/")
	lower := strings.ToLower(v)
	for _, prefix := range []string{"%systemroot%", "%windir%"} {
		if strings.HasPrefix(lower, prefix) {
			return path.Clean(root + v[len(prefix):])
		}
	}
	if len(v) > 2 && v[1] == ':' {
		return strings.TrimPrefix(path.Clean(v[2:]), "/")
	}
	return ""
}

func collectSPPFiles(fsys ntfs.FS, root string, in *Installation, opts Options) []*FileRecord {
	out := []*FileRecord{}
	storeFound := false
	for _, c := range sppCandidates(root, in.TokenStore) {
		info, err := fsys.Stat(c[1])
		if errors.Is(err, ntfs.ErrNotFound) {
			continue
		}
		rec := &FileRecord{Role: c[0], Path: winPath(c[1])}
		out = append(out, rec)
		if err != nil {
			rec.Error = err.Error()
			in.warn(SevWarning, CodeSPPFileError, rec.Path, map[string]string{"path": rec.Path, "error": err.Error()})
			continue
		}
		rec.Size = info.Size
		rec.MFTRef = info.MFTRef
		if !info.Modified.IsZero() {
			t := info.Modified.UTC()
			rec.Modified = &t
		}
		if opts.canceled() {
			rec.Error = "scan canceled"
			continue
		}
		var sum string
		if c[0] == "tokens.dat" && info.Size <= maxTokenStore {
			// The store is parsed too: read it once, hash those bytes.
			in.tokensRaw, sum, err = readAndHash(opts.ctx, fsys, c[1])
		} else {
			sum, err = hashFile(opts.ctx, fsys, c[1], opts.MaxHashSize)
		}
		if err != nil {
			rec.Error = err.Error()
			in.warn(SevWarning, CodeSPPFileError, rec.Path, map[string]string{"path": rec.Path, "error": err.Error()})
			continue
		}
		rec.SHA256 = sum
		if strings.HasPrefix(c[0], "tokens.dat") {
			storeFound = true
		}
	}
	if !storeFound {
		in.warn(SevWarning, CodeNoSPPStore, winPath(root+"/System32/spp/store"), map[string]string{"path": winPath(root + "/System32/spp/store")})
	}
	return out
}

// listedIn reports whether dir lists name (case-insensitively).
func listedIn(fsys ntfs.FS, dir, name string) bool {
	if dir == "." {
		dir = ""
	}
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if strings.EqualFold(e.Name, name) {
			return true
		}
	}
	return false
}
