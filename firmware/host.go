package firmware

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// HostInfo is the firmware evidence of the running machine. Each part has
// its own error; a part can be set together with its error (checksum
// mismatch, malformed key, unreadable serial).
type HostInfo struct {
	MSDM    *MSDM
	MSDMErr error
	SLIC    *SLIC
	SLICErr error
	DMI     *DMI
	DMIErr  error
	// Source says where the data came from, for the report.
	Source string
}

// Size caps for host reads.
const (
	maxHostTable = 1 << 20 // MSDM is 85 bytes, SLIC 374
	maxDMIFile   = 4 << 10
)

// Advice for missing tables.
const (
	noMSDMAdvice = "no embedded key: typical of FreeDOS/no-OS machines or pre-2012 hardware; look for a COA sticker or a digital license"
	noSLICAdvice = "no SLIC (OEM Activation 2.x) marker: normal for machines made after about 2012 and for non-OEM systems; it only matters for Vista/7 OEM activation"
)

// ReadHostFrom reads the Linux sysfs files below root (root "/" reads the
// running machine): /sys/firmware/acpi/tables/{MSDM,SLIC} (also the
// numbered MSDM1/SLIC1 names used when a signature repeats) and
// /sys/class/dmi/id/*. It never fails as a whole; see the per-part errors.
func ReadHostFrom(root string) *HostInfo {
	tables := filepath.Join(root, "sys", "firmware", "acpi", "tables")
	dmiDir := filepath.Join(root, "sys", "class", "dmi", "id")
	h := &HostInfo{Source: "sysfs: " + tables + ", " + dmiDir}

	raw, where, err := readSysfsTable(tables, "MSDM")
	h.MSDM, h.MSDMErr = hostMSDM(raw, where, err)
	raw, where, err = readSysfsTable(tables, "SLIC")
	h.SLIC, h.SLICErr = hostSLIC(raw, where, err)
	h.DMI, h.DMIErr = readSysfsDMI(dmiDir)
	return h
}

// readSysfsTable reads dir/SIG, or dir/SIG1 when the kernel numbered it.
func readSysfsTable(dir, sig string) ([]byte, string, error) {
	path := filepath.Join(dir, sig)
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, dir, fmt.Errorf("%s: %w: no ACPI tables are exposed here (sysfs not mounted, or not an ACPI machine); dump the tables with acpidump on that machine", dir, ErrNoTable)
		}
		return nil, dir, osError(dir, err)
	}
	for _, name := range []string{sig, sig + "1"} {
		p := filepath.Join(dir, name)
		b, err := readFileCapped(p, maxHostTable)
		if err == nil {
			return b, p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, p, err
		}
	}
	return nil, path, fs.ErrNotExist
}

// hostMSDM turns a host read into the MSDM part of HostInfo.
func hostMSDM(raw []byte, where string, err error) (*MSDM, error) {
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w: %s", where, ErrNoTable, noMSDMAdvice)
		}
		return nil, err
	}
	m, err := ParseMSDM(raw)
	if err != nil {
		err = fmt.Errorf("%s: %w", where, err)
	}
	return m, err
}

// hostSLIC turns a host read into the SLIC part of HostInfo.
func hostSLIC(raw []byte, where string, err error) (*SLIC, error) {
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w: %s", where, ErrNoTable, noSLICAdvice)
		}
		return nil, err
	}
	s, err := ParseSLIC(raw)
	if err != nil {
		err = fmt.Errorf("%s: %w", where, err)
	}
	return s, err
}

// readSysfsDMI reads the /sys/class/dmi/id attribute files.
func readSysfsDMI(dir string) (*DMI, error) {
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w: the kernel exposes no DMI data (sysfs not mounted, or no SMBIOS on this machine)", dir, ErrNoTable)
		}
		return nil, osError(dir, err)
	}
	d := &DMI{}
	fields := []struct {
		name string
		dst  *string
	}{
		{"sys_vendor", &d.Vendor}, {"product_name", &d.Product}, {"product_version", &d.Version},
		{"product_serial", &d.Serial}, {"product_sku", &d.SKU},
		{"bios_vendor", &d.BIOSVendor}, {"bios_version", &d.BIOSVersion}, {"bios_date", &d.BIOSDate},
		{"board_vendor", &d.BoardVendor}, {"board_name", &d.BoardName},
	}
	var errs []error
	for _, f := range fields {
		b, err := readFileCapped(filepath.Join(dir, f.name), maxDMIFile)
		switch {
		case err == nil:
			*f.dst = cleanText(b)
		case errors.Is(err, fs.ErrNotExist):
			// Absent attributes are common (VMs, old kernels).
		case f.name == "product_serial" && errors.Is(err, ErrPermission):
			d.SerialUnreadable = true
		default:
			errs = append(errs, err)
		}
	}
	return d, errors.Join(errs...)
}
