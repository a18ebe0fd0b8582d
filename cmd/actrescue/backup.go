package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/actrescue/actrescue/image"
	"github.com/actrescue/actrescue/rescue"
	"github.com/actrescue/actrescue/ui"
)

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "disk, partition, image or mounted Windows folder to back up")
	install := fs.String("install", "", "installation ID from the scan report (default: all)")
	out := fs.String("out", "", "destination folder, on another disk (a USB stick)")
	zipIt := fs.Bool("zip", false, "also write DIR.zip once the set verifies")
	mask := fs.Bool("mask", false, "mask keys in the reports and RESTORE.md (the scripts then ask for the key)")
	lang := fs.String("lang", defaultLang(), "language of the printed summary: en or fr")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	demo := fs.Bool("demo", false, "back up the embedded demo disk (to try the flow)")
	wimImage := fs.Int("image", 0, "for a WIM/ESD target: the image index (0 = every image)")
	if err := fs.Parse(interleave(args)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q (use --target and --out)", errUsage, fs.Arg(0))
	}
	if *out == "" {
		return fmt.Errorf("%w: --out DIR is required: a folder on another disk (a USB stick)", errUsage)
	}
	if *target == "" && !*demo {
		return fmt.Errorf("%w: --target is required (a disk such as /dev/sda, an image or a mounted folder), or --demo", errUsage)
	}
	opts := rescue.Options{Tool: rescue.ToolInfo{Name: "actrescue", Version: version, Commit: commit}, WIMImage: *wimImage}
	var rep *rescue.Report
	var closeAll func()
	var raw map[string][]byte
	if *demo {
		t, err := demoTarget()
		if err != nil {
			return err
		}
		opts.Firmware, raw = firmwareForScan(nil, true)
		rep = rescue.ScanTargets(ctx, []*image.Target{t}, opts)
		closeAll = func() {}
	} else {
		opts.Firmware, raw = firmwareForScan([]string{*target}, false)
		rep, closeAll = rescue.ScanOpen(ctx, []string{*target}, opts)
	}
	defer closeAll()
	for _, t := range rep.Targets {
		if t.Error != nil {
			return fmt.Errorf("%w: %s", errUsageShown, t.Error.Message)
		}
	}
	extra := map[string][]byte{}
	shown := rep
	if *mask {
		shown = rescue.MaskedCopy(rep)
	}
	for name, l := range map[string]string{"report.txt": "en", "rapport.txt": "fr"} {
		var b bytes.Buffer
		if err := ui.WriteText(&b, shown, ui.TextOptions{Lang: l, Verbose: true}); err != nil {
			return err
		}
		extra[name] = bytes.ReplaceAll(b.Bytes(), []byte("\n"), []byte("\r\n"))
	}
	for name, b := range raw {
		extra["firmware/"+name] = b
	}
	last := time.Time{}
	bopts := rescue.BackupOptions{Out: *out, Install: *install, Mask: *mask, Source: *target, Tool: opts.Tool, Extra: extra,
		Progress: func(p rescue.Progress) {
			if time.Since(last) < 500*time.Millisecond && p.BytesDone < p.BytesTotal {
				return
			}
			last = time.Now()
			fmt.Fprintf(stderr, "actrescue: [%d/%d] %s of %s, %s/s  %s\n", p.FilesDone, p.FilesTotal,
				ui.HumanSize(p.BytesDone), ui.HumanSize(p.BytesTotal), ui.HumanSize(int64(p.Rate)), p.File)
		}}
	res, err := rescue.Backup(ctx, rep, bopts)
	if err != nil {
		if errors.Is(err, rescue.ErrDestOnSource) || errors.Is(err, rescue.ErrDestNotEmpty) || errors.Is(err, rescue.ErrNoInstall) || errors.Is(err, rescue.ErrNoSpace) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		return fmt.Errorf("backup failed, nothing in %s looks complete (no manifest.json): %w", *out, err)
	}
	v, verr := rescue.Verify(res.Dir)
	if *zipIt && verr == nil {
		if err := rescue.ZipSet(res.Dir, strings.TrimRight(res.Dir, "/\\")+".zip"); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		writeBackupSummary(stdout, res, v, *lang, *zipIt)
	}
	if verr != nil {
		return fmt.Errorf("%w: the written set does not verify: %v", errInvalid, verr)
	}
	if len(res.Missing) > 0 {
		return fmt.Errorf("%w: some evidence could not be read (see above)", rescue.ErrPartial)
	}
	return nil
}

func writeBackupSummary(w io.Writer, res *rescue.BackupResult, v *rescue.VerifyResult, lang string, zipped bool) {
	fr := lang == "fr"
	if fr {
		fmt.Fprintf(w, "Sauvegarde écrite dans %s : %d fichiers copiés, %d identiques conservés, %s en %s.\n", res.Dir, res.Copied, res.Skipped, ui.HumanSize(res.Bytes), time.Duration(res.Elapsed).Round(time.Millisecond))
	} else {
		fmt.Fprintf(w, "Backup written to %s: %d files copied, %d identical kept, %s in %s.\n", res.Dir, res.Copied, res.Skipped, ui.HumanSize(res.Bytes), time.Duration(res.Elapsed).Round(time.Millisecond))
	}
	if v != nil && v.OK() {
		if fr {
			fmt.Fprintf(w, "Vérifiée : %d fichiers relus, empreintes SHA-256 identiques au manifeste.\n", v.Checked)
		} else {
			fmt.Fprintf(w, "Verified: %d files read back, SHA-256 identical to the manifest.\n", v.Checked)
		}
	}
	if zipped {
		fmt.Fprintf(w, "Zip: %s.zip\n", strings.TrimRight(res.Dir, "/\\"))
	}
	for _, m := range res.Missing {
		if fr {
			fmt.Fprintf(w, "  non lu : %s\n", m)
		} else {
			fmt.Fprintf(w, "  not read: %s\n", m)
		}
	}
	for _, p := range res.Plans {
		if fr {
			fmt.Fprintf(w, "\nPlan de restauration pour %s (détails dans RESTORE.md) :\n", p.Name)
		} else {
			fmt.Fprintf(w, "\nRestore plan for %s (details in RESTORE.md):\n", p.Name)
		}
		for i, o := range p.Options {
			title, _, _ := o.Localize(lang, true)
			fmt.Fprintf(w, "  %d. %s (%s)\n", i+1, title, o.Likelihood)
		}
	}
}

func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(interleave(args)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: usage: actrescue verify DIR", errUsage)
	}
	v, err := rescue.Verify(fs.Arg(0))
	if v == nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if e := enc.Encode(v); e != nil {
			return e
		}
	} else {
		fmt.Fprintf(stdout, "%s: %d files checked\n", v.Dir, v.Checked)
		for _, m := range v.Missing {
			fmt.Fprintf(stdout, "  MISSING  %s\n", m)
		}
		for _, m := range v.Changed {
			fmt.Fprintf(stdout, "  CHANGED  %s\n", m)
		}
		for _, m := range v.Extra {
			fmt.Fprintf(stdout, "  EXTRA    %s\n", m)
		}
		if v.Partial {
			fmt.Fprintf(stdout, "  INCOMPLETE: this set was never finished\n")
		}
		if v.OK() {
			fmt.Fprintln(stdout, "OK: every file matches the manifest")
		}
	}
	if err != nil {
		return fmt.Errorf("%w: %v", errInvalid, err)
	}
	return nil
}
