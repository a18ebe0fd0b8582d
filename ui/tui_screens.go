package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/actrescue/actrescue/rescue"
)

// ---- Targets -------------------------------------------------------------------

func (a *tui) buildTargets() {
	intro := tview.NewTextView().SetDynamicColors(true).SetWrap(false)
	intro.SetBorderPadding(0, 0, 1, 1)
	intro.SetText(a.th.dim(tview.Escape(a.t("t.intro"))))
	a.targetsTable = a.table()
	a.targetsTable.SetSelectedFunc(func(row, _ int) {
		if ti, ok := a.targetAt(row); ok {
			a.scan(ti.Path)
		}
	})
	a.targetsTable.SetSelectionChangedFunc(func(row, _ int) {
		if ti, ok := a.targetAt(row); ok && ti.Err != "" {
			a.flash(a.th.warn(esc(ti.Err)))
		}
	})
	a.openField = a.inputField(a.t("t.open"), a.t("t.open.ph"))
	a.openField.SetDoneFunc(func(key tcell.Key) {
		switch key {
		case tcell.KeyEnter:
			p := strings.TrimSpace(a.openField.GetText())
			if p == "" {
				a.flash(a.th.warn(tview.Escape(a.t("scan.noinput"))))
				return
			}
			a.app.SetFocus(a.targetsTable)
			a.scan(p)
		case tcell.KeyEscape, tcell.KeyTab, tcell.KeyBacktab:
			a.app.SetFocus(a.targetsTable)
		}
	})
	a.targetsFlex = tview.NewFlex().SetDirection(tview.FlexRow)
	a.addFixed(a.targetsFlex, intro, 1, 3, false)
	a.targetsFlex.AddItem(a.targetsTable, 0, 1, true)
	a.addFixed(a.targetsFlex, a.openField, 1, 2, false)
	a.box(a.targetsFlex.Box, pTargets)
	a.pages.AddPage(pTargets, a.targetsFlex, true, true)
}

func (a *tui) targetAt(row int) (TargetInfo, bool) {
	if row < 1 || row-1 >= len(a.targetRows) {
		return TargetInfo{}, false
	}
	return a.targets[a.targetRows[row-1]], true
}

// refreshTargets lists the disks again, off the UI goroutine.
func (a *tui) refreshTargets() {
	if a.listing {
		return
	}
	a.listing = true
	a.flash(tview.Escape(a.t("listing")))
	go func() {
		list, err := a.be.ListTargets()
		a.app.QueueUpdateDraw(func() {
			a.listing = false
			// Keep the targets opened by path.
			known := map[string]bool{}
			for _, t := range list {
				known[t.Path] = true
			}
			for _, t := range a.targets {
				if !known[t.Path] && (t.Kind == "image" || t.Kind == "folder") {
					list = append(list, t)
				}
			}
			a.targets = list
			if a.page == pTargets {
				a.renderTargets()
			}
			msg := tview.Escape(a.tf("listed", len(list)))
			if err != nil {
				msg = a.th.warn(esc(a.tf("list.error", err.Error()))) + "  " + msg
			}
			if a.modal == "" && a.job == nil {
				a.flash(msg)
			}
		})
	}()
}

func (a *tui) targetCells(ti TargetInfo) []string {
	name := a.targetLabel(ti.Path, ti.Path)
	if ti.Name != "" {
		name = ti.Name
	}
	size := ""
	if ti.Size > 0 {
		size = HumanSize(ti.Size)
	}
	table, fs, bl := ti.Table, ti.FileSystems, ti.BitLocker
	win := a.t("t.notscanned")
	blKnown := ti.Table != ""
	if st := a.scanned[ti.Path]; st != nil {
		if st.table != "" {
			table = st.table
		}
		if len(st.fs) > 0 {
			fs = st.fs
		}
		bl = bl || st.bitlocker
		blKnown = blKnown || st.table != ""
		switch {
		case st.err != "":
			win = a.t("t.error")
		case st.installs == 0 && st.previous == 0:
			win = a.t("no")
		case st.previous > 0:
			win = a.tf("t.foundprev", st.installs, st.previous)
		default:
			win = a.tf("t.found", st.installs)
		}
	} else if ti.Err != "" {
		win = a.t("t.error")
	} else if ti.WindowsChecked {
		win = a.t("no")
		if ti.Windows > 0 {
			win = a.tf("t.found", ti.Windows)
		}
	}
	blText := a.t("unknown")
	if bl {
		blText = a.t("yes")
	} else if blKnown {
		blText = a.t("no")
	}
	fsText := strings.Join(fs, ",")
	if fsText == "" && ti.Err != "" {
		fsText = ti.Err
	}
	return []string{name, size, table, fsText, blText, win}
}

func (a *tui) renderTargets() {
	tb := a.targetsTable
	row, _ := tb.GetSelection()
	tb.Clear()
	heads := []string{a.t("t.path"), a.t("t.size"), a.t("t.table"), a.t("t.fs"), a.t("t.bitlocker"), a.t("t.windows")}
	a.tableHeader(tb, heads)
	f := strings.ToLower(a.filters[pTargets])
	a.targetRows = a.targetRows[:0]
	for i, ti := range a.targets {
		cells := a.targetCells(ti)
		if f != "" && !strings.Contains(strings.ToLower(strings.Join(cells, " ")+" "+ti.Path), f) {
			continue
		}
		a.targetRows = append(a.targetRows, i)
		r := len(a.targetRows)
		for c, s := range cells {
			cell := tview.NewTableCell(esc(s))
			switch c {
			case 0:
				cell.SetMaxWidth(28).SetExpansion(1)
			case 1:
				cell.SetAlign(tview.AlignRight)
			case 3:
				cell.SetMaxWidth(22)
			}
			tb.SetCell(r, c, cell)
		}
	}
	empty := a.t("t.empty")
	if a.listing {
		empty = a.t("listing")
	}
	a.selectRow(tb, len(a.targetRows), row, empty)
}

// selectRow selects row (clamped to the n data rows) of a table, or shows
// the empty message when there are none. It returns the selected row, 0
// when the table is empty.
func (a *tui) selectRow(tb *tview.Table, n, row int, empty string) int {
	if n == 0 {
		tb.SetCell(1, 0, tview.NewTableCell(tview.Escape(empty)).SetSelectable(false))
		return 0
	}
	row = min(max(row, 1), n)
	tb.Select(row, 0)
	return row
}

// tableHeader writes a table's header row.
func (a *tui) tableHeader(tb *tview.Table, heads []string) {
	for c, h := range heads {
		tb.SetCell(0, c, tview.NewTableCell(a.th.bold(tview.Escape(h))).SetSelectable(false))
	}
}

// ---- Scan ------------------------------------------------------------------------

func (a *tui) scan(path string) {
	if a.busy() {
		return
	}
	label := a.targetLabel(path, path)
	a.scanPath, a.scanMsg, a.scanStart = path, a.t("scan.start"), time.Now()
	m := a.openModal("scan", a.scanText(label), []string{a.t("cancel")}, 0, func(int) {
		if a.job != nil && a.job.kind == "scan" {
			a.flash(a.th.warn(tview.Escape(a.tf("stopped", a.t("job.scan")))))
			a.job.cancel()
		}
	})
	a.startJob("scan", func(ctx context.Context, j *job) {
		tick := time.NewTicker(250 * time.Millisecond)
		stop := make(chan struct{})
		go func() {
			for {
				select {
				case <-tick.C:
					a.app.QueueUpdateDraw(func() {
						if a.modal == "scan" && a.job == j {
							m.SetText(tview.Escape(a.scanText(label)))
						}
					})
				case <-stop:
					tick.Stop()
					return
				}
			}
		}()
		rep, closeFn, err := a.be.Scan(ctx, []string{path}, func(msg string) {
			a.app.QueueUpdateDraw(func() {
				if a.job == j {
					a.scanMsg = msg
					if a.modal == "scan" {
						m.SetText(tview.Escape(a.scanText(label)))
					}
				}
			})
		})
		close(stop)
		cancelled := ctx.Err() != nil
		a.app.QueueUpdateDraw(func() {
			a.endJob(j)
			a.closeModal("scan")
			a.scanDone(path, label, rep, closeFn, err, cancelled)
		})
	})
}

func (a *tui) scanText(label string) string {
	el := time.Since(a.scanStart).Round(100 * time.Millisecond)
	return a.tf("scan.title", Clean(label)) + "\n\n" + Clean(a.scanMsg) + "\n" + a.tf("scan.elapsed", el) + "\n\n" + a.t("scan.howstop")
}

func (a *tui) scanDone(path, label string, rep *rescue.Report, closeFn func(), err error, cancelled bool) {
	if closeFn == nil {
		closeFn = func() {}
	}
	if err != nil {
		closeFn()
		if cancelled {
			a.flash(a.th.warn(tview.Escape(a.tf("scan.cancel", Clean(label)))))
			return
		}
		a.message(a.tf("scan.failed", Clean(label)) + ":\n\n" + Clean(err.Error()))
		return
	}
	st := &scanState{}
	n, keys, warns := 0, 0, 0
	var tr *rescue.TargetReport
	if rep != nil && len(rep.Targets) > 0 {
		tr = rep.Targets[0]
	}
	if tr != nil {
		st.table = tr.Table
		seen := map[string]bool{}
		for _, p := range tr.Partitions {
			if p.Content == "bitlocker" {
				st.bitlocker = true
			}
			if p.Content != "empty" && p.Content != "extended" && !seen[p.Content] {
				seen[p.Content] = true
				st.fs = append(st.fs, p.Content)
			}
		}
		if tr.Error != nil {
			st.err = rescue.Message(a.lang, tr.Error.Code, map[string]string{"target": tr.Path, "error": tr.Error.Message})
		}
	}
	if rep != nil {
		for _, t := range rep.Targets {
			warns += len(t.Warnings)
			for _, in := range t.Installations {
				n++
				keys += len(in.Keys)
				warns += len(in.Warnings)
				if in.Previous {
					st.previous++
				} else {
					st.installs++
				}
			}
		}
	}
	a.scanned[path] = st
	a.noteTarget(path, tr)
	if a.page == pTargets {
		a.renderTargets()
	}
	if n == 0 {
		closeFn()
		if cancelled {
			a.flash(a.th.warn(tview.Escape(a.tf("scan.cancel", Clean(label)))))
			return
		}
		a.message(a.noneText(label, tr))
		return
	}
	a.setReport(path, rep, closeFn, cancelled)
	a.show(pDash)
	if cancelled {
		a.flash(a.th.warn(tview.Escape(a.t("scan.partial"))))
	} else {
		a.flash(tview.Escape(a.tf("scan.done", Clean(label), n, keys, warns)))
	}
}

// noteTarget adds a target opened by path to the list, or completes its
// size.
func (a *tui) noteTarget(path string, tr *rescue.TargetReport) {
	for i := range a.targets {
		if a.targets[i].Path == path {
			if a.targets[i].Size == 0 && tr != nil {
				a.targets[i].Size = tr.Size
			}
			return
		}
	}
	ti := TargetInfo{Path: path, Kind: "image"}
	if tr != nil {
		ti.Size = tr.Size
		if tr.Kind == "folder" {
			ti.Kind = "folder"
		}
	}
	a.targets = append(a.targets, ti)
}

// noneText explains a scan that found no installation.
func (a *tui) noneText(label string, tr *rescue.TargetReport) string {
	var b strings.Builder
	if tr != nil && tr.Error != nil {
		b.WriteString(a.tf("scan.failed", Clean(label)) + ":\n" + Clean(rescue.Message(a.lang, tr.Error.Code, paramsFor(tr))))
		return b.String()
	}
	b.WriteString(a.tf("scan.none", Clean(label)))
	if tr != nil && len(tr.Partitions) > 0 {
		b.WriteString("\n\n" + a.t("scan.parts"))
		for _, p := range tr.Partitions {
			fmt.Fprintf(&b, "\n#%d %s %s %s", p.Index, p.Content, HumanSize(p.Size), Clean(p.Label))
		}
	}
	if tr != nil {
		var ws []string
		for _, w := range tr.Warnings {
			if w.Code != rescue.CodeNoWindows {
				ws = append(ws, "- "+Clean(w.Localize(a.lang)))
			}
		}
		if len(ws) > 0 {
			b.WriteString("\n\n" + a.t("scan.warnings") + "\n" + strings.Join(ws, "\n"))
		}
	}
	return b.String()
}

// ---- Overview (dashboard) -----------------------------------------------------------

var dashMenuPages = []string{pKeys, pFirmware, pHistory, pSPP, pBackup, pPlan, pGuide, pTargets}

func (a *tui) buildDash() {
	a.dashText = a.textView()
	a.dashMenu = tview.NewTable().SetSelectable(true, false).SetSelectedStyle(a.th.selStyle())
	a.dashMenu.SetSelectedFunc(func(row, _ int) {
		if row >= 0 && row < len(dashMenuPages) {
			a.show(dashMenuPages[row])
		}
	})
	label := tview.NewTextView().SetDynamicColors(true).SetWrap(false)
	label.SetBorderPadding(0, 0, 1, 1)
	label.SetText(a.th.dim(tview.Escape(a.t("d.menu"))))
	f := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(a.dashText, 0, 1, false)
	a.addFixed(f, label, 1, 4, false)
	a.addFixed(f, a.dashMenu, len(dashMenuPages), 2, true)
	a.box(f.Box, pDash)
	a.pages.AddPage(pDash, f, true, false)
}

func (a *tui) renderDash() {
	in, raw := a.curShown(), a.cur()
	if in == nil {
		return
	}
	th := a.th
	var b strings.Builder
	where := in.Root
	if in.Partition > 0 {
		where = fmt.Sprintf("#%d %s", in.Partition, in.Root)
	}
	fmt.Fprintf(&b, "%s  %s\n", th.bold(esc(in.Name)), th.dim(tview.Escape(a.tf("d.install", a.inst+1, len(a.installs))+", "+Clean(where))))
	if in.Previous {
		b.WriteString(th.warn(tview.Escape(a.t("d.previous"))) + "\n")
	}
	var facts []string
	ver := in.DisplayVersion
	if in.Version != "" {
		ver = strings.TrimSpace(ver + " " + a.t("d.build") + " " + in.Version)
	}
	if ver != "" {
		facts = append(facts, a.t("d.version")+" "+ver)
	}
	if in.EditionID != "" {
		ed := in.EditionID
		if in.Evaluation {
			ed += " (evaluation)"
		}
		facts = append(facts, a.t("d.edition")+" "+ed)
	}
	if len(facts) > 0 {
		b.WriteString(esc(strings.Join(facts, a.th.dot())) + "\n")
	}
	facts = facts[:0]
	if in.ComputerName != "" {
		facts = append(facts, a.t("d.computer")+" "+in.ComputerName)
	}
	if in.InstallDate != nil {
		facts = append(facts, a.t("d.installed")+" "+in.InstallDate.Format("2006-01-02"))
	}
	if len(facts) > 0 {
		b.WriteString(esc(strings.Join(facts, a.th.dot())) + "\n")
	}
	b.WriteString(th.bold(tview.Escape(a.label("d.verdict"))) + " " + esc(a.verdict(raw)) + "\n")
	if a.partial {
		b.WriteString(th.bad(tview.Escape(a.t("d.partial"))) + "\n")
	}
	for _, f := range in.Findings {
		mark := "*"
		msg := Clean(f.Localize(a.lang))
		if len(f.ErrorCodes) > 0 {
			msg += " (" + strings.Join(f.ErrorCodes, ", ") + ")"
		}
		line := tview.Escape(msg)
		if f.Severity != rescue.SevInfo {
			mark = "!"
			line = th.warn(line)
		}
		b.WriteString(mark + " " + line + "\n")
	}
	warns := a.warningsOf(in)
	if len(warns) == 0 {
		b.WriteString(th.good(tview.Escape(a.t("d.nowarn"))) + "\n")
	} else {
		fmt.Fprintf(&b, "%s (%d)%s\n", th.bold(tview.Escape(a.t("d.warnings"))), len(warns), a.t("colon"))
		for _, w := range warns {
			line := "- " + esc(w.Localize(a.lang))
			if w.Severity == rescue.SevError {
				line = th.bad(line)
			}
			b.WriteString(line + "\n")
		}
	}
	b.WriteString(th.dim(tview.Escape(a.tf("d.counts", len(in.Keys), len(in.History), len(in.SPPFiles), len(warns)))))
	a.dashText.SetText(b.String()).ScrollToBeginning()

	// The menu, one line per screen with its key and a summary.
	m := a.dashMenu
	row, _ := m.GetSelection()
	m.Clear()
	for i, page := range dashMenuPages {
		key := ""
		for _, s := range screenKeys {
			if s.page == page {
				key = string(s.key)
			}
		}
		detail := a.menuDetail(page, in)
		if why := a.unavailable(page); why != "" {
			detail = a.t("disabled") + " " + a.th.dash() + " " + why
		}
		m.SetCell(i, 0, tview.NewTableCell(" "+a.th.key(key)))
		m.SetCell(i, 1, tview.NewTableCell(tview.Escape(a.t(pageTitle[page]))))
		m.SetCell(i, 2, tview.NewTableCell(a.th.dim(esc(detail))).SetExpansion(1))
	}
	m.Select(min(max(row, 0), len(dashMenuPages)-1), 0)
}

// warningsOf lists the warnings of an installation, then those of its
// target that say more than "no Windows here".
func (a *tui) warningsOf(in *rescue.Installation) []rescue.Warning {
	ws := append([]rescue.Warning{}, in.Warnings...)
	if tr := a.curTarget(); tr != nil {
		for _, w := range tr.Warnings {
			if w.Code != rescue.CodeNoWindows && w.Severity != rescue.SevInfo {
				ws = append(ws, w)
			}
		}
	}
	return ws
}

func (a *tui) menuDetail(page string, in *rescue.Installation) string {
	switch page {
	case pKeys:
		counts := map[string]int{}
		var order []string
		for _, k := range in.Keys {
			c := a.classShort(k.Class)
			if counts[c] == 0 {
				order = append(order, c)
			}
			counts[c]++
		}
		parts := make([]string, 0, len(order))
		for _, c := range order {
			parts = append(parts, fmt.Sprintf("%d %s", counts[c], c))
		}
		return a.tf("m.keys", len(in.Keys), strings.Join(parts, ", "))
	case pFirmware:
		if rep := a.shownRep(); rep != nil && rep.Firmware != nil && !rep.Firmware.Host {
			return a.t("m.fw.image")
		}
		return a.t("m.firmware")
	case pHistory:
		gb := a.t("m.goback.none")
		if rb := in.Rollback; rb != nil {
			gb = a.t("m.goback.no")
			if rb.Available {
				gb = a.t("m.goback.ok")
			}
		}
		return a.tf("m.history", len(in.History), gb)
	case pSPP:
		var total int64
		for _, f := range in.SPPFiles {
			total += f.Size
		}
		return a.tf("m.spp", len(in.SPPFiles), HumanSize(total))
	case pBackup:
		return a.t("m.backup")
	case pPlan:
		if in.Previous {
			return ""
		}
		return a.tf("m.plan", len(rescue.BuildPlan(a.rep, a.cur()).Options))
	case pGuide:
		if codes := a.errorCodes(in); len(codes) > 0 {
			return a.tf("m.guide.codes", strings.Join(codes, ", "))
		}
		return a.t("m.guide")
	case pTargets:
		return a.t("m.targets")
	}
	return ""
}

func (a *tui) errorCodes(in *rescue.Installation) []string {
	var codes []string
	seen := map[string]bool{}
	add := func(c string) {
		if c != "" && !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
	}
	for _, f := range in.Findings {
		for _, c := range f.ErrorCodes {
			add(c)
		}
	}
	if rb := in.Rollback; rb != nil {
		for _, se := range rb.SetupErrors {
			if se.Message != "" {
				add(se.Code)
			}
		}
	}
	return codes
}

// editionNames shortens EditionIDs for the verdict line.
var editionNames = map[string]string{
	"core": "Home", "coren": "Home N", "coresinglelanguage": "Home Single Language", "corecountryspecific": "Home China",
	"professional": "Pro", "professionaln": "Pro N", "professionalworkstation": "Pro for Workstations",
	"professionaleducation": "Pro Education", "enterprise": "Enterprise", "enterprisen": "Enterprise N",
	"education": "Education", "enterprises": "Enterprise LTSC", "iotenterprise": "IoT Enterprise",
}

func editionName(id string) string {
	if n, ok := editionNames[strings.ToLower(id)]; ok {
		return n
	}
	return id
}

func keyEdition(k *rescue.KeyRecord) string {
	switch {
	case k.Config != nil && k.Config.EditionID != "":
		return k.Config.EditionID
	case k.Edition != "":
		return k.Edition
	}
	return k.KnownEdition
}

func isInstalledSource(kind string) bool {
	switch kind {
	case "DigitalProductId", "DigitalProductId4", "BackupProductKeyDefault":
		return true
	}
	return false
}

// verdict is the one-line summary of the activation evidence of in (keys
// in clear: only classes and places are printed).
func (a *tui) verdict(in *rescue.Installation) string {
	var parts []string
	var fw *rescue.FirmwareReport
	if a.rep != nil {
		fw = a.rep.Firmware
	}
	switch {
	case fw == nil:
		parts = append(parts, a.t("v.fw.unknown"))
	case fw.MSDM != nil && fw.MSDM.Key != nil:
		if e := keyEdition(fw.MSDM.Key); e != "" {
			parts = append(parts, a.tf("v.fw.key", editionName(e)))
		} else {
			parts = append(parts, a.t("v.fw.keyany"))
		}
	case !fw.Host:
		parts = append(parts, a.t("v.fw.image"))
	default:
		parts = append(parts, a.t("v.fw.none"))
	}
	if in.EditionID != "" {
		parts = append(parts, a.tf("v.installed", editionName(in.EditionID)))
	}
	installed := ""
	for _, k := range in.Keys {
		for _, s := range k.Sources {
			if isInstalledSource(s.Kind) && installed == "" {
				installed = k.Class
			}
		}
	}
	switch installed {
	case "":
		parts = append(parts, a.t("v.k.none"))
	case "generic":
		parts = append(parts, a.t("v.k.generic"))
	case "kms-client":
		parts = append(parts, a.t("v.k.kms"))
	default:
		parts = append(parts, a.t("v.k.real"))
	}
	// A real key (not generic, not KMS client, checksum not invalid) kept
	// somewhere else than the installed key.
	real := ""
	check := func(k *rescue.KeyRecord, old bool) {
		if real != "" || k.Class != "unknown" || (k.ChecksumValid != nil && !*k.ChecksumValid) {
			return
		}
		for _, s := range k.Sources {
			low := strings.ToLower(s.Kind)
			switch {
			case old || strings.HasPrefix(low, "windows.old"):
				real = a.t("v.real.old")
			case strings.Contains(low, "source os"):
				real = a.t("v.real.hist")
			case !isInstalledSource(s.Kind):
				real = a.tf("v.real.other", s.Kind)
			}
			if real != "" {
				return
			}
		}
	}
	for _, k := range in.Keys {
		check(k, false)
	}
	for _, o := range a.installs {
		if o != in && o.Previous && !in.Previous && o.Partition == in.Partition && o.Target == in.Target {
			for _, k := range o.Keys {
				check(k, true)
			}
		}
	}
	if real == "" {
		real = a.t("v.real.none")
	}
	parts = append(parts, real)
	return a.label("d.evidence") + " " + strings.Join(parts, a.t("semicolon")+" ")
}

// ---- Keys ------------------------------------------------------------------------------

func (a *tui) buildKeys() {
	a.keysTable = a.table()
	a.keyDetail = a.textView()
	a.keysTable.SetSelectionChangedFunc(func(row, _ int) { a.renderKeyDetail(row) })
	f := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(a.keysTable, 0, 1, true)
	a.addFixed(f, a.keyDetail, 7, 3, false)
	a.box(f.Box, pKeys)
	a.pages.AddPage(pKeys, f, true, false)
}

func (a *tui) classShort(class string) string {
	switch class {
	case "generic":
		return a.t("k.c.generic")
	case "kms-client":
		return a.t("k.c.kms")
	case "unknown":
		return a.t("k.c.unknown")
	}
	return class
}

func (a *tui) keySource(k *rescue.KeyRecord) string {
	var out []string
	seen := map[string]bool{}
	for _, s := range k.Sources {
		low := strings.ToLower(s.Kind)
		var c string
		switch {
		case strings.HasPrefix(low, "windows.old"):
			c = a.t("k.s.old")
		case strings.Contains(low, "source os"):
			c = a.t("k.s.hist")
		case isInstalledSource(s.Kind):
			c = a.t("k.s.inst")
		case strings.Contains(low, "defaultproductkey"):
			c = a.t("k.s.default")
		default:
			c = s.Kind
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return strings.Join(out, ", ")
}

func (a *tui) renderKeys() {
	in := a.curShown()
	tb := a.keysTable
	row, _ := tb.GetSelection()
	tb.Clear()
	a.tableHeader(tb, []string{a.t("k.key"), a.t("k.class"), a.t("k.edition"), a.t("k.channel"), a.t("k.source")})
	a.keyRows = a.keyRows[:0]
	if in == nil {
		return
	}
	f := strings.ToLower(a.filters[pKeys])
	for i, k := range in.Keys {
		ch := k.Channel
		if ch == "" && k.Config != nil {
			ch = k.Config.Channel
		}
		cells := []string{k.Key, a.classShort(k.Class), keyEdition(k), ch, a.keySource(k)}
		if f != "" && !strings.Contains(strings.ToLower(strings.Join(cells, " ")+" "+k.KnownProduct), f) {
			continue
		}
		a.keyRows = append(a.keyRows, i)
		r := len(a.keyRows)
		for c, s := range cells {
			cell := tview.NewTableCell(esc(s))
			if c == 1 && k.Class == "unknown" {
				cell.SetText(a.th.good(esc(s)))
			}
			if c == 4 {
				cell.SetExpansion(1)
			}
			tb.SetCell(r, c, cell)
		}
	}
	a.renderKeyDetail(a.selectRow(tb, len(a.keyRows), row, a.t("k.none")))
}

func (a *tui) renderKeyDetail(row int) {
	in := a.curShown()
	if in == nil || row < 1 || row-1 >= len(a.keyRows) {
		a.keyDetail.SetText("")
		return
	}
	k := in.Keys[a.keyRows[row-1]]
	L := textLabels[a.lang]
	var b strings.Builder
	cls := classNames[a.lang][k.Class]
	if cls == "" {
		cls = k.Class
	}
	if k.KnownProduct != "" {
		cls += ": " + k.KnownProduct
	}
	fmt.Fprintf(&b, "%s  %s\n", a.th.bold(esc(k.Key)), esc(cls))
	var facts []string
	if k.ChecksumValid != nil {
		v := a.t("k.valid")
		if !*k.ChecksumValid {
			v = a.t("k.invalid")
		}
		facts = append(facts, a.t("k.checksum")+" "+v)
	}
	if k.ProductID != "" {
		facts = append(facts, a.t("k.productid")+" "+k.ProductID)
	}
	if len(facts) > 0 {
		b.WriteString(esc(strings.Join(facts, a.th.dot())) + "\n")
	}
	if c := k.Config; c != nil {
		line := fmt.Sprintf("%s: %s, %s, %q", a.t("k.pkeyconfig"), c.EditionID, c.Channel, c.Description)
		if !c.Valid {
			line += " (" + L.invalidRange + ")"
		}
		b.WriteString(esc(line) + "\n")
	} else if n := L.configNotes[k.ConfigNote]; n != "" {
		b.WriteString(esc(a.t("k.pkeyconfig")+": "+n) + "\n")
	}
	b.WriteString(tview.Escape(a.label("k.foundin")) + "\n")
	for _, s := range k.Sources {
		b.WriteString("  " + esc(s.Kind) + "  " + a.th.dim(esc(s.Path)) + "\n")
	}
	a.keyDetail.SetText(b.String()).ScrollToBeginning()
}

// ---- Firmware -------------------------------------------------------------------------

func (a *tui) renderFirmware() {
	var b strings.Builder
	rep := a.shownRep()
	var fw *rescue.FirmwareReport
	image := false
	if rep != nil && rep.Firmware != nil {
		if rep.Firmware.Host {
			fw = rep.Firmware
		} else {
			image = true
		}
	}
	if image {
		b.WriteString(a.th.warn(tview.Escape(a.t("f.image"))) + "\n\n")
	}
	if fw == nil {
		switch {
		case a.hostFW != nil:
			fw = a.hostFW
			if a.masked {
				fw = rescue.MaskedCopy(&rescue.Report{Firmware: fw}).Firmware
			}
		case !a.fwLoading:
			a.fwLoading = true
			go func() {
				f := a.be.Firmware()
				a.app.QueueUpdateDraw(func() {
					a.fwLoading = false
					a.hostFW = f
					if f == nil {
						a.hostFW = &rescue.FirmwareReport{Host: true}
					}
					if a.page == pFirmware {
						a.renderFirmware()
					}
				})
			}()
			fallthrough
		default:
			b.WriteString(tview.Escape(a.t("f.loading")))
			a.fwText.SetText(b.String())
			return
		}
	}
	var buf bytes.Buffer
	_ = WriteFirmware(&buf, fw, TextOptions{Lang: a.lang})
	text := strings.TrimRight(buf.String(), "\n")
	if strings.TrimSpace(text) == "" {
		text = a.t("f.none")
	}
	b.WriteString(tview.Escape(text))
	a.fwText.SetText(b.String()).ScrollToBeginning()
}

// ---- History & rollback -------------------------------------------------------------------

func (a *tui) renderHistory() {
	in := a.curShown()
	if in == nil {
		return
	}
	th := a.th
	var b strings.Builder
	day := func(ts ...*time.Time) string {
		for _, t := range ts {
			if t != nil {
				return t.Format("2006-01-02")
			}
		}
		return a.t("hi.nodate")
	}
	b.WriteString(th.bold(tview.Escape(a.t("hi.timeline"))) + "\n")
	if len(in.History) == 0 {
		b.WriteString("  " + tview.Escape(a.t("hi.none")) + "\n")
	}
	for _, e := range in.History {
		when := day(e.InstallTime, e.InstallDate)
		if e.InstallTime == nil && e.InstallDate == nil && e.LastWrite != nil {
			when = e.LastWrite.Format("2006-01-02") + "*"
		}
		line := fmt.Sprintf("  %-11s %s %s", when, Clean(e.Name), Clean(strings.TrimSpace(e.DisplayVersion+" "+e.CurrentBuild)))
		b.WriteString(tview.Escape(line))
		if len(e.Keys) > 0 {
			b.WriteString(th.dim(tview.Escape("  " + a.t("hi.keys") + ": " + Clean(strings.Join(e.Keys, ", ")))))
		}
		b.WriteString("\n")
	}
	cur := fmt.Sprintf("  %-11s %s %s", day(in.InstallTime, in.InstallDate), Clean(in.Name), Clean(strings.TrimSpace(in.DisplayVersion+" "+in.CurrentBuild)))
	b.WriteString(th.bold(tview.Escape(cur)) + th.dim(tview.Escape("  <- "+a.t("hi.now"))) + "\n\n")

	rb := in.Rollback
	b.WriteString(th.bold(tview.Escape(a.label("hi.goback"))) + " ")
	switch {
	case rb == nil:
		b.WriteString(tview.Escape(a.t("hi.nodata")) + "\n")
	case rb.Available && rb.Deadline != nil:
		left := time.Duration(rb.Remaining).Round(time.Hour)
		b.WriteString(th.good(tview.Escape(a.tf("hi.ok", rb.Deadline.Format("2006-01-02 15:04 UTC"), left))) + "\n")
		b.WriteString("  " + tview.Escape(a.t("hi.okhow")) + "\n")
	default:
		b.WriteString(th.bad(tview.Escape(a.t("hi.no"))) + "\n")
		for _, r := range rb.Reasons {
			b.WriteString("  - " + esc(rescue.RollbackReasonText(a.lang, r, rb)) + "\n")
		}
	}
	if rb != nil {
		if rb.Deadline != nil {
			b.WriteString("  " + tview.Escape(a.t("hi.deadline")+": "+rb.Deadline.Format("2006-01-02 15:04 UTC")+" ("+a.tf("hi.window", rb.WindowDays, rb.WindowSource)+")") + "\n")
		}
		old := a.t("hi.absent")
		if rb.WindowsOld {
			old = a.t("hi.incomplet")
			if rb.WindowsOldComplete {
				old = a.t("hi.complete")
			}
			if rb.WindowsOldBuild != "" {
				old += ", build " + rb.WindowsOldBuild
			}
		}
		b.WriteString("  " + esc(a.t("hi.winold")+": "+old) + "\n")
		if len(rb.UpgradeTimes) > 0 {
			b.WriteString("  " + tview.Escape(a.label("hi.times")) + "\n")
			for _, ts := range rb.UpgradeTimes {
				b.WriteString("    " + esc(ts.Time.Format("2006-01-02 15:04 UTC")+"  "+ts.Source) + "\n")
			}
			if rb.TimesDisagree {
				b.WriteString("    " + th.warn(tview.Escape(a.t("hi.disagree"))) + "\n")
			}
		}
		if len(rb.SetupErrors) > 0 {
			b.WriteString("  " + tview.Escape(a.label("hi.setuperr")) + "\n")
			for _, se := range rb.SetupErrors {
				line := fmt.Sprintf("    %s x%d  %s", se.Code, se.Count, se.Log)
				b.WriteString(esc(line))
				if se.Message != "" {
					b.WriteString(th.dim(tview.Escape("  (8: " + a.t("s.guide") + ")")))
				}
				b.WriteString("\n")
			}
		}
		if len(rb.SetupLogs) > 0 {
			b.WriteString("  " + tview.Escape(a.label("hi.logs")) + "\n")
			for _, l := range rb.SetupLogs {
				b.WriteString("    " + esc(l) + "\n")
			}
		}
		b.WriteString("\n" + th.dim(tview.Escape(a.t("hi.clock"))))
	}
	a.histText.SetText(b.String()).ScrollToBeginning()
}

// ---- SPP store -----------------------------------------------------------------------------

type sppRow struct {
	kind, role, path, sha, mft, err string
	size                            int64
	modified                        *time.Time
	dirty                           bool
}

func (a *tui) buildSPP() {
	a.sppHead = tview.NewTextView().SetDynamicColors(true).SetWrap(true)
	a.sppHead.SetBorderPadding(0, 0, 1, 1)
	a.sppTable = a.table()
	a.sppDetail = a.textView()
	a.sppTable.SetSelectionChangedFunc(func(row, _ int) { a.renderSPPDetail(row) })
	f := tview.NewFlex().SetDirection(tview.FlexRow)
	a.addFixed(f, a.sppHead, 2, 4, false)
	f.AddItem(a.sppTable, 0, 1, true)
	a.addFixed(f, a.sppDetail, 4, 4, false)
	a.box(f.Box, pSPP)
	a.pages.AddPage(pSPP, f, true, false)
}

func (a *tui) allSPPRows() []sppRow {
	in := a.curShown()
	if in == nil {
		return nil
	}
	var rows []sppRow
	for _, f := range in.SPPFiles {
		rows = append(rows, sppRow{kind: "spp", role: f.Role, path: f.Path, size: f.Size, sha: f.SHA256, mft: f.MFTRef, err: f.Error, modified: f.Modified})
	}
	for _, h := range in.Hives {
		rows = append(rows, sppRow{kind: "hive", role: a.t("p.hive") + " " + h.Name, path: h.Path, size: h.Size, err: h.Error, modified: h.LastWrite, dirty: h.Dirty})
	}
	for _, f := range in.RegBack {
		rows = append(rows, sppRow{kind: "regback", role: a.t("p.regback"), path: f.Path, size: f.Size, sha: f.SHA256, mft: f.MFTRef, err: f.Error, modified: f.Modified})
	}
	return rows
}

func (a *tui) renderSPP() {
	in := a.curShown()
	if in == nil {
		return
	}
	var total int64
	for _, f := range in.SPPFiles {
		total += f.Size
	}
	store := in.TokenStore
	if store == "" {
		store = a.t("none")
	}
	a.sppHead.SetText(a.th.bold(tview.Escape(a.label("p.store"))) + " " + esc(store) + "\n" +
		a.th.dim(tview.Escape(a.tf("p.files", len(in.SPPFiles), HumanSize(total)))))
	tb := a.sppTable
	row, _ := tb.GetSelection()
	tb.Clear()
	a.tableHeader(tb, []string{a.t("p.role"), a.t("p.size"), a.t("p.sha"), a.t("p.path")})
	f := strings.ToLower(a.filters[pSPP])
	a.sppRows = a.sppRows[:0]
	for _, r := range a.allSPPRows() {
		sha := r.sha
		if len(sha) > 16 {
			sha = sha[:16]
		}
		if r.err != "" {
			sha = "!"
		}
		cells := []string{r.role, HumanSize(r.size), sha, r.path}
		if f != "" && !strings.Contains(strings.ToLower(strings.Join(cells, " ")+" "+r.sha), f) {
			continue
		}
		a.sppRows = append(a.sppRows, r)
		n := len(a.sppRows)
		for c, s := range cells {
			cell := tview.NewTableCell(esc(s))
			switch c {
			case 1:
				cell.SetAlign(tview.AlignRight)
			case 3:
				cell.SetExpansion(1)
			}
			if r.err != "" {
				cell.SetText(a.th.bad(esc(s)))
			}
			tb.SetCell(n, c, cell)
		}
	}
	a.renderSPPDetail(a.selectRow(tb, len(a.sppRows), row, a.t("p.none")))
}

func (a *tui) renderSPPDetail(row int) {
	if row < 1 || row-1 >= len(a.sppRows) {
		a.sppDetail.SetText("")
		return
	}
	r := a.sppRows[row-1]
	var b strings.Builder
	b.WriteString(esc(r.path) + "\n")
	if r.sha != "" {
		b.WriteString("SHA-256 " + esc(r.sha) + "\n")
	}
	var facts []string
	if r.modified != nil {
		facts = append(facts, a.t("p.modified")+" "+r.modified.Format("2006-01-02 15:04 UTC"))
	}
	if r.mft != "" {
		facts = append(facts, a.t("p.mft")+" "+r.mft)
	}
	if r.dirty {
		facts = append(facts, a.t("p.dirty"))
	}
	if len(facts) > 0 {
		b.WriteString(a.th.dim(esc(strings.Join(facts, a.th.dot()))) + "\n")
	}
	if r.err != "" {
		b.WriteString(a.th.bad(esc(r.err)))
	}
	a.sppDetail.SetText(b.String())
}

// ---- Backup -----------------------------------------------------------------------------------

func (a *tui) buildBackup() {
	a.backupInfo = a.textView()
	a.backupField = a.inputField(a.t("b.dest"), a.t("b.dest.ph"))
	a.backupField.SetDoneFunc(func(key tcell.Key) {
		switch key {
		case tcell.KeyEnter:
			a.confirmBackup()
		case tcell.KeyEscape, tcell.KeyTab, tcell.KeyBacktab:
			a.app.SetFocus(a.backupOut)
		}
	})
	a.backupOut = a.textView()
	a.backupOut.SetDoneFunc(func(key tcell.Key) {
		if key == tcell.KeyEnter || key == tcell.KeyTab {
			if !a.backup.running {
				a.app.SetFocus(a.backupField)
			}
		}
	})
	pad := tview.NewFlex().AddItem(tview.NewBox(), 1, 0, false).AddItem(a.backupField, 0, 1, true).AddItem(tview.NewBox(), 1, 0, false)
	f := tview.NewFlex().SetDirection(tview.FlexRow)
	a.addFixed(f, a.backupInfo, 6, 3, false)
	a.addFixed(f, pad, 1, 2, true)
	f.AddItem(a.backupOut, 0, 1, false)
	a.box(f.Box, pBackup)
	a.pages.AddPage(pBackup, f, true, false)
}

func (a *tui) renderBackup() {
	th := a.th
	var b strings.Builder
	b.WriteString(tview.Escape(a.t("b.intro")) + "\n")
	if tr := a.curTarget(); tr != nil {
		b.WriteString(th.bold(tview.Escape(a.label("b.from"))) + " " + esc(a.targetLabel(a.repPath, tr.Path)) + "\n")
	}
	var names []string
	for _, in := range a.installs {
		s := "[" + in.ID + "] " + Clean(in.Name) + " " + Clean(in.Root)
		names = append(names, s)
	}
	b.WriteString(th.bold(tview.Escape(a.label("b.installs"))) + " " + tview.Escape(strings.Join(names, ", ")) + "\n")
	if a.opt.Mask {
		b.WriteString(th.dim(tview.Escape(a.t("b.maskon"))))
	} else {
		b.WriteString(th.dim(tview.Escape(a.t("b.maskoff"))))
	}
	a.backupInfo.SetText(b.String())

	st := a.backup
	b.Reset()
	if st.running {
		b.WriteString(tview.Escape(a.t("b.running")) + "\n\n")
	}
	if p := st.progress; p != nil && (st.running || st.res == nil) {
		const width = 30
		done := 0
		pct := 0
		if p.BytesTotal > 0 {
			done = int(int64(width) * min(p.BytesDone, p.BytesTotal) / p.BytesTotal)
			pct = int(100 * min(p.BytesDone, p.BytesTotal) / p.BytesTotal)
		}
		b.WriteString(tview.Escape(fmt.Sprintf("[%s] %3d%%", th.bar(done, width), pct)) + "\n")
		b.WriteString(tview.Escape(a.tf("b.progress", p.FilesDone, p.FilesTotal, HumanSize(p.BytesDone), HumanSize(p.BytesTotal), HumanSize(int64(p.Rate)))) + "\n")
		if p.File != "" {
			b.WriteString(th.dim(esc(p.File)) + "\n")
		}
	}
	if st.verifing {
		b.WriteString(tview.Escape(a.t("b.verifying")) + "\n")
	}
	switch err := st.err; {
	case err == nil:
	case errors.Is(err, rescue.ErrDestOnSource), errors.Is(err, rescue.ErrDestNotEmpty), errors.Is(err, rescue.ErrNoSpace), errors.Is(err, rescue.ErrNoInstall):
		b.WriteString(th.bad(esc(a.tf("b.refused", err.Error()))) + "\n")
	case errors.Is(err, context.Canceled):
		b.WriteString(th.warn(esc(a.tf("b.stopped", st.dest))) + "\n")
	default:
		b.WriteString(th.bad(esc(a.tf("b.failed", err.Error()))) + "\n")
	}
	if res := st.res; res != nil && st.err == nil {
		if v := st.verify; v != nil && v.OK() && st.verr == nil {
			b.WriteString(th.good(th.bold(tview.Escape(a.tf("b.verified", v.Checked)))) + "\n")
		} else {
			why := ""
			if st.verr != nil {
				why = st.verr.Error()
			}
			if v := st.verify; v != nil {
				var p []string
				p = append(p, v.Missing...)
				p = append(p, v.Changed...)
				p = append(p, v.Extra...)
				if len(p) > 0 {
					why += ": " + strings.Join(p, ", ")
				}
			}
			b.WriteString(th.bad(esc(a.tf("b.notok", why))) + "\n")
		}
		b.WriteString(th.bold(esc(a.tf("b.where", res.Dir))) + "\n")
		b.WriteString(tview.Escape(a.tf("b.copied", res.Copied, HumanSize(res.Bytes), res.Skipped, time.Duration(res.Elapsed).Round(time.Millisecond))) + "\n")
		for _, m := range res.Missing {
			b.WriteString(th.warn(esc(a.tf("b.missing", m))) + "\n")
		}
		for _, w := range res.Warnings {
			b.WriteString(th.warn(esc(w)) + "\n")
		}
		for _, p := range res.Plans {
			b.WriteString("\n" + esc(a.tf("b.planhead", p.Name)) + "\n")
			for i, o := range p.Options {
				title, _, _ := o.Localize(a.lang, a.masked)
				b.WriteString(esc(fmt.Sprintf("  %d. %s (%s)", i+1, title, a.likelihood(o.Likelihood))) + "\n")
			}
		}
	}
	a.backupOut.SetText(b.String())
}

func (a *tui) confirmBackup() {
	dest := strings.TrimSpace(a.backupField.GetText())
	if dest == "" {
		a.flash(a.th.warn(tview.Escape(a.t("b.nodest"))))
		return
	}
	if a.busy() {
		return
	}
	if why := a.unavailable(pBackup); why != "" {
		a.flash(a.th.warn(tview.Escape(a.disabledText(a.t("s.backup"), why))))
		return
	}
	a.backup.dest = dest
	a.openModal("confirm", a.tf("b.confirm", Clean(dest)), []string{a.t("cancel"), a.t("b.go")}, 0, func(i int) {
		if i == 1 {
			a.startBackup()
		}
	})
}

func (a *tui) startBackup() {
	if a.busy() || a.rep == nil {
		return
	}
	dest := a.backup.dest
	rep, mask := a.rep, a.opt.Mask
	a.backup = backupState{dest: dest, running: true}
	a.renderBackup()
	a.app.SetFocus(a.backupOut)
	a.startJob("backup", func(ctx context.Context, j *job) {
		var last time.Time
		res, err := a.be.Backup(ctx, rep, rescue.BackupOptions{Out: dest, Mask: mask, Progress: func(p rescue.Progress) {
			if time.Since(last) < 100*time.Millisecond && p.BytesDone < p.BytesTotal {
				return
			}
			last = time.Now()
			a.app.QueueUpdateDraw(func() {
				if a.job == j {
					a.backup.progress = &p
					if a.page == pBackup {
						a.renderBackup()
					}
				}
			})
		}})
		var v *rescue.VerifyResult
		var verr error
		if err == nil && res != nil {
			a.app.QueueUpdateDraw(func() {
				a.backup.verifing = true
				if a.page == pBackup {
					a.renderBackup()
				}
			})
			v, verr = a.be.Verify(res.Dir)
		}
		a.app.QueueUpdateDraw(func() {
			a.endJob(j)
			a.backup.running, a.backup.verifing = false, false
			a.backup.res, a.backup.err, a.backup.verify, a.backup.verr = res, err, v, verr
			if res != nil && err == nil {
				if verr == nil && v != nil && v.OK() {
					a.flash(a.th.good(tview.Escape(a.tf("b.verified", v.Checked))))
				} else {
					a.flash(a.th.bad(esc(a.tf("b.notok", fmt.Sprint(verr)))))
				}
			} else if err != nil {
				a.flash(a.th.warn(esc(err.Error())))
			}
			if a.page == pBackup {
				a.renderBackup()
				a.app.SetFocus(a.backupOut)
			}
		})
	})
}

// ---- Restore plan --------------------------------------------------------------------------------

func (a *tui) likelihood(l string) string {
	if s, ok := a.L["r.l."+l]; ok {
		return s
	}
	return l
}

func (a *tui) renderPlan() {
	raw := a.cur()
	if raw == nil {
		return
	}
	th := a.th
	plan := rescue.BuildPlan(a.rep, raw)
	var b strings.Builder
	b.WriteString(th.bold(esc(a.tf("r.head", raw.Name))) + "\n")
	for i, o := range plan.Options {
		title, why, risks := o.Localize(a.lang, a.masked)
		b.WriteString("\n" + th.bold(esc(fmt.Sprintf("%d. %s", i+1, title))) + " " + th.dim(tview.Escape("("+a.t("r.like")+" "+a.likelihood(o.Likelihood)+")")) + "\n")
		if why != "" {
			b.WriteString("   " + esc(a.t("r.why")+": "+why) + "\n")
		}
		if risks != "" {
			b.WriteString("   " + th.warn(esc(a.t("r.risks")+": "+risks)) + "\n")
		}
		for j, s := range o.Steps {
			text, cmd := o.StepLocalized(s, a.lang, a.masked)
			b.WriteString(esc(fmt.Sprintf("   %c. %s", 'a'+rune(j%26), text)) + "\n")
			if cmd != "" {
				for _, cl := range strings.Split(strings.TrimRight(cmd, "\r\n"), "\n") {
					b.WriteString("      " + th.key(esc(strings.TrimRight(cl, "\r"))) + "\n")
				}
			}
			if s.Destructive {
				b.WriteString("      " + th.bad(tview.Escape(a.t("r.destr"))) + "\n")
			}
		}
	}
	a.planText.SetText(b.String()).ScrollToBeginning()
}

// ---- Error guide ------------------------------------------------------------------------------------

func (a *tui) buildGuide() {
	a.guideField = a.inputField(a.t("g.code"), a.t("g.code.ph"))
	a.guideText = a.textView()
	a.guideField.SetDoneFunc(func(key tcell.Key) {
		switch key {
		case tcell.KeyEnter:
			a.explain(a.guideField.GetText())
		case tcell.KeyEscape, tcell.KeyTab, tcell.KeyBacktab:
			a.app.SetFocus(a.guideText)
		}
	})
	a.guideText.SetDoneFunc(func(key tcell.Key) {
		if key == tcell.KeyEnter || key == tcell.KeyTab {
			a.app.SetFocus(a.guideField)
		}
	})
	pad := tview.NewFlex().AddItem(tview.NewBox(), 1, 0, false).AddItem(a.guideField, 0, 1, true).AddItem(tview.NewBox(), 1, 0, false)
	f := tview.NewFlex().SetDirection(tview.FlexRow)
	a.addFixed(f, pad, 1, 2, true)
	f.AddItem(a.guideText, 0, 1, false)
	a.box(f.Box, pGuide)
	a.pages.AddPage(pGuide, f, true, false)
}

func (a *tui) explain(code string) {
	code = strings.TrimSpace(code)
	if code == "" {
		a.flash(a.th.warn(tview.Escape(a.t("scan.noinput"))))
		return
	}
	e, err := a.be.Explain(code)
	a.guideEntry, a.guideErr = e, ""
	if err != nil {
		a.guideEntry = nil
		if errors.Is(err, rescue.ErrUnknownCode) {
			a.guideErr = a.tf("g.unknown", Clean(code))
		} else {
			a.guideErr = a.tf("g.bad", Clean(err.Error()))
		}
	}
	a.renderGuide()
	a.app.SetFocus(a.guideText)
}

func (a *tui) renderGuide() {
	var b strings.Builder
	switch {
	case a.guideEntry != nil:
		var buf bytes.Buffer
		_ = WriteExplain(&buf, a.guideEntry, TextOptions{Lang: a.lang})
		lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
		for i, l := range lines {
			l = tview.Escape(l)
			if i == 0 {
				l = a.th.bold(l)
			}
			b.WriteString(l + "\n")
		}
	case a.guideErr != "":
		b.WriteString(a.th.warn(tview.Escape(a.guideErr)) + "\n\n" + tview.Escape(a.t("g.intro")))
	default:
		b.WriteString(tview.Escape(a.t("g.intro")))
		if in := a.cur(); in != nil {
			if codes := a.errorCodes(in); len(codes) > 0 {
				b.WriteString("\n\n" + tview.Escape(a.tf("g.codes", strings.Join(codes, ", "))))
			}
		}
	}
	a.guideText.SetText(b.String()).ScrollToBeginning()
}

// ---- Help -------------------------------------------------------------------------------------------

type binding struct {
	group, keys, desc string
	why               string // non-empty: disabled, and why
}

// bindings lists every key binding, with the reason a binding is disabled
// right now.
func (a *tui) bindings() []binding {
	mv := a.th.updown()
	arrows := "→"
	left := "←"
	if a.th.ascii {
		arrows, left = "Right", "Left"
	}
	bs := []binding{
		{"help.nav", mv + " j k", a.t("b.move"), ""},
		{"help.nav", "g G Home End", a.t("b.top"), ""},
		{"help.nav", "PgUp PgDn", a.t("b.page"), ""},
		{"help.nav", "Enter l " + arrows, a.t("b.open"), ""},
		{"help.nav", "Esc h " + left, a.t("b.back"), ""},
		{"help.nav", "/", a.t("b.filter"), ""},
		{"help.nav", "?", a.t("b.help"), ""},
		{"help.nav", "q", a.t("b.quit"), ""},
		{"help.nav", "Ctrl+C", a.t("b.ctrlc"), ""},
	}
	for _, s := range screenKeys {
		bs = append(bs, binding{"help.screens", string(s.key), a.t(pageTitle[s.page]), a.unavailable(s.page)})
	}
	mask := a.t("mask.off")
	if a.masked {
		mask = a.t("mask.on")
	}
	next := ""
	if len(a.installs) == 0 {
		next = a.t("why.noreport")
	} else if len(a.installs) == 1 {
		next = a.t("why.oneinst")
	}
	bs = append(bs,
		binding{"help.actions", "Enter", a.t("b.scan"), ""},
		binding{"help.actions", "o", a.t("b.path"), ""},
		binding{"help.actions", "r", a.t("b.rescan"), ""},
		binding{"help.actions", "e b", a.t("b.focus"), ""},
		binding{"help.actions", "m", a.t("b.mask") + " (" + strings.TrimSuffix(mask, ".") + ")", ""},
		binding{"help.actions", "i", a.t("b.next"), next},
		binding{"help.actions", "Enter", a.t("b.start"), a.unavailable(pBackup)},
		binding{"help.actions", "Enter", a.t("b.explain"), ""},
	)
	return bs
}

func (a *tui) renderHelp() {
	var b strings.Builder
	b.WriteString(a.th.bold(tview.Escape(a.t("help.title"))) + "\n")
	group := ""
	for _, k := range a.bindings() {
		if k.group != group {
			group = k.group
			b.WriteString("\n" + a.th.bold(tview.Escape(a.t(group))) + "\n")
		}
		line := fmt.Sprintf("  %s%s  ", a.th.key(tview.Escape(k.keys)), strings.Repeat(" ", max(0, 14-tview.TaggedStringWidth(k.keys))))
		if k.why != "" {
			line += a.th.dim(tview.Escape(a.disabledText(k.desc, k.why)))
		} else {
			line += tview.Escape(k.desc)
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n" + a.th.dim(tview.Escape(a.t("help.flags"))) + "\n")
	b.WriteString(a.th.dim(tview.Escape(a.t("help.ro"))))
	a.helpText.SetText(b.String()).ScrollToBeginning()
}

// sortedKeys is used by tests to compare label sets.
func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
