package firmware

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeSysfs builds a sysfs tree under a temp root. Nil tables are left out.
func fakeSysfs(t *testing.T, tables map[string][]byte, dmi map[string]string) string {
	t.Helper()
	root := t.TempDir()
	tdir := filepath.Join(root, "sys", "firmware", "acpi", "tables")
	if err := os.MkdirAll(tdir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range tables {
		writeFile(t, filepath.Join(tdir, name), b)
	}
	if dmi != nil {
		ddir := filepath.Join(root, "sys", "class", "dmi", "id")
		for name, v := range dmi {
			writeFile(t, filepath.Join(ddir, name), []byte(v+"\n"))
		}
	}
	return root
}

var sampleDMIFiles = map[string]string{
	"sys_vendor": "LENOVO", "product_name": "20L5CTO1WW", "product_version": "ThinkPad T480",
	"product_serial": "PF1TEST0", "product_sku": "LENOVO_MT_20L5_BU_Think_FM_ThinkPad T480",
	"bios_vendor": "LENOVO", "bios_version": "N1EET91W (1.64 )", "bios_date": "06/18/2024",
	"board_vendor": "LENOVO", "board_name": "20L5CTO1WW", "modalias": "dmi:bvnLENOVO:",
}

func TestReadHostFromPresent(t *testing.T) {
	root := fakeSysfs(t, map[string][]byte{"MSDM": buildMSDM(keyPro), "SLIC": buildSLICDefault(), "DSDT": buildTable("DSDT", "X", "Y", nil)}, sampleDMIFiles)
	h := ReadHostFrom(root)
	if h.MSDMErr != nil || h.MSDM == nil || h.MSDM.Key != keyPro {
		t.Errorf("MSDM: %v", h.MSDMErr)
	}
	if h.SLICErr != nil || h.SLIC == nil || h.SLIC.Version != "2.1" {
		t.Errorf("SLIC: %v", h.SLICErr)
	}
	if h.DMIErr != nil || h.DMI == nil || *h.DMI != wantDMI {
		t.Errorf("DMI: %+v err %v", h.DMI, h.DMIErr)
	}
	if !strings.Contains(h.Source, root) {
		t.Errorf("Source %q does not name the root", h.Source)
	}
}

func TestReadHostFromNumbered(t *testing.T) {
	root := fakeSysfs(t, map[string][]byte{"MSDM1": buildMSDM(keyHome), "MSDM2": buildMSDM(keyPro)}, sampleDMIFiles)
	h := ReadHostFrom(root)
	if h.MSDMErr != nil || h.MSDM.Key != keyHome {
		t.Errorf("MSDM1: %v", h.MSDMErr)
	}
}

func TestReadHostFromMissing(t *testing.T) {
	root := fakeSysfs(t, map[string][]byte{"DSDT": buildTable("DSDT", "X", "Y", nil)}, map[string]string{"sys_vendor": "QEMU"})
	h := ReadHostFrom(root)
	if h.MSDM != nil || !errors.Is(h.MSDMErr, ErrNoTable) {
		t.Fatalf("MSDM err = %v", h.MSDMErr)
	}
	want := "no embedded key: typical of FreeDOS/no-OS machines or pre-2012 hardware; look for a COA sticker or a digital license"
	if msg := h.MSDMErr.Error(); !strings.Contains(msg, want) || !strings.Contains(msg, filepath.Join("tables", "MSDM")) {
		t.Errorf("MSDM error %q", msg)
	}
	if h.SLIC != nil || !errors.Is(h.SLICErr, ErrNoTable) {
		t.Errorf("SLIC err = %v", h.SLICErr)
	}
	if h.DMIErr != nil || h.DMI.Vendor != "QEMU" || h.DMI.Serial != "" || h.DMI.SerialUnreadable {
		t.Errorf("DMI %+v err %v", h.DMI, h.DMIErr)
	}
}

func TestReadHostFromNoSysfs(t *testing.T) {
	h := ReadHostFrom(t.TempDir())
	for name, err := range map[string]error{"MSDM": h.MSDMErr, "SLIC": h.SLICErr, "DMI": h.DMIErr} {
		if !errors.Is(err, ErrNoTable) {
			t.Errorf("%s err = %v, want ErrNoTable", name, err)
		}
	}
	if h.MSDM != nil || h.SLIC != nil || h.DMI != nil {
		t.Errorf("got data from an empty root")
	}
}

func TestReadHostFromCorrupt(t *testing.T) {
	bad := buildMSDM(keyPro)
	bad[9]++
	root := fakeSysfs(t, map[string][]byte{"MSDM": bad, "SLIC": buildSLICDefault()[:100]}, sampleDMIFiles)
	h := ReadHostFrom(root)
	if !errors.Is(h.MSDMErr, ErrBadChecksum) || h.MSDM == nil || !strings.Contains(h.MSDMErr.Error(), "MSDM") {
		t.Errorf("MSDM err = %v", h.MSDMErr)
	}
	if !errors.Is(h.SLICErr, ErrBadLength) || h.SLIC != nil {
		t.Errorf("SLIC err = %v", h.SLICErr)
	}
}

func TestReadHostFromUnreadable(t *testing.T) {
	skipIfRootOrWindows(t)
	root := fakeSysfs(t, map[string][]byte{"MSDM": buildMSDM(keyPro), "SLIC": buildSLICDefault()}, sampleDMIFiles)
	for _, p := range []string{"sys/firmware/acpi/tables/MSDM", "sys/firmware/acpi/tables/SLIC", "sys/class/dmi/id/product_serial"} {
		if err := os.Chmod(filepath.Join(root, p), 0); err != nil {
			t.Fatal(err)
		}
	}
	h := ReadHostFrom(root)
	for name, err := range map[string]error{"MSDM": h.MSDMErr, "SLIC": h.SLICErr} {
		if !errors.Is(err, ErrPermission) || !strings.Contains(err.Error(), "run as root (sudo)") {
			t.Errorf("%s err = %v", name, err)
		}
	}
	if h.DMIErr != nil || !h.DMI.SerialUnreadable || h.DMI.Serial != "" || h.DMI.Vendor != "LENOVO" {
		t.Errorf("DMI %+v err %v", h.DMI, h.DMIErr)
	}
}

// TestReadHost runs on the real machine; it only checks the error kinds.
func TestReadHost(t *testing.T) {
	h := ReadHost()
	if h == nil || h.Source == "" {
		t.Fatal("ReadHost returned no source")
	}
	for name, err := range map[string]error{"MSDM": h.MSDMErr, "SLIC": h.SLICErr} {
		if err != nil {
			t.Logf("%s: %v", name, err)
		}
	}
	if runtime.GOOS != "linux" && runtime.GOOS != "windows" && !errors.Is(h.MSDMErr, ErrNoTable) {
		t.Errorf("unsupported OS: MSDM err = %v", h.MSDMErr)
	}
	if h.MSDM != nil {
		t.Logf("this machine has an MSDM key (not shown)")
	}
}
