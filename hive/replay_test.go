package hive

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/actrescue/actrescue/internal/testenv"
)

// Test vectors of .NET's Marvin implementation (dotnet MarvinTests.cs).
func TestMarvin32Vectors(t *testing.T) {
	const s1, s2, s3 = 0x4FB61A001BDBCC, 0x804FB61A001BDBCC, 0x804FB61A801BDBCC
	cases := []struct {
		seed uint64
		data string
		want uint64
	}{
		{s1, "", 0x30ED35C100CD3C7D},
		{s1, "af", 0x48E73FC77D75DDC1},
		{s1, "e70f", 0xB5F6E1FC485DBFF8},
		{s1, "37f495", 0xF0B07C789B8CF7E8},
		{s1, "8642dc59", 0x7008F2E87E9CF556},
		{s1, "153fb79826", 0xE6C08C6DA2AFA997},
		{s1, "0932e6246c47", 0x6F04BF1A5EA24060},
		{s1, "ab427ea8d10fc7", 0xE11847E4F0678C41},
		{s2, "153fb79826", 0x0A06114B13464DBD},
		{s3, "00FF00FF", 0x24EAA279D9A529CA},
		{s3, "00FF00FF00FF00", 0x71876F2EFB1B0EE8},
	}
	for _, c := range cases {
		d, _ := hex.DecodeString(c.data)
		if got := marvin32(c.seed, d); got != c.want {
			t.Errorf("marvin32(%#x, %s) = %#x, want %#x", c.seed, c.data, got, c.want)
		}
	}
}

// Every entry of the corpus logs, stale ones included, carries valid hashes.
func TestMarvin32CorpusLogs(t *testing.T) {
	want := map[string]int{
		"SYSTEM_B.LOG1.xz": 4, "SYSTEM_B.LOG2.xz": 20,
		"transactions_ntuser.dat.log1.xz": 23, "transactions_ntuser.dat.log2.xz": 1,
		"UsrClass.dat.LOG1.xz": 4, "UsrClass.dat.LOG2.xz": 10,
	}
	le := binary.LittleEndian
	for name, n := range want {
		b := testenv.SharedXZ(t, "regipy/regipy_tests/data/"+name)
		got := 0
		for off := 512; off+40 <= len(b) && string(b[off:off+4]) == "HvLE"; {
			size := int(le.Uint32(b[off+4:]))
			e := b[off : off+size]
			if marvin32(hvleSeed, e[40:]) != le.Uint64(e[24:]) || marvin32(hvleSeed, e[:32]) != le.Uint64(e[32:]) {
				t.Errorf("%s: entry at %#x (seq %d) fails its hashes", name, off, le.Uint32(e[12:]))
			}
			got++
			off += size
		}
		if got != n {
			t.Errorf("%s: %d entries, want %d", name, got, n)
		}
	}
}

// --- builders ---

func setSeq(b []byte, p, s uint32) {
	binary.LittleEndian.PutUint32(b[4:], p)
	binary.LittleEndian.PutUint32(b[8:], s)
	binary.LittleEndian.PutUint32(b[508:], baseChecksum(b))
}

// dirtyMinimal is minimalHive with sequences 2/1 and a last-written time.
func dirtyMinimal() []byte {
	b := minimalHive()
	binary.LittleEndian.PutUint64(b[12:], 0x01D5F0A0B0C0D0E0)
	setSeq(b, 2, 1)
	return b
}

type dirtyPage struct {
	off  uint32 // relative to the hive bins
	data []byte
}

// hvleEntry builds a new-format log entry with valid hashes.
func hvleEntry(seq, hbins uint32, pages ...dirtyPage) []byte {
	le := binary.LittleEndian
	size := 40 + 8*len(pages)
	for _, p := range pages {
		size += len(p.data)
	}
	size = (size + 511) / 512 * 512
	e := make([]byte, size)
	copy(e, "HvLE")
	le.PutUint32(e[4:], uint32(size))
	le.PutUint32(e[12:], seq)
	le.PutUint32(e[16:], hbins)
	le.PutUint32(e[20:], uint32(len(pages)))
	pos := 40 + 8*len(pages)
	for i, p := range pages {
		le.PutUint32(e[40+8*i:], p.off)
		le.PutUint32(e[44+8*i:], uint32(len(p.data)))
		pos += copy(e[pos:], p.data)
	}
	rehash(e)
	return e
}

func rehash(e []byte) {
	le := binary.LittleEndian
	le.PutUint64(e[24:], marvin32(hvleSeed, e[40:]))
	le.PutUint64(e[32:], marvin32(hvleSeed, e[:32]))
}

// logFile builds a log: a copy of primary's base block with seq1 = seq2 =
// seq and the file type, then the body (entries or a dirty vector).
func logFile(primary []byte, seq, ftype uint32, body ...[]byte) []byte {
	b := make([]byte, 512)
	copy(b, primary[:512])
	binary.LittleEndian.PutUint32(b[28:], ftype)
	setSeq(b, seq, seq)
	for _, e := range body {
		b = append(b, e...)
	}
	return b
}

// addedValue returns minimalHive's hbin with a DWORD "Added" = 0x1234
// appended to the root's values.
func addedValue(primary []byte) []byte {
	le := binary.LittleEndian
	hb := bytes.Clone(primary[4096:8192])
	le.PutUint32(hb[0x210:], uint32(0xfffffff0)) // value list, 16 bytes
	le.PutUint32(hb[0x214:], 0x1a0)
	le.PutUint32(hb[0x218:], 0x1d0)
	le.PutUint32(hb[0x21c:], 0x220)
	le.PutUint32(hb[0x220:], uint32(0xffffffd0)) // vk, 48 bytes
	c := hb[0x224:]
	copy(c, "vk")
	le.PutUint16(c[2:], 5)
	le.PutUint32(c[4:], 0x80000004)
	le.PutUint32(c[8:], 0x1234)
	le.PutUint32(c[12:], TypeDWORD)
	le.PutUint16(c[16:], 1)
	copy(c[20:], "Added")
	le.PutUint32(hb[0x250:], uint32(4096-0x250))
	le.PutUint32(hb[0x20+4+36:], 3)     // root value count
	le.PutUint32(hb[0x20+4+40:], 0x210) // root value list
	return hb
}

// withN sets the DWORD "N" of an hbin copy.
func withN(hb []byte, n uint32) []byte {
	hb = bytes.Clone(hb)
	binary.LittleEndian.PutUint32(hb[0x1d0+4+8:], n)
	return hb
}

func replayBytes(t *testing.T, primary []byte, logs map[string][]byte, opts Options) (io.ReaderAt, int64, *ReplayReport) {
	t.Helper()
	var lf []LogFile
	for _, name := range []string{"H.LOG", "H.LOG1", "H.LOG2"} {
		if b, ok := logs[name]; ok {
			lf = append(lf, LogFile{Name: name, R: bytes.NewReader(b), Size: int64(len(b))})
		}
	}
	r, n, rep, err := Replay(bytes.NewReader(primary), int64(len(primary)), lf, opts)
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	return r, n, rep
}

func rootDWORD(t *testing.T, r io.ReaderAt, n int64, name string) (uint32, error) {
	t.Helper()
	h, err := Open(r, n, Options{})
	if err != nil {
		t.Fatalf("open the replayed hive: %v", err)
	}
	if h.Dirty() || !h.Header().ChecksumOK {
		t.Errorf("replayed hive still dirty: %+v", h.Header())
	}
	root, err := h.Root()
	if err != nil {
		t.Fatal(err)
	}
	v, err := root.Value(name)
	if err != nil {
		return 0, err
	}
	return v.Uint32()
}

func hasNote(rep *ReplayReport, sub string) bool {
	for _, n := range rep.Notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

func rejected(rep *ReplayReport, log, sub string) bool {
	for _, r := range rep.Rejected {
		if r.Log == log && strings.Contains(r.Reason, sub) {
			return errors.Is(r.Err(), ErrLogRejected)
		}
	}
	return false
}

// --- synthetic logs on minimalHive ---

func TestReplayNewFormatAddsValue(t *testing.T) {
	p := dirtyMinimal()
	hb := addedValue(p)
	log1 := logFile(p, 1, 6, hvleEntry(1, 4096, dirtyPage{0, hb}))
	log2 := logFile(p, 2, 6, hvleEntry(2, 4096, dirtyPage{0, withN(hb, 8)}))
	primaryCopy := bytes.Clone(p)
	// LOG2 is listed first: order comes from the base-block sequences.
	r, n, rep := replayBytes(t, p, map[string][]byte{"H.LOG2": log2, "H.LOG1": log1}, Options{})
	if !rep.Applied || rep.Format != "new" || rep.FinalSequence != 2 || len(rep.Entries) != 2 || rep.Pages != 1 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Entries[0].Log != "H.LOG1" || rep.Entries[1].Log != "H.LOG2" {
		t.Errorf("order %+v", rep.Entries)
	}
	if v, err := rootDWORD(t, r, n, "Added"); err != nil || v != 0x1234 {
		t.Errorf("Added = %#x, %v", v, err)
	}
	if v, err := rootDWORD(t, r, n, "N"); err != nil || v != 8 {
		t.Errorf("N = %d, %v", v, err)
	}
	if !bytes.Equal(p, primaryCopy) {
		t.Error("the primary was modified")
	}
	// The primary alone lacks the value.
	h, err := Open(bytes.NewReader(p), int64(len(p)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Key(""); err != nil {
		t.Fatal(err)
	}
	root, _ := h.Root()
	if _, err := root.Value("Added"); !errors.Is(err, ErrValueNotFound) {
		t.Errorf("primary: %v", err)
	}
}

func TestReplayGrowsHive(t *testing.T) {
	p := dirtyMinimal()
	bin2 := make([]byte, 4096)
	copy(bin2, "hbin")
	binary.LittleEndian.PutUint32(bin2[4:], 4096)
	binary.LittleEndian.PutUint32(bin2[8:], 4096)
	binary.LittleEndian.PutUint32(bin2[32:], 4096-32)
	log1 := logFile(p, 1, 6, hvleEntry(1, 8192, dirtyPage{0, addedValue(p)}, dirtyPage{4096, bin2}))
	r, n, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": log1}, Options{})
	if n != 4096+8192 || rep.Pages != 2 || len(rep.Notes) != 0 {
		t.Fatalf("size %d, report %+v", n, rep)
	}
	b := make([]byte, n)
	if k, err := r.ReadAt(b, 0); k != len(b) || err != nil {
		t.Fatalf("read %d: %v", k, err)
	}
	if !bytes.Equal(b[8192:], bin2) || binary.LittleEndian.Uint32(b[40:]) != 8192 {
		t.Error("grown bin not served")
	}
	if k, err := r.ReadAt(b[:10], n-5); k != 5 || err != io.EOF {
		t.Errorf("read across the end: %d, %v", k, err)
	}
}

func TestReplayCleanAndNoLogs(t *testing.T) {
	clean := minimalHive()
	r, n, rep := replayBytes(t, clean, map[string][]byte{"H.LOG1": logFile(clean, 1, 6)}, Options{})
	if rep.Applied || n != int64(len(clean)) || !hasNote(rep, "clean") {
		t.Errorf("clean: %+v", rep)
	}
	if _, ok := r.(*bytes.Reader); !ok {
		t.Errorf("clean primary not returned as is: %T", r)
	}
	p := dirtyMinimal()
	if _, _, rep := replayBytes(t, p, nil, Options{}); rep.Applied || !hasNote(rep, "no transaction logs") {
		t.Errorf("no logs: %+v", rep)
	}
	if _, _, _, err := Replay(bytes.NewReader(p[:100]), 100, nil, Options{}); !errors.Is(err, ErrNotHive) {
		t.Errorf("tiny primary: %v", err)
	}
	junk := make([]byte, 8192)
	if _, _, _, err := Replay(bytes.NewReader(junk), 8192, nil, Options{}); !errors.Is(err, ErrNotHive) {
		t.Errorf("not a hive: %v", err)
	}
}

func TestReplayPartialReconcile(t *testing.T) {
	p := dirtyMinimal() // secondary 1
	log1 := logFile(p, 40, 6, hvleEntry(40, 4096, dirtyPage{0, addedValue(p)}))
	r, n, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": log1}, Options{})
	if rep.FinalSequence != 40 || !hasNote(rep, "partial reconcile") {
		t.Fatalf("%+v", rep)
	}
	if v, err := rootDWORD(t, r, n, "Added"); err != nil || v != 0x1234 {
		t.Errorf("Added = %#x, %v", v, err)
	}
}

func TestReplayRejections(t *testing.T) {
	p := dirtyMinimal()
	hb := addedValue(p)
	good1 := logFile(p, 1, 6, hvleEntry(1, 4096, dirtyPage{0, hb}), hvleEntry(2, 4096, dirtyPage{0, withN(hb, 8)}))

	t.Run("bad base block checksum", func(t *testing.T) {
		l := bytes.Clone(good1)
		l[100] ^= 1
		r, n, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": l}, Options{})
		if rep.Applied || !rejected(rep, "H.LOG1", "checksum") || n != int64(len(p)) {
			t.Fatalf("%+v", rep)
		}
		if _, ok := r.(*bytes.Reader); !ok {
			t.Error("primary not returned")
		}
	})
	t.Run("unfinished log base block", func(t *testing.T) {
		l := bytes.Clone(good1)
		setSeq(l, 2, 1)
		if _, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": l}, Options{}); !rejected(rep, "H.LOG1", "sequence numbers differ") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("empty and short", func(t *testing.T) {
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": nil, "H.LOG2": good1[:300]}, Options{})
		if !rejected(rep, "H.LOG1", "shorter") || !rejected(rep, "H.LOG2", "shorter") || rep.Applied {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("flipped byte in second entry", func(t *testing.T) {
		l := bytes.Clone(good1)
		l[512+len(hvleEntry(1, 4096, dirtyPage{0, hb}))+2000] ^= 0x40
		r, n, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": l}, Options{})
		if rep.FinalSequence != 1 || len(rep.Entries) != 1 || !hasNote(rep, "Hash-1 mismatch") {
			t.Fatalf("%+v", rep)
		}
		if v, _ := rootDWORD(t, r, n, "N"); v != 7 {
			t.Errorf("N = %d: the corrupt entry was applied", v)
		}
	})
	t.Run("flipped byte in first entry header", func(t *testing.T) {
		l := bytes.Clone(good1)
		l[512+8] ^= 1 // flags: covered by Hash-2 only
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": l}, Options{})
		if rep.Applied || !rejected(rep, "H.LOG1", "Hash-2 mismatch") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		l := good1[:len(good1)-1024]
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": l}, Options{})
		if rep.FinalSequence != 1 || !hasNote(rep, "truncated") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("page beyond the hive", func(t *testing.T) {
		l := logFile(p, 1, 6, hvleEntry(1, 4096, dirtyPage{0, hb}), hvleEntry(2, 4096, dirtyPage{4096, hb}))
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": l}, Options{})
		if rep.FinalSequence != 1 || !hasNote(rep, "beyond the 4096-byte hive bins") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("hive bins size over the limit", func(t *testing.T) {
		l := logFile(p, 1, 6, hvleEntry(1, 1<<30, dirtyPage{0, hb}))
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": l}, Options{MaxSize: 1 << 20})
		if rep.Applied || !rejected(rep, "H.LOG1", "exceeds the 1048576-byte hive limit") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("page count larger than the entry", func(t *testing.T) {
		e := hvleEntry(1, 4096, dirtyPage{0, hb})
		binary.LittleEndian.PutUint32(e[20:], 1<<30)
		rehash(e)
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": logFile(p, 1, 6, e)}, Options{})
		if !rejected(rep, "H.LOG1", "do not fit") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("entry size past the end", func(t *testing.T) {
		e := hvleEntry(1, 4096, dirtyPage{0, hb})
		binary.LittleEndian.PutUint32(e[4:], 1<<31)
		rehash(e)
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": logFile(p, 1, 6, e)}, Options{})
		if !rejected(rep, "H.LOG1", "run past the end") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("sequence gap between logs", func(t *testing.T) {
		l2 := logFile(p, 4, 6, hvleEntry(4, 4096, dirtyPage{0, withN(hb, 9)}))
		r, n, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": good1, "H.LOG2": l2}, Options{})
		if rep.FinalSequence != 2 || !rejected(rep, "H.LOG2", "sequence gap") {
			t.Fatalf("%+v", rep)
		}
		if v, _ := rootDWORD(t, r, n, "N"); v != 8 {
			t.Errorf("N = %d", v)
		}
	})
	t.Run("gap inside a log", func(t *testing.T) {
		l := logFile(p, 1, 6, hvleEntry(1, 4096, dirtyPage{0, hb}), hvleEntry(3, 4096, dirtyPage{0, withN(hb, 8)}))
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": l}, Options{})
		if rep.FinalSequence != 1 || !hasNote(rep, "sequence gap inside the log (seq 3 after 1)") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("corrupt first log blocks a later partial reconcile", func(t *testing.T) {
		l1 := bytes.Clone(good1)
		l1[600] ^= 1 // first entry
		l2 := logFile(p, 3, 6, hvleEntry(3, 4096, dirtyPage{0, withN(hb, 9)}))
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": l1, "H.LOG2": l2}, Options{})
		if rep.Applied || !rejected(rep, "H.LOG1", "Hash-1") || !rejected(rep, "H.LOG2", "sequence gap") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("stale log", func(t *testing.T) {
		q := bytes.Clone(p)
		setSeq(q, 6, 5)
		_, _, rep := replayBytes(t, q, map[string][]byte{"H.LOG1": good1}, Options{})
		if rep.Applied || !rejected(rep, "H.LOG1", "stale") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("first entry differs from the log base block", func(t *testing.T) {
		l := logFile(p, 7, 6, hvleEntry(1, 4096, dirtyPage{0, hb}))
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": l}, Options{})
		if !rejected(rep, "H.LOG1", "differs from the log's base block") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("cap on replaced bytes", func(t *testing.T) {
		defer func(v int64) { maxReplayBytes = v }(maxReplayBytes)
		maxReplayBytes = 0
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG1": good1}, Options{})
		if rep.Applied || !rejected(rep, "H.LOG1", "cap on replaced pages") {
			t.Fatalf("%+v", rep)
		}
	})
}

func TestReplayInvalidPrimaryBaseBlock(t *testing.T) {
	p := dirtyMinimal()
	hb := addedValue(p)
	log1 := logFile(p, 1, 6, hvleEntry(1, 4096, dirtyPage{0, hb}))
	log2 := logFile(p, 2, 6, hvleEntry(2, 4096, dirtyPage{0, withN(hb, 8)}))
	q := bytes.Clone(p)
	q[300] ^= 0xff // checksum now wrong
	r, n, rep := replayBytes(t, q, map[string][]byte{"H.LOG1": log1, "H.LOG2": log2}, Options{})
	if !rep.Applied || rep.FinalSequence != 2 || !hasNote(rep, "base block taken from H.LOG2") || !rejected(rep, "H.LOG1", "only the latest log") {
		t.Fatalf("%+v", rep)
	}
	if v, err := rootDWORD(t, r, n, "N"); err != nil || v != 8 {
		t.Errorf("N = %d, %v", v, err)
	}
	b := make([]byte, 4096)
	r.ReadAt(b, 0)
	if h, err := ParseHeader(b); err != nil || h.FileType != 0 || !h.ChecksumOK || h.Primary != 2 || h.Secondary != 2 {
		t.Errorf("recovered base block %+v, %v", h, err)
	}

	// No signature at all: the base block still comes from the log.
	q = bytes.Clone(p)
	copy(q, "xxxx")
	h, rep, err := OpenReplayed(bytes.NewReader(q), int64(len(q)), []LogFile{{"H.LOG1", bytes.NewReader(log1), int64(len(log1))}}, Options{})
	if err != nil || rep.FinalSequence != 1 {
		t.Fatalf("%+v, %v", rep, err)
	}
	if root, _ := h.Root(); root != nil {
		if v, err := root.Value("Added"); err != nil || len(v.Data) != 4 {
			t.Errorf("Added: %v", err)
		}
	}
	// ... unless the log's base block is unusable too.
	bad := bytes.Clone(log1)
	binary.LittleEndian.PutUint32(bad[40:], 0)
	setSeq(bad, 1, 1)
	if _, _, rep, err := Replay(bytes.NewReader(q), int64(len(q)), []LogFile{{"H.LOG1", bytes.NewReader(bad), int64(len(bad))}}, Options{}); !errors.Is(err, ErrNotHive) || !rejected(rep, "H.LOG1", "unusable") {
		t.Errorf("%+v, %v", rep, err)
	}
}

// oldLog builds an old-format log: DIRT, a one-byte bitmap (4096 bytes of
// hive bins = 8 pages), then the dirty 512-byte pages.
func oldLog(primary []byte, seq uint32, bitmap byte, hb []byte) []byte {
	body := make([]byte, 512)
	copy(body, "DIRT")
	body[4] = bitmap
	for i := 0; i < 8; i++ {
		if bitmap>>i&1 != 0 {
			body = append(body, hb[512*i:512*(i+1)]...)
		}
	}
	return logFile(primary, seq, 1, body)
}

func TestReplayOldFormat(t *testing.T) {
	p := dirtyMinimal()
	hb := addedValue(p)
	r, n, rep := replayBytes(t, p, map[string][]byte{"H.LOG": oldLog(p, 2, 0xff, hb)}, Options{})
	if !rep.Applied || rep.Format != "old" || rep.FinalSequence != 2 || len(rep.Entries) != 1 || rep.Entries[0].Pages != 8 || rep.Pages != 1 {
		t.Fatalf("%+v", rep)
	}
	if v, err := rootDWORD(t, r, n, "Added"); err != nil || v != 0x1234 {
		t.Errorf("Added = %#x, %v", v, err)
	}
	// Only the first 1 KiB dirty: the rest of the page comes from the primary.
	r, n, rep = replayBytes(t, p, map[string][]byte{"H.LOG": oldLog(p, 2, 0x03, hb)}, Options{})
	if rep.Entries[0].Pages != 2 {
		t.Fatalf("%+v", rep)
	}
	b := make([]byte, n)
	r.ReadAt(b, 0)
	if !bytes.Equal(b[4096:4096+1024], hb[:1024]) || !bytes.Equal(b[4096+1024:8192], p[4096+1024:8192]) {
		t.Error("partial page not merged with the primary")
	}

	t.Run("timestamp mismatch", func(t *testing.T) {
		l := oldLog(p, 2, 0xff, hb)
		l[12] ^= 1
		setSeq(l, 2, 2)
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG": l}, Options{})
		if rep.Applied || !rejected(rep, "H.LOG", "timestamp differs") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("invalid dirty hbin", func(t *testing.T) {
		bad := bytes.Clone(hb)
		binary.LittleEndian.PutUint32(bad[4:], 0x5000) // offset field
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG": oldLog(p, 2, 0xff, bad)}, Options{})
		if rep.Applied || !rejected(rep, "H.LOG", "invalid dirty hbin") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		l := oldLog(p, 2, 0xff, hb)
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG": l[:len(l)-512]}, Options{})
		if rep.Applied || !rejected(rep, "H.LOG", "truncated") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("no DIRT", func(t *testing.T) {
		l := oldLog(p, 2, 0xff, hb)
		copy(l[512:], "DIRX")
		_, _, rep := replayBytes(t, p, map[string][]byte{"H.LOG": l}, Options{})
		if !rejected(rep, "H.LOG", "DIRT") {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("new format preferred", func(t *testing.T) {
		l1 := logFile(p, 1, 6, hvleEntry(1, 4096, dirtyPage{0, withN(hb, 5)}))
		r, n, rep := replayBytes(t, p, map[string][]byte{"H.LOG": oldLog(p, 2, 0xff, hb), "H.LOG1": l1}, Options{})
		if rep.Format != "new" || !rejected(rep, "H.LOG", "old-format log ignored") {
			t.Fatalf("%+v", rep)
		}
		if v, _ := rootDWORD(t, r, n, "N"); v != 5 {
			t.Errorf("N = %d", v)
		}
	})
}

// --- shared corpus ---

type treeStats struct {
	keys, values, errs int
	paths              map[string]int64   // key path -> last write (ns)
	vals               map[string][]Value // key path -> values
}

func walkTree(t testing.TB, h *Hive) treeStats {
	st := treeStats{paths: map[string]int64{}, vals: map[string][]Value{}}
	root, err := h.Root()
	if err != nil {
		t.Fatal(err)
	}
	var walk func(k *Key, depth int)
	walk = func(k *Key, depth int) {
		st.keys++
		st.paths[k.Path()] = k.LastWrite().UnixNano()
		vals, err := k.Values()
		if err != nil {
			st.errs++
		}
		st.values += len(vals)
		st.vals[k.Path()] = vals
		subs, err := k.Subkeys()
		if err != nil {
			st.errs++
		}
		if depth < 128 {
			for _, s := range subs {
				walk(s, depth+1)
			}
		}
	}
	walk(root, 0)
	return st
}

// regipyDiff approximates regipy's compare_hives: new_subkey is the
// symmetric difference of key paths; new_value counts, for keys in both
// hives with another last-write time, value names present on one side
// only (values regipy sees as empty are skipped, multi-strings count per
// element).
func regipyDiff(a, b treeStats) (subkeys, values int) {
	for p := range a.paths {
		if _, ok := b.paths[p]; !ok {
			subkeys++
		}
	}
	for p := range b.paths {
		if _, ok := a.paths[p]; !ok {
			subkeys++
		}
	}
	tuples := func(vs []Value) map[string]int {
		m := map[string]int{}
		for _, v := range vs {
			switch v.Type {
			case TypeMultiSZ:
				ss, _ := v.Strings()
				seen := map[string]bool{}
				for _, s := range ss {
					seen[s] = true
				}
				if len(seen) > 0 {
					m[v.Name] += len(seen)
				}
			case TypeDWORD, TypeDWORDBE, TypeQWORD:
				if n, err := v.Uint64(); err == nil && n != 0 {
					m[v.Name]++
				}
			case TypeSZ, TypeExpandSZ:
				if s, _ := v.String(); s != "" {
					m[v.Name]++
				}
			default:
				if len(v.Data) > 0 {
					m[v.Name]++
				}
			}
		}
		return m
	}
	for p, ta := range a.paths {
		tb, ok := b.paths[p]
		if !ok || ta == tb {
			continue
		}
		ma, mb := tuples(a.vals[p]), tuples(b.vals[p])
		for n, c := range ma {
			if _, ok := mb[n]; !ok {
				values += c
			}
		}
		for n, c := range mb {
			if _, ok := ma[n]; !ok {
				values += c
			}
		}
	}
	return subkeys, values
}

type corpusReplay struct {
	hive       string
	logs       []string
	entries    [2]uint32 // first and last applied sequence
	rejected   []string
	dirtyPages int    // page references applied: regipy's "dirty pages recovered"
	pages      int    // distinct 4 KiB pages replaced
	keys, vals [2]int // whole tree, before and after our replay
	// regipy-style diff (new_subkey, new_value) of our result, and regipy's
	diffKeys, diffVals       int
	regipyKeys, regipyValues int
}

// Our replay against regipy's (CATALOG.md §1). The dirty page counts
// match (315, 132, 158 page references), but regipy applies the secondary
// log (LOG2) first and then LOG1 over it, with no sequence order. For
// SYSTEM_B (LOG1 2107–2110, LOG2 2111–2130) and UsrClass (LOG1 287–290,
// LOG2 291–300) that puts older LOG1 pages over newer LOG2 ones (3 and 22
// shared 4 KiB pages). regipyReplay reproduces regipy's new_subkey counts
// exactly (2458, 527, 93), and the hive it builds has walk errors (3 in
// SYSTEM_B, 4 in UsrClass, which even loses 87 keys). Our sequence-order
// replay walks without errors:
//   - SYSTEM_B: keys 33123 -> 35595 (+2472), values 74957 -> 78901 (+3944);
//     diff 2472 new_subkey / 46 new_value vs regipy 2458 / 53.
//   - transactions_NTUSER.DAT (log2 holds only seq 562 < 566: stale):
//     keys 2590 -> 3105, values 4119 -> 4695; diff 527 / 60 = regipy's.
//   - UsrClass.dat: keys 6205 -> 6238 (+33), values 12369 -> 12531 (+162);
//     diff 33 / 40 vs regipy 93 / 132.
//
// new_value is approximated (regipy compares JSON-converted values), so
// it is asserted against regipy only for NTUSER; the emulation gives
// 49 / 60 / 133 against regipy's 53 / 60 / 132.
var corpusReplays = []corpusReplay{
	{
		hive: "SYSTEM_B", logs: []string{"SYSTEM_B.LOG1", "SYSTEM_B.LOG2"},
		entries: [2]uint32{2107, 2130}, dirtyPages: 315, pages: 481,
		keys: [2]int{33123, 35595}, vals: [2]int{74957, 78901}, diffKeys: 2472, diffVals: 46,
		regipyKeys: 2458, regipyValues: 53,
	},
	{
		hive: "transactions_NTUSER.DAT", logs: []string{"transactions_ntuser.dat.log1", "transactions_ntuser.dat.log2"},
		entries: [2]uint32{566, 588}, rejected: []string{"transactions_ntuser.dat.log2"}, dirtyPages: 132, pages: 124,
		keys: [2]int{2590, 3105}, vals: [2]int{4119, 4695}, diffKeys: 527, diffVals: 60,
		regipyKeys: 527, regipyValues: 60,
	},
	{
		hive: "UsrClass.dat", logs: []string{"UsrClass.dat.LOG1", "UsrClass.dat.LOG2"},
		entries: [2]uint32{287, 300}, dirtyPages: 158, pages: 93,
		keys: [2]int{6205, 6238}, vals: [2]int{12369, 12531}, diffKeys: 33, diffVals: 40,
		regipyKeys: 93, regipyValues: 132,
	},
}

// regipyReplay emulates regipy's apply_transaction_logs on an in-memory
// copy (test only): the secondary log's entries first, then the primary
// log's over them, no hash or sequence checks. regipy writes the last
// parsed entry's hive bins size but reads cells past it; the emulation
// keeps the largest size so that Open reads them too.
func regipyReplay(p []byte, primaryLog, secondaryLog []byte) []byte {
	le := binary.LittleEndian
	out := bytes.Clone(p)
	for _, l := range [][]byte{secondaryLog, primaryLog} {
		if l == nil {
			continue
		}
		for off := 512; off+40 <= len(l) && string(l[off:off+4]) == "HvLE"; {
			size := int(le.Uint32(l[off+4:]))
			n := int(le.Uint32(l[off+20:]))
			pos := off + 40 + 8*n
			for i := 0; i < n; i++ {
				po, ps := int(le.Uint32(l[off+40+8*i:])), int(le.Uint32(l[off+44+8*i:]))
				if end := 4096 + po + ps; end > len(out) {
					out = append(out, make([]byte, end-len(out))...)
				}
				copy(out[4096+po:], l[pos:pos+ps])
				pos += ps
			}
			le.PutUint32(out[40:], max(le.Uint32(out[40:]), le.Uint32(l[off+16:])))
			off += size
		}
	}
	setSeq(out, 1, 1)
	return out
}

func TestReplayCorpus(t *testing.T) {
	for _, c := range corpusReplays {
		t.Run(c.hive, func(t *testing.T) {
			dir := "regipy/regipy_tests/data/"
			p := testenv.SharedXZ(t, dir+c.hive+".xz")
			var logs []LogFile
			for _, l := range c.logs {
				b := testenv.SharedXZ(t, dir+l+".xz")
				logs = append(logs, LogFile{Name: l, R: bytes.NewReader(b), Size: int64(len(b))})
			}
			before, err := Open(bytes.NewReader(p), int64(len(p)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !before.Dirty() {
				t.Fatal("primary not dirty")
			}
			r, n, rep, err := Replay(bytes.NewReader(p), int64(len(p)), logs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("report: applied=%v format=%s entries=%d pages=%d final=%d rejected=%+v notes=%q",
				rep.Applied, rep.Format, len(rep.Entries), rep.Pages, rep.FinalSequence, rep.Rejected, rep.Notes)
			if !rep.Applied || rep.Format != "new" || rep.FinalSequence != c.entries[1] {
				t.Fatalf("report %+v", rep)
			}
			refs := 0
			for i, e := range rep.Entries {
				if e.Sequence != c.entries[0]+uint32(i) {
					t.Errorf("entry %d has seq %d", i, e.Sequence)
				}
				refs += e.Pages
			}
			if len(rep.Entries) != int(c.entries[1]-c.entries[0]+1) {
				t.Errorf("%d entries applied", len(rep.Entries))
			}
			if refs != c.dirtyPages {
				t.Errorf("%d dirty pages applied, regipy %d", refs, c.dirtyPages)
			}
			if len(rep.Rejected) != len(c.rejected) {
				t.Errorf("rejected %+v, want %v", rep.Rejected, c.rejected)
			}
			for _, name := range c.rejected {
				if !rejected(rep, name, "stale") {
					t.Errorf("%s not rejected as stale: %+v", name, rep.Rejected)
				}
			}
			after, err := Open(r, n, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if after.Dirty() || !after.Header().ChecksumOK {
				t.Errorf("still dirty: %+v", after.Header())
			}
			if p1, _ := after.Sequences(); p1 != c.entries[1] {
				t.Errorf("sequence %d", p1)
			}
			sb, sa := walkTree(t, before), walkTree(t, after)
			if sa.errs != 0 {
				t.Errorf("%d errors walking the recovered hive", sa.errs)
			}
			if sa.keys < sb.keys {
				t.Errorf("keys %d -> %d", sb.keys, sa.keys)
			}
			if sb.keys != c.keys[0] || sa.keys != c.keys[1] || sb.values != c.vals[0] || sa.values != c.vals[1] {
				t.Errorf("keys %d -> %d, values %d -> %d; want %v, %v", sb.keys, sa.keys, sb.values, sa.values, c.keys, c.vals)
			}
			if rep.Pages != c.pages {
				t.Errorf("%d distinct pages replaced, want %d", rep.Pages, c.pages)
			}
			dk, dv := regipyDiff(sb, sa)
			if dk != c.diffKeys || dv != c.diffVals {
				t.Errorf("regipy-style diff %d/%d, want %d/%d", dk, dv, c.diffKeys, c.diffVals)
			}
			t.Logf("%s: keys %d -> %d (%+d), values %d -> %d (%+d), walk errors %d -> %d; regipy-style diff: %d new_subkey, %d new_value (regipy: %d, %d)",
				c.hive, sb.keys, sa.keys, sa.keys-sb.keys, sb.values, sa.values, sa.values-sb.values, sb.errs, sa.errs, dk, dv, c.regipyKeys, c.regipyValues)
			var secondary []byte
			if len(c.rejected) == 0 {
				secondary = testenv.SharedXZ(t, dir+c.logs[1]+".xz")
			}
			em := regipyReplay(p, testenv.SharedXZ(t, dir+c.logs[0]+".xz"), secondary)
			he, err := Open(bytes.NewReader(em), int64(len(em)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			se := walkTree(t, he)
			ek, ev := regipyDiff(sb, se)
			t.Logf("%s: regipy emulation: keys %d, values %d, walk errors %d; diff %d new_subkey, %d new_value",
				c.hive, se.keys, se.values, se.errs, ek, ev)
			if ek != c.regipyKeys {
				t.Errorf("regipy emulation: %d new_subkey, regipy reports %d", ek, c.regipyKeys)
			}
		})
	}
}

// The corpus SYSTEM_WIN_10_1709 is dirty and has no logs.
func TestReplayDirtyWithoutLogs(t *testing.T) {
	p := testenv.SharedXZ(t, "regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz")
	r, n, rep, err := Replay(bytes.NewReader(p), int64(len(p)), nil, Options{})
	if err != nil || rep.Applied || n != int64(len(p)) || !hasNote(rep, "no transaction logs") {
		t.Fatalf("%+v, %v", rep, err)
	}
	if _, ok := r.(*bytes.Reader); !ok {
		t.Errorf("primary not returned: %T", r)
	}
}

// Corruptions of the real SYSTEM_B logs.
func TestReplayCorpusCorruption(t *testing.T) {
	dir := "regipy/regipy_tests/data/"
	p := testenv.SharedXZ(t, dir+"SYSTEM_B.xz")
	log1 := testenv.SharedXZ(t, dir+"SYSTEM_B.LOG1.xz")
	log2 := testenv.SharedXZ(t, dir+"SYSTEM_B.LOG2.xz")
	run := func(l1, l2 []byte) *ReplayReport {
		t.Helper()
		_, _, rep, err := Replay(bytes.NewReader(p), int64(len(p)), []LogFile{
			{"SYSTEM_B.LOG1", bytes.NewReader(l1), int64(len(l1))},
			{"SYSTEM_B.LOG2", bytes.NewReader(l2), int64(len(l2))},
		}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	// LOG2 entries: 2111 at 0x200 (11776 bytes), 2112 at 0x3000 (335872 bytes), 2113...
	flipped := bytes.Clone(log2)
	flipped[0x3000+100000] ^= 0x01
	rep := run(log1, flipped)
	if rep.FinalSequence != 2111 || !hasNote(rep, "Hash-1 mismatch") || len(rep.Entries) != 5 {
		t.Errorf("flipped byte: %+v", rep)
	}
	rep = run(log1, log2[:0x3000+4096])
	if rep.FinalSequence != 2111 || !hasNote(rep, "truncated") {
		t.Errorf("truncated: %+v", rep)
	}
	bad := bytes.Clone(log1)
	bad[200] ^= 1
	rep = run(bad, log2)
	if !rejected(rep, "SYSTEM_B.LOG1", "checksum") {
		t.Errorf("bad checksum: %+v", rep)
	}
	// LOG1 refused as a whole: LOG2 alone is a partial reconcile from 2111.
	if rep.FinalSequence != 2130 || !hasNote(rep, "partial reconcile") {
		t.Errorf("bad checksum: %+v", rep)
	}
	defer func(v int64) { maxReplayBytes = v }(maxReplayBytes)
	maxReplayBytes = 64 << 10
	rep = run(log1, log2)
	if !hasNote(rep, "64 KiB cap on replaced pages") {
		t.Errorf("cap: %+v", rep)
	}
}

func BenchmarkReplaySYSTEMB(b *testing.B) {
	dir := "regipy/regipy_tests/data/"
	p := testenv.SharedXZ(b, dir+"SYSTEM_B.xz")
	l1 := testenv.SharedXZ(b, dir+"SYSTEM_B.LOG1.xz")
	l2 := testenv.SharedXZ(b, dir+"SYSTEM_B.LOG2.xz")
	logs := []LogFile{{"SYSTEM_B.LOG1", bytes.NewReader(l1), int64(len(l1))}, {"SYSTEM_B.LOG2", bytes.NewReader(l2), int64(len(l2))}}
	b.ReportAllocs()
	peak := 0
	for b.Loop() {
		_, _, rep, err := Replay(bytes.NewReader(p), int64(len(p)), logs, Options{})
		if err != nil || !rep.Applied {
			b.Fatal(err)
		}
		peak = max(peak, rep.Pages*binPage)
	}
	b.ReportMetric(float64(peak), "replaced-bytes")
}
