package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/actrescue/actrescue/rescue"
)

type fwLabels struct {
	title, titleFile, typo, source, note, msdm, slic, dmi, key, none, table, checksumOK, checksumBad, version, match, mismatch,
	oem, serialRoot, honest, keyCheck, verdict, group, serial, upgrade string
	verdicts map[string]string
}

var fwText = map[string]fwLabels{
	"en": {
		title: "Firmware (this computer)", titleFile: "Firmware tables", typo: "look for a typing mistake: B/8, G/6, Q/O, T/7 and Y/V are easily confused (the letters A E I L N O S U Z and 0 1 5 never occur except N)", source: "source", note: "note", msdm: "Embedded OEM key (ACPI MSDM)",
		slic: "OEM Activation 2.x marker (ACPI SLIC)", dmi: "Machine", key: "key", none: "not present",
		table: "table", checksumOK: "checksum ok", checksumBad: "CHECKSUM BAD", version: "version",
		match: "OEM ID and table ID match the marker", mismatch: "OEM ID or table ID DIFFERS from the marker (SLP activation will fail)",
		oem: "OEM", serialRoot: "(serial number needs root)",
		honest:   "checksum-valid means well-formed, not genuine: only activation can prove a key",
		keyCheck: "Key check", verdict: "verdict", group: "group", serial: "serial", upgrade: "upgrade key",
		verdicts: map[string]string{rescue.VerdictMalformed: "MALFORMED", rescue.VerdictMissing: "CHARACTERS MISSING: cannot be recovered", rescue.VerdictBadChecksum: "CHECKSUM INVALID (typo?)",
			rescue.VerdictLegacy: "pre-Windows 8 key: structure ok (no offline checksum exists)", rescue.VerdictValid: "checksum valid"},
	},
	"fr": {
		title: "Micrologiciel (cet ordinateur)", titleFile: "Tables du micrologiciel", typo: "cherchez une faute de frappe : B/8, G/6, Q/O, T/7 et Y/V se confondent facilement (les lettres A E I L N O S U Z et les chiffres 0 1 5 n'apparaissent jamais, sauf N)", source: "source", note: "remarque", msdm: "Clé OEM intégrée (ACPI MSDM)",
		slic: "Marqueur OEM Activation 2.x (ACPI SLIC)", dmi: "Machine", key: "clé", none: "absente",
		table: "table", checksumOK: "somme de contrôle correcte", checksumBad: "SOMME DE CONTRÔLE FAUSSE", version: "version",
		match: "l'OEM ID et le table ID correspondent au marqueur", mismatch: "l'OEM ID ou le table ID DIFFÈRE du marqueur (l'activation SLP échouera)",
		oem: "OEM", serialRoot: "(le numéro de série nécessite root)",
		honest:   "une somme de contrôle valide signifie bien formée, pas authentique : seule l'activation prouve une clé",
		keyCheck: "Vérification de clé", verdict: "verdict", group: "groupe", serial: "série", upgrade: "clé de mise à niveau",
		verdicts: map[string]string{rescue.VerdictMalformed: "MAL FORMÉE", rescue.VerdictMissing: "CARACTÈRES MANQUANTS : irrécupérables", rescue.VerdictBadChecksum: "SOMME DE CONTRÔLE INVALIDE (faute de frappe ?)",
			rescue.VerdictLegacy: "clé antérieure à Windows 8 : structure correcte (pas de somme de contrôle hors ligne)", rescue.VerdictValid: "somme de contrôle valide"},
	},
}

func fwLang(lang string) (fwLabels, string) {
	if l, ok := fwText[lang]; ok {
		return l, lang
	}
	return fwText["en"], "en"
}

// WriteFirmware writes a firmware report on its own (`actrescue firmware`).
func WriteFirmware(w io.Writer, fr *rescue.FirmwareReport, opts TextOptions) error {
	p := &printer{w: w}
	writeFirmware(p, fr, opts.Lang)
	return p.err
}

func writeFirmware(p *printer, fr *rescue.FirmwareReport, lang string) {
	F, lang := fwLang(lang)
	if fr.Host {
		p.line("%s", F.title)
	} else {
		p.line("%s", F.titleFile)
	}
	if fr.Source != "" {
		p.line("  %s: %s", F.source, Clean(fr.Source))
	}
	if fr.NoteCode != "" {
		p.line("  %s: %s", F.note, Clean(rescue.NoteText(lang, fr.NoteCode)))
	} else if fr.Note != "" {
		p.line("  %s: %s", F.note, Clean(fr.Note))
	}
	errs := map[string]rescue.SourceError{}
	for _, e := range fr.Errors {
		errs[e.Part] = e
	}
	if fr.MSDM != nil || errs["msdm"].Message != "" {
		p.line("  %s:", F.msdm)
		if m := fr.MSDM; m != nil {
			if m.Key != nil {
				cls := classNames[lang][m.Key.Class]
				if cls == "" {
					cls = m.Key.Class
				}
				if m.Key.KnownProduct != "" {
					cls += ": " + m.Key.KnownProduct
				}
				p.line("    %s %s  %s", F.key, Clean(m.Key.Key), cls)
				if c := m.Key.Config; c != nil {
					p.line("    pkeyconfig: %s, %s, %q, %s", Clean(c.EditionID), Clean(c.Channel), Clean(c.Description), Clean(c.ActivationID))
				}
				if m.Key.ChecksumValid != nil {
					v := F.verdicts[rescue.VerdictValid]
					if !*m.Key.ChecksumValid {
						v = F.verdicts[rescue.VerdictBadChecksum]
					}
					p.line("    %s", v)
				}
			}
			ck := F.checksumOK
			if !m.TableChecksumOK {
				ck = F.checksumBad
			}
			p.line("    %s: %s %s %s, %s %d, %s", F.table, F.oem, Clean(m.OEMID), Clean(m.OEMTableID), F.version, m.Version, ck)
			for _, wr := range m.Warnings {
				p.line("    - %s", Clean(wr))
			}
			if m.Error != "" {
				p.line("    ! %s", Clean(m.Error))
			}
		} else {
			p.line("    %s", Clean(errs["msdm"].Message))
		}
	}
	if fr.SLIC != nil || errs["slic"].Message != "" {
		p.line("  %s:", F.slic)
		if s := fr.SLIC; s != nil {
			ck := F.checksumOK
			if !s.TableChecksumOK {
				ck = F.checksumBad
			}
			p.line("    %s %s, %s %s %s, %s", F.version, Clean(s.Version), F.oem, Clean(s.OEMID), Clean(s.OEMTableID), ck)
			if s.OEMIDMatch && s.TableIDMatch {
				p.line("    %s", F.match)
			} else {
				p.line("    %s (%s %s)", F.mismatch, Clean(s.MarkerOEMID), Clean(s.MarkerTableID))
			}
			if s.Error != "" {
				p.line("    ! %s", Clean(s.Error))
			}
		} else {
			p.line("    %s", Clean(errs["slic"].Message))
		}
	}
	if d := fr.DMI; d != nil {
		p.line("  %s:", F.dmi)
		p.line("    %s", Clean(strings.TrimSpace(strings.Join([]string{d.Vendor, d.Product, d.Version}, " "))))
		if d.Serial != "" {
			p.line("    S/N %s", Clean(d.Serial))
		} else if d.SerialUnreadable {
			p.line("    S/N %s", F.serialRoot)
		}
		if d.SKU != "" {
			p.line("    SKU %s", Clean(d.SKU))
		}
		if d.BIOSVersion != "" {
			p.line("    BIOS %s %s %s", Clean(d.BIOSVendor), Clean(d.BIOSVersion), Clean(d.BIOSDate))
		}
		if d.BoardName != "" {
			p.line("    board %s %s", Clean(d.BoardVendor), Clean(d.BoardName))
		}
	}
	for _, e := range fr.Errors {
		if e.Part != "msdm" && e.Part != "slic" {
			p.line("  ! %s", Clean(e.Message))
		}
	}
}

// WriteKeyChecks writes the result of `actrescue key check`.
func WriteKeyChecks(w io.Writer, checks []rescue.KeyCheck, opts TextOptions) error {
	F, lang := fwLang(opts.Lang)
	p := &printer{w: w}
	for i, c := range checks {
		if i > 0 {
			p.line("")
		}
		name := c.Key
		if name == "" {
			name = c.Input
		}
		p.line("%s: %s", F.keyCheck, Clean(name))
		p.line("  %s: %s", F.verdict, F.verdicts[c.Verdict])
		if c.Error != "" {
			p.line("  ! %s", Clean(c.Error))
		}
		for _, n := range c.Notes {
			p.line("  * %s", Clean(n))
		}
		if !c.WellFormed {
			continue
		}
		if c.Format == "pkey2009" {
			line := fmt.Sprintf("  %s %d, %s %d, N @ %d", F.group, c.Group, F.serial, c.Serial, c.NPosition)
			if c.Upgrade {
				line += ", " + F.upgrade
			}
			p.line("%s", line)
		}
		if c.Verdict == rescue.VerdictBadChecksum {
			p.line("  %s", F.typo)
			continue
		}
		cls := classNames[lang][c.Class]
		if cls == "" {
			cls = c.Class
		}
		if c.KnownProduct != "" {
			cls += ": " + c.KnownProduct
		}
		p.line("  %s", cls)
		if cf := c.Config; cf != nil {
			p.line("  pkeyconfig: %s, %s, %q, %s", Clean(cf.EditionID), Clean(cf.Channel), Clean(cf.Description), Clean(cf.ActivationID))
		} else if c.ConfigNote != "" {
			p.line("  pkeyconfig: %s", c.ConfigNote)
		}
	}
	if len(checks) > 0 {
		p.line("")
		p.line("%s", F.honest)
	}
	return p.err
}
