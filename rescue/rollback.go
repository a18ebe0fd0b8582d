package rescue

import (
	"errors"
	"fmt"
	"github.com/actrescue/actrescue/internal/utf16le"
	"io"
	"regexp"
	"strings"

	"github.com/actrescue/actrescue/license"
	"sort"
	"strconv"
	"time"

	"github.com/actrescue/actrescue/ntfs"
)

// Rollback is the "Go back to the previous version" state of an
// installation, computed offline (formats-spp-firmware-hives.md §3.3).
type Rollback struct {
	Available          bool         `json:"available"`
	Reasons            []string     `json:"reasons,omitempty"` // codes: why it is not available (RollbackReasonText)
	WindowsOld         bool         `json:"windows_old"`
	WindowsOldComplete bool         `json:"windows_old_complete"` // its SOFTWARE and SYSTEM hives are there
	WindowsOldBuild    string       `json:"windows_old_build,omitempty"`
	HistoryBuild       string       `json:"history_build,omitempty"` // newest Source OS key's build
	BuildConsistent    *bool        `json:"build_consistent,omitempty"`
	SetupFolder        bool         `json:"setup_folder"`        // $WINDOWS.~BT
	SetupRollbackData  bool         `json:"setup_rollback_data"` // Sources\Rollback or NewOS present
	WindowDays         int          `json:"window_days"`
	WindowSource       string       `json:"window_source"` // registry or default
	UpgradeTimes       []TimeSource `json:"upgrade_times,omitempty"`
	UpgradeTime        *time.Time   `json:"upgrade_time,omitempty"` // latest of UpgradeTimes
	TimesDisagree      bool         `json:"times_disagree,omitempty"`
	Deadline           *time.Time   `json:"deadline,omitempty"`
	Expired            bool         `json:"expired,omitempty"`
	Remaining          Duration     `json:"remaining,omitempty"` // negative once expired
	SetupLogs          []string     `json:"setup_logs,omitempty"`
	SetupErrors        []SetupError `json:"setup_errors,omitempty"`
}

// SetupError is an error code found in the Windows Setup logs, linked to
// the error guide when it is there.
type SetupError struct {
	Code    string `json:"code"` // canonical, e.g. 0xC1900101-0x4000D
	Count   int    `json:"count"`
	Log     string `json:"log"`     // first log it appears in
	Line    string `json:"line"`    // first line it appears on (trimmed)
	Message string `json:"message"` // from the error guide, English; empty if unknown
}

// TimeSource is one estimate of the upgrade time.
type TimeSource struct {
	Source string    `json:"source"`
	Time   time.Time `json:"time"`
}

// Rollback window bounds (DISM /Set-OSUninstallWindow accepts 2–60 days).
const (
	defaultWindowDays = 10
	minWindowDays     = 2
	maxWindowDays     = 60
)

// setupLogs are the Windows Setup logs worth collecting after a failed
// feature update.
var setupLogs = []string{
	"$WINDOWS.~BT/Sources/Panther/setupact.log",
	"$WINDOWS.~BT/Sources/Panther/setuperr.log",
	"$WINDOWS.~BT/Sources/Rollback/setupact.log",
	"$WINDOWS.~BT/Sources/Rollback/setuperr.log",
	"Windows/Panther/setupact.log",
	"Windows/Panther/setuperr.log",
	"Windows/Panther/NewOS/setupact.log",
}

// readRollback fills in.Rollback for an installation at the volume root.
func (in *Installation) readRollback(fsys ntfs.FS, now time.Time) {
	rb := &Rollback{WindowDays: defaultWindowDays, WindowSource: "default"}
	if in.uninstallWindow > 0 {
		d := int(in.uninstallWindow)
		rb.WindowDays = min(max(d, minWindowDays), maxWindowDays)
		rb.WindowSource = "registry"
	}
	oldDir, err := fsys.Stat("Windows.old")
	rb.WindowsOld = err == nil && oldDir.IsDir
	if rb.WindowsOld {
		_, e1 := fsys.Stat("Windows.old/Windows/System32/config/SOFTWARE")
		_, e2 := fsys.Stat("Windows.old/Windows/System32/config/SYSTEM")
		rb.WindowsOldComplete = e1 == nil && e2 == nil
		if !oldDir.Created.IsZero() {
			rb.UpgradeTimes = append(rb.UpgradeTimes, TimeSource{Source: `\Windows.old created`, Time: oldDir.Created.UTC()})
		}
	}
	if st, err := fsys.Stat("$WINDOWS.~BT"); err == nil && st.IsDir {
		rb.SetupFolder = true
		for _, sub := range []string{"$WINDOWS.~BT/Sources/Rollback", "$WINDOWS.~BT/NewOS"} {
			if st, err := fsys.Stat(sub); err == nil && st.IsDir {
				rb.SetupRollbackData = true
			}
		}
	}
	for _, p := range setupLogs {
		if _, err := fsys.Stat(p); err == nil {
			rb.SetupLogs = append(rb.SetupLogs, winPath(p))
			rb.SetupErrors = scanSetupLog(fsys, p, rb.SetupErrors)
		} else if !errors.Is(err, ntfs.ErrNotFound) {
			in.warn(SevWarning, CodeSPPFileError, winPath(p), map[string]string{"path": winPath(p), "error": err.Error()})
		}
	}
	if in.InstallTime != nil {
		rb.UpgradeTimes = append(rb.UpgradeTimes, TimeSource{Source: `CurrentVersion!InstallTime`, Time: *in.InstallTime})
	} else if in.InstallDate != nil {
		rb.UpgradeTimes = append(rb.UpgradeTimes, TimeSource{Source: `CurrentVersion!InstallDate`, Time: *in.InstallDate})
	}
	var newest *HistoryEntry
	for _, e := range in.History {
		if e.LastWrite != nil && (newest == nil || newest.LastWrite == nil || e.LastWrite.After(*newest.LastWrite)) {
			newest = e
		}
	}
	if len(in.History) > 0 {
		last := in.History[len(in.History)-1] // ordered oldest first
		rb.HistoryBuild = last.CurrentBuild
	}
	if newest != nil {
		rb.UpgradeTimes = append(rb.UpgradeTimes, TimeSource{Source: `SYSTEM\Setup\` + newest.KeyName + ` last written`, Time: *newest.LastWrite})
	}
	sort.SliceStable(rb.UpgradeTimes, func(i, j int) bool { return rb.UpgradeTimes[i].Time.Before(rb.UpgradeTimes[j].Time) })
	if n := len(rb.UpgradeTimes); n > 0 {
		t := rb.UpgradeTimes[n-1].Time
		rb.UpgradeTime = &t
		if t.Sub(rb.UpgradeTimes[0].Time) > 24*time.Hour {
			rb.TimesDisagree = true
		}
	}
	if !rb.WindowsOld {
		rb.Reasons = append(rb.Reasons, ReasonNoWindowsOld)
	} else if !rb.WindowsOldComplete {
		rb.Reasons = append(rb.Reasons, ReasonWindowsOldIncomplete)
	}
	if !rb.SetupFolder {
		rb.Reasons = append(rb.Reasons, ReasonNoSetupFolder)
	} else if !rb.SetupRollbackData {
		rb.Reasons = append(rb.Reasons, ReasonNoRollbackData)
	}
	if rb.UpgradeTime != nil {
		d := rb.UpgradeTime.Add(time.Duration(rb.WindowDays) * 24 * time.Hour)
		rb.Deadline = &d
		rb.Remaining = Duration(d.Sub(now))
		if !now.Before(d) {
			rb.Expired = true
			rb.Reasons = append(rb.Reasons, ReasonExpired)
		}
	}
	rb.Available = len(rb.Reasons) == 0
	if !rb.WindowsOld && !rb.SetupFolder && len(in.History) == 0 {
		return // nothing to say: no upgrade evidence at all
	}
	in.Rollback = rb
}

// windowsOldBuild records the build of the Windows.old installation found on
// the same volume, and checks it against the newest history entry.
func (rb *Rollback) windowsOldBuild(build string) {
	if rb == nil || build == "" {
		return
	}
	rb.WindowsOldBuild = build
	if rb.HistoryBuild != "" {
		ok := rb.HistoryBuild == build
		rb.BuildConsistent = &ok
	}
}

// Reasons why Go back is not available.
const (
	ReasonNoWindowsOld         = "windows-old-missing"
	ReasonWindowsOldIncomplete = "windows-old-incomplete"
	ReasonNoSetupFolder        = "setup-folder-missing"
	ReasonNoRollbackData       = "setup-rollback-data-missing"
	ReasonExpired              = "uninstall-window-expired"
)

var reasonCatalog = map[string]message{
	ReasonNoWindowsOld:         {en: `\Windows.old is missing`, fr: `\Windows.old est absent`},
	ReasonWindowsOldIncomplete: {en: `\Windows.old lacks its registry hives (partly deleted)`, fr: `\Windows.old n'a plus ses ruches de registre (suppression partielle)`},
	ReasonNoSetupFolder:        {en: `\$WINDOWS.~BT is missing`, fr: `\$WINDOWS.~BT est absent`},
	ReasonNoRollbackData:       {en: `\$WINDOWS.~BT holds no rollback data (no Sources\Rollback or NewOS)`, fr: `\$WINDOWS.~BT ne contient pas de données de retour arrière (ni Sources\Rollback ni NewOS)`},
	ReasonExpired:              {en: "the {days}-day uninstall window ended on {deadline}", fr: "le délai de désinstallation de {days} jours a pris fin le {deadline}"},
}

// RollbackReasonText renders a reason code in lang.
func RollbackReasonText(lang, code string, rb *Rollback) string {
	p := map[string]string{"days": strconv.Itoa(rb.WindowDays)}
	if rb.Deadline != nil {
		p["deadline"] = rb.Deadline.Format("2006-01-02")
	}
	return render(reasonCatalog, lang, code, p)
}

// maxSetupLogTail bounds how much of each setup log is read (its end holds
// the failure).
const maxSetupLogTail = 8 << 20

var setupCodeRe = regexp.MustCompile(`(?i)0x[0-9a-f]{8}(?:\s*-\s*0x[0-9a-f]{1,8})?`)

// scanSetupLog collects error codes (0x8xxxxxxx and 0xCxxxxxxx HRESULTs,
// with a 0xC1900101 extend code) from the tail of a setup log.
func scanSetupLog(fsys ntfs.FS, p string, acc []SetupError) []SetupError {
	f, err := fsys.Open(p)
	if err != nil {
		return acc
	}
	off := max(f.Size()-maxSetupLogTail, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, off, f.Size()-off))
	if err != nil {
		return acc
	}
	if len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE { // UTF-16LE logs
		b = []byte(utf16le.Decode(b[2:]))
	}
	idx := map[string]int{}
	for i, e := range acc {
		idx[e.Code] = i
	}
	for _, line := range strings.Split(string(b), "\n") {
		for _, m := range setupCodeRe.FindAllString(line, 8) {
			code, ext, err := license.ParseErrorCode(m)
			if err != nil || code < 0x80000000 || code == 0xFFFFFFFF {
				continue
			}
			key := fmt.Sprintf("0x%08X", code)
			if ext != 0 {
				key += fmt.Sprintf("-0x%X", ext)
			}
			if i, ok := idx[key]; ok {
				acc[i].Count++
				continue
			}
			if len(acc) >= 64 {
				continue
			}
			se := SetupError{Code: key, Count: 1, Log: winPath(p), Line: cleanText(truncate(line, 240))}
			if e, err := license.Explain(key); err == nil {
				se.Message = e.In("en").Message
			}
			idx[key] = len(acc)
			acc = append(acc, se)
		}
	}
	return acc
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
