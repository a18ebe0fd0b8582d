package rescue

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ulikunitz/xz"

	"github.com/actrescue/actrescue/hive"
	"github.com/actrescue/actrescue/internal/testenv"
	"github.com/actrescue/actrescue/license"
	"github.com/actrescue/actrescue/ntfs"
)

var (
	win10SystemOnce sync.Once
	win10System     []byte
	win10SystemErr  error
)

// loadWin10System decompresses regipy's SYSTEM_WIN_10_1709 once per test binary.
func loadWin10System(t *testing.T) []byte {
	t.Helper()
	p := testenv.SharedFile(t, "regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz")
	win10SystemOnce.Do(func() {
		f, err := os.Open(p)
		if err != nil {
			win10SystemErr = err
			return
		}
		defer f.Close()
		r, err := xz.NewReader(f)
		if err != nil {
			win10SystemErr = err
			return
		}
		win10System, win10SystemErr = io.ReadAll(io.LimitReader(r, 64<<20))
	})
	if win10SystemErr != nil {
		t.Fatalf("decompress %s: %v", p, win10SystemErr)
	}
	return win10System
}

// TestCorpusSourceOSKeys decodes the DigitalProductId/4 values of the two
// real Source OS keys in regipy's SYSTEM_WIN_10_1709 and checks the facts
// CATALOG.md states (§1, "upgrade history") and formats-keys.md TV9.
func TestCorpusSourceOSKeys(t *testing.T) {
	b := loadWin10System(t)
	h, err := hive.Open(bytes.NewReader(b), int64(len(b)), hive.Options{})
	if err != nil {
		t.Fatalf("open hive: %v", err)
	}
	if !h.Dirty() {
		t.Errorf("SYSTEM_WIN_10_1709 should be dirty (4317/4316)")
	}
	setup, err := h.Key("Setup")
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	subs, err := setup.Subkeys()
	if err != nil {
		t.Fatalf("Setup subkeys: %v", err)
	}
	want := map[string]struct {
		build, productID, composition, extPID string
	}{
		"Source OS (Updated on 1/6/2019 02:18:37)":  {"15063", "00330-80111-62153-AA362", "Professional", "00000-03308-011-162153-00-1033-15063.0000-1932017"},
		"Source OS (Updated on 5/16/2019 00:55:20)": {"17134", "00330-80111-62153-AA442", "Enterprise", "55041-03308-011-162153-00-1033-17134.0000-0272019"},
	}
	found := 0
	for _, k := range subs {
		w, ok := want[k.Name()]
		if !ok {
			continue
		}
		found++
		t.Run(k.Name(), func(t *testing.T) {
			if got := stringValue(k, "CurrentBuild"); got != w.build {
				t.Errorf("CurrentBuild = %q, want %q", got, w.build)
			}
			if got := stringValue(k, "ProductId"); got != w.productID {
				t.Errorf("ProductId = %q, want %q", got, w.productID)
			}
			if got := stringValue(k, "EditionID"); got != "Professional" {
				t.Errorf("EditionID = %q", got)
			}
			if got := stringValue(k, "CompositionEditionID"); got != w.composition {
				t.Errorf("CompositionEditionID = %q, want %q", got, w.composition)
			}
			v, err := k.Value("DigitalProductId")
			if err != nil {
				t.Fatalf("DigitalProductId: %v", err)
			}
			pid, err := license.DecodeDigitalProductID(v.Bytes())
			if err != nil {
				t.Fatalf("decode DigitalProductId: %v", err)
			}
			const wantKey = "K9TM8-CNWCW-W7G7D-74JJ9-DYH26"
			if pid.Key != wantKey || !pid.KeyPresent {
				t.Errorf("DigitalProductId key = %q (present %v), want %s", pid.Key, pid.KeyPresent, wantKey)
			}
			if pid.ProductID != w.productID {
				t.Errorf("DigitalProductId ProductID = %q, want %q", pid.ProductID, w.productID)
			}
			v4, err := k.Value("DigitalProductId4")
			if err != nil {
				t.Fatalf("DigitalProductId4: %v", err)
			}
			pid4, err := license.DecodeDigitalProductID4(v4.Bytes())
			if err != nil {
				t.Fatalf("decode DigitalProductId4: %v", err)
			}
			if pid4.Key != wantKey {
				t.Errorf("DigitalProductId4 key = %q", pid4.Key)
			}
			if pid4.ExtendedPID != w.extPID {
				t.Errorf("extended PID = %q, want %q", pid4.ExtendedPID, w.extPID)
			}
			if pid4.ActivationID != "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c" {
				t.Errorf("activation ID = %q", pid4.ActivationID)
			}
			if pid4.Edition != "Professional" || !strings.EqualFold(pid4.Channel, "Retail") {
				t.Errorf("edition/channel = %q/%q, want Professional/Retail", pid4.Edition, pid4.Channel)
			}
			key, err := license.ParseKey(pid.Key)
			if err != nil {
				t.Fatalf("ParseKey: %v", err)
			}
			if key.Group() != 3308 || key.Serial() != 11162153 || !key.ChecksumValid() || key.Checksum() != 0x340 {
				t.Errorf("group %d serial %d checksum %#x valid %v", key.Group(), key.Serial(), key.Checksum(), key.ChecksumValid())
			}
			if cls := license.Classify(pid.Key).Class; cls != license.ClassUnknown {
				t.Errorf("class = %q, want unknown (a real retail key)", cls)
			}
		})
	}
	if found != len(want) {
		t.Errorf("found %d of %d Source OS keys", found, len(want))
	}
}

// A dirty SYSTEM hive with its logs, as Windows leaves it after a power
// loss: the scan replays the logs in memory and says so.
func TestCorpusDirtyHiveReplayed(t *testing.T) {
	system := testenv.SharedXZ(t, "regipy/regipy_tests/data/SYSTEM_B.xz")
	log1 := testenv.SharedXZ(t, "regipy/regipy_tests/data/SYSTEM_B.LOG1.xz")
	log2 := testenv.SharedXZ(t, "regipy/regipy_tests/data/SYSTEM_B.LOG2.xz")
	b := loadFixture(t, "vol-win11home")
	vol, err := ntfs.Open(bytesReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	sw, _ := vol.Open("Windows/System32/config/SOFTWARE")
	software := make([]byte, sw.Size())
	sw.ReadAt(software, 0)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "Windows", "System32", "config")
	os.MkdirAll(cfg, 0o755)
	files := map[string][]byte{"SOFTWARE": software, "SYSTEM": system, "SYSTEM.LOG1": log1, "SYSTEM.LOG2": log2}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(cfg, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep := Scan(context.Background(), []string{dir}, Options{Now: fixedNow})
	in := rep.Targets[0].Installations[0]
	var sys *HiveRecord
	for _, h := range in.Hives {
		if h.Name == "SYSTEM" {
			sys = h
		}
	}
	if sys == nil || !sys.Dirty || sys.Replay == nil || !sys.Replay.Applied || len(sys.Replay.Entries) != 24 || sys.Replay.Sequence != 2130 {
		t.Fatalf("SYSTEM replay: %+v", sys.Replay)
	}
	if in.ComputerName != "DESKTOP-PM6C56D" {
		t.Errorf("computer name from the replayed hive: %q", in.ComputerName)
	}
	found := false
	for _, w := range in.Warnings {
		if w.Code == CodeHiveReplayed && strings.Contains(w.Message, "SYSTEM.LOG1, SYSTEM.LOG2") {
			found = true
		}
		if w.Code == CodeHiveDirty {
			t.Errorf("dirty warning although the logs were applied")
		}
	}
	if !found {
		t.Errorf("no replay warning: %+v", in.Warnings)
	}
	// The evidence on disk is untouched.
	for name, data := range files {
		got, _ := os.ReadFile(filepath.Join(cfg, name))
		if !bytes.Equal(got, data) {
			t.Errorf("%s changed on disk", name)
		}
	}
}
