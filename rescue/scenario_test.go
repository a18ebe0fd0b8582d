package rescue

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actrescue/actrescue/hive"
	"github.com/actrescue/actrescue/image"
	"github.com/actrescue/actrescue/internal/testenv"
	"github.com/actrescue/actrescue/ntfs"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }

// loadFixture decodes a committed disk fixture into memory.
func loadFixture(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(testenv.Fixture(t, name+".img.d2.zst"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := image.ReadD2Zst(f, 256<<20)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

func scanFixture(t testing.TB, name string, opts Options) *Report {
	t.Helper()
	b := loadFixture(t, name)
	opts.Now = fixedNow
	return ScanTargets(context.Background(), []*image.Target{image.OpenBytes(name, b)}, opts)
}

type wantKey struct {
	key, class, channel string
	sources             []string // source kinds, in order
}

type wantInstall struct {
	name, edition, version, computer, productType string
	partition                                     int
	keys                                          []wantKey
	warnings                                      []string // codes
	findings                                      []string // codes, in order
	history                                       int
	spp                                           []string // roles
}

func TestScenarios(t *testing.T) {
	cases := []struct {
		fixture     string
		table       string
		sector      int
		parts       []string // content kinds
		err         error
		targetWarns []string
		installs    []wantInstall
	}{
		{
			fixture: "gpt-win11", table: "gpt", sector: 512, parts: []string{"fat", "empty", "ntfs", "ntfs"},
			installs: []wantInstall{{
				name: "Windows 11 Pro", edition: "Professional", version: "10.0.26100.2771", computer: "DEMO-PC", productType: "WinNT", partition: 3,
				keys: []wantKey{
					{"VK7JG-NPHTM-C97JM-9MPGT-3V66T", "generic", "Retail", []string{"DigitalProductId", "DigitalProductId4", "BackupProductKeyDefault"}},
					{"W269N-WFGWX-YVC9B-4J6C9-T83GX", "kms-client", "Volume:GVLK", []string{
						`Source OS (Updated on 3/2/2025 09:14:55)\DigitalProductId`, `Source OS (Updated on 3/2/2025 09:14:55)\DigitalProductId4`}},
				},
				warnings: []string{CodeRegBackEmpty},
				history:  1,
				findings: []string{FindGenericOnly},
				spp:      []string{"tokens.dat", "data.dat", "cache.dat"},
			}, {
				name: "Windows 10 Pro", edition: "Professional", version: "10.0.19045.5011", computer: "DEMO-PC", productType: "WinNT", partition: 3,
				keys:     []wantKey{{"W269N-WFGWX-YVC9B-4J6C9-T83GX", "kms-client", "Volume:GVLK", []string{"DigitalProductId", "DigitalProductId4"}}},
				warnings: []string{CodeRegBackEmpty},
				spp:      []string{"tokens.dat", "data.dat", "cache.dat"},
			}},
		},
		{
			fixture: "mbr-ext-win10", table: "mbr", sector: 512, parts: []string{"ntfs", "extended", "fat", "ntfs"},
			installs: []wantInstall{{
				name: "Windows 10 Enterprise", edition: "Enterprise", version: "10.0.19045.5011", computer: "MBR-ENT-01", productType: "WinNT", partition: 6,
				keys:     []wantKey{{"NPPR9-FWDCX-D2C8J-H872K-2YT43", "kms-client", "Volume:GVLK", []string{"DigitalProductId", "DigitalProductId4"}}},
				findings: []string{FindKMSNoHost},
				warnings: []string{CodeRegBackEmpty, CodeTokenStoreCorrupt},
				spp:      []string{"tokens.dat", "data.dat", "cache.dat"},
			}},
		},
		{
			fixture: "gpt4k-server", table: "gpt", sector: 4096, parts: []string{"empty", "ntfs"},
			installs: []wantInstall{{
				name: "Windows Server 2022 Standard", edition: "ServerStandard", version: "10.0.20348.2849", computer: "SRV-4K", productType: "ServerNT", partition: 2,
				keys:     []wantKey{{"VDYBN-27WPP-V4HQT-9VMD4-VMK7H", "kms-client", "Volume:GVLK", []string{"DigitalProductId", "DigitalProductId4"}}},
				warnings: []string{CodeRegBackEmpty},
				spp:      []string{"tokens.dat", "data.dat", "cache.dat"},
			}},
		},
		{
			fixture: "gpt-server-eval", table: "gpt", sector: 512, parts: []string{"ntfs"},
			installs: []wantInstall{{
				name: "Windows Server 2022 Datacenter Evaluation", edition: "ServerDatacenterEval", version: "10.0.20348.2849", computer: "SRV-EVAL", productType: "ServerNT", partition: 1,
				keys:     []wantKey{{"VDYBN-27WPP-V4HQT-9VMD4-VMK7H", "kms-client", "Volume:GVLK", []string{"DigitalProductId", "DigitalProductId4"}}},
				findings: []string{FindKeyEdition, FindEvaluation, FindKMSNoHost},
				warnings: []string{CodeRegBackEmpty},
				spp:      []string{"tokens.dat", "data.dat", "cache.dat"},
			}},
		},
		{
			fixture: "gpt-nowin", table: "gpt", sector: 512, parts: []string{"ntfs", "other"},
			err: ErrNothingFound, targetWarns: []string{CodeNoWindows},
		},
		{
			fixture: "gpt-bitlocker-hiber", table: "gpt", sector: 512, parts: []string{"bitlocker", "ntfs"},
			targetWarns: []string{CodeBitLocker, CodeVolumeDirty, CodeHibernated},
			installs: []wantInstall{{
				name: "Windows 10 Home", edition: "Core", version: "10.0.19045.4291", computer: "HOME-LAPTOP", productType: "WinNT", partition: 2,
				keys:     []wantKey{{"YTMG3-N6DKC-DKB77-7M9GH-8HVX7", "generic", "Retail", []string{"DigitalProductId", "DigitalProductId4", "BackupProductKeyDefault"}}},
				warnings: []string{CodeHiveReplayed, CodeRegBackEmpty, CodeTokenStoreNoSKU},
				findings: []string{FindGenericOnly},
				spp:      []string{"tokens.dat", "data.dat", "cache.dat"},
			}},
		},
		{
			fixture: "mbr-win7", table: "mbr", sector: 512, parts: []string{"ntfs"},
			installs: []wantInstall{{
				name: "Windows 7 Professional", edition: "Professional", version: "6.1.7601", computer: "WIN7-PC", productType: "WinNT", partition: 1,
				keys:     []wantKey{{"FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4", "kms-client", "Volume:GVLK", []string{"DigitalProductId", "DigitalProductId4", `RegBack\DigitalProductId`, `RegBack\DigitalProductId4`}}},
				findings: []string{FindKMSNoHost},
				spp:      []string{"tokens.dat (Windows 7)"},
			}},
		},
		{
			fixture: "vol-win11home", table: "none", sector: 512, parts: []string{"ntfs"},
			installs: []wantInstall{{
				name: "Windows 11 Home", edition: "Core", version: "10.0.22631.4460", computer: "HOME-11", productType: "WinNT", partition: 1,
				keys:     []wantKey{{"YTMG3-N6DKC-DKB77-7M9GH-8HVX7", "generic", "Retail", []string{"DigitalProductId", "DigitalProductId4", "BackupProductKeyDefault"}}},
				findings: []string{FindGenericOnly},
				warnings: []string{CodeRegBackEmpty},
				spp:      []string{"tokens.dat", "data.dat", "cache.dat"},
			}},
		},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			rep := scanFixture(t, c.fixture, Options{})
			if err := rep.Err(); err != c.err {
				t.Errorf("Err() = %v, want %v", err, c.err)
			}
			tr := rep.Targets[0]
			if tr.Error != nil {
				t.Fatalf("target error: %+v", tr.Error)
			}
			if tr.Table != c.table || tr.SectorSize != 512 && c.table != "gpt" {
				t.Errorf("table %q sector %d", tr.Table, tr.SectorSize)
			}
			var kinds []string
			for _, p := range tr.Partitions {
				kinds = append(kinds, p.Content)
			}
			if strings.Join(kinds, ",") != strings.Join(c.parts, ",") {
				t.Errorf("partitions %v, want %v", kinds, c.parts)
			}
			assertCodes(t, "target", tr.Warnings, c.targetWarns)
			if len(tr.Installations) != len(c.installs) {
				t.Fatalf("%d installations, want %d", len(tr.Installations), len(c.installs))
			}
			for i, w := range c.installs {
				in := tr.Installations[i]
				got := []string{in.Name, in.EditionID, in.Version, in.ComputerName, in.ProductType}
				want := []string{w.name, w.edition, w.version, w.computer, w.productType}
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("installation %v, want %v", got, want)
				}
				if in.Partition != w.partition {
					t.Errorf("partition %d, want %d", in.Partition, w.partition)
				}
				if len(in.Keys) != len(w.keys) {
					t.Fatalf("%d keys, want %d: %+v", len(in.Keys), len(w.keys), in.Keys)
				}
				for j, wk := range w.keys {
					k := in.Keys[j]
					if k.Key != wk.key || k.Class != wk.class || k.Channel != wk.channel {
						t.Errorf("key %d = %s/%s/%s, want %s/%s/%s", j, k.Key, k.Class, k.Channel, wk.key, wk.class, wk.channel)
					}
					var kinds []string
					for _, s := range k.Sources {
						kinds = append(kinds, s.Kind)
						if !strings.Contains(s.Path, `\Windows\System32\config\`) {
							t.Errorf("source path %q lacks the hive path", s.Path)
						}
					}
					if strings.Join(kinds, ",") != strings.Join(wk.sources, ",") {
						t.Errorf("key %s sources %v, want %v", k.Key, kinds, wk.sources)
					}
					if k.Format == "pkey2009" && (k.ChecksumValid == nil || !*k.ChecksumValid) {
						t.Errorf("key %s: checksum not valid", k.Key)
					}
					// The installation's own pkeyconfig must agree with
					// DigitalProductId4 on edition, channel and activation ID.
					switch {
					case k.Format == "legacy":
						if k.Config != nil || k.ConfigNote != ConfigLegacy {
							t.Errorf("legacy key %s: config %+v note %q", k.Key, k.Config, k.ConfigNote)
						}
					case k.Config == nil:
						t.Errorf("key %s: no pkeyconfig entry (%s)", k.Key, k.ConfigNote)
					case k.Config.EditionID != k.Edition || k.Config.Channel != k.Channel || k.Config.ActivationID != k.ActivationID:
						t.Errorf("key %s: pkeyconfig %s/%s/%s, DigitalProductId4 %s/%s/%s", k.Key,
							k.Config.EditionID, k.Config.Channel, k.Config.ActivationID, k.Edition, k.Channel, k.ActivationID)
					}
				}
				assertCodes(t, "installation", in.Warnings, w.warnings)
				if ts := in.TokenStoreInfo; w.spp[0] == "tokens.dat" && (ts == nil || ts.Version != 3 || ts.Entries != 2 || ts.InstalledSKUPresent == nil) {
					t.Errorf("token store %+v", ts)
				}
				var fc []string
				for _, f := range in.Findings {
					fc = append(fc, f.Code)
					if f.Message == "" || len(f.Steps) == 0 || FindingMessage("fr", f.Code, f.Params) == f.Message {
						t.Errorf("finding %s lacks a message, steps or French text", f.Code)
					}
				}
				if strings.Join(fc, ",") != strings.Join(w.findings, ",") {
					t.Errorf("findings %v, want %v", fc, w.findings)
				}
				if len(in.History) != w.history {
					t.Errorf("%d history entries, want %d", len(in.History), w.history)
				}
				var roles []string
				for _, f := range in.SPPFiles {
					roles = append(roles, f.Role)
					if len(f.SHA256) != 64 || f.Size == 0 || f.MFTRef == "" {
						t.Errorf("SPP file %+v incomplete", f)
					}
				}
				if strings.Join(roles, ",") != strings.Join(w.spp, ",") {
					t.Errorf("SPP roles %v, want %v", roles, w.spp)
				}
			}
		})
	}
}

func assertCodes(t *testing.T, what string, ws []Warning, want []string) {
	t.Helper()
	var got []string
	for _, w := range ws {
		got = append(got, w.Code)
		if w.Message == "" || w.Where == "" {
			t.Errorf("%s warning %s lacks message or location", what, w.Code)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s warnings %v, want %v", what, got, want)
	}
}

func TestHistoryOfDemo(t *testing.T) {
	rep := scanFixture(t, "gpt-win11", Options{})
	h := rep.Targets[0].Installations[0].History
	if len(h) != 1 {
		t.Fatalf("history %d", len(h))
	}
	e := h[0]
	if e.CurrentBuild != "19045" || e.DisplayVersion != "22H2" || e.Name != "Windows 10 Pro" {
		t.Errorf("entry %+v", e)
	}
	want := time.Unix(1700000000, 0).UTC()
	if e.InstallTime == nil || !e.InstallTime.Equal(want) || e.InstallDate == nil || !e.InstallDate.Equal(want) {
		t.Errorf("install time %v / %v, want %v", e.InstallTime, e.InstallDate, want)
	}
	if len(e.Keys) != 1 || e.Keys[0] != "W269N-WFGWX-YVC9B-4J6C9-T83GX" {
		t.Errorf("keys %v", e.Keys)
	}
}

func TestMaskHidesEveryKey(t *testing.T) {
	rep := scanFixture(t, "gpt-win11", Options{Mask: true})
	in := rep.Targets[0].Installations[0]
	for _, k := range in.Keys {
		if !strings.HasPrefix(k.Key, "XXXXX-XXXXX-XXXXX-XXXXX-") {
			t.Errorf("unmasked key %s", k.Key)
		}
	}
	for _, e := range in.History {
		for _, k := range e.Keys {
			if !strings.HasPrefix(k, "XXXXX-") {
				t.Errorf("unmasked history key %s", k)
			}
		}
	}
	for _, w := range in.Warnings {
		if strings.Contains(w.Message, "VK7JG") {
			t.Errorf("warning leaks key: %s", w.Message)
		}
	}
}

// A mounted folder goes through the same path as an NTFS volume: copy the
// fixture's Windows tree out with the ntfs package and scan the folder.
func TestScanFolder(t *testing.T) {
	b := loadFixture(t, "vol-win11home")
	vol, err := ntfs.Open(bytesReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, p := range []string{
		"Windows/System32/config/SOFTWARE", "Windows/System32/config/SYSTEM",
		"Windows/System32/spp/store/2.0/tokens.dat", "Windows/System32/spp/store/2.0/data.dat",
		"Windows/System32/spp/store/2.0/cache/cache.dat",
	} {
		f, err := vol.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, f.Size())
		if _, err := f.ReadAt(buf, 0); err != nil {
			t.Fatal(err)
		}
		// Lower-case the folder names to prove lookups ignore case.
		host := filepath.Join(dir, strings.ToLower(filepath.Dir(p)), filepath.Base(p))
		if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(host, buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep := Scan(context.Background(), []string{dir}, Options{Now: fixedNow})
	if err := rep.Err(); err != nil {
		t.Fatalf("Err() = %v: %+v", err, rep.Targets[0])
	}
	in := rep.Targets[0].Installations[0]
	if rep.Targets[0].Kind != "folder" || in.Name != "Windows 11 Home" || len(in.Keys) != 1 || len(in.SPPFiles) != 3 {
		t.Errorf("folder scan: kind %s, %s, %d keys, %d SPP files", rep.Targets[0].Kind, in.Name, len(in.Keys), len(in.SPPFiles))
	}
}

func TestScanErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.img")
	if err := os.WriteFile(junk, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := Scan(context.Background(), []string{filepath.Join(dir, "missing.img"), junk}, Options{Now: fixedNow})
	if rep.Err() != ErrBadTarget {
		t.Errorf("Err() = %v", rep.Err())
	}
	for _, tr := range rep.Targets {
		if tr.Error == nil || !strings.Contains(tr.Error.Message, tr.Path) {
			t.Errorf("target %s: error %+v does not name the target", tr.Path, tr.Error)
		}
	}
}

func TestCancel(t *testing.T) {
	b := loadFixture(t, "gpt-win11")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := ScanTargets(ctx, []*image.Target{image.OpenBytes("x", b)}, Options{Now: fixedNow})
	if len(rep.Targets) != 0 {
		t.Errorf("canceled scan still scanned %d targets", len(rep.Targets))
	}
}

// BenchmarkScanDemo measures a full scan of the demo disk: time, bytes read
// from the target and read calls (the figures quoted in issue notes).
func BenchmarkScanDemo(b *testing.B) {
	img := loadFixture(b, "gpt-win11")
	b.ReportAllocs()
	var bytesRead, calls int64
	for b.Loop() {
		rep := ScanTargets(context.Background(), []*image.Target{image.OpenBytes("demo", img)}, Options{Now: fixedNow})
		bytesRead += rep.Targets[0].BytesRead
		calls += rep.Targets[0].ReadCalls
	}
	b.ReportMetric(float64(bytesRead)/float64(b.N), "target-bytes/op")
	b.ReportMetric(float64(calls)/float64(b.N), "read-calls/op")
}

func bytesReader(b []byte) *bytesAt { return &bytesAt{b} }

type bytesAt struct{ b []byte }

func (r *bytesAt) ReadAt(p []byte, off int64) (int, error) {
	return image.OpenBytes("", r.b).ReadAt(p, off)
}

func TestRollbackWindow(t *testing.T) {
	img := loadFixture(t, "gpt-win11")
	scan := func(now time.Time) *Installation {
		rep := ScanTargets(context.Background(), []*image.Target{image.OpenBytes("demo", img)}, Options{Now: func() time.Time { return now }})
		return rep.Targets[0].Installations[0]
	}
	in := scan(time.Date(2024, 10, 5, 0, 0, 0, 0, time.UTC))
	rb := in.Rollback
	if rb == nil || !rb.Available || rb.Expired || rb.WindowDays != 10 || rb.WindowSource != "registry" {
		t.Fatalf("rollback within the window: %+v", rb)
	}
	if want := time.Date(2024, 10, 11, 0, 0, 0, 0, time.UTC); rb.Deadline == nil || !rb.Deadline.Equal(want) || time.Duration(rb.Remaining) != 6*24*time.Hour {
		t.Errorf("deadline %v remaining %v", rb.Deadline, time.Duration(rb.Remaining))
	}
	if !rb.WindowsOldComplete || !rb.SetupRollbackData || rb.WindowsOldBuild != "19045" || rb.BuildConsistent == nil || !*rb.BuildConsistent {
		t.Errorf("evidence %+v", rb)
	}
	if len(rb.UpgradeTimes) != 3 || rb.TimesDisagree || len(rb.SetupLogs) != 2 {
		t.Errorf("times %+v logs %v", rb.UpgradeTimes, rb.SetupLogs)
	}
	if len(rb.SetupErrors) != 1 || rb.SetupErrors[0].Code != "0xC1900101-0x4000D" || rb.SetupErrors[0].Message == "" {
		t.Errorf("setup errors %+v", rb.SetupErrors)
	}
	rb = scan(fixedNow()).Rollback
	if rb.Available || !rb.Expired || len(rb.Reasons) != 1 || rb.Reasons[0] != ReasonExpired {
		t.Errorf("expired window: %+v", rb)
	}
	if txt := RollbackReasonText("fr", ReasonExpired, rb); !strings.Contains(txt, "2024-10-11") || !strings.Contains(txt, "10 jours") {
		t.Errorf("French reason %q", txt)
	}
	// No upgrade evidence at all: nothing to say.
	if rep := scanFixture(t, "vol-win11home", Options{}); rep.Targets[0].Installations[0].Rollback != nil {
		t.Errorf("rollback reported without any upgrade evidence")
	}
}

// Go back states from folder trees: rollback data missing, Windows.old
// partly deleted.
func TestRollbackStates(t *testing.T) {
	mk := func(files ...string) ntfs.FS {
		dir := t.TempDir()
		for _, f := range files {
			p := filepath.Join(dir, filepath.FromSlash(f))
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte("x"), 0o644)
		}
		fs, err := ntfs.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	now := time.Date(2024, 10, 3, 0, 0, 0, 0, time.UTC)
	installed := time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		fs      ntfs.FS
		reasons []string
	}{
		{"complete", mk("Windows.old/Windows/System32/config/SOFTWARE", "Windows.old/Windows/System32/config/SYSTEM", "$WINDOWS.~BT/Sources/Rollback/x"), nil},
		{"no setup folder", mk("Windows.old/Windows/System32/config/SOFTWARE", "Windows.old/Windows/System32/config/SYSTEM"), []string{ReasonNoSetupFolder}},
		{"setup logs only", mk("Windows.old/Windows/System32/config/SOFTWARE", "Windows.old/Windows/System32/config/SYSTEM", "$WINDOWS.~BT/Sources/Panther/setupact.log"), []string{ReasonNoRollbackData}},
		{"Windows.old emptied", mk("Windows.old/Users/x", "$WINDOWS.~BT/NewOS/x"), []string{ReasonWindowsOldIncomplete}},
		{"nothing left", mk("Windows/x", "$WINDOWS.~BT/NewOS/x"), []string{ReasonNoWindowsOld}},
	}
	for _, c := range cases {
		in := &Installation{InstallDate: &installed}
		in.readRollback(c.fs, now)
		rb := in.Rollback
		if rb == nil {
			t.Fatalf("%s: no rollback state", c.name)
		}
		if strings.Join(rb.Reasons, ",") != strings.Join(c.reasons, ",") || rb.Available != (len(c.reasons) == 0) {
			t.Errorf("%s: reasons %v available %v, want %v", c.name, rb.Reasons, rb.Available, c.reasons)
		}
		if rb.WindowDays != 10 || rb.WindowSource != "default" || time.Duration(rb.Remaining) != 8*24*time.Hour {
			t.Errorf("%s: window %d %s remaining %v", c.name, rb.WindowDays, rb.WindowSource, time.Duration(rb.Remaining))
		}
	}
	// UninstallWindow is clamped to 2–60 days.
	in := &Installation{InstallDate: &installed, uninstallWindow: 500}
	in.readRollback(cases[0].fs, now)
	if in.Rollback.WindowDays != 60 || in.Rollback.WindowSource != "registry" {
		t.Errorf("clamp: %+v", in.Rollback)
	}
}

// A zeroed NTFS boot sector: the backup copy at the end of the volume is
// used and the scan says so.
func TestBackupBootSector(t *testing.T) {
	b := loadFixture(t, "gpt-win11")
	l, err := image.ScanReader(bytesReader(b), int64(len(b)), 512)
	if err != nil {
		t.Fatal(err)
	}
	win := l.Partitions[2]
	copy(b[win.Start:win.Start+512], make([]byte, 512))
	rep := ScanTargets(context.Background(), []*image.Target{image.OpenBytes("x", b)}, Options{Now: fixedNow})
	tr := rep.Targets[0]
	if len(tr.Installations) != 2 || tr.Installations[0].Name != "Windows 11 Pro" {
		t.Fatalf("installations %d", len(tr.Installations))
	}
	found := false
	for _, w := range tr.Warnings {
		found = found || w.Code == CodeBackupBoot
	}
	if !found {
		t.Errorf("no backup-boot warning: %+v", tr.Warnings)
	}
}

// The hibernated laptop lost power right after BackupProductKeyDefault was
// written: the primary SOFTWARE hive lacks it, SOFTWARE.LOG1 holds it. The
// value is found only because the log is replayed.
func TestFixtureDirtyHiveWithLog(t *testing.T) {
	b := loadFixture(t, "gpt-bitlocker-hiber")
	l, err := image.ScanReader(bytesReader(b), int64(len(b)), 512)
	if err != nil {
		t.Fatal(err)
	}
	p := l.Partitions[1]
	vol, err := ntfs.Open(p.Reader, p.Size)
	if err != nil {
		t.Fatal(err)
	}
	f, err := vol.Open("Windows/System32/config/SOFTWARE")
	if err != nil {
		t.Fatal(err)
	}
	h, err := hive.Open(f, f.Size(), hive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !h.Dirty() {
		t.Fatal("the primary hive is not dirty")
	}
	k, err := h.Key(keySPP)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Value("BackupProductKeyDefault"); !errors.Is(err, hive.ErrValueNotFound) {
		t.Fatalf("the primary hive already holds the value: %v", err)
	}
	rep := scanFixture(t, "gpt-bitlocker-hiber", Options{})
	in := rep.Targets[0].Installations[0]
	var sw *HiveRecord
	for _, hr := range in.Hives {
		if hr.Name == "SOFTWARE" {
			sw = hr
		}
	}
	if sw == nil || sw.Replay == nil || !sw.Replay.Applied || len(sw.Replay.Entries) != 1 || sw.Replay.Entries[0].Log != "SOFTWARE.LOG1" {
		t.Fatalf("replay %+v", sw)
	}
	found := false
	for _, s := range in.Keys[0].Sources {
		found = found || s.Kind == "BackupProductKeyDefault"
	}
	if !found {
		t.Errorf("BackupProductKeyDefault not recovered from the log: %+v", in.Keys[0].Sources)
	}
}

// Canceling while an installation is being read stops it early and says
// so, instead of finishing every hash.
func TestCancelMidInstallation(t *testing.T) {
	b := loadFixture(t, "gpt-win11")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := Options{Now: fixedNow, Progress: func(s string) {
		if strings.Contains(s, "reading the installation") {
			cancel()
		}
	}}
	rep := ScanTargets(ctx, []*image.Target{image.OpenBytes("x", b)}, opts)
	ins := rep.Targets[0].Installations
	if len(ins) == 0 {
		t.Fatal("no installation at all")
	}
	found := false
	for _, w := range ins[0].Warnings {
		found = found || (w.Code == CodeInstallIncomplete && strings.Contains(w.Message, "canceled"))
	}
	if !found || len(ins[0].SPPFiles) != 0 {
		t.Errorf("canceled installation: warnings %+v, %d SPP files", ins[0].Warnings, len(ins[0].SPPFiles))
	}
}
