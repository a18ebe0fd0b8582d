package license

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParsePkeyConfig(f *testing.F) {
	for _, n := range pkeyFixtureFiles {
		f.Add(readPkeyFixture(f, n))
	}
	inner := pkeyInner(pkeyConf1, pkeyRange1)
	f.Add(pkeyFile(inner))
	f.Add(pkeyFile(pkeyGzip(f, inner)))
	f.Add(inner)
	f.Add([]byte("<a><b></a>"))
	f.Add(pkeyOuter(`<tm:infoBin name="pkeyConfigData">!!</tm:infoBin>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParsePkeyConfig(b, "fuzz")
		if err != nil {
			if c != nil {
				t.Fatal("result and error")
			}
			if !errors.Is(err, ErrNotPkeyConfig) && !errors.Is(err, errPkeyCorrupt) && !errors.Is(err, errPkeyLimit) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if c.Source != "fuzz" || len(c.Configurations) > maxPkeyItems || len(c.Ranges) > maxPkeyItems || len(c.PublicKeys) > maxPkeyItems {
			t.Fatalf("bad result: source %q, %d/%d/%d items", c.Source, len(c.Configurations), len(c.Ranges), len(c.PublicKeys))
		}
		for _, x := range c.Configurations {
			if x.ActConfigID == "" || x.ActConfigID != pkeyGUID(x.ActConfigID) || len(x.Description) > maxPkeyText {
				t.Fatalf("configuration %+v", x)
			}
		}
		for _, r := range c.Ranges {
			if r.Start > r.End || r.ActConfigID != pkeyGUID(r.ActConfigID) {
				t.Fatalf("range %+v", r)
			}
		}
		cs := PkeyConfigs{c, nil, c}
		for i, x := range c.Configurations {
			if i == 8 {
				break
			}
			for _, r := range c.Ranges[:min(len(c.Ranges), 8)] {
				for _, m := range cs.Lookup(x.GroupID, uint32(r.Start)) {
					if m.Source != "fuzz" || strings.ContainsAny(m.ActConfigID, "{}") {
						t.Fatalf("match %+v", m)
					}
				}
			}
		}
	})
}
