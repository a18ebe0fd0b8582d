package rescue

import (
	"errors"
	"strings"

	"github.com/actrescue/actrescue/firmware"
	"github.com/actrescue/actrescue/license"
)

// FirmwareFromHost turns what firmware.ReadHost found into a report part.
func FirmwareFromHost(h *firmware.HostInfo, host bool) *FirmwareReport {
	fr := &FirmwareReport{Source: cleanText(h.Source), Host: host}
	if h.MSDM != nil || h.MSDMErr != nil {
		fr.addMSDM(h.MSDM, h.MSDMErr)
	}
	if h.SLIC != nil || h.SLICErr != nil {
		fr.addSLIC(h.SLIC, h.SLICErr)
	}
	if h.DMI != nil {
		d := h.DMI
		fr.DMI = &DMIReport{Vendor: cleanText(d.Vendor), Product: cleanText(d.Product), Version: cleanText(d.Version),
			Serial: cleanText(d.Serial), SerialUnreadable: d.SerialUnreadable, SKU: cleanText(d.SKU),
			BIOSVendor: cleanText(d.BIOSVendor), BIOSVersion: cleanText(d.BIOSVersion), BIOSDate: cleanText(d.BIOSDate),
			BoardVendor: cleanText(d.BoardVendor), BoardName: cleanText(d.BoardName)}
	}
	if h.DMIErr != nil {
		fr.Errors = append(fr.Errors, SourceError{Part: "dmi", Missing: errors.Is(h.DMIErr, firmware.ErrNoTable), Message: h.DMIErr.Error()})
	}
	return fr
}

// FirmwareFromFile reports the MSDM and SLIC tables of a table file (a raw
// table or acpidump output).
func FirmwareFromFile(path string) *FirmwareReport {
	fr := &FirmwareReport{Source: path}
	tf, err := firmware.ReadTableFile(path)
	if err != nil {
		fr.Errors = append(fr.Errors, SourceError{Part: "file", Message: err.Error()})
		return fr
	}
	fr.Source = path + " (" + tf.Format + ")"
	for _, sig := range []string{"MSDM", "SLIC"} {
		found := tf.Find(sig)
		if len(found) == 0 {
			fr.Errors = append(fr.Errors, SourceError{Part: strings.ToLower(sig), Missing: true, Message: missingAdvice(sig, path)})
			continue
		}
		ft := found[0]
		var raw []byte
		if ft.Table != nil {
			raw = ft.Table.Raw
		}
		switch sig {
		case "MSDM":
			if raw == nil {
				fr.addMSDM(nil, ft.Err)
				continue
			}
			m, err := firmware.ParseMSDM(raw)
			fr.addMSDM(m, err)
		case "SLIC":
			if raw == nil {
				fr.addSLIC(nil, ft.Err)
				continue
			}
			s, err := firmware.ParseSLIC(raw)
			fr.addSLIC(s, err)
		}
	}
	return fr
}

func missingAdvice(sig, path string) string {
	if sig == "MSDM" {
		return path + ": no MSDM table: no embedded key: typical of FreeDOS/no-OS machines or pre-2012 hardware; look for a COA sticker or a digital license"
	}
	return path + ": no SLIC table: normal for machines made after about 2012; it only matters for Vista/7 OEM activation"
}

func (fr *FirmwareReport) addMSDM(m *firmware.MSDM, err error) {
	if m == nil {
		fr.Errors = append(fr.Errors, SourceError{Part: "msdm", Missing: errors.Is(err, firmware.ErrNoTable), Message: errText(err)})
		return
	}
	r := &MSDMReport{Version: m.Version, DataType: m.DataType, Warnings: m.Warnings}
	if m.Table != nil {
		r.OEMID, r.OEMTableID, r.TableChecksumOK = cleanText(m.Table.Header.OEMID), cleanText(m.Table.Header.OEMTableID), m.Table.ChecksumOK
	}
	if err != nil {
		r.Error = err.Error()
	}
	if norm, nerr := license.NormalizeKey(m.Key); nerr == nil {
		r.Key = newKeyRecord(norm)
		r.Key.Sources = []KeySource{{Kind: "firmware MSDM", Path: fr.Source}}
	}
	fr.MSDM = r
}

func (fr *FirmwareReport) addSLIC(s *firmware.SLIC, err error) {
	if s == nil {
		fr.Errors = append(fr.Errors, SourceError{Part: "slic", Missing: errors.Is(err, firmware.ErrNoTable), Message: errText(err)})
		return
	}
	r := &SLICReport{Version: s.Version, OEMIDMatch: s.OEMIDMatch, TableIDMatch: s.TableIDMatch, Warnings: s.Warnings,
		MarkerOEMID: cleanText(s.Marker.OEMID), MarkerTableID: cleanText(s.Marker.OEMTableID)}
	if s.Table != nil {
		r.OEMID, r.OEMTableID, r.TableChecksumOK = cleanText(s.Table.Header.OEMID), cleanText(s.Table.Header.OEMTableID), s.Table.ChecksumOK
	}
	if err != nil {
		r.Error = err.Error()
	}
	fr.SLIC = r
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}
