package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/actrescue/actrescue/rescue"
	"github.com/actrescue/actrescue/ui"
)

type explainStep struct {
	Text        string `json:"text"`
	Command     string `json:"command,omitempty"`
	Destructive bool   `json:"destructive,omitempty"`
	NeedsBackup bool   `json:"needs_backup,omitempty"`
}

type explainJSON struct {
	Code            string        `json:"code"`
	Symbol          string        `json:"symbol,omitempty"`
	ActivationTypes []string      `json:"activation_types,omitempty"`
	Confidence      string        `json:"confidence"`
	Lang            string        `json:"lang"`
	Message         string        `json:"message"`
	Causes          []string      `json:"causes"`
	Steps           []explainStep `json:"steps"`
}

func cmdExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "write JSON")
	lang := fs.String("lang", defaultLang(), "language: en or fr")
	list := fs.Bool("list", false, "list every explained code")
	if err := fs.Parse(interleave(args)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *lang != "en" && *lang != "fr" {
		return fmt.Errorf("%w: --lang must be en or fr, not %q", errUsage, *lang)
	}
	if *list {
		return ui.WriteGuideIndex(stdout, rescue.GuideEntries(), ui.TextOptions{Lang: *lang})
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: usage: actrescue explain [--lang en|fr] [--json] CODE (e.g. 0xC004F213), or --list", errUsage)
	}
	code := strings.Join(fs.Args(), " ") // "0xC1900101 - 0x4000D" arrives as three words
	e, err := rescue.Explain(code)
	if err != nil {
		if errors.Is(err, rescue.ErrUnknownCode) {
			return fmt.Errorf("%w: %v (actrescue explain --list shows every code)", errNotFound, err)
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *asJSON {
		t := e.In(*lang)
		out := explainJSON{Code: e.Code, Symbol: e.Symbol, ActivationTypes: e.ActivationTypes, Confidence: e.Confidence,
			Lang: *lang, Message: t.Message, Causes: t.Causes}
		for _, s := range t.Steps {
			out.Steps = append(out.Steps, explainStep{Text: s.Text, Command: s.Command, Destructive: s.Destructive, NeedsBackup: s.NeedsBackup})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return ui.WriteExplain(stdout, e, ui.TextOptions{Lang: *lang})
}

// errNotFound marks a lookup that found nothing (exit status 3).
var errNotFound = errors.New("not found")
