package rescue

// Corruption campaign (make torture; docs/performance.md). Each committed
// fixture is mutated many times — truncated, bits flipped, bytes set,
// regions zeroed, size and offset fields pushed to extremes, subkey lists
// turned into cycles — at offsets drawn from the structures that matter
// (partition tables, EBRs, boot sectors, MFT records of the hive and SPP
// files and their folders, index blocks, hive base blocks, bins, cells,
// subkey lists, value sizes, tokens.dat) and uniformly. Every mutant is
// scanned through ScanTargets under a watchdog. A run fails on a panic, a
// scan that outlives its bound, a heap that grows past its bound, or a
// report that names no place for a problem. Losing an installation or a
// key with no warning at all ("silent loss") is listed, and fails the run
// with TORTURE_STRICT=1.
//
//   TORTURE_COUNT=N      number of mutants (the test skips when unset)
//   TORTURE_SEED=S       campaign seed (default 1); printed with every failure
//   TORTURE_ONLY=I       replay mutant I only
//   TORTURE_STRICT=1     silent losses fail the run
//
// The ACPI fixtures are mutated the same way and fed to the firmware
// parsers.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/actrescue/actrescue/firmware"
	"github.com/actrescue/actrescue/image"
	"github.com/actrescue/actrescue/internal/testenv"
)

// Bounds of one mutant's scan.
const (
	tortureTimeout = 10 * time.Second
	tortureHeap    = 256 << 20 // growth of the live heap during one scan
)

var tortureFixtures = []string{"gpt-win11", "mbr-ext-win10", "gpt4k-server", "gpt-nowin", "gpt-bitlocker-hiber",
	"mbr-win7", "gpt-server-eval", "vol-win11home"}

// region is a place worth mutating: [off, off+n) of the disk image.
type region struct {
	kind string
	off  int64
	n    int64
}

type tortureFixture struct {
	name     string
	b        []byte
	regions  []region
	baseline tortureSummary
}

// tortureSummary is what a scan found, to spot silent losses.
type tortureSummary struct {
	installs, keys int
}

func summarize(rep *Report) (s tortureSummary, problems int) {
	for _, t := range rep.Targets {
		if t.Error != nil {
			problems++
		}
		for _, w := range t.Warnings {
			if w.Severity != SevInfo {
				problems++
			}
		}
		for _, in := range t.Installations {
			s.installs++
			s.keys += len(in.Keys)
			for _, w := range in.Warnings {
				if w.Severity != SevInfo {
					problems++
				}
			}
		}
	}
	return s, problems
}

func loadTortureFixture(t *testing.T, name string) *tortureFixture {
	t.Helper()
	f, err := os.Open(testenv.Fixture(t, name+".img.d2.zst"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := image.ReadD2Zst(f, 256<<20)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	tf := &tortureFixture{name: name, b: b}
	tf.regions = findRegions(b, name)
	rep := ScanTargets(context.Background(), []*image.Target{image.OpenBytes(name, b)}, Options{Now: fixedTortureNow})
	tf.baseline, _ = summarize(rep)
	return tf
}

func fixedTortureNow() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }

func encodeUTF16LE(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

// findRegions locates the structures of a fixture by their signatures.
func findRegions(b []byte, name string) []region {
	size := int64(len(b))
	rs := []region{{"mbr", 0, 512}}
	sector := int64(512)
	if name == "gpt4k-server" {
		sector = 4096
	}
	if string(b[sector:sector+8]) == "EFI PART" {
		rs = append(rs, region{"gpt-header", sector, 92}, region{"gpt-entries", 2 * sector, 16 << 10},
			region{"gpt-backup", size - 33*sector, 33 * sector})
	}
	l, err := image.ScanReader(bytes.NewReader(b), size, int(sector))
	if err == nil {
		for _, p := range l.Partitions {
			if p.Logical {
				// fixturegen puts each EBR in the sector before its region.
				for s := p.Start - 512; s >= max(0, p.Start-(2<<20)); s -= 512 {
					if b[s+510] == 0x55 && b[s+511] == 0xAA {
						rs = append(rs, region{"ebr", s, 512})
						break
					}
				}
			}
			if p.Content == image.ContentNTFS {
				rs = append(rs, region{"boot-sector", p.Start, 512})
			}
		}
	}
	names := map[string]string{}
	for _, n := range []string{"SOFTWARE", "SYSTEM", "config", "System32", "tokens.dat", "Windows.old", "Windows", "2.0", "pkeyconfig.xrm-ms", "$MFT", "$UpCase"} {
		names[string(encodeUTF16LE(n))] = n
	}
	for off := int64(0); off+1024 <= size; off += 512 {
		rec := b[off : off+1024]
		switch string(rec[:4]) {
		case "FILE":
			for u, n := range names {
				if bytes.Contains(rec[:1024], []byte(u)) {
					rs = append(rs, region{"mft-record " + n, off, 1024})
					break
				}
			}
		case "INDX":
			if off%4096 == 0 || off%512 == 0 {
				rs = append(rs, region{"index-block", off, 4096})
			}
		case "regf":
			rs = append(rs, region{"hive-base-block", off, 4096})
			rs = append(rs, hiveRegions(b, off)...)
		}
	}
	// SPP token stores: version-3 stores start with 03 00 00 00.
	for off := int64(0); off+4096 <= size; off += 4096 {
		if bytes.HasPrefix(b[off:], []byte{3, 0, 0, 0}) && bytes.Contains(b[off:off+4096], encodeUTF16LE("license")) {
			rs = append(rs, region{"tokens.dat", off, 4096})
		}
	}
	return rs
}

// hiveRegions lists bins, cells, subkey lists and value size fields of the
// hive whose base block is at base (first 256 KiB of bins at most).
func hiveRegions(b []byte, base int64) []region {
	var rs []region
	le := binary.LittleEndian
	end := min(int64(len(b)), base+4096+256<<10)
	for off := base + 4096; off+32 <= end; {
		if string(b[off:off+4]) != "hbin" {
			break
		}
		size := int64(le.Uint32(b[off+8:]))
		if size < 4096 || off+size > end {
			break
		}
		rs = append(rs, region{"hive-bin-header", off, 32})
		for c := off + 32; c+8 <= off+size; {
			cs := int64(int32(le.Uint32(b[c:])))
			if cs < 0 {
				cs = -cs
			}
			if cs < 8 || c+cs > off+size {
				break
			}
			switch string(b[c+4 : c+6]) {
			case "nk":
				rs = append(rs, region{"hive-cell nk", c, min(cs, 80)})
			case "lf", "lh", "li", "ri":
				rs = append(rs, region{"hive-subkey-list", c, cs})
			case "vk":
				rs = append(rs, region{"hive-value-size", c + 8, 8})
			case "sk":
				rs = append(rs, region{"hive-cell sk", c, min(cs, 48)})
			}
			c += cs
		}
		off += size
	}
	return rs
}

// mutation is one deterministic change to a fixture.
type mutation struct {
	kind     string
	desc     string
	truncate int64 // new size, or -1
	patches  []patch
}

type patch struct {
	off int64
	b   []byte
}

// overlayDisk reads base, cut at size, with patches laid over it.
type overlayDisk struct {
	base    []byte
	size    int64
	patches []patch
}

func (o *overlayDisk) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= o.size {
		return 0, fmt.Errorf("offset %d outside the %d-byte image", off, o.size)
	}
	n := copy(p, o.base[off:o.size])
	for _, pt := range o.patches {
		lo, hi := max(off, pt.off), min(off+int64(n), pt.off+int64(len(pt.b)))
		if lo < hi {
			copy(p[lo-off:hi-off], pt.b[lo-pt.off:hi-pt.off])
		}
	}
	if n < len(p) {
		return n, fmt.Errorf("short read at %d", off)
	}
	return n, nil
}

func pick(r *rand.Rand, rs []region, size int64) (region, int64) {
	if len(rs) > 0 && r.IntN(10) < 7 {
		g := rs[r.IntN(len(rs))]
		return g, g.off + r.Int64N(max(1, g.n))
	}
	off := r.Int64N(size)
	return region{"anywhere", off, 1}, off
}

// mutate builds mutation i of fixture tf.
func mutate(tf *tortureFixture, seed uint64, i int) mutation {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%d", seed, tf.name, i)
	r := rand.New(rand.NewPCG(h.Sum64(), seed))
	size := int64(len(tf.b))
	m := mutation{truncate: -1}
	g, off := pick(r, tf.regions, size)
	where := fmt.Sprintf("%s at 0x%x (region 0x%x+%d)", g.kind, off, g.off, g.n)
	switch k := r.IntN(9); k {
	case 0: // truncate
		m.kind = "truncate"
		m.truncate = max(1, off)
		m.desc = "truncate to " + strconv.FormatInt(m.truncate, 10) + " bytes, in " + where
	case 1, 2: // flip a bit
		m.kind = "flip-bit"
		bit := r.IntN(8)
		m.patches = []patch{{off, []byte{tf.b[off] ^ 1<<bit}}}
		m.desc = fmt.Sprintf("flip bit %d of %s", bit, where)
	case 3: // set a byte
		m.kind = "set-byte"
		v := []byte{0, 0xFF, 0x7F, 0x80, byte(r.IntN(256))}[r.IntN(5)]
		m.patches = []patch{{off, []byte{v}}}
		m.desc = fmt.Sprintf("set byte to 0x%02x, %s", v, where)
	case 4: // zero a region
		m.kind = "zero-region"
		n := min(int64(16<<r.IntN(13)), size-off)
		m.patches = []patch{{off, make([]byte, n)}}
		m.desc = fmt.Sprintf("zero %d bytes from %s", n, where)
	case 5, 6: // an extreme 32- or 64-bit field, aligned
		m.kind = "extreme-field"
		off &^= 3
		if off+8 > size {
			off = size - 8
		}
		vals := []uint64{0, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x80000004, 0xFFFFFFF8, 1 << 40, 0xFFFFFFFFFFFFFFFF}
		v := vals[r.IntN(len(vals))]
		w := 4 + 4*r.IntN(2)
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, v)
		m.patches = []patch{{off, b[:w]}}
		m.desc = fmt.Sprintf("write %d-byte 0x%x at %s", w, v, where)
	case 7: // a subkey list that loops: an entry pointing at the list itself or the hive root
		m.kind = "subkey-cycle"
		var lists []region
		for _, g := range tf.regions {
			if g.kind == "hive-subkey-list" {
				lists = append(lists, g)
			}
		}
		if len(lists) == 0 {
			return mutate(tf, seed+1, i)
		}
		g := lists[r.IntN(len(lists))]
		base := hiveBase(tf.b, g.off)
		target := uint32(g.off - base - 4096) // the list cell itself
		if r.IntN(2) == 0 {
			target = binary.LittleEndian.Uint32(tf.b[base+36:]) // the root key
		}
		b := binary.LittleEndian.AppendUint32(nil, target)
		m.patches = []patch{{g.off + 8, b}}
		m.desc = fmt.Sprintf("subkey list at 0x%x: first entry -> cell 0x%x (cycle)", g.off, target)
	default: // several flips in one structure
		m.kind = "multi-byte"
		for j := 0; j < 2+r.IntN(6); j++ {
			o := g.off + r.Int64N(max(1, g.n))
			if o < size {
				m.patches = append(m.patches, patch{o, []byte{tf.b[o] ^ byte(1+r.IntN(255))}})
			}
		}
		m.desc = fmt.Sprintf("%d random bytes changed in %s 0x%x+%d", len(m.patches), g.kind, g.off, g.n)
	}
	return m
}

// hiveBase finds the base block before a cell.
func hiveBase(b []byte, off int64) int64 {
	for o := off &^ 4095; o >= 0; o -= 4096 {
		if string(b[o:o+4]) == "regf" {
			return o
		}
	}
	return 0
}

type tortureOutcome struct {
	failure string // empty: fine
	silent  bool
}

// runMutant scans one mutant with a watchdog and checks the report.
func runMutant(tf *tortureFixture, m mutation) tortureOutcome {
	size := int64(len(tf.b))
	if m.truncate >= 0 {
		size = m.truncate
	}
	disk := &overlayDisk{base: tf.b, size: size, patches: m.patches}
	ctx, cancel := context.WithTimeout(context.Background(), tortureTimeout)
	defer cancel()
	type result struct {
		rep   *Report
		panic any
		stack []byte
	}
	done := make(chan result, 1)
	heap0 := liveHeap()
	var peak uint64
	var peakMu sync.Mutex
	stopSampler := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopSampler:
				return
			case <-t.C:
				h := liveHeap()
				peakMu.Lock()
				peak = max(peak, h)
				peakMu.Unlock()
			}
		}
	}()
	go func() {
		defer func() {
			if p := recover(); p != nil {
				buf := make([]byte, 8<<10)
				done <- result{panic: p, stack: buf[:runtime.Stack(buf, false)]}
			}
		}()
		tg := image.OpenReader(tf.name+"-mutant", disk, size)
		done <- result{rep: ScanTargets(ctx, []*image.Target{tg}, Options{Now: fixedTortureNow})}
	}()
	var res result
	select {
	case res = <-done:
	case <-time.After(tortureTimeout + 5*time.Second):
		close(stopSampler)
		return tortureOutcome{failure: fmt.Sprintf("hang: no report after %v", tortureTimeout+5*time.Second)}
	}
	close(stopSampler)
	if res.panic != nil {
		return tortureOutcome{failure: fmt.Sprintf("panic: %v\n%s", res.panic, res.stack)}
	}
	peakMu.Lock()
	grown := int64(peak) - int64(heap0)
	peakMu.Unlock()
	if grown > tortureHeap {
		return tortureOutcome{failure: fmt.Sprintf("heap grew by %d MiB during the scan", grown>>20)}
	}
	if ctx.Err() != nil {
		return tortureOutcome{failure: "the scan ran into its " + tortureTimeout.String() + " deadline"}
	}
	rep := res.rep
	if rep == nil || len(rep.Targets) != 1 {
		return tortureOutcome{failure: "no report"}
	}
	tr := rep.Targets[0]
	if tr.Error != nil && (tr.Error.Message == "" || tr.Error.Code == "") {
		return tortureOutcome{failure: fmt.Sprintf("target error without a message: %+v", tr.Error)}
	}
	all := append([]Warning{}, tr.Warnings...)
	for _, in := range tr.Installations {
		all = append(all, in.Warnings...)
	}
	for _, w := range all {
		if w.Severity != SevInfo && (w.Where == "" || w.Message == "" || w.Code == "") {
			return tortureOutcome{failure: fmt.Sprintf("warning that names no place: %+v", w)}
		}
	}
	s, problems := summarize(rep)
	if (s.installs < tf.baseline.installs || s.keys < tf.baseline.keys) && problems == 0 {
		return tortureOutcome{silent: true, failure: fmt.Sprintf("silent loss: %d installations and %d keys (pristine: %d and %d), no warning",
			s.installs, s.keys, tf.baseline.installs, tf.baseline.keys)}
	}
	return tortureOutcome{}
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
var heapMu sync.Mutex

func liveHeap() uint64 {
	heapMu.Lock()
	defer heapMu.Unlock()
	metrics.Read(heapSample)
	return heapSample[0].Value.Uint64()
}

func TestTorture(t *testing.T) {
	count, err := strconv.Atoi(os.Getenv("TORTURE_COUNT"))
	if err != nil || count <= 0 {
		t.Skip("set TORTURE_COUNT=N to run the corruption campaign (make torture)")
	}
	seed := uint64(1)
	if s := os.Getenv("TORTURE_SEED"); s != "" {
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("TORTURE_SEED: %v", err)
		}
	}
	only := -1
	if s := os.Getenv("TORTURE_ONLY"); s != "" {
		only, _ = strconv.Atoi(s)
	}
	strict := os.Getenv("TORTURE_STRICT") != ""
	t.Logf("corruption campaign: TORTURE_SEED=%d, %d mutants over %d fixtures", seed, count, len(tortureFixtures))
	fixtures := make([]*tortureFixture, len(tortureFixtures))
	for i, n := range tortureFixtures {
		fixtures[i] = loadTortureFixture(t, n)
	}
	start := time.Now()
	kinds := map[string]int{}
	var silent []string
	failed := 0
	for i := 0; i < count; i++ {
		if only >= 0 && i != only {
			continue
		}
		tf := fixtures[i%len(fixtures)]
		m := mutate(tf, seed, i)
		kinds[m.kind]++
		o := runMutant(tf, m)
		switch {
		case o.failure == "":
		case o.silent && !strict:
			silent = append(silent, fmt.Sprintf("TORTURE_SEED=%d TORTURE_ONLY=%d %s: %s: %s", seed, i, tf.name, m.desc, o.failure))
		default:
			failed++
			t.Errorf("TORTURE_SEED=%d TORTURE_ONLY=%d %s: %s:\n%s", seed, i, tf.name, m.desc, o.failure)
			if strings.HasPrefix(o.failure, "hang") {
				t.FailNow() // the stuck scan keeps running
			}
		}
	}
	elapsed := time.Since(start)
	var ks []string
	for k, n := range kinds {
		ks = append(ks, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(ks)
	t.Logf("%d mutants in %v (%s); %d failures; %d silent losses", count, elapsed.Round(time.Millisecond), strings.Join(ks, ", "), failed, len(silent))
	for _, s := range silent {
		t.Log("silent loss (fails with TORTURE_STRICT=1): " + s)
	}
	tortureFirmware(t, seed, max(count/10, 50), only < 0)
}

// tortureFirmware mutates the ACPI fixtures and parses them.
func tortureFirmware(t *testing.T, seed uint64, count int, run bool) {
	if !run {
		return
	}
	dir := filepath.Join(testenv.RepoRoot(t), "testdata", "acpi")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) == 0 {
		t.Log("no ACPI fixtures: firmware part skipped")
		return
	}
	r := rand.New(rand.NewPCG(seed, 0xAC91))
	for i := 0; i < count; i++ {
		path := files[i%len(files)]
		orig, err := os.ReadFile(path)
		if err != nil || len(orig) == 0 {
			continue
		}
		b := append([]byte(nil), orig...)
		desc := ""
		switch r.IntN(4) {
		case 0:
			n := r.IntN(len(b))
			b, desc = b[:n], fmt.Sprintf("truncate to %d", n)
		case 1:
			o := r.IntN(len(b))
			b[o] ^= 1 << r.IntN(8)
			desc = fmt.Sprintf("flip a bit at %d", o)
		case 2:
			o := r.IntN(max(1, len(b)-4)) &^ 3
			if o+4 <= len(b) {
				binary.LittleEndian.PutUint32(b[o:], 0xFFFFFFFF)
			}
			desc = fmt.Sprintf("0xFFFFFFFF at %d", o)
		default:
			o := r.IntN(len(b))
			b[o] = byte(r.IntN(256))
			desc = fmt.Sprintf("random byte at %d", o)
		}
		done := make(chan string, 1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					done <- fmt.Sprint("panic: ", p)
				}
			}()
			firmware.ParseTables(b)
			firmware.ParseTable(b)
			firmware.ParseMSDM(b)
			firmware.ParseSLIC(b)
			firmware.ParseSMBIOS(b)
			firmware.ParseAcpidump(b)
			done <- ""
		}()
		select {
		case s := <-done:
			if s != "" {
				t.Errorf("TORTURE_SEED=%d firmware mutant %d (%s, %s): %s", seed, i, filepath.Base(path), desc, s)
			}
		case <-time.After(tortureTimeout):
			t.Fatalf("TORTURE_SEED=%d firmware mutant %d (%s, %s): hang", seed, i, filepath.Base(path), desc)
		}
	}
}
