package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/actrescue/actrescue/image"
	"io"
	"strings"

	"github.com/actrescue/actrescue/firmware"
	"github.com/actrescue/actrescue/license"
	"github.com/actrescue/actrescue/rescue"
	"github.com/actrescue/actrescue/ui"
)

// errInvalid marks a key or firmware table that failed validation.
var errInvalid = errors.New("validation failed")

// errNoFirmwareKey means no MSDM table exists.
var errNoFirmwareKey = errors.New("no firmware key")

// hostFirmware reads the running machine's firmware; tests replace it.
var hostFirmware = func() *firmware.HostInfo { return firmware.ReadHost() }

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func cmdFirmware(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("firmware", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files listFlag
	fs.Var(&files, "acpi", "read ACPI tables from FILE (raw table or acpidump output) instead of this machine; repeatable")
	asJSON := fs.Bool("json", false, "write JSON")
	mask := fs.Bool("mask", false, "hide all but the last 5 characters of the key")
	lang := fs.String("lang", defaultLang(), "language: en or fr")
	var pkFiles listFlag
	fs.Var(&pkFiles, "pkeyconfig", "name the firmware key's edition from this pkeyconfig*.xrm-ms file (repeatable)")
	target := fs.String("target", "", "name the firmware key's edition from the pkeyconfig of the Windows installation on this disk")
	if err := fs.Parse(interleave(args)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: firmware takes no positional argument (use --acpi FILE)", errUsage)
	}
	cs, err := loadPkeyConfigs(ctx, pkFiles, *target, stderr)
	if err != nil {
		return err
	}
	var reports []*rescue.FirmwareReport
	if len(files) == 0 {
		reports = append(reports, rescue.FirmwareFromHost(hostFirmware(), true))
	}
	for _, f := range files {
		reports = append(reports, rescue.FirmwareFromFile(f))
	}
	for _, r := range reports {
		rescue.MapFirmwareKey(r, cs)
		if *mask && r.MSDM != nil && r.MSDM.Key != nil {
			r.MSDM.Key.Key = license.MaskKey(r.MSDM.Key.Key)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		var v any = reports
		if len(reports) == 1 {
			v = reports[0]
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	} else {
		for i, r := range reports {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			if err := ui.WriteFirmware(stdout, r, ui.TextOptions{Lang: *lang}); err != nil {
				return err
			}
		}
	}
	return firmwareOutcome(reports)
}

// firmwareOutcome: nil when a sound key was found; errInvalid when a table
// or key is damaged; errNoFirmwareKey when there is no MSDM; errUsage-class
// when a file or the firmware could not be read at all.
func firmwareOutcome(reports []*rescue.FirmwareReport) error {
	var invalid, unreadable, found bool
	for _, r := range reports {
		if m := r.MSDM; m != nil {
			found = true
			if !m.TableChecksumOK || m.Error != "" || m.Key == nil || (m.Key.ChecksumValid != nil && !*m.Key.ChecksumValid) {
				invalid = true
			}
		}
		for _, e := range r.Errors {
			if (e.Part == "msdm" || e.Part == "file") && !e.Missing {
				unreadable = true
			}
		}
	}
	switch {
	case invalid:
		return errInvalid
	case found:
		return nil
	case unreadable:
		return fmt.Errorf("%w: the firmware tables could not be read (see above)", errUsageShown)
	}
	return errNoFirmwareKey
}

func cmdKey(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		return fmt.Errorf("%w: usage: actrescue key check [--json] [--mask] KEY... (or - to read keys from stdin)", errUsage)
	}
	fs := flag.NewFlagSet("key check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "write JSON")
	mask := fs.Bool("mask", false, "hide all but the last 5 characters of each key")
	lang := fs.String("lang", defaultLang(), "language: en or fr")
	var pkFiles listFlag
	fs.Var(&pkFiles, "pkeyconfig", "map keys through this pkeyconfig*.xrm-ms file (repeatable)")
	target := fs.String("target", "", "map keys through the pkeyconfig of the Windows installation on this disk, image or folder")
	if err := fs.Parse(interleave(args[1:])); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	cs, err := loadPkeyConfigs(ctx, pkFiles, *target, stderr)
	if err != nil {
		return err
	}
	keys := fs.Args()
	if len(keys) == 1 && keys[0] == "-" {
		keys = nil
		sc := bufio.NewScanner(io.LimitReader(stdin, 1<<20))
		for sc.Scan() {
			if s := strings.TrimSpace(sc.Text()); s != "" {
				keys = append(keys, s)
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read keys from stdin: %w", err)
		}
	}
	if len(keys) == 0 {
		return fmt.Errorf("%w: key check needs at least one key (or - to read them from stdin, which keeps them out of the shell history)", errUsage)
	}
	checks := rescue.CheckKeys(keys, *mask, cs)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(checks); err != nil {
			return err
		}
	} else if err := ui.WriteKeyChecks(stdout, checks, ui.TextOptions{Lang: *lang}); err != nil {
		return err
	}
	for _, c := range checks {
		if c.Verdict == rescue.VerdictMalformed || c.Verdict == rescue.VerdictBadChecksum || c.Verdict == rescue.VerdictMissing {
			return errInvalid
		}
	}
	return nil
}

// firmwareForScan decides what the scan report says about firmware: the
// host's tables when a target is a local device (or all local disks are
// scanned), a note otherwise, since an image's firmware is not at hand.
// It also returns the raw host tables, for a backup set.
func firmwareForScan(targets []string, demo bool) (*rescue.FirmwareReport, map[string][]byte) {
	local := len(targets) == 0 && !demo
	for _, t := range targets {
		local = local || image.IsLocalDevice(t)
	}
	if local {
		h := hostFirmware()
		raw := map[string][]byte{}
		if h.MSDM != nil && h.MSDM.Table != nil {
			raw["MSDM.bin"] = h.MSDM.Table.Raw
		}
		if h.SLIC != nil && h.SLIC.Table != nil {
			raw["SLIC.bin"] = h.SLIC.Table.Raw
		}
		return rescue.FirmwareFromHost(h, true), raw
	}
	return &rescue.FirmwareReport{NoteCode: rescue.CodeFirmwareNotHost, Note: rescue.NoteText("en", rescue.CodeFirmwareNotHost)}, nil
}

// loadPkeyConfigs reads the pkeyconfig files named with --pkeyconfig and
// those of the Windows installation on --target.
func loadPkeyConfigs(ctx context.Context, files []string, target string, stderr io.Writer) (license.PkeyConfigs, error) {
	var cs license.PkeyConfigs
	for _, p := range files {
		pc, err := rescue.LoadPkeyConfigFile(p)
		if err != nil {
			return nil, fmt.Errorf("%w: pkeyconfig %v", errUsage, err)
		}
		cs = append(cs, pc)
	}
	if target != "" {
		more, in, err := rescue.PkeyConfigsOf(ctx, target)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		cs = append(cs, more...)
		fmt.Fprintf(stderr, "actrescue: using the pkeyconfig of %s (%s %s)\n", in.Root, in.Name, in.Version)
	}
	return cs, nil
}
