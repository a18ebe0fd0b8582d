package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/actrescue/actrescue/image"
	"github.com/actrescue/actrescue/rescue"
	"github.com/actrescue/actrescue/ui"
)

// Exit codes, documented in docs/usage.md and `actrescue help`.
const (
	exitFound    = 0 // installations found, everything readable
	exitFailure  = 1 // internal error
	exitBadInput = 2 // usage error, or no target could be read
	exitNothing  = 3 // targets read, no Windows installation found
	exitPartial  = 4 // something found, but part of a target could not be read
	exitInvalid  = 5 // a key or firmware table failed validation
	exitCanceled = 130
)

// errUsage marks a command-line mistake.
var errUsage = errors.New("usage")

//go:embed demo.img.d2.zst
var demoDisk []byte

const usageText = `actrescue: find, back up and explain Windows activation evidence, read-only.

Usage:
  actrescue [tui] [--no-color] [--ascii] [--mask] [--lang en|fr] [--mouse] [--demo] [TARGET]
      the terminal interface (with no arguments on a terminal); with no
      arguments and no terminal (a pipe or a redirect): the text report of
      every local disk, as "actrescue scan"
  actrescue scan [--json] [--mask] [--lang en|fr] [-v] [TARGET...]
      TARGET: a disk image, a block device (/dev/sda, /dev/nvme0n1, /dev/sda3)
      a mounted Windows folder (/mnt/win), a VHD/VHDX/VMDK/E01 image, or an
      install.wim/ESD (--image N chooses the image). With no TARGET, every local
      disk is scanned (Linux, as root).
  actrescue demo [--json] [--mask] [--lang en|fr]
      scan the small demo disk built into the binary
  actrescue firmware [--acpi FILE]... [--json] [--mask]
      the firmware OEM key (ACPI MSDM), the SLIC marker and the machine
      identity of this computer, or of table files (raw or acpidump output)
  actrescue key check [--target T | --pkeyconfig FILE] [--json] [--mask] KEY... | -
      check typed keys offline (format, checksum, group, serial, class;
      edition and channel from the pkeyconfig of a target or a file);
      "-" reads them from stdin so they stay out of the shell history
  actrescue backup --target T --out DIR [--install N] [--zip] [--mask]
      copy the activation evidence (SPP store, hives and logs, .reg
      exports, firmware tables, reports, restore plan and scripts) with a
      SHA-256 manifest; every file is re-read and checked
  actrescue verify DIR
      re-hash a backup set against its manifest (missing, changed, extra)
  actrescue explain [--lang en|fr] [--json] CODE | --list
      explain an activation or setup error (0xC004F213, C004F213,
      -1073417709, 0xC1900101-0x4000D) with ordered steps and commands
  actrescue version

Exit status:
  0  Windows installations found and everything was readable
  1  internal error
  2  bad usage, or no target could be read
  3  targets read, but no Windows installation found
  4  installations found, but part of a target could not be read
  5  a key or firmware table failed validation (key check, firmware)
  (firmware: 0 a sound embedded key was found, 3 no embedded key)

actrescue never writes to the disks it reads.
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, stdin, stdout, stderr)
	if err != nil && !quietError(err) {
		fmt.Fprintln(stderr, "actrescue:", err)
	}
	return err
}

// quietError reports errors already explained in the report itself.
func quietError(err error) bool {
	return errors.Is(err, rescue.ErrNothingFound) || errors.Is(err, rescue.ErrPartial) ||
		errors.Is(err, rescue.ErrBadTarget) || errors.Is(err, context.Canceled) || errors.Is(err, errUsageShown) ||
		errors.Is(err, errInvalid) || errors.Is(err, errNoFirmwareKey)
}

// errUsageShown marks a usage error whose text was already printed.
var errUsageShown = fmt.Errorf("%w: see above", errUsage)

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		switch {
		case isTerminal(stdin) && isTerminal(stdout):
			return cmdTUI(ctx, nil, stdin, stdout, stderr)
		case isFile(stdout):
			// A pipe or a redirect: the text report of every local disk.
			return cmdScan(ctx, nil, stdout, stderr, false)
		}
		fmt.Fprint(stderr, usageText)
		return errUsageShown
	}
	switch args[0] {
	case "tui":
		return cmdTUI(ctx, args[1:], stdin, stdout, stderr)
	case "scan":
		return cmdScan(ctx, args[1:], stdout, stderr, false)
	case "demo":
		return cmdScan(ctx, args[1:], stdout, stderr, true)
	case "firmware":
		return cmdFirmware(ctx, args[1:], stdout, stderr)
	case "explain":
		return cmdExplain(ctx, args[1:], stdout, stderr)
	case "backup":
		return cmdBackup(ctx, args[1:], stdout, stderr)
	case "verify":
		return cmdVerify(ctx, args[1:], stdout, stderr)
	case "key":
		return cmdKey(ctx, args[1:], stdin, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, versionLine())
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usageText)
		return nil
	default:
		fmt.Fprintf(stderr, "actrescue: unknown command %q\n\n%s", args[0], usageText)
		return errUsageShown
	}
}

func versionLine() string {
	v, c, d := version, commit, date
	if v == "dev" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	s := "actrescue " + v
	if c != "" {
		s += " (" + c
		if d != "" {
			s += ", " + d
		}
		s += ")"
	}
	return s
}

type scanFlags struct {
	wimImage int
	json     bool
	mask     bool
	lang     string
	verbose  bool
}

func parseScanFlags(name string, args []string, stderr io.Writer) (*scanFlags, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &scanFlags{}
	fs.BoolVar(&f.json, "json", false, "write the report as one JSON document (schema in docs/report-schema.md)")
	fs.BoolVar(&f.mask, "mask", false, "hide all but the last 5 characters of every key")
	fs.StringVar(&f.lang, "lang", defaultLang(), "language of the text report: en or fr")
	fs.BoolVar(&f.verbose, "v", false, "verbose: list partitions and full hashes")
	fs.IntVar(&f.wimImage, "image", 0, "for a WIM/ESD target: the image index to read (0 = every image)")
	if err := fs.Parse(interleave(args)); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if f.lang != "en" && f.lang != "fr" {
		return nil, nil, fmt.Errorf("%w: --lang must be en or fr, not %q", errUsage, f.lang)
	}
	return f, fs.Args(), nil
}

// valueFlags are the flags that take a separate value argument.
var valueFlags = map[string]bool{"lang": true, "acpi": true, "pkeyconfig": true, "target": true, "out": true, "install": true, "image": true}

// interleave moves flags before positional arguments so that
// `scan disk.img --json` works like `scan --json disk.img`.
func interleave(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 && !isNegativeNumber(a) {
			flags = append(flags, a)
			if valueFlags[strings.TrimLeft(a, "-")] {
				if i+1 < len(args) {
					flags = append(flags, args[i+1])
					i++
				}
			}
			continue
		}
		pos = append(pos, a)
	}
	if len(pos) == 0 {
		return flags
	}
	// "--" keeps positional arguments such as "-1073417709" from being read as flags.
	return append(append(flags, "--"), pos...)
}

// defaultLang picks French when the environment's locale is French.
func defaultLang() string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			if strings.HasPrefix(strings.ToLower(s), "fr") {
				return "fr"
			}
			return "en"
		}
	}
	return "en"
}

func cmdScan(ctx context.Context, args []string, stdout, stderr io.Writer, demo bool) error {
	name := "scan"
	if demo {
		name = "demo"
	}
	f, targets, err := parseScanFlags(name, args, stderr)
	if err != nil {
		return err
	}
	opts := rescue.Options{Mask: f.mask, Tool: rescue.ToolInfo{Name: "actrescue", Version: version, Commit: commit}}
	opts.Firmware, _ = firmwareForScan(targets, demo)
	opts.WIMImage = f.wimImage
	var rep *rescue.Report
	switch {
	case demo:
		if len(targets) > 0 {
			return fmt.Errorf("%w: demo takes no target", errUsage)
		}
		t, err := demoTarget()
		if err != nil {
			return err
		}
		rep = rescue.ScanTargets(ctx, []*image.Target{t}, opts)
	default:
		if len(targets) == 0 {
			disks, err := image.ListLocalDisks()
			if err != nil {
				return fmt.Errorf("%w: %v", errUsage, err)
			}
			if len(disks) == 0 {
				return fmt.Errorf("%w: no local disk found; name a disk, image or folder", errUsage)
			}
			targets = disks
		}
		rep = rescue.Scan(ctx, targets, opts)
	}
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := ui.WriteText(stdout, rep, ui.TextOptions{Lang: f.lang, Verbose: f.verbose}); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return rep.Err()
}

func exitCode(err error) int {
	switch {
	case err == nil:
		return exitFound
	case errors.Is(err, context.Canceled):
		return exitCanceled
	case errors.Is(err, errUsage), errors.Is(err, rescue.ErrBadTarget):
		return exitBadInput
	case errors.Is(err, errInvalid):
		return exitInvalid
	case errors.Is(err, rescue.ErrNothingFound), errors.Is(err, errNoFirmwareKey), errors.Is(err, errNotFound):
		return exitNothing
	case errors.Is(err, rescue.ErrPartial):
		return exitPartial
	default:
		return exitFailure
	}
}

// isNegativeNumber tells a negative decimal HRESULT ("-1073417709") from a flag.
func isNegativeNumber(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// demoTarget decodes the demo disk embedded in the binary.
func demoTarget() (*image.Target, error) {
	img, err := image.ReadD2Zst(bytes.NewReader(demoDisk), 256<<20)
	if err != nil {
		return nil, fmt.Errorf("decode the embedded demo disk: %w", err)
	}
	return image.OpenBytes("demo-disk.img", img), nil
}
