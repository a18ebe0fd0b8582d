package ui

import (
	"io"
	"strings"

	"github.com/actrescue/actrescue/rescue"
)

var explainText = map[string]struct{ symbol, types, confidence, causes, steps, destructive string }{
	"en": {"symbol", "occurs with", "confidence", "Likely causes", "What to do, in order", "DESTRUCTIVE: back up first (actrescue backup)"},
	"fr": {"symbole", "concerne", "fiabilité", "Causes probables", "Que faire, dans l'ordre", "DESTRUCTIF : sauvegardez d'abord (actrescue backup)"},
}

// WriteExplain writes one activation-error explanation.
func WriteExplain(w io.Writer, e *rescue.GuideEntry, opts TextOptions) error {
	lang := opts.Lang
	X, ok := explainText[lang]
	if !ok {
		lang, X = "en", explainText["en"]
	}
	t := e.In(lang)
	p := &printer{w: w}
	p.line("%s  %s", e.Code, Clean(t.Message))
	meta := []string{}
	if e.Symbol != "" {
		meta = append(meta, X.symbol+" "+e.Symbol)
	}
	if len(e.ActivationTypes) > 0 {
		meta = append(meta, X.types+" "+strings.Join(e.ActivationTypes, ", "))
	}
	meta = append(meta, X.confidence+" "+e.Confidence)
	p.line("  (%s)", Clean(strings.Join(meta, "; ")))
	p.line("")
	p.line("%s:", X.causes)
	for _, c := range t.Causes {
		p.line("  - %s", Clean(c))
	}
	p.line("")
	p.line("%s:", X.steps)
	for i, s := range t.Steps {
		p.line("  %d. %s", i+1, Clean(s.Text))
		if s.Command != "" {
			p.line("       %s", Clean(s.Command))
		}
		if s.Destructive {
			p.line("       (%s)", X.destructive)
		}
	}
	return p.err
}

// WriteGuideIndex lists every explained code with its message.
func WriteGuideIndex(w io.Writer, entries []rescue.GuideEntry, opts TextOptions) error {
	p := &printer{w: w}
	for i := range entries {
		e := &entries[i]
		p.line("%-22s %s", e.Code, Clean(e.In(opts.Lang).Message))
	}
	return p.err
}
