package hive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/actrescue/actrescue/internal/safeio"
	"github.com/actrescue/actrescue/internal/testenv"
)

func openShared(t *testing.T, rel string) (*Hive, []byte) {
	t.Helper()
	b := testenv.SharedXZ(t, rel)
	h, err := Open(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return h, b
}

func TestCorpusSystemWin10(t *testing.T) {
	h, _ := openShared(t, "regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz")
	if p, s := h.Sequences(); p != 4317 || s != 4316 || !h.Dirty() {
		t.Errorf("sequences %d/%d dirty=%v, want 4317/4316 dirty", p, s, h.Dirty())
	}
	sel, err := h.Key(`Select`)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]uint32{"Current": 1, "Default": 1, "Failed": 0, "LastKnownGood": 1} {
		v, err := sel.Value(name)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := v.Uint32(); err != nil || n != want {
			t.Errorf("Select!%s = %d, %v; want %d", name, n, err, want)
		}
	}
	k, err := h.Key(`ControlSet001\Enum\USBSTOR\Disk&Ven_SanDisk&Prod_Cruzer&Rev_1.20\200608767007B7C08A6A&0\Properties\{83da6326-97a6-4088-9453-a1923f573b29}\0064`)
	if err != nil {
		t.Fatal(err)
	}
	v, err := k.Value("")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Data) != 8 {
		t.Fatalf("default value is %d bytes", len(v.Data))
	}
	ft := uint64(v.Data[0]) | uint64(v.Data[1])<<8 | uint64(v.Data[2])<<16 | uint64(v.Data[3])<<24 |
		uint64(v.Data[4])<<32 | uint64(v.Data[5])<<40 | uint64(v.Data[6])<<48 | uint64(v.Data[7])<<56
	want := time.Date(2020, 3, 17, 14, 2, 38, 955490000, time.UTC)
	if got := FiletimeToTime(ft); got.Sub(want).Abs() > time.Microsecond {
		t.Errorf("filetime = %v, want %v", got, want)
	}
	setup, err := h.Key("setup") // case-insensitive
	if err != nil {
		t.Fatal(err)
	}
	subs, err := setup.Subkeys()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range subs {
		if len(s.Name()) > 9 && s.Name()[:9] == "Source OS" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("found %d Source OS keys, want 2", n)
	}
}

func TestCorpusComputerNameAndStrings(t *testing.T) {
	h, _ := openShared(t, "regipy/regipy_tests/data/SYSTEM.xz")
	k, err := h.Key(`ControlSet001\Control\ComputerName\ComputerName`)
	if err != nil {
		t.Fatal(err)
	}
	v, err := k.Value("ComputerName")
	if err != nil {
		t.Fatal(err)
	}
	s, err := v.String()
	if err != nil || s != "WKS-WIN732BITA" {
		t.Errorf("ComputerName = %q, %v", s, err)
	}
	if _, err := v.Uint32(); !errors.Is(err, ErrWrongType) {
		t.Errorf("Uint32 on a string: %v, want ErrWrongType", err)
	}
	if _, err := k.Value("NoSuchValue"); !errors.Is(err, ErrValueNotFound) {
		t.Errorf("missing value: %v", err)
	}
	if _, err := h.Key(`ControlSet001\NoSuchKey`); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("missing key: %v", err)
	}
	env, err := h.Key(`ControlSet001\Control\Session Manager\Environment`)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := env.Value("PROCESSOR_ARCHITECTURE"); err != nil {
		t.Fatal(err)
	} else if s, _ := v.String(); s != "x86" {
		t.Errorf("PROCESSOR_ARCHITECTURE = %q", s)
	}
}

func TestCorpusUTF16Names(t *testing.T) {
	h, _ := openShared(t, "regipy/regipy_tests/data/transactions_NTUSER.DAT.xz")
	k, err := h.Key(`Control Panel\International`)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := k.Subkeys()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range subs {
		names = append(names, s.Name())
	}
	found := false
	for _, n := range names {
		if n == "🌎🌏🌍" {
			found = true
		}
	}
	if !found {
		t.Errorf("subkeys %q lack the emoji key", names)
	}
	if _, err := k.Subkey("🌎🌏🌍"); err != nil {
		t.Error(err)
	}
}

func TestCorpusCorruptedHive(t *testing.T) {
	// libregf gives up on this hive; we must walk all of it without a
	// panic, keep what is readable and report what is not.
	h, _ := openShared(t, "regipy/regipy_tests/data/corrupted_system_hive.xz")
	root, err := h.Root()
	if err != nil {
		t.Fatal(err)
	}
	keys, errs := 0, 0
	var walk func(k *Key, depth int)
	walk = func(k *Key, depth int) {
		keys++
		if _, err := k.Values(); err != nil {
			errs++
		}
		subs, err := k.Subkeys()
		if err != nil {
			errs++
		}
		if depth < 64 {
			for _, s := range subs {
				walk(s, depth+1)
			}
		}
	}
	walk(root, 0)
	if keys < 1000 {
		t.Errorf("walked only %d keys", keys)
	}
	t.Logf("corrupted hive: %d keys walked, %d errors", keys, errs)
	if _, err := h.Key("Select"); err != nil {
		t.Error(err)
	}
}

func TestCorruption(t *testing.T) {
	h0, b := openShared(t, "regipy/regipy_tests/data/SYSTEM.xz")
	_ = h0
	cases := []struct {
		name string
		mut  func([]byte) []byte
		want error
	}{
		{"truncated base block", func(b []byte) []byte { return b[:2000] }, ErrNotHive},
		{"bad signature", func(b []byte) []byte { c := clone(b); c[0] = 'x'; return c }, ErrNotHive},
		{"root outside", func(b []byte) []byte { c := clone(b); c[36], c[37], c[38], c[39] = 0xff, 0xff, 0xff, 0x7f; return c }, ErrCorrupt},
		{"root not a key", func(b []byte) []byte { c := clone(b); c[36], c[37], c[38], c[39] = 0, 0, 0, 0; return c }, ErrCorrupt},
	}
	for _, c := range cases {
		m := c.mut(b)
		_, err := Open(bytes.NewReader(m), int64(len(m)), Options{})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Open(bytes.NewReader(b), int64(len(b)), Options{MaxSize: 1 << 20}); !errors.Is(err, safeio.ErrTooLarge) {
		t.Errorf("size cap: %v", err)
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// A truncated hive must still open and fail lookups cleanly.
func TestTruncatedHiveLookups(t *testing.T) {
	_, b := openShared(t, "regipy/regipy_tests/data/SYSTEM.xz")
	for _, n := range []int{8192, 65536, len(b) / 2} {
		m := b[:n]
		h, err := Open(bytes.NewReader(m), int64(n), Options{})
		if err != nil {
			continue
		}
		_, err = h.Key(`ControlSet001\Control\ComputerName\ComputerName`)
		if err == nil && n < 65536 {
			t.Errorf("truncated to %d: lookup succeeded", n)
		}
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(minimalHive())
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Open(bytes.NewReader(b), int64(len(b)), Options{MaxValueSize: 1 << 16})
		if err != nil {
			return
		}
		root, err := h.Root()
		if err != nil {
			return
		}
		subs, _ := root.Subkeys()
		for _, s := range subs {
			vals, _ := s.Values()
			for _, v := range vals {
				_, _ = v.String()
			}
		}
		vals, _ := root.Values()
		_ = vals
	})
}

func BenchmarkLookup(b *testing.B) {
	data := testenv.SharedXZ(b, "regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz")
	cr := &countingReader{r: bytes.NewReader(data)}
	b.ReportAllocs()
	for b.Loop() {
		h, err := Open(cr, int64(len(data)), Options{})
		if err != nil {
			b.Fatal(err)
		}
		k, err := h.Key(`ControlSet001\Control\ComputerName\ComputerName`)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.Value("ComputerName"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cr.n)/float64(b.N), "bytes-read/op")
}

type countingReader struct {
	r interface {
		ReadAt([]byte, int64) (int, error)
	}
	n int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

func TestMinimalHive(t *testing.T) {
	b := minimalHive()
	h, err := Open(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	root, _ := h.Root()
	v, err := root.Value("name")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := v.String(); s != "hi" || err != nil {
		t.Errorf("Name = %q, %v", s, err)
	}
	v, err = root.Value("N")
	if n, _ := v.Uint32(); err != nil || n != 7 {
		t.Errorf("N = %d, %v", n, err)
	}
	sub, err := h.Key("SUB")
	if err != nil || sub.Path() != "Sub" {
		t.Fatalf("Sub: %v %v", sub, err)
	}
	if !h.Header().ChecksumOK || h.Dirty() {
		t.Errorf("header %+v", h.Header())
	}
	// Each mutation of a structure gives a specific error, never a panic.
	c := clone(b)
	binary.LittleEndian.PutUint32(c[4096+0x1a0+4+4:], 1<<30) // data length
	h2, _ := Open(bytes.NewReader(c), int64(len(c)), Options{})
	r2, _ := h2.Root()
	if _, err := r2.Value("Name"); !errors.Is(err, safeio.ErrTooLarge) {
		t.Errorf("huge data length: %v", err)
	}
	c = clone(b)
	binary.LittleEndian.PutUint32(c[4096+0x20+4+36:], 1<<20) // value count
	h3, _ := Open(bytes.NewReader(c), int64(len(c)), Options{})
	r3, _ := h3.Root()
	if _, err := r3.Values(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("huge value count: %v", err)
	}
	c = clone(b)
	copy(c[4096+0x100+4:], "zz") // subkey list signature
	h4, _ := Open(bytes.NewReader(c), int64(len(c)), Options{})
	if _, err := h4.Key("Sub"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("bad list signature: %v", err)
	}
}

// Hinted lookups (lf/lh) find every subkey a full walk lists.
func TestHintedLookupsMatchFullWalk(t *testing.T) {
	for _, rel := range []string{"regipy/regipy_tests/data/SYSTEM.xz", "regipy/regipy_tests/data/transactions_NTUSER.DAT.xz"} {
		h, _ := openShared(t, rel)
		root, _ := h.Root()
		checked := 0
		var walk func(k *Key, depth int)
		walk = func(k *Key, depth int) {
			subs, _ := k.Subkeys()
			for _, s := range subs {
				got, err := k.Subkey(strings.ToLower(s.Name()))
				if err != nil || got.Path() != s.Path() {
					t.Errorf("%s: Subkey(%q) = %v, %v", rel, s.Name(), got, err)
				}
				checked++
				if depth < 4 && checked < 20000 {
					walk(s, depth+1)
				}
			}
		}
		walk(root, 0)
		if checked < 500 {
			t.Errorf("%s: only %d lookups checked", rel, checked)
		}
	}
}
