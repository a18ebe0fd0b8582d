package ui

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/actrescue/actrescue/rescue"
)

// TextOptions tune the plain-text report.
type TextOptions struct {
	Lang    string // "en" (default) or "fr"
	Verbose bool   // also list partitions and hashes
}

type labels struct {
	configNotes  map[string]string
	invalidRange string
	target, table, partitions, installs, noInstall, keys, noKeys, sources, spp, noSPP, warnings,
	edition, version, installed, computer, owner, productID, kms, class, channel, checksum, valid, invalid,
	readStats, masked, errorLabel, hive, dirty, evaluation, history, noDate, diagnosis, destructive, readFmt, previous, goBack, goBackOK, goBackNo, clockNote, upgradeTimes, setupErrors, now, hashesOK, damaged, entries, skuPresent, skuMissing string
}

var textLabels = map[string]labels{
	"en": {
		configNotes: map[string]string{
			rescue.ConfigNoFiles:  "none on this installation: edition and channel unknown",
			rescue.ConfigNotFound: "this key is in no range of this installation's pkeyconfig (another product or version?)",
			rescue.ConfigLegacy:   "pre-Windows 8 key: cannot be mapped offline",
		},
		invalidRange: "range marked invalid",
		target:       "Target", table: "partition table", partitions: "Partitions", installs: "Windows installations",
		noInstall: "No Windows installation found.", keys: "Product keys", noKeys: "no product key found in the registry",
		sources: "found in", spp: "SPP store", noSPP: "none found", warnings: "Warnings", edition: "Edition",
		version: "Version", installed: "Installed", computer: "Computer", owner: "Owner", productID: "Product ID",
		kms: "KMS host", class: "class", channel: "channel", checksum: "checksum", valid: "valid", invalid: "INVALID",
		readStats: "read", masked: "(keys masked)", errorLabel: "ERROR", hive: "Hive", dirty: "dirty", evaluation: "evaluation edition",
		history: "Upgrade history (oldest first; the key names' dates are labels only)", noDate: "date unknown",
		readFmt: "read %s in %d calls, %s", diagnosis: "Diagnosis", previous: "previous installation kept by an upgrade or reset",
		goBack: "Go back to the previous version", goBackOK: "possible until %s (%s left); from WinRE: Troubleshoot > Advanced options > Uninstall Updates > Uninstall latest feature update",
		goBackNo: "not possible", clockNote: "dates use this computer's clock and the offline machine's recorded times, which may be wrong",
		upgradeTimes: "upgrade time", setupErrors: "setup error", now: "current",
		hashesOK: "all hashes correct", damaged: "DAMAGED (see warnings)", entries: "entries",
		skuPresent: "licences for the installed key's SKU present", skuMissing: "NO licence for the installed key's SKU", destructive: "DESTRUCTIVE: back up the key first",
	},
	"fr": {
		configNotes: map[string]string{
			rescue.ConfigNoFiles:  "absent de cette installation : édition et canal inconnus",
			rescue.ConfigNotFound: "cette clé n'est dans aucune plage du pkeyconfig de cette installation (autre produit ou version ?)",
			rescue.ConfigLegacy:   "clé antérieure à Windows 8 : non identifiable hors ligne",
		},
		invalidRange: "plage marquée invalide",
		target:       "Cible", table: "table de partitions", partitions: "Partitions", installs: "Installations de Windows",
		noInstall: "Aucune installation de Windows trouvée.", keys: "Clés de produit", noKeys: "aucune clé de produit trouvée dans le registre",
		sources: "trouvée dans", spp: "Magasin SPP", noSPP: "aucun fichier trouvé", warnings: "Avertissements", edition: "Édition",
		version: "Version", installed: "Installé le", computer: "Ordinateur", owner: "Propriétaire", productID: "ID de produit",
		kms: "Hôte KMS", class: "classe", channel: "canal", checksum: "somme de contrôle", valid: "valide", invalid: "INVALIDE",
		readStats: "lu", masked: "(clés masquées)", errorLabel: "ERREUR", hive: "Ruche", dirty: "sale", evaluation: "édition d'évaluation",
		history: "Historique des mises à niveau (du plus ancien ; la date du nom de clé n'est qu'une étiquette)", noDate: "date inconnue",
		readFmt: "%s lus en %d appels, %s", diagnosis: "Diagnostic", previous: "installation précédente conservée par une mise à niveau ou une réinitialisation",
		goBack: "Revenir à la version précédente", goBackOK: "possible jusqu'au %s (reste %s) ; depuis WinRE : Dépannage > Options avancées > Désinstaller des mises à jour > Désinstaller la dernière mise à jour de fonctionnalité",
		goBackNo: "impossible", clockNote: "les dates reposent sur l'horloge de cet ordinateur et sur les heures enregistrées par la machine hors ligne, qui peuvent être fausses",
		upgradeTimes: "date de mise à niveau", setupErrors: "erreur d'installation", now: "actuelle",
		hashesOK: "toutes les empreintes correctes", damaged: "ENDOMMAGÉ (voir les avertissements)", entries: "entrées",
		skuPresent: "licences présentes pour la référence de la clé installée", skuMissing: "AUCUNE licence pour la référence de la clé installée", destructive: "DESTRUCTIF : sauvegardez d'abord la clé",
	},
}

var classNames = map[string]map[string]string{
	"en": {"generic": "generic (installs an edition, never activates)", "kms-client": "KMS client (GVLK, needs a KMS host)", "unknown": "not a published key (possibly the real key)"},
	"fr": {"generic": "générique (installe une édition, n'active jamais)", "kms-client": "client KMS (GVLK, nécessite un hôte KMS)", "unknown": "clé non publiée (peut-être la vraie clé)"},
}

// WriteText writes the human-readable report.
func WriteText(w io.Writer, rep *rescue.Report, opts TextOptions) error {
	lang := opts.Lang
	if _, ok := textLabels[lang]; !ok {
		lang = "en"
	}
	L := textLabels[lang]
	p := &printer{w: w}
	for i, t := range rep.Targets {
		if i > 0 {
			p.line("")
		}
		writeTarget(p, t, L, lang, opts)
	}
	if rep.Firmware != nil {
		p.line("")
		writeFirmware(p, rep.Firmware, lang)
	}
	if rep.Masked {
		p.line(L.masked)
	}
	return p.err
}

func writeTarget(p *printer, t *rescue.TargetReport, L labels, lang string, opts TextOptions) {
	head := fmt.Sprintf("%s: %s", L.target, Clean(t.Path))
	if t.Size > 0 {
		head += fmt.Sprintf(" (%s", HumanSize(t.Size))
		if t.Table != "" {
			head += fmt.Sprintf(", %s %s", L.table, t.Table)
		}
		head += ")"
	}
	p.line(head)
	if t.Error != nil {
		p.line("  %s: %s", L.errorLabel, Clean(rescue.Message(lang, t.Error.Code, paramsFor(t))))
		return
	}
	if opts.Verbose && len(t.Partitions) > 0 {
		p.line("  %s:", L.partitions)
		for _, pr := range t.Partitions {
			mark := ""
			if pr.Windows {
				mark = "  [Windows]"
			}
			p.line("    #%d  %-10s %9s  %-22s %s%s", pr.Index, pr.Content, HumanSize(pr.Size), Clean(pr.Type), Clean(pr.Name), mark)
		}
	}
	if len(t.Installations) == 0 {
		p.line("  %s", L.noInstall)
	}
	for _, in := range t.Installations {
		writeInstall(p, in, L, lang, opts)
	}
	if len(t.Warnings) > 0 {
		p.line("  %s:", L.warnings)
		for _, wr := range t.Warnings {
			p.line("    - %s", Clean(wr.Localize(lang)))
		}
	}
	if t.BytesRead > 0 {
		p.line("  (%s)", fmt.Sprintf(L.readFmt, HumanSize(t.BytesRead), t.ReadCalls, time.Duration(t.Elapsed).Round(time.Millisecond)))
	}
}

func paramsFor(t *rescue.TargetReport) map[string]string {
	msg := t.Error.Message
	return map[string]string{"target": t.Path, "error": strings.TrimPrefix(msg, "cannot read "+t.Path+": ")}
}

func writeInstall(p *printer, in *rescue.Installation, L labels, lang string, opts TextOptions) {
	where := in.Root
	if in.Partition > 0 {
		where = fmt.Sprintf("#%d %s", in.Partition, in.Root)
	}
	p.line("")
	if in.Previous {
		where += ", " + L.previous
	}
	p.line("  [%s] %s  (%s)", in.ID, Clean(in.Name), Clean(where))
	ver := in.DisplayVersion
	if in.Version != "" {
		if ver != "" {
			ver += ", "
		}
		ver += "build " + in.Version
	}
	if ver != "" {
		p.line("      %-12s %s", L.version+":", Clean(ver))
	}
	ed := in.EditionID
	if in.CompositionEditionID != "" && in.CompositionEditionID != in.EditionID {
		ed += " (composition: " + in.CompositionEditionID + ")"
	}
	if in.Evaluation {
		ed += " - " + L.evaluation
	}
	if ed != "" {
		p.line("      %-12s %s", L.edition+":", Clean(ed))
	}
	if in.InstallDate != nil {
		p.line("      %-12s %s", L.installed+":", in.InstallDate.Format("2006-01-02 15:04 UTC"))
	}
	if in.ComputerName != "" {
		p.line("      %-12s %s", L.computer+":", Clean(in.ComputerName))
	}
	if in.RegisteredOwner != "" {
		p.line("      %-12s %s", L.owner+":", Clean(strings.TrimSpace(in.RegisteredOwner+" "+in.RegisteredOrganization)))
	}
	if in.ProductID != "" {
		p.line("      %-12s %s", L.productID+":", Clean(in.ProductID))
	}
	if in.KMS != nil {
		p.line("      %-12s %s:%s", L.kms+":", Clean(in.KMS.Name), Clean(in.KMS.Port))
	}
	p.line("    %s:", L.keys)
	if len(in.Keys) == 0 {
		p.line("      %s", L.noKeys)
	}
	for _, k := range in.Keys {
		cls := classNames[lang][k.Class]
		if cls == "" {
			cls = k.Class
		}
		if k.KnownProduct != "" {
			cls += ": " + k.KnownProduct
		}
		p.line("      %s  %s", Clean(k.Key), cls)
		var extra []string
		if k.Channel != "" {
			extra = append(extra, L.channel+" "+k.Channel)
		}
		if k.Edition != "" {
			extra = append(extra, k.Edition)
		}
		if k.ChecksumValid != nil {
			v := L.valid
			if !*k.ChecksumValid {
				v = L.invalid
			}
			extra = append(extra, L.checksum+" "+v)
		}
		if len(extra) > 0 {
			p.line("        %s", Clean(strings.Join(extra, ", ")))
		}
		if c := k.Config; c != nil {
			line := fmt.Sprintf("pkeyconfig: %s, %s, %q, %s", c.EditionID, c.Channel, c.Description, c.ActivationID)
			if !c.Valid {
				line += " (" + L.invalidRange + ")"
			}
			p.line("        %s", Clean(line))
		} else if n := L.configNotes[k.ConfigNote]; n != "" {
			p.line("        pkeyconfig: %s", n)
		}
		kinds := make([]string, 0, len(k.Sources))
		for _, s := range k.Sources {
			kinds = append(kinds, s.Kind)
		}
		p.line("        %s: %s", L.sources, Clean(strings.Join(kinds, ", ")))
		if opts.Verbose {
			for _, s := range k.Sources {
				p.line("          %s", Clean(s.Path))
			}
		}
	}
	if len(in.History) > 0 {
		p.line("    %s:", L.history)
		channel := map[string]string{}
		for _, k := range in.Keys {
			switch {
			case k.Config != nil:
				channel[k.Key] = k.Config.Channel
			case k.Channel != "":
				channel[k.Key] = k.Channel
			}
		}
		keyText := func(keys []string) string {
			var out []string
			for _, k := range keys {
				if c := channel[k]; c != "" {
					k += " (" + c + ")"
				}
				out = append(out, k)
			}
			return strings.Join(out, ", ")
		}
		for _, e := range in.History {
			when := L.noDate
			switch {
			case e.InstallTime != nil:
				when = e.InstallTime.Format("2006-01-02")
			case e.InstallDate != nil:
				when = e.InstallDate.Format("2006-01-02")
			case e.LastWrite != nil:
				when = e.LastWrite.Format("2006-01-02") + "*"
			}
			ver := strings.TrimSpace(e.DisplayVersion + " " + e.CurrentBuild)
			line := fmt.Sprintf("      %-10s  %s %s", when, Clean(e.Name), Clean(ver))
			if len(e.Keys) > 0 {
				line += "  " + Clean(keyText(e.Keys))
			}
			p.line("%s", line)
		}
		// The current generation closes the timeline.
		var cur []string
		for _, k := range in.Keys {
			for _, s := range k.Sources {
				if s.Kind == "DigitalProductId" || s.Kind == "DigitalProductId4" {
					cur = append(cur, k.Key)
					break
				}
			}
		}
		when := L.noDate
		switch {
		case in.InstallTime != nil:
			when = in.InstallTime.Format("2006-01-02")
		case in.InstallDate != nil:
			when = in.InstallDate.Format("2006-01-02")
		}
		line := fmt.Sprintf("      %-10s  %s %s (%s)", when, Clean(in.Name), Clean(strings.TrimSpace(in.DisplayVersion+" "+in.CurrentBuild)), L.now)
		if len(cur) > 0 {
			line += "  " + Clean(keyText(cur))
		}
		p.line("%s", line)
	}
	p.line("    %s:", L.spp)
	if len(in.SPPFiles) == 0 {
		p.line("      %s", L.noSPP)
	}
	for _, f := range in.SPPFiles {
		if f.Error != "" {
			p.line("      %-36s %s: %s", Clean(f.Path), L.errorLabel, Clean(f.Error))
			continue
		}
		sum := f.SHA256
		if !opts.Verbose && len(sum) > 16 {
			sum = sum[:16] + "…"
		}
		p.line("      %-56s %9s  sha256 %s", Clean(f.Path), HumanSize(f.Size), sum)
	}
	if ts := in.TokenStoreInfo; ts != nil {
		kinds := make([]string, 0, len(ts.ByKind))
		for k, n := range ts.ByKind {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
		sort.Strings(kinds)
		state := L.hashesOK
		if !ts.FileHashOK || len(ts.Problems) > 0 || ts.Error != "" {
			state = L.damaged
		}
		line := fmt.Sprintf("tokens.dat v%d: %d %s (%s), %s", ts.Version, ts.Entries, L.entries, strings.Join(kinds, ", "), state)
		if ts.InstalledSKUPresent != nil {
			if *ts.InstalledSKUPresent {
				line += "; " + L.skuPresent
			} else {
				line += "; " + L.skuMissing
			}
		}
		p.line("      %s", Clean(line))
	}
	if rb := in.Rollback; rb != nil {
		if rb.Available && rb.Deadline != nil {
			left := time.Duration(rb.Remaining).Round(time.Hour)
			p.line("    %s: %s", L.goBack, fmt.Sprintf(L.goBackOK, rb.Deadline.Format("2006-01-02 15:04 UTC"), left))
		} else {
			reasons := make([]string, 0, len(rb.Reasons))
			for _, r := range rb.Reasons {
				reasons = append(reasons, rescue.RollbackReasonText(lang, r, rb))
			}
			p.line("    %s: %s (%s)", L.goBack, L.goBackNo, Clean(strings.Join(reasons, "; ")))
		}
		if opts.Verbose || rb.TimesDisagree {
			for _, ts := range rb.UpgradeTimes {
				p.line("      %s: %s  (%s)", L.upgradeTimes, ts.Time.Format("2006-01-02 15:04 UTC"), Clean(ts.Source))
			}
		}
		for _, se := range rb.SetupErrors {
			line := fmt.Sprintf("%s: %s ×%d (%s)", L.setupErrors, se.Code, se.Count, se.Log)
			if se.Message != "" {
				line += " — actrescue explain " + se.Code
			}
			p.line("      %s", Clean(line))
		}
		p.line("      (%s)", L.clockNote)
	}
	if len(in.Findings) > 0 {
		p.line("    %s:", L.diagnosis)
		for _, f := range in.Findings {
			mark := "*"
			if f.Severity != rescue.SevInfo {
				mark = "!"
			}
			msg := f.Localize(lang)
			if len(f.ErrorCodes) > 0 {
				msg += " [" + strings.Join(f.ErrorCodes, ", ") + "]"
			}
			p.line("      %s %s", mark, Clean(msg))
			for i, st := range f.Steps {
				p.line("        %d. %s", i+1, Clean(st.Localize(lang, f.Params)))
				if st.Command != "" {
					for _, cl := range strings.Split(strings.TrimRight(st.Command, "\r\n"), "\n") {
						p.line("             %s", Clean(cl))
					}
				}
				if st.Destructive {
					p.line("             (%s)", L.destructive)
				}
			}
		}
	}
	if len(in.Warnings) > 0 {
		p.line("    %s:", L.warnings)
		for _, wr := range in.Warnings {
			p.line("      - %s", Clean(wr.Localize(lang)))
		}
	}
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) line(format string, args ...any) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
}

// HumanSize formats a byte count with binary units (KiB, MiB…).
func HumanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Clean removes control and escape characters from text that came from a
// disk before it reaches a terminal.
func Clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' {
			return ' '
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
