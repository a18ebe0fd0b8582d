package rescue

import (
	"context"
	"errors"
	"fmt"

	"os"
	"strconv"
	"time"

	"github.com/actrescue/actrescue/image"
	"github.com/actrescue/actrescue/ntfs"
)

// Options tune a scan. The zero value is a sensible default.
type Options struct {
	// Mask hides all but the last five characters of every key.
	Mask bool
	// Now returns the current time; tests pin it.
	Now func() time.Time
	// MaxPartitions caps how many partitions of one target are examined.
	MaxPartitions int
	// MaxHashSize caps the size of an evidence file that is hashed.
	MaxHashSize int64
	// MaxHiveSize caps the size of a hive file that is opened.
	MaxHiveSize int64
	// Tool identifies the binary in the report.
	Tool ToolInfo
	// Firmware, when set, is attached to the report (host firmware, or a
	// note that firmware belongs to the host, not to an image).
	Firmware *FirmwareReport
	// Progress, when set, is told what the scan is reading (English, for
	// a status line). It is called from the scanning goroutine.
	Progress func(string)
	// WIMImage chooses the image of a WIM/ESD target (0 = every image).
	WIMImage int

	ctx context.Context // set while reading an installation, for cancellation
}

// canceled reports whether the scan was canceled (Ctrl+C, Esc in the TUI).
func (o *Options) canceled() bool { return o.ctx != nil && o.ctx.Err() != nil }

func (o *Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, args...))
	}
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxPartitions <= 0 {
		o.MaxPartitions = 128
	}
	if o.MaxHashSize <= 0 {
		o.MaxHashSize = 256 << 20
	}
	if o.MaxHiveSize <= 0 {
		o.MaxHiveSize = 1 << 30
	}
	if o.Tool.Name == "" {
		o.Tool.Name = "actrescue"
	}
}

// ErrNothingFound is returned by Report.Err when no installation was found.
var ErrNothingFound = errors.New("rescue: no windows installation found")

// ErrPartial is returned by Report.Err when something was found but some
// target could not be read completely.
var ErrPartial = errors.New("rescue: scan incomplete")

// ErrBadTarget is returned by Report.Err when no target could be opened.
var ErrBadTarget = errors.New("rescue: no target could be read")

// Scan opens each path read-only and scans it. A path may be an image
// file, a block device or a mounted Windows folder.
func Scan(ctx context.Context, paths []string, opts Options) *Report {
	opts.defaults()
	rep := newReport(opts)
	for _, p := range paths {
		if ctx.Err() != nil {
			break
		}
		rep.Targets = append(rep.Targets, ScanPath(ctx, p, opts))
	}
	rep.finish()
	return rep
}

func newReport(opts Options) *Report {
	return &Report{
		SchemaVersion: SchemaVersion,
		Tool:          opts.Tool,
		GeneratedAt:   opts.Now().UTC().Truncate(time.Second),
		Masked:        opts.Mask,
		Firmware:      opts.Firmware,
	}
}

// ScanPath scans one target path.
func ScanPath(ctx context.Context, path string, opts Options) *TargetReport {
	opts.defaults()
	if IsWIM(path) {
		tr, _ := ScanWIM(ctx, path, opts.WIMImage, opts)
		return tr
	}
	start := time.Now()
	t, err := image.Open(path)
	if errors.Is(err, image.ErrIsDirectory) {
		return scanFolder(ctx, path, opts)
	}
	if err != nil {
		tr := &TargetReport{Path: path, Kind: "unknown"}
		tr.fail(err)
		return tr
	}
	defer t.Close()
	tr := ScanTarget(ctx, t, opts)
	tr.Elapsed = Duration(time.Since(start))
	return tr
}

// ScanTarget scans an already opened target (an image file, a device or an
// in-memory image such as the embedded demo disk).
func ScanTarget(ctx context.Context, t *image.Target, opts Options) *TargetReport {
	opts.defaults()
	start := time.Now()
	tr := &TargetReport{Path: t.Path, Kind: t.Kind.String(), Size: t.Size, SectorSize: t.SectorSize}
	defer func() {
		tr.BytesRead = t.BytesRead()
		tr.ReadCalls = t.ReadCalls()
		tr.Elapsed = Duration(time.Since(start))
	}()
	for _, w := range t.Warnings {
		tr.Warnings = append(tr.Warnings, newWarning(SevWarning, CodeImageWarning, t.Path, map[string]string{"target": t.Path, "detail": w}))
	}
	layout, err := image.Scan(t)
	if err != nil {
		tr.fail(err)
		return tr
	}
	tr.Table = layout.Table
	tr.DiskGUID = layout.DiskGUID
	for _, w := range layout.Warnings {
		tr.Warnings = append(tr.Warnings, newWarning(SevWarning, CodeTableWarning, t.Path, map[string]string{"detail": w}))
	}
	parts := layout.Partitions
	if len(parts) > opts.MaxPartitions {
		tr.Warnings = append(tr.Warnings, newWarning(SevWarning, CodeTooManyPartitions, t.Path, map[string]string{"max": strconv.Itoa(opts.MaxPartitions)}))
		parts = parts[:opts.MaxPartitions]
	}
	for i := range parts {
		if ctx.Err() != nil {
			tr.Warnings = append(tr.Warnings, newWarning(SevError, CodeTargetError, t.Path, map[string]string{"target": t.Path, "error": ctx.Err().Error()}))
			break
		}
		opts.progress("%s: partition %d (%s, %d MiB)", t.Path, parts[i].Index, parts[i].Content, parts[i].Size>>20)
		scanPartition(ctx, tr, t.Path, &parts[i], opts)
	}
	if len(tr.Installations) == 0 {
		tr.Warnings = append(tr.Warnings, newWarning(SevInfo, CodeNoWindows, t.Path, map[string]string{"target": t.Path}))
	}
	return tr
}

func partName(target string, p *image.Partition) string {
	if p.Table == "none" {
		return target + " (whole volume)"
	}
	return fmt.Sprintf("%s #%d", target, p.Index)
}

func scanPartition(ctx context.Context, tr *TargetReport, target string, p *image.Partition, opts Options) {
	pr := &PartitionReport{
		Index: p.Index, Start: p.Start, Size: p.Size, Type: p.TypeName, Name: p.Name, GUID: p.GUID,
		Logical: p.Logical, Bootable: p.Bootable, Content: p.Content.String(),
	}
	tr.Partitions = append(tr.Partitions, pr)
	where := partName(target, p)
	params := map[string]string{"partition": where}
	switch p.Content {
	case image.ContentBitLocker:
		tr.Warnings = append(tr.Warnings, newWarning(SevWarning, CodeBitLocker, where, params))
		return
	case image.ContentUnreadable:
		if p.Err != nil {
			pr.Error = p.Err.Error()
			params["error"] = p.Err.Error()
		} else {
			params["error"] = "read error"
		}
		tr.Warnings = append(tr.Warnings, newWarning(SevError, CodePartitionError, where, params))
		return
	case image.ContentNTFS:
	default:
		return
	}
	vol, err := ntfs.Open(p.Reader, p.Size)
	if err != nil {
		pr.Error = err.Error()
		params["error"] = fmt.Sprintf("%v (partition starts at byte offset %d)", err, p.Start)
		tr.Warnings = append(tr.Warnings, newWarning(SevError, CodeVolumeError, where, params))
		return
	}
	vol.SetDescription(where)
	if p.BackupBoot {
		tr.Warnings = append(tr.Warnings, newWarning(SevWarning, CodeBackupBoot, where, params))
	}
	st := vol.State()
	pr.Label = st.Label
	pr.Dirty = st.Dirty
	if st.Dirty {
		tr.Warnings = append(tr.Warnings, newWarning(SevWarning, CodeVolumeDirty, where, params))
	}
	if st.Hibernation != ntfs.HiberNone {
		pr.Hibernated = st.Hibernation.String()
		tr.Warnings = append(tr.Warnings, newWarning(SevWarning, CodeHibernated, where, map[string]string{"partition": where, "header": st.HiberHeader}))
	}
	addInstallations(ctx, tr, pr, vol, target, p.Index, where, opts)
}

// addInstallations finds the installations on one file system and adds
// them, with their warnings prefixed by where, to the target's report.
func addInstallations(ctx context.Context, tr *TargetReport, pr *PartitionReport, fsys ntfs.FS, target string, part int, where string, opts Options) {
	inst, warns := findInstallations(ctx, fsys, target, part, opts)
	for _, w := range warns {
		w.Where = where + " " + w.Where
		tr.Warnings = append(tr.Warnings, w)
	}
	pr.Windows = len(inst) > 0
	tr.Installations = append(tr.Installations, inst...)
}

func scanFolder(ctx context.Context, path string, opts Options) *TargetReport {
	start := time.Now()
	tr := &TargetReport{Path: path, Kind: "folder"}
	fsys, err := ntfs.OpenDir(path)
	if err != nil {
		tr.fail(err)
		return tr
	}
	var warns []Warning
	tr.Installations, warns = findInstallations(ctx, fsys, path, 0, opts)
	tr.Warnings = append(tr.Warnings, warns...)
	if len(tr.Installations) == 0 {
		tr.Warnings = append(tr.Warnings, newWarning(SevInfo, CodeNoWindows, path, map[string]string{"target": path}))
	}
	tr.Elapsed = Duration(time.Since(start))
	return tr
}

func (tr *TargetReport) fail(err error) {
	code := CodeTargetError
	if errors.Is(err, image.ErrPermission) || errors.Is(err, os.ErrPermission) {
		code = CodePermission
	}
	params := map[string]string{"target": tr.Path, "error": err.Error()}
	tr.Error = &Problem{Code: code, Message: Message("en", code, params)}
}

func (r *Report) finish() {
	s := Summary{Targets: len(r.Targets)}
	n := 0
	for _, t := range r.Targets {
		if t.Error != nil {
			s.Errors++
		}
		s.Warnings += len(t.Warnings)
		for _, in := range t.Installations {
			if !in.Previous {
				diagnose(in, r.Firmware, previousKeys(t, in))
			}
			n++
			in.ID = strconv.Itoa(n)
			s.Installations++
			s.Keys += len(in.Keys)
			s.Warnings += len(in.Warnings)
			for _, w := range in.Warnings {
				if w.Severity == SevError {
					s.Errors++
				}
			}
		}
		for _, w := range t.Warnings {
			if w.Severity == SevError {
				s.Errors++
			}
		}
	}
	r.Summary = s
	if r.Masked {
		r.mask()
	}
}

// Err summarizes the outcome for exit codes: nil when installations were
// found and everything was readable, ErrPartial when something was found
// but some part failed, ErrNothingFound or ErrBadTarget otherwise.
func (r *Report) Err() error {
	opened := 0
	for _, t := range r.Targets {
		if t.Error == nil {
			opened++
		}
	}
	switch {
	case len(r.Targets) > 0 && opened == 0:
		return ErrBadTarget
	case r.Summary.Installations == 0:
		return ErrNothingFound
	case r.Summary.Errors > 0:
		return ErrPartial
	}
	return nil
}

// MarshalJSON writes a Duration as seconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(time.Duration(d).Seconds(), 'f', 3, 64)), nil
}

// UnmarshalJSON reads a Duration written as seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(f * float64(time.Second))
	return nil
}

// ScanTargets scans targets that are already open (the embedded demo disk,
// in-memory images). The caller closes them.
func ScanTargets(ctx context.Context, targets []*image.Target, opts Options) *Report {
	opts.defaults()
	rep := newReport(opts)
	for _, t := range targets {
		if ctx.Err() != nil {
			break
		}
		rep.Targets = append(rep.Targets, ScanTarget(ctx, t, opts))
	}
	rep.finish()
	return rep
}

// previousKeys returns the keys of the Windows.old* installations that sit
// on the same volume as in.
func previousKeys(t *TargetReport, in *Installation) []*KeyRecord {
	var out []*KeyRecord
	for _, o := range t.Installations {
		if o.Previous && o.Partition == in.Partition && o.Target == in.Target {
			for _, k := range o.Keys {
				c := *k
				c.Sources = append([]KeySource(nil), k.Sources...)
				for i := range c.Sources {
					c.Sources[i].Kind = o.Base + `\` + c.Sources[i].Kind
				}
				out = append(out, &c)
			}
		}
	}
	return out
}

// ScanOpen scans paths like Scan but keeps the targets open, so that a
// backup can read the evidence again; call the returned function to close
// them.
func ScanOpen(ctx context.Context, paths []string, opts Options) (*Report, func()) {
	opts.defaults()
	rep := newReport(opts)
	var open []*image.Target
	var closers []func()
	for _, p := range paths {
		if ctx.Err() != nil {
			break
		}
		if IsWIM(p) {
			tr, _, done := ScanWIMOpen(ctx, p, opts.WIMImage, opts)
			closers = append(closers, done)
			rep.Targets = append(rep.Targets, tr)
			continue
		}
		t, err := image.Open(p)
		switch {
		case errors.Is(err, image.ErrIsDirectory):
			rep.Targets = append(rep.Targets, scanFolder(ctx, p, opts))
		case err != nil:
			tr := &TargetReport{Path: p, Kind: "unknown"}
			tr.fail(err)
			rep.Targets = append(rep.Targets, tr)
		default:
			open = append(open, t)
			rep.Targets = append(rep.Targets, ScanTarget(ctx, t, opts))
		}
	}
	rep.finish()
	return rep, func() {
		for _, t := range open {
			t.Close()
		}
		for _, c := range closers {
			c()
		}
	}
}
