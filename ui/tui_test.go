package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/actrescue/actrescue/image"
	"github.com/actrescue/actrescue/rescue"
)

// ---- a Backend on the real demo disk -------------------------------------------------

var (
	demoOnce sync.Once
	demoImg  []byte
	demoErr  error
)

func demoImage(t *testing.T) []byte {
	t.Helper()
	demoOnce.Do(func() {
		f, err := os.Open(filepath.Join("..", "cmd", "actrescue", "demo.img.d2.zst"))
		if err != nil {
			demoErr = err
			return
		}
		defer f.Close()
		demoImg, demoErr = image.ReadD2Zst(f, 256<<20)
	})
	if demoErr != nil {
		t.Fatalf("demo disk: %v", demoErr)
	}
	return demoImg
}

// fakeBackend scans the demo disk for DemoTarget, blocks on "slow.img"
// until cancelled, and serves a hostile synthetic report for "evil.img".
type fakeBackend struct {
	demo     []byte
	sameDisk bool // Backup: pretend the destination is on the source disk
	slow     bool // Backup: report progress, then wait to be cancelled
	scans    int
	mu       sync.Mutex
}

func newFake(t *testing.T) *fakeBackend { return &fakeBackend{demo: demoImage(t)} }

func (f *fakeBackend) ListTargets() ([]TargetInfo, error) {
	return []TargetInfo{
		{Path: "/dev/fake0", Kind: "device", Size: 512 << 30, Table: "gpt", FileSystems: []string{"fat", "ntfs"}},
		{Path: "slow.img", Kind: "image", Size: 1 << 30, Table: "mbr", FileSystems: []string{"ntfs"}},
		{Path: "evil.img", Kind: "image", Size: 1 << 20},
		{Path: DemoTarget, Kind: "demo", Size: int64(len(f.demo)), Table: "gpt", FileSystems: []string{"fat", "ntfs"}},
	}, nil
}

func (f *fakeBackend) Scan(ctx context.Context, paths []string, progress func(string)) (*rescue.Report, func(), error) {
	f.mu.Lock()
	f.scans++
	f.mu.Unlock()
	opts := rescue.Options{Firmware: &rescue.FirmwareReport{NoteCode: rescue.CodeFirmwareNotHost, Note: "not in them"}}
	switch paths[0] {
	case DemoTarget:
		progress("reading the demo disk")
		t := image.OpenBytes("demo-disk.img", f.demo)
		return rescue.ScanTargets(ctx, []*image.Target{t}, opts), func() {}, nil
	case "slow.img":
		progress("waiting for a slow disk")
		<-ctx.Done()
		return &rescue.Report{Targets: []*rescue.TargetReport{{Path: "slow.img"}}}, func() {}, nil
	case "evil.img":
		rep := sampleReport()
		rep.Targets[0].Installations[0].ComputerName = "[red]EVIL[-]\x1b]0;title\x07"
		return rep, func() {}, nil
	}
	return nil, nil, errors.New("no such disk")
}

func (f *fakeBackend) Firmware() *rescue.FirmwareReport {
	return &rescue.FirmwareReport{Host: true, Source: "test", DMI: &rescue.DMIReport{Vendor: "FakeVendor", Product: "FakeBook"}}
}

func (f *fakeBackend) Backup(ctx context.Context, rep *rescue.Report, opts rescue.BackupOptions) (*rescue.BackupResult, error) {
	if f.slow {
		if err := os.MkdirAll(opts.Out, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(opts.Out, rescue.IncompleteName), []byte("incomplete"), 0o644); err != nil {
			return nil, err
		}
		opts.Progress(rescue.Progress{File: `\Windows\System32\spp\store\2.0\tokens.dat`, FilesDone: 1, FilesTotal: 3, BytesDone: 1 << 20, BytesTotal: 2 << 20, Rate: 1 << 20})
		<-ctx.Done()
		return &rescue.BackupResult{Dir: opts.Out}, ctx.Err()
	}
	if f.sameDisk {
		opts.Source = "/dev/fake0"
		opts.SameDisk = func(string, string) (bool, string, error) { return true, "both on /dev/fake0", nil }
	}
	return rescue.Backup(ctx, rep, opts)
}

func (f *fakeBackend) Verify(dir string) (*rescue.VerifyResult, error) { return rescue.Verify(dir) }

func (f *fakeBackend) Explain(code string) (*rescue.GuideEntry, error) { return rescue.Explain(code) }

// ---- harness ---------------------------------------------------------------------------

// sizedScreen keeps its size across the Init that tview does.
type sizedScreen struct {
	tcell.SimulationScreen
	w, h int
}

func (s *sizedScreen) Init() error {
	if err := s.SimulationScreen.Init(); err != nil {
		return err
	}
	s.SetSize(s.w, s.h)
	return nil
}

type harness struct {
	t    *testing.T
	a    *tui
	s    *sizedScreen
	done chan error
}

func start(t *testing.T, w, h int, be Backend, opts Options) *harness {
	t.Helper()
	s := &sizedScreen{SimulationScreen: tcell.NewSimulationScreen("UTF-8"), w: w, h: h}
	opts.Screen = s
	ctx, cancel := context.WithCancel(context.Background())
	h0 := &harness{t: t, s: s, done: make(chan error, 1)}
	h0.a = newTUI(ctx, be, opts)
	go func() { h0.done <- h0.a.run() }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h0.done:
		case <-time.After(5 * time.Second):
			t.Error("the interface did not stop")
		}
		// Leave tview's globals as they were for the next test.
		resetTview()
	})
	h0.waitFor("READ-ONLY", "LECTURE SEULE")
	return h0
}

// do runs f on the UI goroutine and waits for it.
func (h *harness) do(f func()) {
	h.t.Helper()
	ch := make(chan struct{})
	h.a.app.QueueUpdate(func() { f(); close(ch) })
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		h.t.Fatal("the UI goroutine does not answer")
	}
}

// cells copies the screen, read on the UI goroutine.
func (h *harness) cells() ([]tcell.SimCell, int, int) {
	h.t.Helper()
	var cells []tcell.SimCell
	var w, ht int
	h.do(func() {
		c, cw, ch := h.s.GetContents()
		cells = append([]tcell.SimCell(nil), c...)
		w, ht = cw, ch
	})
	return cells, w, ht
}

// rows reads the screen back as one string per row.
func (h *harness) rows() []string {
	cells, w, ht := h.cells()
	out := make([]string, ht)
	for y := 0; y < ht; y++ {
		var b strings.Builder
		for x := 0; x < w; x++ {
			c := cells[y*w+x]
			if len(c.Runes) == 0 {
				b.WriteByte(' ')
				continue
			}
			b.WriteString(string(c.Runes))
		}
		out[y] = b.String()
	}
	return out
}

func (h *harness) screen() string { return strings.Join(h.rows(), "\n") }

// waitFor waits until one of wants is on screen and returns the screen.
func (h *harness) waitFor(wants ...string) string {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := h.screen()
		for _, w := range wants {
			if strings.Contains(s, w) {
				return s
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%q not on screen:\n%s", wants, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitGone waits until s is no longer on screen.
func (h *harness) waitGone(s string) string {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		sc := h.screen()
		if !strings.Contains(sc, s) {
			return sc
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%q still on screen:\n%s", s, sc)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) key(k tcell.Key) { h.s.InjectKey(k, 0, tcell.ModNone) }

// goTo presses a screen key and waits until that screen is shown.
func (h *harness) goTo(key, page string) string {
	h.t.Helper()
	h.typeText(key)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var cur string
		h.do(func() { cur = h.a.page })
		if cur == page {
			h.settle()
			return h.screen()
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("key %q: screen %q, want %q:\n%s", key, cur, page, h.screen())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// scrollTo presses j until want (squashed) is on screen.
func (h *harness) scrollTo(want string) bool {
	for i := 0; i < 60; i++ {
		if strings.Contains(h.content(), want) {
			return true
		}
		h.typeText("j")
		h.settle()
	}
	return false
}

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.s.InjectKey(tcell.KeyRune, r, tcell.ModNone)
	}
}

// settle waits until the UI has handled every event injected so far.
func (h *harness) settle() {
	h.t.Helper()
	time.Sleep(30 * time.Millisecond)
	h.do(func() {})
}

// content returns the screen without borders and spaces, to find text
// that the interface wrapped.
func (h *harness) content() string {
	var b strings.Builder
	for _, r := range h.rows() {
		b.WriteString(r)
	}
	return squash(b.String())
}

func squash(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ', r == '|', r == '+', r == '=', r >= 0x2500 && r <= 0x257f:
			return -1
		}
		return r
	}, s)
}

func (h *harness) openDemo() {
	h.t.Helper()
	h.waitFor("demo disk")
	h.typeText("G")
	h.key(tcell.KeyEnter)
	h.waitFor("Verdict", "Verdict :")
}

func (h *harness) quit() {
	h.t.Helper()
	h.typeText("q")
	h.waitFor("Quit actrescue?", "Quitter actrescue ?")
	h.typeText("y")
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Fatalf("run: %v", err)
		}
		h.done <- nil // for the cleanup
	case <-time.After(5 * time.Second):
		h.t.Fatal("q then y did not quit")
	}
}

// ---- tests -------------------------------------------------------------------------------

func resetTview() { theme{}.apply() }

func TestLabelsSameKeysInEveryLanguage(t *testing.T) {
	en := sortedKeys(tuiText["en"])
	for lang, m := range tuiText {
		if got := sortedKeys(m); !reflect.DeepEqual(got, en) {
			t.Errorf("%s labels differ from en", lang)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s/%s is empty", lang, k)
			}
		}
	}
}

// The whole flow at 80x25: targets, demo disk, overview, keys masked then
// revealed, a verified backup, the error guide, help and quit.
func TestDemoFlow80x25(t *testing.T) {
	h := start(t, 80, 25, newFake(t), Options{Mask: true})
	s := h.waitFor("demo disk (built in)")
	for _, want := range []string{"Targets", "Path", "Size", "Table", "File systems", "BitLocker", "Windows", "not scanned", "/dev/fake0", "? help", "q quit", "KEYS MASKED"} {
		if !strings.Contains(s, want) {
			t.Errorf("targets screen lacks %q:\n%s", want, s)
		}
	}
	// Before a scan, Backup is disabled and help says why.
	h.goTo("?", pHelp)
	h.waitFor("Key bindings")
	if !h.scrollTo(squash("Backup: disabled — no installation found")) {
		t.Errorf("help does not say why Backup is disabled:\n%s", h.screen())
	}
	h.key(tcell.KeyEscape)
	h.waitFor("demo disk (built in)")
	h.typeText("6")
	h.waitFor("Backup: disabled")

	h.openDemo()
	s = h.waitFor("Windows 11 Pro")
	for _, want := range []string{"24H2", "10.0.26100.2771", "Professional", "DEMO-PC", "READ-ONLY"} {
		if !strings.Contains(s, want) {
			t.Errorf("overview lacks %q:\n%s", want, s)
		}
	}
	// Nothing is cut at 80 columns: the verdict and the first finding are
	// on screen in full, wrapped.
	var verdict, finding string
	h.do(func() {
		verdict = h.a.verdict(h.a.cur())
		if f := h.a.curShown().Findings; len(f) > 0 {
			finding = Clean(f[0].Localize("en"))
		}
	})
	for _, part := range []string{"firmware not in an image", "installed Pro", "generic key installed", "no real key found"} {
		if !strings.Contains(verdict, part) {
			t.Errorf("verdict %q lacks %q", verdict, part)
		}
	}
	c := h.content()
	if !strings.Contains(c, squash(verdict)) {
		t.Errorf("verdict not shown in full at 80 columns:\n%s", h.screen())
	}
	if finding == "" || !strings.Contains(c, squash(finding)) {
		t.Errorf("finding %q not shown in full:\n%s", finding, h.screen())
	}
	for _, r := range h.rows() {
		if n := len([]rune(r)); n != 80 {
			t.Errorf("row of %d cells", n)
		}
	}
	if !strings.Contains(h.rows()[1], "q quit") {
		t.Errorf("hint bar cut: %q", h.rows()[1])
	}

	// Keys: masked (--mask), then revealed with m.
	h.goTo("2", pKeys)
	s = h.waitFor("XXXXX-XXXXX-XXXXX-XXXXX-3V66T")
	if strings.Contains(s, "VK7JG") {
		t.Errorf("key shown although masked:\n%s", s)
	}
	for _, want := range []string{"Key", "Class", "Edition", "Channel", "Source", "generic", "KMS client", "Professional", "Retail", "installed"} {
		if !strings.Contains(s, want) {
			t.Errorf("keys screen lacks %q:\n%s", want, s)
		}
	}
	h.typeText("m")
	s = h.waitFor("VK7JG-NPHTM-C97JM-9MPGT-3V66T")
	if strings.Contains(s, "KEYS MASKED") {
		t.Errorf("mask badge still shown")
	}
	h.typeText("m")
	h.waitGone("VK7JG")

	// Backup into a temporary folder.
	dest := filepath.Join(t.TempDir(), "set")
	h.goTo("6", pBackup)
	h.waitFor("Destination:")
	h.key(tcell.KeyEnter) // to the destination field
	h.typeText(dest)
	h.key(tcell.KeyEnter)
	h.waitFor("Back up")
	h.typeText("y")
	s = h.waitFor("Verified")
	if !strings.Contains(h.content(), squash("The set is in "+dest)) {
		t.Errorf("backup result does not say where the set is:\n%s", s)
	}
	if _, err := os.Stat(filepath.Join(dest, rescue.ManifestName)); err != nil {
		t.Errorf("no manifest written: %v", err)
	}

	// Error guide.
	h.goTo("8", pGuide)
	h.waitFor("Code:")
	h.key(tcell.KeyEnter)
	h.typeText("0xC004F213")
	h.key(tcell.KeyEnter)
	s = h.waitFor("Likely causes")
	e, _ := rescue.Explain("0xC004F213")
	if first := strings.Fields(e.In("en").Message); !strings.Contains(s, "0xC004F213") || !strings.Contains(s, first[0]) {
		t.Errorf("explanation not shown:\n%s", s)
	}

	// Help, then quit with confirmation.
	h.goTo("?", pHelp)
	h.waitFor("Key bindings", "Navigation")
	h.key(tcell.KeyEscape)
	h.waitGone("Key bindings")
	h.quit()
}

func TestScreens120x30(t *testing.T) {
	h := start(t, 120, 30, newFake(t), Options{Open: []string{DemoTarget}})
	h.waitFor("Windows 11 Pro")
	checks := []struct {
		key, page string
		wants     []string
	}{
		{"3", pFirmware, []string{"firmware (MSDM key) is not in it", "FakeVendor FakeBook"}},
		{"4", pHistory, []string{"Timeline", "Windows 10 Pro 22H2 19045", "Go back to the previous version", "not possible", "2024-10-11"}},
		{"5", pSPP, []string{"Token store", "tokens.dat", "data.dat", "SHA-256", "KiB"}},
		{"7", pPlan, []string{"Options for Windows 11 Pro", "1.", "likelihood"}},
		{"1", pDash, []string{"Verdict", "Keys", "Restore plan"}},
	}
	for _, c := range checks {
		h.goTo(c.key, c.page)
		s := h.waitFor(c.wants[0])
		for _, w := range c.wants[1:] {
			if !strings.Contains(s, w) {
				t.Errorf("screen %s lacks %q:\n%s", c.key, w, s)
			}
		}
	}
	// i goes to the Windows.old installation; it has no restore plan.
	h.typeText("i")
	h.waitFor("[2] Windows 10 Pro")
	h.typeText("7")
	s := h.waitFor("Restore plan: disabled")
	if !strings.Contains(s, "previous installation") {
		t.Errorf("no reason for the disabled plan:\n%s", s)
	}
	// Enter in the menu opens the selected screen; Esc comes back.
	h.goTo("1", pDash)
	h.typeText("g")
	h.key(tcell.KeyEnter)
	h.waitFor("Class")
	h.key(tcell.KeyEscape)
	h.waitFor("Verdict")
	h.key(tcell.KeyEscape)
	h.waitFor("Nothing is ever written")
}

func TestHelpListsEveryBinding(t *testing.T) {
	h := start(t, 120, 30, newFake(t), Options{})
	h.typeText("?")
	h.waitFor("Key bindings")
	var text string
	var bs []binding
	h.do(func() {
		text = h.a.helpText.GetText(true)
		bs = h.a.bindings()
	})
	for _, b := range bs {
		if !strings.Contains(text, b.keys) || !strings.Contains(text, b.desc) {
			t.Errorf("help lacks %q %q", b.keys, b.desc)
		}
		if b.why != "" && !strings.Contains(text, b.why) {
			t.Errorf("help lacks the reason %q", b.why)
		}
	}
	for _, k := range []string{"Ctrl+C", "PgUp", "/", "Esc h", "Enter l", "g G", "j k"} {
		if !strings.Contains(text, k) {
			t.Errorf("help lacks %q", k)
		}
	}
	// Screen 0..8 are all listed.
	for _, s := range screenKeys {
		if !strings.Contains(text, string(s.key)+" ") {
			t.Errorf("help lacks screen key %c", s.key)
		}
	}
}

func TestScanCancel(t *testing.T) {
	for _, how := range []string{"esc", "ctrl-c"} {
		t.Run(how, func(t *testing.T) {
			h := start(t, 80, 25, newFake(t), Options{})
			h.waitFor("slow.img")
			// Filter the list down to the slow disk, then open it.
			h.typeText("/slow")
			h.key(tcell.KeyEnter)
			s := h.waitFor(`filter "slow": 1 of 4 rows`)
			if strings.Contains(s, "/dev/fake0") {
				t.Errorf("filter did not hide other rows:\n%s", s)
			}
			h.key(tcell.KeyEnter)
			h.waitFor("Scanning slow.img")
			h.waitFor("waiting for a slow disk")
			if how == "esc" {
				h.key(tcell.KeyEscape)
			} else {
				h.s.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl)
			}
			s = h.waitFor("cancelled")
			if strings.Contains(s, "Scanning slow.img") {
				t.Errorf("scan modal still shown:\n%s", s)
			}
			// The interface still answers, and is not busy any more.
			h.goTo("8", pGuide)
		})
	}
}

func TestBackupRefusedOnSourceDisk(t *testing.T) {
	fb := newFake(t)
	fb.sameDisk = true
	h := start(t, 80, 25, fb, Options{Open: []string{DemoTarget}})
	h.waitFor("Windows 11 Pro")
	h.goTo("6", pBackup)
	h.key(tcell.KeyEnter)
	dest := filepath.Join(t.TempDir(), "x")
	h.typeText(dest)
	h.key(tcell.KeyEnter)
	h.waitFor("Back up")
	h.key(tcell.KeyTab) // from Cancel to "Back up"
	h.key(tcell.KeyEnter)
	s := h.waitFor("Refused: ")
	if !strings.Contains(h.content(), squash("the backup destination is on the disk being read")) {
		t.Errorf("refusal does not say why:\n%s", s)
	}
	if _, err := os.Stat(dest); err == nil {
		if ents, _ := os.ReadDir(dest); len(ents) > 0 {
			t.Errorf("files written although refused: %v", ents)
		}
	}
}

func TestASCIIBorders(t *testing.T) {
	h := start(t, 80, 25, newFake(t), Options{ASCII: true, Open: []string{DemoTarget}})
	h.waitFor("Windows 11 Pro")
	for _, k := range []string{"1", "2", "5", "7", "?", "q"} {
		h.typeText(k)
		h.settle()
		s := h.screen()
		for _, r := range s {
			if r >= 0x2500 && r <= 0x257f || r == '…' || r == '›' {
				t.Fatalf("after %q: non-ASCII border rune %U on screen:\n%s", k, r, s)
			}
		}
		if !strings.Contains(s, "+") {
			t.Errorf("after %q: no ASCII corner on screen", k)
		}
	}
}

func TestNoColor(t *testing.T) {
	h := start(t, 80, 25, newFake(t), Options{NoColor: true, Open: []string{DemoTarget}})
	h.waitFor("Windows 11 Pro")
	for _, k := range []string{"1", "2", "6", "?", "q"} {
		h.typeText(k)
		h.settle()
		cells, w, _ := h.cells()
		for i, c := range cells {
			fg, bg, _ := c.Style.Decompose()
			if fg != tcell.ColorDefault || bg != tcell.ColorDefault {
				t.Fatalf("after %q: cell (%d,%d) %q has colours %v/%v", k, i%w, i/w, string(c.Runes), fg, bg)
			}
		}
	}
}

func TestFrench(t *testing.T) {
	h := start(t, 80, 25, newFake(t), Options{Lang: "fr", Open: []string{DemoTarget}})
	s := h.waitFor("Verdict :")
	for _, want := range []string{"LECTURE SEULE", "Synthèse", "? aide", "q quitter", "clé générique installée"} {
		if !strings.Contains(h.screen(), want) && !strings.Contains(h.content(), squash(want)) {
			t.Errorf("French screen lacks %q:\n%s", want, s)
		}
	}
}

func TestNarrowTerminalDoesNotPanic(t *testing.T) {
	h := start(t, 30, 8, newFake(t), Options{Open: []string{DemoTarget}})
	h.waitFor("READ-ONLY")
	time.Sleep(200 * time.Millisecond)
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "?", "0", "/", "x"} {
		h.typeText(k)
		h.settle()
	}
	h.key(tcell.KeyEscape)
	h.settle()
	for _, size := range [][2]int{{10, 3}, {1, 1}, {80, 25}} {
		h.do(func() {
			h.s.SetSize(size[0], size[1])
		})
		h.s.PostEvent(tcell.NewEventResize(size[0], size[1]))
		h.settle()
	}
	h.typeText("1")
	h.waitFor("READ-ONLY")
}

// Strings from the disk cannot inject tags or escape sequences.
func TestHostileStringsAreCleaned(t *testing.T) {
	h := start(t, 120, 30, newFake(t), Options{Open: []string{"evil.img"}})
	s := h.waitFor("Verdict")
	if strings.ContainsRune(s, 0x1b) {
		t.Errorf("escape character on screen")
	}
	for _, want := range []string{"Windows 11 Pro[2J", "[red]EVIL[-]]0;title"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q not shown cleaned and escaped:\n%s", want, s)
		}
	}
}

// A running backup shows its progress; q warns that it runs; Ctrl+C stops
// it and keeps what was written.
func TestBackupProgressAndStop(t *testing.T) {
	fb := newFake(t)
	fb.slow = true
	h := start(t, 80, 25, fb, Options{Open: []string{DemoTarget}})
	h.waitFor("Windows 11 Pro")
	h.goTo("6", pBackup)
	h.key(tcell.KeyEnter)
	dest := filepath.Join(t.TempDir(), "set")
	h.typeText(dest)
	h.key(tcell.KeyEnter)
	h.waitFor("Back up")
	h.typeText("y")
	s := h.waitFor("1/3 files")
	for _, want := range []string{" 50%", "1.0 MiB of 2.0 MiB", "1.0 MiB/s", "tokens.dat", "BUSY", "Ctrl+C stops"} {
		if !strings.Contains(s, want) {
			t.Errorf("progress lacks %q:\n%s", want, s)
		}
	}
	h.typeText("q")
	s = h.waitFor("Quit actrescue?")
	if !strings.Contains(h.content(), squash("A backup is running")) {
		t.Errorf("quit does not warn about the running backup:\n%s", s)
	}
	h.typeText("n")
	h.waitGone("Quit actrescue?")
	h.s.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl)
	h.waitFor("Backup stopped")
	if _, err := os.Stat(filepath.Join(dest, rescue.IncompleteName)); err != nil {
		t.Errorf("what was written is gone: %v", err)
	}
	h.waitGone("BUSY")
}

func TestCtrlCQuitsWhenIdle(t *testing.T) {
	h := start(t, 80, 25, newFake(t), Options{})
	h.waitFor("demo disk")
	h.s.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl)
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		h.done <- nil
	case <-time.After(5 * time.Second):
		t.Fatal("Ctrl+C did not quit")
	}
}

// TestDumpScreens prints every screen of the demo disk at 80x25, for the
// captured panes in docs/ (TUI_DUMP=1 go test -run TestDumpScreens -v ./ui/).
func TestDumpScreens(t *testing.T) {
	if os.Getenv("TUI_DUMP") == "" {
		t.Skip("set TUI_DUMP=1 to print the screens")
	}
	h := start(t, 80, 25, newFake(t), Options{Open: []string{DemoTarget}, Mask: true, ASCII: os.Getenv("TUI_DUMP") == "ascii"})
	h.waitFor("Windows 11 Pro")
	for _, k := range []struct{ k, p string }{{"1", pDash}, {"2", pKeys}, {"3", pFirmware}, {"4", pHistory}, {"5", pSPP}, {"6", pBackup}, {"7", pPlan}, {"8", pGuide}, {"?", pHelp}, {"0", pTargets}} {
		fmt.Println(h.goTo(k.k, k.p))
	}
}
