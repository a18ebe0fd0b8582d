package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/term"

	"github.com/actrescue/actrescue/image"
	"github.com/actrescue/actrescue/ntfs"
	"github.com/actrescue/actrescue/rescue"
	"github.com/actrescue/actrescue/ui"
)

// isTerminal reports whether f is a terminal. Only real files qualify: an
// in-process caller passing buffers gets the non-interactive behaviour.
func isTerminal(f any) bool {
	if fd, ok := f.(interface{ Fd() uintptr }); ok {
		return term.IsTerminal(int(fd.Fd()))
	}
	return false
}

// isFile reports whether f is an *os.File (a terminal, a pipe or a
// redirect) rather than an in-process buffer.
func isFile(f any) bool {
	_, ok := f.(*os.File)
	return ok
}

// cmdTUI runs the terminal interface: `actrescue tui [flags] [TARGET]`.
func cmdTUI(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	noColor := fs.Bool("no-color", os.Getenv("NO_COLOR") != "", "monochrome (also when NO_COLOR is set)")
	ascii := fs.Bool("ascii", false, "ASCII borders and symbols, for consoles without box-drawing glyphs")
	mask := fs.Bool("mask", false, "mask product keys at start ('m' reveals them)")
	lang := fs.String("lang", defaultLang(), "language of the interface: en or fr")
	mouse := fs.Bool("mouse", false, "enable the mouse")
	demo := fs.Bool("demo", false, "open the demo disk built into the binary")
	if err := fs.Parse(interleave(args)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *lang != "en" && *lang != "fr" {
		return fmt.Errorf("%w: --lang must be en or fr, not %q", errUsage, *lang)
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: tui opens one target at a time", errUsage)
	}
	if !isTerminal(stdin) || !isTerminal(stdout) {
		return fmt.Errorf("%w: the interface needs a terminal; use `actrescue scan` for a text report", errUsage)
	}
	opts := ui.Options{Lang: *lang, NoColor: *noColor, ASCII: *ascii, Mask: *mask, Mouse: *mouse}
	if *demo {
		opts.Open = []string{ui.DemoTarget}
	} else if fs.NArg() == 1 {
		opts.Open = []string{fs.Arg(0)}
	}
	return ui.Run(ctx, newTUIBackend(), opts)
}

// tuiBackend gives the terminal interface access to disks, images, the
// firmware and the error guide.
type tuiBackend struct {
	demoOnce sync.Once
	demoImg  []byte
	demoErr  error

	mu  sync.Mutex
	raw map[*rescue.Report]map[string][]byte // firmware tables per report, for Backup
	src map[*rescue.Report]string            // the path the user opened
}

func newTUIBackend() *tuiBackend {
	return &tuiBackend{raw: map[*rescue.Report]map[string][]byte{}, src: map[*rescue.Report]string{}}
}

func (b *tuiBackend) demo() (*image.Target, error) {
	b.demoOnce.Do(func() {
		b.demoImg, b.demoErr = image.ReadD2Zst(bytes.NewReader(demoDisk), 256<<20)
		if b.demoErr != nil {
			b.demoErr = fmt.Errorf("decode the embedded demo disk: %w", b.demoErr)
		}
	})
	if b.demoErr != nil {
		return nil, b.demoErr
	}
	return image.OpenBytes("demo-disk.img", b.demoImg), nil
}

// probe reads a target's partition table, the first sector of each
// partition and, on NTFS volumes, the root directories down to
// \Windows\System32\config: a quick look, not a scan.
func probe(info *ui.TargetInfo, t *image.Target) {
	info.Size = t.Size
	l, err := image.Scan(t)
	if err != nil {
		info.Err = err.Error()
		return
	}
	info.Table = l.Table
	seen := map[string]bool{}
	info.WindowsChecked = true
	for _, p := range l.Partitions {
		c := p.Content
		if c == image.ContentBitLocker {
			info.BitLocker = true
		}
		if c == image.ContentNTFS && p.Reader != nil {
			if v, err := ntfs.Open(p.Reader, p.Size); err == nil {
				if _, err := v.Stat("Windows/System32/config/SOFTWARE"); err == nil {
					info.Windows++
				}
			}
		}
		if c == image.ContentEmpty || c == image.ContentExtended || seen[c.String()] {
			continue
		}
		seen[c.String()] = true
		info.FileSystems = append(info.FileSystems, c.String())
	}
}

func (b *tuiBackend) ListTargets() ([]ui.TargetInfo, error) {
	disks, err := image.ListLocalDisks()
	var out []ui.TargetInfo
	for _, d := range disks {
		info := ui.TargetInfo{Path: d, Kind: "device"}
		t, oerr := image.Open(d)
		if oerr != nil {
			info.Err = oerr.Error()
		} else {
			probe(&info, t)
			t.Close()
		}
		out = append(out, info)
	}
	info := ui.TargetInfo{Path: ui.DemoTarget, Kind: "demo"}
	if t, derr := b.demo(); derr != nil {
		info.Err = derr.Error()
	} else {
		probe(&info, t)
	}
	out = append(out, info)
	return out, err
}

func (b *tuiBackend) Scan(ctx context.Context, paths []string, progress func(string)) (*rescue.Report, func(), error) {
	opts := rescue.Options{Tool: rescue.ToolInfo{Name: "actrescue", Version: version, Commit: commit}, Progress: progress}
	if len(paths) == 1 && paths[0] == ui.DemoTarget {
		progress("decoding the demo disk")
		t, err := b.demo()
		if err != nil {
			return nil, nil, err
		}
		opts.Firmware, _ = firmwareForScan(nil, true)
		progress("reading demo-disk.img")
		rep := rescue.ScanTargets(ctx, []*image.Target{t}, opts)
		return rep, func() {}, nil
	}
	progress("reading the firmware tables")
	var raw map[string][]byte
	opts.Firmware, raw = firmwareForScan(paths, false)
	for _, p := range paths {
		progress("reading " + p)
	}
	rep, closeAll := rescue.ScanOpen(ctx, paths, opts)
	b.mu.Lock()
	b.raw[rep] = raw
	if len(paths) == 1 {
		b.src[rep] = paths[0]
	}
	b.mu.Unlock()
	return rep, func() {
		closeAll()
		b.mu.Lock()
		delete(b.raw, rep)
		delete(b.src, rep)
		b.mu.Unlock()
	}, nil
}

func (b *tuiBackend) Firmware() *rescue.FirmwareReport {
	return rescue.FirmwareFromHost(hostFirmware(), true)
}

// Backup adds what `actrescue backup` adds: the text reports in both
// languages, the raw firmware tables and the source for the same-disk
// check.
func (b *tuiBackend) Backup(ctx context.Context, rep *rescue.Report, opts rescue.BackupOptions) (*rescue.BackupResult, error) {
	b.mu.Lock()
	raw, src := b.raw[rep], b.src[rep]
	b.mu.Unlock()
	opts.Source = src
	opts.Tool = rescue.ToolInfo{Name: "actrescue", Version: version, Commit: commit}
	shown := rep
	if opts.Mask {
		shown = rescue.MaskedCopy(rep)
	}
	extra := map[string][]byte{}
	for name, l := range map[string]string{"report.txt": "en", "rapport.txt": "fr"} {
		var buf bytes.Buffer
		if err := ui.WriteText(&buf, shown, ui.TextOptions{Lang: l, Verbose: true}); err != nil {
			return nil, err
		}
		extra[name] = bytes.ReplaceAll(buf.Bytes(), []byte("\n"), []byte("\r\n"))
	}
	for name, data := range raw {
		extra["firmware/"+name] = data
	}
	opts.Extra = extra
	return rescue.Backup(ctx, rep, opts)
}

func (b *tuiBackend) Verify(dir string) (*rescue.VerifyResult, error) { return rescue.Verify(dir) }

func (b *tuiBackend) Explain(code string) (*rescue.GuideEntry, error) { return rescue.Explain(code) }
