package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/actrescue/actrescue/rescue"
)

// DemoTarget is the path a Backend reads as the demo disk built into the
// binary.
const DemoTarget = "builtin:demo"

// TargetInfo describes one disk, image or folder on the Targets screen. The
// backend fills it from a quick look at the partition table (no volume is
// read).
type TargetInfo struct {
	Path        string   // passed back to Backend.Scan
	Name        string   // shown instead of Path when set (the demo disk)
	Kind        string   // "device", "image", "folder" or "demo"
	Size        int64    // bytes, 0 when unknown
	Table       string   // gpt, mbr, none
	FileSystems []string // ntfs, fat, bitlocker, ...
	BitLocker   bool
	// Windows counts the NTFS volumes that hold a Windows installation
	// (\Windows\System32\config\SOFTWARE); WindowsChecked says the
	// backend looked.
	Windows        int
	WindowsChecked bool
	Err            string // why the target could not be read
}

// Backend is everything the terminal interface needs from the rest of the
// program. The ui package does no disk I/O itself: cmd implements Backend.
type Backend interface {
	// ListTargets lists the local disks and the demo disk. It may return
	// targets and an error together (the demo disk, and why local disks
	// could not be listed).
	ListTargets() ([]TargetInfo, error)
	// Scan scans paths read-only. The returned function closes the targets,
	// which stay open so that Backup can read the evidence again. progress
	// receives short status lines from the scanning goroutine.
	Scan(ctx context.Context, paths []string, progress func(string)) (*rescue.Report, func(), error)
	// Firmware reads the firmware of the computer actrescue runs on.
	Firmware() *rescue.FirmwareReport
	// Backup writes a backup set of rep (a report from Scan whose targets
	// are still open). The backend adds the generated files and the source.
	Backup(ctx context.Context, rep *rescue.Report, opts rescue.BackupOptions) (*rescue.BackupResult, error)
	// Verify re-hashes a backup set.
	Verify(dir string) (*rescue.VerifyResult, error)
	// Explain looks an activation error code up.
	Explain(code string) (*rescue.GuideEntry, error)
}

// Options tune the terminal interface.
type Options struct {
	Lang    string // "en" (default) or "fr"
	NoColor bool   // monochrome: default colours, attributes only
	ASCII   bool   // ASCII borders and symbols
	Mask    bool   // keys masked at start ('m' toggles)
	Mouse   bool   // mouse support (off by default)
	// Open lists targets to scan at start (DemoTarget for the demo disk).
	Open []string
	// Screen replaces the terminal (tests use a simulation screen).
	Screen tcell.Screen
}

// The package-level look of tview at start, restored for each run.
var (
	tviewMu        sync.Mutex
	defaultBorders = tview.Borders
	defaultStyles  = tview.Styles
)

// Run shows the terminal interface until the user quits or ctx ends.
func Run(ctx context.Context, be Backend, opts Options) error {
	tviewMu.Lock()
	defer tviewMu.Unlock()
	a := newTUI(ctx, be, opts)
	return a.run()
}

// Page names.
const (
	pTargets  = "targets"
	pDash     = "dash"
	pKeys     = "keys"
	pFirmware = "firmware"
	pHistory  = "history"
	pSPP      = "spp"
	pBackup   = "backup"
	pPlan     = "plan"
	pGuide    = "guide"
	pHelp     = "help"
)

// screenKeys maps the number keys to screens.
var screenKeys = []struct {
	key  rune
	page string
}{
	{'0', pTargets}, {'1', pDash}, {'2', pKeys}, {'3', pFirmware}, {'4', pHistory},
	{'5', pSPP}, {'6', pBackup}, {'7', pPlan}, {'8', pGuide},
}

var pageTitle = map[string]string{
	pTargets: "s.targets", pDash: "s.dash", pKeys: "s.keys", pFirmware: "s.firmware", pHistory: "s.history",
	pSPP: "s.spp", pBackup: "s.backup", pPlan: "s.plan", pGuide: "s.guide", pHelp: "s.help",
}

// listPages are the screens with a filterable list.
var listPages = map[string]bool{pTargets: true, pKeys: true, pSPP: true}

type job struct {
	kind   string
	cancel context.CancelFunc
	done   chan struct{}
}

// scanState is what a scan told about one target (for the Targets table).
type scanState struct {
	installs, previous int
	err                string
	table              string
	fs                 []string
	bitlocker          bool
}

type tui struct {
	ctx  context.Context
	be   Backend
	opt  Options
	lang string
	L    map[string]string
	th   theme
	app  *tview.Application

	overlay *tview.Pages // main layout plus modals
	pages   *tview.Pages // screens
	header  *tview.Box
	root    *tview.Flex
	fixed   []fixedItem // items whose height follows the screen's
	footer  *tview.Pages
	status  *tview.TextView
	filter  *tview.InputField

	// screens
	targetsTable *tview.Table
	openField    *tview.InputField
	targetsFlex  *tview.Flex
	dashText     *tview.TextView
	dashMenu     *tview.Table
	keysTable    *tview.Table
	keyDetail    *tview.TextView
	fwText       *tview.TextView
	histText     *tview.TextView
	sppHead      *tview.TextView
	sppTable     *tview.Table
	sppDetail    *tview.TextView
	backupInfo   *tview.TextView
	backupField  *tview.InputField
	backupOut    *tview.TextView
	planText     *tview.TextView
	guideField   *tview.InputField
	guideText    *tview.TextView
	helpText     *tview.TextView

	// state
	page     string
	helpFrom string
	modal    string
	flashMsg string
	filters  map[string]string
	job      *job
	listing  bool

	targets    []TargetInfo
	targetRows []int
	scanned    map[string]*scanState
	scanMsg    string
	scanStart  time.Time
	scanPath   string

	rep       *rescue.Report // as scanned, keys in clear (Backup, BuildPlan)
	maskedRep *rescue.Report
	closeRep  func()
	repPath   string
	partial   bool
	installs  []*rescue.Installation // flattened, from rep
	inst      int
	masked    bool
	keyRows   []int
	sppRows   []sppRow

	hostFW     *rescue.FirmwareReport
	fwLoading  bool
	guideEntry *rescue.GuideEntry
	guideErr   string

	backup backupState
}

type backupState struct {
	dest     string
	running  bool
	progress *rescue.Progress
	res      *rescue.BackupResult
	verify   *rescue.VerifyResult
	verr     error
	err      error
	verifing bool
}

func newTUI(ctx context.Context, be Backend, opts Options) *tui {
	lang := opts.Lang
	if _, ok := tuiText[lang]; !ok {
		lang = "en"
	}
	a := &tui{
		ctx: ctx, be: be, opt: opts, lang: lang, L: tuiText[lang],
		th:      theme{mono: opts.NoColor, ascii: opts.ASCII},
		filters: map[string]string{}, scanned: map[string]*scanState{},
		masked: opts.Mask, page: pTargets,
	}
	a.th.apply()
	a.app = tview.NewApplication()
	if opts.Screen != nil {
		a.app.SetScreen(opts.Screen)
	}
	a.app.EnableMouse(opts.Mouse)
	a.build()
	return a
}

// t returns the label key in the interface language.
func (a *tui) t(key string) string {
	if s, ok := a.L[key]; ok {
		return s
	}
	return tuiText["en"][key]
}

func (a *tui) tf(key string, args ...any) string { return fmt.Sprintf(a.t(key), args...) }

// label returns the label key followed by a colon, spaced as the language
// wants it ("Verdict:", "Verdict :").
func (a *tui) label(key string) string { return a.t(key) + a.t("colon") }

func (a *tui) run() error {
	a.app.SetInputCapture(a.capture)
	a.app.SetBeforeDrawFunc(func(screen tcell.Screen) bool {
		a.layout(screen.Size())
		return false
	})
	if a.th.ascii {
		a.app.SetAfterDrawFunc(asciiFallback)
	}
	a.app.SetRoot(a.overlay, true)
	a.show(pTargets)
	a.refreshTargets()
	for _, p := range a.opt.Open {
		a.scan(p)
		break // one target at a time
	}
	stopWatch := make(chan struct{})
	go func() {
		select {
		case <-a.ctx.Done():
			a.app.QueueUpdate(a.quitNow)
		case <-stopWatch:
		}
	}()
	err := a.app.Run()
	close(stopWatch)
	// Stop whatever still runs, let it finish what it writes, then close
	// the targets.
	if j := a.job; j != nil {
		j.cancel()
		select {
		case <-j.done:
		case <-time.After(15 * time.Second):
		}
	}
	if a.closeRep != nil {
		a.closeRep()
		a.closeRep = nil
	}
	if err == nil && a.ctx.Err() != nil {
		err = a.ctx.Err()
	}
	return err
}

// build creates every primitive.
func (a *tui) build() {
	a.header = tview.NewBox()
	a.header.SetDrawFunc(a.drawHeader)
	a.status = tview.NewTextView().SetDynamicColors(true).SetWrap(false)
	a.filter = a.inputField(a.t("filter"), "")
	a.filter.SetChangedFunc(func(text string) {
		a.filters[a.page] = text
		a.render(a.page)
	})
	a.filter.SetDoneFunc(func(key tcell.Key) {
		if key == tcell.KeyEscape {
			a.filters[a.page] = ""
			a.render(a.page)
		}
		a.footer.SwitchToPage("status")
		a.app.SetFocus(a.focusFor(a.page))
		a.flashFilter()
	})
	a.footer = tview.NewPages().AddPage("status", a.status, true, true).AddPage("filter", a.filter, true, false)

	a.pages = tview.NewPages()
	a.buildTargets()
	a.buildDash()
	a.buildKeys()
	a.fwText = a.textView()
	a.pages.AddPage(pFirmware, a.frame(pFirmware, a.fwText), true, false)
	a.histText = a.textView()
	a.pages.AddPage(pHistory, a.frame(pHistory, a.histText), true, false)
	a.buildSPP()
	a.buildBackup()
	a.planText = a.textView()
	a.pages.AddPage(pPlan, a.frame(pPlan, a.planText), true, false)
	a.buildGuide()
	a.helpText = a.textView()
	a.pages.AddPage(pHelp, a.frame(pHelp, a.helpText), true, false)

	a.root = tview.NewFlex().SetDirection(tview.FlexRow)
	a.root.
		AddItem(a.header, 2, 0, false).
		AddItem(a.pages, 0, 1, true).
		AddItem(a.footer, 1, 0, false)
	a.overlay = tview.NewPages().AddPage("main", a.root, true, true)
}

// frame puts a screen's primitives in one bordered box titled with the
// screen name.
func (a *tui) frame(page string, items ...tview.Primitive) *tview.Flex {
	f := tview.NewFlex().SetDirection(tview.FlexRow)
	for _, it := range items {
		f.AddItem(it, 0, 1, true)
	}
	a.box(f.Box, page)
	return f
}

func (a *tui) box(b *tview.Box, page string) {
	b.SetBorder(true).SetTitle(" " + tview.Escape(a.t(pageTitle[page])) + " ").SetTitleAlign(tview.AlignLeft)
	if !a.th.mono {
		b.SetBorderColor(tcell.ColorTeal)
	}
}

func (a *tui) textView() *tview.TextView {
	tv := tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true)
	tv.SetBorderPadding(0, 0, 1, 1)
	return tv
}

func (a *tui) table() *tview.Table {
	tb := tview.NewTable().SetSelectable(true, false).SetFixed(1, 0).SetSeparator(' ')
	tb.SetSelectedStyle(a.th.selStyle())
	return tb
}

func (a *tui) inputField(label, placeholder string) *tview.InputField {
	f := tview.NewInputField().SetLabel(label).SetPlaceholder(placeholder)
	f.SetFieldStyle(a.th.fieldStyle()).SetPlaceholderStyle(a.th.placeholderStyle()).SetLabelStyle(a.th.labelStyle())
	return f
}

// fixedItem is a primitive of fixed height in a flex, shrunk on short
// screens so that the list or text next to it keeps some rows.
type fixedItem struct {
	flex  *tview.Flex
	item  tview.Primitive
	rows  int // wanted height
	share int // at most 1/share of the screen's free rows
}

func (a *tui) addFixed(f *tview.Flex, item tview.Primitive, rows, share int, focus bool) {
	f.AddItem(item, rows, 0, focus)
	a.fixed = append(a.fixed, fixedItem{f, item, rows, share})
}

// layout fits the fixed parts to the screen size.
func (a *tui) layout(w, h int) {
	head := 2
	if h < 6 {
		head = min(1, h)
	}
	a.root.ResizeItem(a.header, head, 0)
	foot := 1
	if h < 3 {
		foot = 0
	}
	a.root.ResizeItem(a.footer, foot, 0)
	free := max(0, h-head-foot-2)
	for _, f := range a.fixed {
		f.flex.ResizeItem(f.item, min(f.rows, free/f.share), 0)
	}
}

// ---- navigation ------------------------------------------------------------

// unavailable says why page cannot be shown now ("" when it can).
func (a *tui) unavailable(page string) string {
	switch page {
	case pTargets, pFirmware, pGuide, pHelp:
		return ""
	}
	if a.rep == nil {
		return a.t("why.noreport")
	}
	if len(a.installs) == 0 {
		return a.t("why.noinstall")
	}
	if page == pPlan && a.cur().Previous {
		return a.t("why.previous")
	}
	return ""
}

func (a *tui) disabledText(name, why string) string {
	return name + ": " + a.t("disabled") + " " + a.th.dash() + " " + why
}

func (a *tui) show(page string) {
	if why := a.unavailable(page); why != "" {
		a.flash(a.th.warn(tview.Escape(a.disabledText(a.t(pageTitle[page]), why))))
		return
	}
	if page == pHelp && a.page != pHelp {
		a.helpFrom = a.page
	}
	if a.footerFiltering() {
		a.footer.SwitchToPage("status")
	}
	a.page = page
	a.render(page)
	a.pages.SwitchToPage(page)
	a.app.SetFocus(a.focusFor(page))
}

func (a *tui) focusFor(page string) tview.Primitive {
	switch page {
	case pTargets:
		return a.targetsTable
	case pDash:
		return a.dashMenu
	case pKeys:
		return a.keysTable
	case pFirmware:
		return a.fwText
	case pHistory:
		return a.histText
	case pSPP:
		return a.sppTable
	case pBackup:
		return a.backupOut
	case pPlan:
		return a.planText
	case pGuide:
		return a.guideText
	case pHelp:
		return a.helpText
	}
	return a.targetsTable
}

func (a *tui) back() {
	switch a.page {
	case pHelp:
		from := a.helpFrom
		if from == "" || from == pHelp {
			from = pTargets
		}
		a.show(from)
	case pTargets:
		a.flash(tview.Escape(a.t("back.top")))
	case pDash:
		a.show(pTargets)
	default:
		if a.unavailable(pDash) == "" {
			a.show(pDash)
		} else {
			a.show(pTargets)
		}
	}
}

func (a *tui) render(page string) {
	switch page {
	case pTargets:
		a.renderTargets()
	case pDash:
		a.renderDash()
	case pKeys:
		a.renderKeys()
	case pFirmware:
		a.renderFirmware()
	case pHistory:
		a.renderHistory()
	case pSPP:
		a.renderSPP()
	case pBackup:
		a.renderBackup()
	case pPlan:
		a.renderPlan()
	case pGuide:
		a.renderGuide()
	case pHelp:
		a.renderHelp()
	}
}

func (a *tui) footerFiltering() bool {
	name, _ := a.footer.GetFrontPage()
	return name == "filter"
}

// capture handles the global keys before the focused primitive sees them.
func (a *tui) capture(ev *tcell.EventKey) *tcell.EventKey {
	if ev.Key() == tcell.KeyCtrlC {
		a.interrupt()
		return nil
	}
	if a.modal != "" {
		if a.modal == "quit" && ev.Key() == tcell.KeyRune {
			switch ev.Rune() {
			case 'y', 'Y', 'o', 'O', 'q':
				a.closeModal("quit")
				a.quitNow()
				return nil
			case 'n', 'N':
				a.closeModal("quit")
				return nil
			}
		}
		if a.modal == "confirm" && ev.Key() == tcell.KeyRune {
			switch ev.Rune() {
			case 'y', 'Y', 'o', 'O':
				a.closeModal("confirm")
				a.startBackup()
				return nil
			case 'n', 'N':
				a.closeModal("confirm")
				return nil
			}
		}
		return ev
	}
	if _, typing := a.app.GetFocus().(*tview.InputField); typing {
		return ev
	}
	switch ev.Key() {
	case tcell.KeyEscape, tcell.KeyLeft:
		a.back()
		return nil
	case tcell.KeyRight:
		return tcell.NewEventKey(tcell.KeyEnter, 0, tcell.ModNone)
	case tcell.KeyPgDn, tcell.KeyPgUp:
		if a.page == pDash {
			a.dashText.InputHandler()(ev, func(tview.Primitive) {})
			return nil
		}
	case tcell.KeyRune:
	default:
		return ev
	}
	r := ev.Rune()
	switch r {
	case '?':
		a.show(pHelp)
		return nil
	case 'q':
		a.askQuit()
		return nil
	case 'h':
		a.back()
		return nil
	case 'l':
		return tcell.NewEventKey(tcell.KeyEnter, 0, tcell.ModNone)
	case 'j':
		return tcell.NewEventKey(tcell.KeyDown, 0, tcell.ModNone)
	case 'k':
		return tcell.NewEventKey(tcell.KeyUp, 0, tcell.ModNone)
	case 'g':
		return tcell.NewEventKey(tcell.KeyHome, 0, tcell.ModNone)
	case 'G':
		return tcell.NewEventKey(tcell.KeyEnd, 0, tcell.ModNone)
	case '/':
		a.startFilter()
		return nil
	case 'm':
		a.toggleMask()
		return nil
	case 'i':
		a.nextInstall()
		return nil
	case 'r':
		if a.page == pTargets {
			a.refreshTargets()
		} else {
			a.flash(a.th.warn(tview.Escape(a.disabledText("r", a.t("why.nottarget")))))
		}
		return nil
	case 'o':
		if a.page == pTargets {
			a.app.SetFocus(a.openField)
		} else {
			a.flash(a.th.warn(tview.Escape(a.disabledText("o", a.t("why.nottarget")))))
		}
		return nil
	case 'e', 'b':
		switch a.page {
		case pTargets:
			a.app.SetFocus(a.openField)
		case pBackup:
			a.app.SetFocus(a.backupField)
		case pGuide:
			a.app.SetFocus(a.guideField)
		}
		return nil
	}
	for _, s := range screenKeys {
		if r == s.key {
			a.show(s.page)
			return nil
		}
	}
	return ev
}

func (a *tui) startFilter() {
	if !listPages[a.page] {
		a.flash(tview.Escape(a.t("filter.none")))
		return
	}
	a.filter.SetText(a.filters[a.page])
	a.footer.SwitchToPage("filter")
	a.app.SetFocus(a.filter)
}

func (a *tui) flashFilter() {
	f := a.filters[a.page]
	if f == "" {
		a.flash("")
		return
	}
	shown, total := 0, 0
	switch a.page {
	case pTargets:
		shown, total = len(a.targetRows), len(a.targets)
	case pKeys:
		shown, total = len(a.keyRows), len(a.curShown().Keys)
	case pSPP:
		shown, total = len(a.sppRows), len(a.allSPPRows())
	}
	a.flash(tview.Escape(a.tf("filter.on", f, shown, total)))
}

func (a *tui) toggleMask() {
	a.masked = !a.masked
	if a.masked {
		a.flash(tview.Escape(a.t("mask.on")))
	} else {
		a.flash(tview.Escape(a.t("mask.off")))
	}
	a.render(a.page)
}

func (a *tui) nextInstall() {
	if len(a.installs) < 2 {
		why := a.t("why.oneinst")
		if len(a.installs) == 0 {
			why = a.t("why.noreport")
		}
		a.flash(a.th.warn(tview.Escape(a.disabledText("i", why))))
		return
	}
	a.inst = (a.inst + 1) % len(a.installs)
	page := a.page
	if a.unavailable(page) != "" {
		page = pDash
	}
	a.show(page)
	in := a.curShown()
	a.flash(tview.Escape(a.tf("d.install", a.inst+1, len(a.installs)) + ": " + Clean(in.Name) + " " + Clean(in.Root)))
}

// ---- state -----------------------------------------------------------------

// shownRep is the report as displayed: masked when the keys are masked.
func (a *tui) shownRep() *rescue.Report {
	if a.rep == nil {
		return nil
	}
	if !a.masked || a.rep.Masked {
		return a.rep
	}
	if a.maskedRep == nil {
		a.maskedRep = rescue.MaskedCopy(a.rep)
	}
	return a.maskedRep
}

// cur is the selected installation, keys in clear.
func (a *tui) cur() *rescue.Installation {
	if a.inst < len(a.installs) {
		return a.installs[a.inst]
	}
	return nil
}

// curShown is the selected installation as displayed.
func (a *tui) curShown() *rescue.Installation {
	rep := a.shownRep()
	if rep == nil {
		return nil
	}
	n := 0
	for _, t := range rep.Targets {
		for _, in := range t.Installations {
			if n == a.inst {
				return in
			}
			n++
		}
	}
	return a.cur()
}

// curTarget is the target report of the selected installation.
func (a *tui) curTarget() *rescue.TargetReport {
	rep := a.shownRep()
	if rep == nil {
		return nil
	}
	n := 0
	for _, t := range rep.Targets {
		for range t.Installations {
			if n == a.inst {
				return t
			}
			n++
		}
	}
	if len(rep.Targets) > 0 {
		return rep.Targets[0]
	}
	return nil
}

func (a *tui) setReport(path string, rep *rescue.Report, closeFn func(), partial bool) {
	if a.closeRep != nil {
		a.closeRep()
	}
	a.rep, a.maskedRep, a.closeRep, a.repPath, a.partial = rep, nil, closeFn, path, partial
	a.installs = nil
	a.inst = 0
	for _, t := range rep.Targets {
		a.installs = append(a.installs, t.Installations...)
	}
	// Start on the first current installation, not a Windows.old copy.
	for i, in := range a.installs {
		if !in.Previous {
			a.inst = i
			break
		}
	}
	a.backup = backupState{}
	a.guideEntry, a.guideErr = nil, ""
	a.filters[pKeys], a.filters[pSPP] = "", ""
}

// ---- jobs ------------------------------------------------------------------

// startJob runs fn off the UI goroutine; fn must end with a QueueUpdate
// that calls a.endJob.
func (a *tui) startJob(kind string, fn func(ctx context.Context, j *job)) *job {
	ctx, cancel := context.WithCancel(a.ctx)
	j := &job{kind: kind, cancel: cancel, done: make(chan struct{})}
	a.job = j
	go func() {
		defer close(j.done)
		fn(ctx, j)
	}()
	return j
}

func (a *tui) endJob(j *job) {
	j.cancel()
	if a.job == j {
		a.job = nil
	}
}

func (a *tui) busy() bool {
	if a.job != nil {
		a.flash(a.th.warn(tview.Escape(a.tf("busy.msg", a.t("job."+a.job.kind)))))
		return true
	}
	return false
}

// interrupt is Ctrl+C: stop the running work, or quit when idle.
func (a *tui) interrupt() {
	if a.job != nil {
		a.flash(a.th.warn(tview.Escape(a.tf("stopped", a.t("job."+a.job.kind)))))
		a.job.cancel()
		if a.modal == "scan" {
			a.closeModal("scan")
		}
		return
	}
	a.quitNow()
}

func (a *tui) askQuit() {
	text := a.t("quit.ask")
	if a.job != nil {
		text += "\n\n" + a.tf("quit.running", a.t("job."+a.job.kind))
	}
	text += "\n\n(" + a.t("quit.keys") + ")"
	a.openModal("quit", text, []string{a.t("cancel"), a.t("quit")}, 0, func(i int) {
		if i == 1 {
			a.quitNow()
		}
	})
}

// quitNow cancels the running work and stops the application once that
// work has returned (a backup keeps what it wrote).
func (a *tui) quitNow() {
	j := a.job
	if j == nil {
		a.app.Stop()
		return
	}
	j.cancel()
	go func() {
		select {
		case <-j.done:
		case <-time.After(15 * time.Second):
		}
		a.app.Stop()
	}()
}

// ---- modals and status -------------------------------------------------------

func (a *tui) openModal(name, text string, buttons []string, focus int, done func(int)) *tview.Modal {
	if a.modal != "" {
		a.overlay.RemovePage(a.modal)
	}
	m := tview.NewModal().SetText(tview.Escape(text)).AddButtons(buttons)
	a.th.styleModal(m)
	m.SetFocus(focus)
	m.SetDoneFunc(func(i int, _ string) {
		a.closeModal(name)
		if done != nil {
			done(i)
		}
	})
	a.overlay.AddPage(name, m, true, true)
	a.modal = name
	a.app.SetFocus(m)
	return m
}

func (a *tui) closeModal(name string) {
	if a.modal != name {
		return
	}
	a.overlay.RemovePage(name)
	a.modal = ""
	a.app.SetFocus(a.focusFor(a.page))
}

// message shows a text with an OK button.
func (a *tui) message(text string) {
	a.openModal("message", text, []string{a.t("ok")}, 0, nil)
}

// flash sets the status line (already tagged text).
func (a *tui) flash(s string) {
	a.flashMsg = s
	a.status.SetText(" " + s)
}

// ---- header ------------------------------------------------------------------

// crumbs is the breadcrumb line, shortened to fit width cells: the
// build goes first, then the target, then the installation.
func (a *tui) crumbs(width int) string {
	app, page := a.th.bold(a.t("app")), tview.Escape(a.t(pageTitle[a.page]))
	var target, inst, build string
	if a.rep != nil && a.page != pTargets {
		if tr := a.curTarget(); tr != nil {
			target = esc(a.targetLabel(a.repPath, tr.Path))
		}
		if in := a.curShown(); in != nil {
			inst = tview.Escape(fmt.Sprintf("[%s] %s", in.ID, Clean(in.Name)))
			if in.CurrentBuild != "" {
				build = esc(" (" + in.CurrentBuild + ")")
			}
		}
	}
	join := func(parts ...string) string {
		var out []string
		for _, p := range parts {
			if p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, a.th.crumb())
	}
	variants := []string{
		join(app, target, inst+build, page),
		join(app, target, inst, page),
		join(app, inst, page),
		join(app, page),
	}
	for _, v := range variants {
		if tview.TaggedStringWidth(v) <= width {
			return v
		}
	}
	return variants[len(variants)-1]
}

func (a *tui) targetLabel(path, fallback string) string {
	if path == DemoTarget {
		return a.t("t.demo")
	}
	if path == "" {
		return fallback
	}
	return path
}

func (a *tui) badges() string {
	var b []string
	if a.job != nil {
		b = append(b, a.th.badge(tview.Escape(a.t("busy")), "black:yellow"))
	}
	if a.masked {
		b = append(b, a.th.badge(tview.Escape(a.t("masked")), "black:teal"))
	}
	b = append(b, a.th.badge(tview.Escape(a.t("readonly")), "white:maroon"))
	return strings.Join(b, " ")
}

type hint struct{ key, label string }

func (a *tui) hints() []hint {
	move := a.th.updown() + "/jk"
	var h []hint
	switch a.page {
	case pTargets:
		h = []hint{{"Enter", a.t("h.scan")}, {"o", a.t("h.path")}, {"r", a.t("h.rescan")}, {"/", a.t("h.filter")}, {move, a.t("h.move")}}
	case pDash:
		h = []hint{{"Enter", a.t("h.open")}, {"1-8", a.t("h.screens")}, {"Esc", a.t("h.back")}, {"i", a.t("h.next")}, {"m", a.t("h.mask")}}
	case pKeys:
		h = []hint{{"m", a.t("h.mask")}, {"/", a.t("h.filter")}, {"Esc", a.t("h.back")}, {move, a.t("h.move")}}
	case pSPP:
		h = []hint{{"/", a.t("h.filter")}, {"Esc", a.t("h.back")}, {move, a.t("h.move")}}
	case pBackup:
		h = []hint{{"Enter", a.t("h.dest")}, {"Esc", a.t("h.back")}, {"Ctrl+C", a.t("h.stop")}, {"m", a.t("h.mask")}}
	case pGuide:
		h = []hint{{"Enter", a.t("h.code")}, {"Esc", a.t("h.back")}, {move, a.t("h.scroll")}}
	case pHelp:
		h = []hint{{"Esc", a.t("h.close")}, {move, a.t("h.scroll")}}
	default:
		h = []hint{{"Esc", a.t("h.back")}, {move, a.t("h.scroll")}, {"1-8", a.t("h.screens")}, {"m", a.t("h.mask")}}
	}
	if a.footerFiltering() {
		h = []hint{{"Enter", a.t("h.done")}, {"Esc", a.t("h.clear")}}
	} else if a.openField.HasFocus() || a.backupField.HasFocus() || a.guideField.HasFocus() {
		// (Not app.GetFocus: the header is drawn under the application's lock.)
		h = []hint{{"Enter", a.t("h.done")}, {"Esc", a.t("h.leave")}}
	}
	return h
}

func (a *tui) drawHeader(screen tcell.Screen, x, y, w, h int) (int, int, int, int) {
	fg := tcell.ColorDefault
	right := a.badges()
	rw := tview.TaggedStringWidth(right)
	left := " " + a.crumbs(w-rw-2)
	if w-rw-1 > 0 {
		tview.Print(screen, left, x, y, w-rw-1, tview.AlignLeft, fg)
	}
	tview.Print(screen, right, x+max(0, w-rw), y, min(rw, w), tview.AlignLeft, fg)
	if h < 2 {
		return x, y, w, h
	}
	// The hint line: as many hints as fit, "? help" and "q quit" always.
	tail := []hint{{"?", a.t("h.help")}, {"q", a.t("h.quit")}}
	render := func(hs []hint) string {
		parts := make([]string, 0, len(hs))
		for _, x := range hs {
			parts = append(parts, a.th.key(tview.Escape(x.key))+" "+tview.Escape(x.label))
		}
		return strings.Join(parts, "  ")
	}
	hs := a.hints()
	line := ""
	for n := len(hs); n >= 0; n-- {
		line = " " + render(append(append([]hint{}, hs[:n]...), tail...))
		if tview.TaggedStringWidth(line) <= w {
			break
		}
	}
	tview.Print(screen, line, x, y+1, w, tview.AlignLeft, fg)
	return x, y, w, h
}

// ---- theme -------------------------------------------------------------------

type theme struct{ mono, ascii bool }

// apply sets tview's package-level borders and styles.
func (th theme) apply() {
	tview.Borders = defaultBorders
	tview.Styles = defaultStyles
	if th.ascii {
		b := &tview.Borders
		b.Horizontal, b.Vertical = '-', '|'
		b.TopLeft, b.TopRight, b.BottomLeft, b.BottomRight = '+', '+', '+', '+'
		b.LeftT, b.RightT, b.TopT, b.BottomT, b.Cross = '+', '+', '+', '+', '+'
		b.HorizontalFocus, b.VerticalFocus = '=', '|'
		b.TopLeftFocus, b.TopRightFocus, b.BottomLeftFocus, b.BottomRightFocus = '+', '+', '+', '+'
	}
	s := &tview.Styles
	if th.mono {
		s.PrimitiveBackgroundColor = tcell.ColorDefault
		s.ContrastBackgroundColor = tcell.ColorDefault
		s.MoreContrastBackgroundColor = tcell.ColorDefault
		s.BorderColor = tcell.ColorDefault
		s.TitleColor = tcell.ColorDefault
		s.GraphicsColor = tcell.ColorDefault
		s.PrimaryTextColor = tcell.ColorDefault
		s.SecondaryTextColor = tcell.ColorDefault
		s.TertiaryTextColor = tcell.ColorDefault
		s.InverseTextColor = tcell.ColorDefault
		s.ContrastSecondaryTextColor = tcell.ColorDefault
		return
	}
	// 16 colours only, on the terminal's own background.
	s.PrimitiveBackgroundColor = tcell.ColorDefault
	s.ContrastBackgroundColor = tcell.ColorNavy
	s.MoreContrastBackgroundColor = tcell.ColorGreen
	s.BorderColor = tcell.ColorTeal
	s.TitleColor = tcell.ColorDefault
	s.GraphicsColor = tcell.ColorTeal
	s.PrimaryTextColor = tcell.ColorDefault
	s.SecondaryTextColor = tcell.ColorOlive
	s.TertiaryTextColor = tcell.ColorGreen
	s.InverseTextColor = tcell.ColorNavy
	s.ContrastSecondaryTextColor = tcell.ColorSilver
}

func (th theme) selStyle() tcell.Style {
	if th.mono {
		return tcell.StyleDefault.Reverse(true)
	}
	return tcell.StyleDefault.Foreground(tcell.ColorBlack).Background(tcell.ColorTeal)
}

func (th theme) fieldStyle() tcell.Style {
	if th.mono {
		return tcell.StyleDefault.Underline(true)
	}
	return tcell.StyleDefault.Foreground(tcell.ColorWhite).Background(tcell.ColorNavy)
}

func (th theme) placeholderStyle() tcell.Style {
	if th.mono {
		return tcell.StyleDefault.Underline(true).Dim(true)
	}
	return tcell.StyleDefault.Foreground(tcell.ColorSilver).Background(tcell.ColorNavy)
}

func (th theme) labelStyle() tcell.Style {
	if th.mono {
		return tcell.StyleDefault.Bold(true)
	}
	return tcell.StyleDefault.Foreground(tcell.ColorOlive).Bold(true)
}

func (th theme) styleModal(m *tview.Modal) {
	if th.mono {
		m.SetBackgroundColor(tcell.ColorDefault).SetTextColor(tcell.ColorDefault)
		m.SetButtonStyle(tcell.StyleDefault).SetButtonActivatedStyle(tcell.StyleDefault.Reverse(true))
		m.SetBorderColor(tcell.ColorDefault)
		return
	}
	m.SetBackgroundColor(tcell.ColorNavy).SetTextColor(tcell.ColorWhite)
	m.SetButtonStyle(tcell.StyleDefault.Foreground(tcell.ColorWhite).Background(tcell.ColorBlue))
	m.SetButtonActivatedStyle(tcell.StyleDefault.Foreground(tcell.ColorBlack).Background(tcell.ColorTeal))
	m.SetBorderColor(tcell.ColorWhite)
}

// Tag helpers; s is already escaped.
func (th theme) color(c, s string) string {
	if th.mono || s == "" {
		return s
	}
	return "[" + c + "]" + s + "[-]"
}
func (th theme) bold(s string) string { return "[::b]" + s + "[::-]" }
func (th theme) warn(s string) string { return th.color("olive", s) }
func (th theme) bad(s string) string {
	if th.mono {
		return th.bold(s)
	}
	return "[maroon::b]" + s + "[-::-]"
}
func (th theme) good(s string) string { return th.color("green", s) }
func (th theme) dim(s string) string  { return th.color("gray", s) }
func (th theme) key(s string) string {
	if th.mono {
		return th.bold(s)
	}
	return "[teal::b]" + s + "[-::-]"
}
func (th theme) badge(s, colors string) string {
	if th.mono {
		return "[::r] " + s + " [::-]"
	}
	return "[" + colors + ":b] " + s + " [-:-:-]"
}
func (th theme) crumb() string {
	if th.ascii {
		return " > "
	}
	return " › "
}
func (th theme) dash() string {
	if th.ascii {
		return "-"
	}
	return "—"
}
func (th theme) dot() string {
	if th.ascii {
		return " | "
	}
	return " · "
}
func (th theme) updown() string {
	if th.ascii {
		return "Up/Dn"
	}
	return "↑↓"
}
func (th theme) bar(done, width int) string {
	full, empty := "█", "░"
	if th.ascii {
		full, empty = "#", "."
	}
	return strings.Repeat(full, done) + strings.Repeat(empty, width-done)
}

// asciiFallback replaces the few non-ASCII glyphs tview draws by itself
// (the ellipsis of a cut table cell) when --ascii is given.
func asciiFallback(screen tcell.Screen) {
	w, h := screen.Size()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, comb, style, _ := screen.GetContent(x, y)
			switch {
			case r == '…':
				screen.SetContent(x, y, '~', comb, style)
			case r >= 0x2500 && r <= 0x257f:
				screen.SetContent(x, y, '+', comb, style)
			}
		}
	}
}

// esc cleans a string that came from a disk and escapes tview tags.
func esc(s string) string { return tview.Escape(Clean(s)) }
