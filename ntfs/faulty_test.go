package ntfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// badRange fails every read that overlaps [lo, hi), like a bad sector.
type badRange struct {
	r      io.ReaderAt
	lo, hi int64
}

func (b *badRange) ReadAt(p []byte, off int64) (int, error) {
	if off < b.hi && off+int64(len(p)) > b.lo {
		return 0, fmt.Errorf("bad sector at %d: %w", max(off, b.lo), errInjected)
	}
	return b.r.ReadAt(p, off)
}

// pageLog records the offsets read.
type pageLog struct {
	r    io.ReaderAt
	mu   sync.Mutex
	offs map[int64]bool
}

func (l *pageLog) ReadAt(p []byte, off int64) (int, error) {
	l.mu.Lock()
	for o := off &^ 4095; o < off+int64(len(p)); o += 4096 {
		l.offs[o] = true
	}
	l.mu.Unlock()
	return l.r.ReadAt(p, off)
}

// reference holds what a healthy read of vol-win11home returns.
type reference struct {
	software []byte
	config   []string
}

func readReference(t *testing.T, v *Volume) reference {
	t.Helper()
	f, err := v.Open(pSoftware)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := readAll(f)
	if err != nil {
		t.Fatal(err)
	}
	list, err := v.ReadDir(pConfig)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range list {
		names = append(names, fi.Name)
	}
	sort.Strings(names)
	return reference{software: sw, config: names}
}

// checkIOErr accepts nil or an error that wraps errInjected, names the
// path and the offset, and does not claim the file is missing.
func checkIOErr(t *testing.T, what, path string, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	if !errors.Is(err, errInjected) || errors.Is(err, ErrNotFound) ||
		!strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "offset") {
		t.Errorf("%s: %v; want an error wrapping the read error, with %q and the offset", what, err, path)
	}
	return false
}

// checkFaulty runs the read paths on a volume over r and compares
// successful results with ref.
func checkFaulty(t *testing.T, label string, r io.ReaderAt, size int64, ref reference) {
	t.Helper()
	v, err := Open(r, size)
	if err != nil {
		if !errors.Is(err, errInjected) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotNTFS) {
			t.Errorf("%s: Open = %v, want the read error", label, err)
		}
		return
	}
	if st := v.State(); st.Hibernation != HiberNone && st.HiberHeader != "unreadable" {
		t.Errorf("%s: State = %+v", label, st)
	}
	if fi, err := v.Stat(pSoftware); checkIOErr(t, label+": Stat", pSoftware, err) && fi.Size != int64(len(ref.software)) {
		t.Errorf("%s: Stat size %d", label, fi.Size)
	}
	list, err := v.ReadDir(pConfig)
	if checkIOErr(t, label+": ReadDir", pConfig, err) {
		var names []string
		for _, fi := range list {
			names = append(names, fi.Name)
		}
		sort.Strings(names)
		if !slices.Equal(names, ref.config) {
			t.Errorf("%s: ReadDir = %q without an error", label, names)
		}
	}
	f, err := v.Open(pSoftware)
	if !checkIOErr(t, label+": Open", pSoftware, err) {
		return
	}
	got, err := readAll(f)
	if checkIOErr(t, label+": read", pSoftware, err) && !bytes.Equal(got, ref.software) {
		t.Errorf("%s: SOFTWARE read %d wrong bytes without an error", label, len(got))
	}
}

// TestFaultyReaderBudget fails the reader after N bytes for many N.
func TestFaultyReaderBudget(t *testing.T) {
	vol := win11Volume(t)
	size := int64(len(vol))
	full := &failAfter{r: bytes.NewReader(vol), budget: 1 << 62}
	v, err := Open(full, size)
	if err != nil {
		t.Fatal(err)
	}
	afterOpen := full.used.Load()
	ref := readReference(t, v)
	total := full.used.Load()

	// The boot sector itself.
	_, err = Open(&failAfter{r: bytes.NewReader(vol), budget: 100}, size)
	if !errors.Is(err, errInjected) || !strings.Contains(err.Error(), "boot sector") {
		t.Errorf("Open with a bad boot sector = %v", err)
	}
	// The $MFT bootstrap: go-ntfs alone says "Invalid magic".
	_, err = Open(&failAfter{r: bytes.NewReader(vol), budget: 512}, size)
	if !errors.Is(err, errInjected) || !strings.Contains(err.Error(), "offset") {
		t.Errorf("Open after 512 bytes = %v, want the read error and its offset", err)
	}
	_, err = Open(&badRange{r: bytes.NewReader(vol), lo: mftOff, hi: mftOff + 512}, size)
	if !errors.Is(err, errInjected) || !strings.Contains(err.Error(), fmt.Sprintf("offset %d", mftOff)) {
		t.Errorf("Open with a bad $MFT sector = %v, want the read error at offset %d", err, mftOff)
	}
	budgets := []int64{512, afterOpen - 1, afterOpen}
	for n := int64(1024); n < total+8192; n += 1024 {
		budgets = append(budgets, n)
	}
	for _, n := range budgets {
		checkFaulty(t, fmt.Sprintf("budget %d", n), &failAfter{r: bytes.NewReader(vol), budget: n}, size, ref)
	}
	t.Logf("Open reads %d bytes, Open+ReadDir+read SOFTWARE %d; %d budgets tried", afterOpen, total, len(budgets))
}

// TestFaultyReaderBadPage makes each 4 KiB page the healthy run reads
// unreadable in turn.
func TestFaultyReaderBadPage(t *testing.T) {
	vol := win11Volume(t)
	size := int64(len(vol))
	log := &pageLog{r: bytes.NewReader(vol), offs: map[int64]bool{}}
	v, err := Open(log, size)
	if err != nil {
		t.Fatal(err)
	}
	ref := readReference(t, v)
	v.Stat(pSoftware)
	pages := make([]int64, 0, len(log.offs))
	for o := range log.offs {
		pages = append(pages, o)
	}
	slices.Sort(pages)
	for _, p := range pages {
		checkFaulty(t, fmt.Sprintf("bad page %d", p), &badRange{r: bytes.NewReader(vol), lo: p, hi: p + 4096}, size, ref)
	}
	t.Logf("%d pages tried", len(pages))
}

// TestHiberUnreadable: a bad sector in hiberfil.sys must not read as "no
// hibernation".
func TestHiberUnreadable(t *testing.T) {
	vol := hiberVolume(t)
	var at int64 = -1
	for o := int64(0); o < int64(len(vol)); o += 4096 {
		if bytes.HasPrefix(vol[o:], []byte("HIBR")) {
			at = o
			break
		}
	}
	if at < 0 {
		t.Fatal("no HIBR cluster in the volume")
	}
	v, err := Open(&badRange{r: bytes.NewReader(vol), lo: at, hi: at + 512}, int64(len(vol)))
	if err != nil {
		t.Fatal(err)
	}
	if st := v.State(); st.Hibernation == HiberNone {
		t.Errorf("State = %+v with hiberfil.sys unreadable, want not HiberNone", st)
	}
	f, err := v.Open("hiberfil.sys")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.ReadAt(make([]byte, 4), 0)
	checkIOErr(t, "read hiberfil.sys", "hiberfil.sys", err)
	if err == nil {
		t.Error("read of a bad sector succeeded")
	}
}
