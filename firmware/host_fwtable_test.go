package firmware

import (
	"errors"
	"strings"
	"testing"
)

// fakeFirmware answers like GetSystemFirmwareTable from a set of tables.
type fakeFirmware struct {
	acpi  map[uint32][]byte
	rsmb  []byte
	grow  int // the table grows by this much between the sizing and the copy calls
	calls int
	err   error
}

func (f *fakeFirmware) call(provider, id uint32, buf []byte) (int, error) {
	f.calls++
	if f.err != nil {
		return 0, f.err
	}
	var t []byte
	switch provider {
	case providerACPI:
		t = f.acpi[id]
	case providerRSMB:
		t = f.rsmb
	}
	if t == nil {
		return 0, errNotFound
	}
	if f.grow > 0 && len(buf) > 0 { // the table grew after the sizing call
		t = append(append([]byte{}, t...), make([]byte, f.grow)...)
		f.acpi[id], f.grow = t, 0
	}
	if len(buf) >= len(t) {
		copy(buf, t)
	}
	return len(t), nil
}

func TestReadHostWindowsLogic(t *testing.T) {
	f := &fakeFirmware{acpi: map[uint32][]byte{tableID("MSDM"): buildMSDM(keyPro), tableID("SLIC"): buildSLICDefault()}, rsmb: sampleSMBIOS()}
	h := readHostWith(f.call, "fake")
	if h.MSDMErr != nil || h.MSDM == nil || h.MSDM.Key != keyPro {
		t.Errorf("MSDM: %+v %v", h.MSDM, h.MSDMErr)
	}
	if h.SLICErr != nil || h.SLIC == nil || h.SLIC.Version == "" {
		t.Errorf("SLIC: %+v %v", h.SLIC, h.SLICErr)
	}
	if h.DMIErr != nil || h.DMI == nil || h.DMI.Vendor == "" {
		t.Errorf("DMI: %+v %v", h.DMI, h.DMIErr)
	}
	// A FreeDOS machine: no MSDM, with the advice.
	h = readHostWith((&fakeFirmware{acpi: map[uint32][]byte{}}).call, "fake")
	if !errors.Is(h.MSDMErr, ErrNoTable) || !strings.Contains(h.MSDMErr.Error(), "FreeDOS") || !errors.Is(h.DMIErr, ErrNoTable) {
		t.Errorf("no tables: %v / %v", h.MSDMErr, h.DMIErr)
	}
	// Access denied.
	h = readHostWith((&fakeFirmware{err: ErrPermission}).call, "fake")
	if !errors.Is(h.MSDMErr, ErrPermission) {
		t.Errorf("permission: %v", h.MSDMErr)
	}
}

func TestFirmwareTableSizing(t *testing.T) {
	msdm := buildMSDM(keyPro)
	f := &fakeFirmware{acpi: map[uint32][]byte{tableID("MSDM"): msdm}, grow: 16}
	b, err := firmwareTableWith(f.call, providerACPI, tableID("MSDM"), maxHostTable)
	if err != nil || len(b) != len(msdm)+16 || f.calls != 3 {
		t.Errorf("growing table: %d bytes, %d calls, %v", len(b), f.calls, err)
	}
	huge := func(provider, id uint32, buf []byte) (int, error) { return 1 << 30, nil }
	if _, err := firmwareTableWith(huge, providerACPI, 1, maxHostTable); !errors.Is(err, ErrBadLength) {
		t.Errorf("implausible size: %v", err)
	}
	always := 100
	moving := func(provider, id uint32, buf []byte) (int, error) { always += 10; return always, nil }
	if _, err := firmwareTableWith(moving, providerACPI, 1, maxHostTable); !errors.Is(err, ErrBadLength) {
		t.Errorf("ever-growing table: %v", err)
	}
}
