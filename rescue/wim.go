package rescue

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/actrescue/actrescue/wim"
)

// IsWIM reports whether the file at path starts with a WIM or ESD header
// ("MSWIM\0\0\0", or wimlib's pipable "WLPWM\0\0\0"), so that a caller can
// route it to ScanWIM instead of the disk-image scan.
func IsWIM(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var m [8]byte
	n, _ := f.ReadAt(m[:], 0)
	return n == len(m) && (string(m[:]) == "MSWIM\x00\x00\x00" || string(m[:]) == "WLPWM\x00\x00\x00")
}

// ScanWIM scans a WIM or ESD file (an install.wim, install.esd or a saved
// system image). It lists the images from the WIM's XML data and reads
// the Windows installation of image index, or of every image when index
// is 0. Each image appears in the report as a "partition" whose Index is
// the image index (Content "wim-image"), and each installation's Partition
// is its image index. The file is closed on return: installations found
// here cannot be backed up; use ScanWIMOpen for that.
func ScanWIM(ctx context.Context, path string, index int, opts Options) (*TargetReport, []wim.ImageInfo) {
	tr, images, done := ScanWIMOpen(ctx, path, index, opts)
	done()
	for _, in := range tr.Installations {
		in.fs = nil // the file is closed
	}
	return tr, images
}

// ScanWIMOpen is ScanWIM but keeps the file open so that Backup can read
// the evidence again; call done when finished.
func ScanWIMOpen(ctx context.Context, path string, index int, opts Options) (tr *TargetReport, images []wim.ImageInfo, done func()) {
	opts.defaults()
	start := time.Now()
	tr = &TargetReport{Path: path, Kind: "wim", Table: "wim", Installations: []*Installation{}}
	done = func() {}
	defer func() { tr.Elapsed = Duration(time.Since(start)) }()
	f, err := os.Open(path)
	if err != nil {
		tr.fail(err)
		return tr, nil, done
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		tr.fail(err)
		return tr, nil, done
	}
	tr.Size = st.Size()
	w, err := wim.Open(f, st.Size())
	if err != nil {
		f.Close()
		tr.fail(fmt.Errorf("WIM: %w", err))
		return tr, nil, done
	}
	done = func() { f.Close() }
	images = w.Images()
	for _, n := range w.Notes() {
		tr.Warnings = append(tr.Warnings, newWarning(SevInfo, CodeImageWarning, path, map[string]string{"target": path, "detail": n}))
	}
	if index < 0 || index > len(images) {
		tr.fail(fmt.Errorf("image %d requested, the file has %d: %w", index, len(images), wim.ErrNoImage))
		return tr, images, done
	}
	for _, im := range images {
		if index != 0 && im.Index != index {
			continue
		}
		if ctx.Err() != nil {
			tr.Warnings = append(tr.Warnings, newWarning(SevError, CodeTargetError, path, map[string]string{"target": path, "error": ctx.Err().Error()}))
			break
		}
		scanWIMImage(ctx, tr, w, im, path, opts)
	}
	if len(tr.Installations) == 0 {
		tr.Warnings = append(tr.Warnings, newWarning(SevInfo, CodeNoWindows, path, map[string]string{"target": path}))
	}
	return tr, images, done
}

func scanWIMImage(ctx context.Context, tr *TargetReport, w *wim.WIM, im wim.ImageInfo, path string, opts Options) {
	where := fmt.Sprintf("%s image %d", path, im.Index)
	if im.Name != "" {
		where += fmt.Sprintf(" (%s)", im.Name)
	}
	pr := &PartitionReport{Index: im.Index, Size: im.TotalBytes, Name: im.Name, Content: "wim-image"}
	pr.Type = strings.TrimSpace(im.EditionID + " " + im.Version())
	tr.Partitions = append(tr.Partitions, pr)
	opts.progress("%s", where)
	img, err := w.FS(im.Index)
	if err != nil {
		pr.Error = err.Error()
		tr.Warnings = append(tr.Warnings, newWarning(SevError, CodePartitionError, where, map[string]string{"partition": where, "error": err.Error()}))
		return
	}
	img.SetDescription(where)
	addInstallations(ctx, tr, pr, img, path, im.Index, where, opts)
}

// ScanWIMReport wraps ScanWIMOpen in a complete report (diagnosis,
// summary, installation IDs), as ScanOpen does for disks and folders.
// Call done when the report's evidence is no longer needed.
func ScanWIMReport(ctx context.Context, path string, index int, opts Options) (*Report, []wim.ImageInfo, func()) {
	opts.defaults()
	rep := newReport(opts)
	tr, images, done := ScanWIMOpen(ctx, path, index, opts)
	rep.Targets = append(rep.Targets, tr)
	rep.finish()
	return rep, images, done
}
