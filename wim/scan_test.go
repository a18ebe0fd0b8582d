package wim_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actrescue/actrescue/rescue"
	"github.com/actrescue/actrescue/wim"
)

const genericHomeKey = "YTMG3-N6DKC-DKB77-7M9GH-8HVX7"

func scanOpts() rescue.Options {
	return rescue.Options{Now: func() time.Time { return time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) }}
}

// checkHome asserts the installation of vol-win11home read through a WIM
// image: the same ground truth as rescue's scenario tests for the raw
// volume (testdata/README.md).
func checkHome(t *testing.T, tr *rescue.TargetReport, images []wim.ImageInfo, wantImages int) {
	t.Helper()
	if tr.Error != nil {
		t.Fatalf("target error: %+v", tr.Error)
	}
	if tr.Kind != "wim" || len(images) != wantImages || len(tr.Partitions) != wantImages {
		t.Fatalf("kind %q, %d images, %d partitions", tr.Kind, len(images), len(tr.Partitions))
	}
	if len(tr.Installations) != wantImages {
		t.Fatalf("%d installations, want %d (warnings %+v)", len(tr.Installations), wantImages, tr.Warnings)
	}
	for i, in := range tr.Installations {
		if in.Partition != i+1 || in.Root != `\Windows` || in.Previous {
			t.Errorf("installation %d: partition %d root %q", i, in.Partition, in.Root)
		}
		if in.EditionID != "Core" || in.CurrentBuild != "22631" || in.ProductType != "WinNT" || in.Name != "Windows 11 Home" {
			t.Errorf("installation %d: %q %q %q %q", i, in.EditionID, in.CurrentBuild, in.ProductType, in.Name)
		}
		found := false
		for _, k := range in.Keys {
			if k.Key == genericHomeKey {
				found = true
			}
		}
		if !found {
			t.Errorf("installation %d: generic Home key not found in %+v", i, in.Keys)
		}
		p := tr.Partitions[i]
		if p.Index != i+1 || p.Content != "wim-image" || !p.Windows || p.Type != "Core 10.0.22631" || !strings.HasPrefix(p.Name, "Windows 11 Home") {
			t.Errorf("partition %+v", p)
		}
	}
}

func TestScanWIMCommitted(t *testing.T) {
	for _, f := range []string{"win11home-lzx.wim", "win11home-xpress.wim"} {
		t.Run(f, func(t *testing.T) {
			p := filepath.Join("testdata", f)
			if !rescue.IsWIM(p) {
				t.Errorf("IsWIM(%s) = false", p)
			}
			tr, images := rescue.ScanWIM(context.Background(), p, 0, scanOpts())
			checkHome(t, tr, images, 1)
			tr, _ = rescue.ScanWIM(context.Background(), p, 1, scanOpts())
			checkHome(t, tr, images, 1)
		})
	}
}

func TestScanWIMGenerated(t *testing.T) {
	dir := wim.Generated(t)
	for _, f := range []string{"win11home-none.wim", "win11home-xpress.wim", "win11home-lzx.wim", "win11home-lzx64k.wim", "win11home-solid-lzx.wim"} {
		t.Run(f, func(t *testing.T) {
			tr, images := rescue.ScanWIM(context.Background(), filepath.Join(dir, f), 0, scanOpts())
			checkHome(t, tr, images, 1)
		})
	}
	t.Run("2images", func(t *testing.T) {
		p := filepath.Join(dir, "win11home-2images.wim")
		tr, images := rescue.ScanWIM(context.Background(), p, 0, scanOpts())
		checkHome(t, tr, images, 2)
		tr, _ = rescue.ScanWIM(context.Background(), p, 2, scanOpts())
		if len(tr.Installations) != 1 || tr.Installations[0].Partition != 2 || len(tr.Partitions) != 1 {
			t.Errorf("index 2: %d installations, %d partitions", len(tr.Installations), len(tr.Partitions))
		}
		tr, images = rescue.ScanWIM(context.Background(), p, 3, scanOpts())
		if tr.Error == nil || !strings.Contains(tr.Error.Message, "image 3 requested, the file has 2") || len(images) != 2 {
			t.Errorf("index 3: %+v", tr.Error)
		}
	})
	for _, f := range []string{"win11home.esd", "win11home-lzms.wim"} {
		t.Run(f, func(t *testing.T) {
			tr, images := rescue.ScanWIM(context.Background(), filepath.Join(dir, f), 0, scanOpts())
			if tr.Error != nil || len(images) != 1 || images[0].EditionID != "Core" || images[0].Build != 22631 {
				t.Fatalf("error %+v, images %+v", tr.Error, images)
			}
			if len(tr.Installations) != 0 || len(tr.Partitions) != 1 || !strings.Contains(tr.Partitions[0].Error, "LZMS") {
				t.Fatalf("installations %d, partitions %+v", len(tr.Installations), tr.Partitions)
			}
			found := false
			for _, w := range tr.Warnings {
				if w.Code == rescue.CodePartitionError && strings.Contains(w.Message, "wimlib-imagex export install.esd N install.wim --compress=LZX") {
					found = true
				}
			}
			if !found {
				t.Errorf("no warning with the conversion command: %+v", tr.Warnings)
			}
		})
	}
}

func TestScanWIMReportAndBackup(t *testing.T) {
	rep, images, done := rescue.ScanWIMReport(context.Background(), filepath.Join("testdata", "win11home-lzx.wim"), 0, scanOpts())
	defer done()
	if len(images) != 1 || rep.Summary.Installations != 1 || rep.Targets[0].Installations[0].ID != "1" {
		t.Fatalf("summary %+v", rep.Summary)
	}
	if err := rep.Err(); err != nil && !errors.Is(err, rescue.ErrPartial) {
		t.Errorf("Err = %v", err)
	}
	out := t.TempDir()
	res, err := rescue.Backup(context.Background(), rep, rescue.BackupOptions{
		Out: out, Now: scanOpts().Now,
		FreeSpace: func(string) (int64, error) { return 1 << 40, nil },
		SameDisk:  func(a, b string) (bool, string, error) { return false, "", nil },
	})
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if res.Copied == 0 || len(res.Missing) != 0 {
		t.Errorf("copied %d, missing %v", res.Copied, res.Missing)
	}
	sw := false
	filepath.WalkDir(res.Dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "SOFTWARE" {
			sw = true
		}
		return nil
	})
	if !sw {
		t.Error("SOFTWARE not in the backup")
	}
}

func TestScanWIMErrors(t *testing.T) {
	tr, images := rescue.ScanWIM(context.Background(), filepath.Join(t.TempDir(), "missing.wim"), 0, scanOpts())
	if tr.Error == nil || images != nil {
		t.Errorf("missing file: %+v", tr)
	}
	p := filepath.Join(t.TempDir(), "not.wim")
	if err := os.WriteFile(p, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	if rescue.IsWIM(p) {
		t.Error("IsWIM(zeros) = true")
	}
	tr, _ = rescue.ScanWIM(context.Background(), p, 0, scanOpts())
	if tr.Error == nil || !strings.Contains(tr.Error.Message, "not a WIM") {
		t.Errorf("zeros: %+v", tr.Error)
	}
}
