package hive

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/actrescue/actrescue/internal/safeio"
)

// Transaction-log replay (reference note formats-spp-firmware-hives.md
// §5.1–5.4). The primary is never written and never loaded whole: the
// result is an overlay of the primary, a patched base block and the pages
// taken from the logs, held in memory.

// LogFile is one transaction log file, e.g. "SYSTEM.LOG1".
type LogFile struct {
	Name string
	R    io.ReaderAt
	Size int64
}

// ReplayReport says what Replay did and why.
type ReplayReport struct {
	Applied       bool
	Format        string         // "new" (HvLE) or "old" (DIRT) or ""
	Entries       []AppliedEntry // in application order
	Pages         int            // distinct 4 KiB pages of the hive replaced
	Rejected      []RejectedLog  // logs refused, with the reason
	FinalSequence uint32
	Notes         []string
}

// AppliedEntry is one applied log entry (a whole log for the old format).
type AppliedEntry struct {
	Log          string
	Sequence     uint32
	Pages        int // dirty pages in the entry (512-byte pages in old-format logs)
	HiveBinsSize uint32
}

// RejectedLog is a log that was refused.
type RejectedLog struct{ Log, Reason string }

// Err returns the rejection as an error wrapping ErrLogRejected.
func (r RejectedLog) Err() error { return fmt.Errorf("%s: %w: %s", r.Log, ErrLogRejected, r.Reason) }

// ErrLogRejected marks a transaction log that cannot be applied.
var ErrLogRejected = errors.New("hive: transaction log rejected")

// maxReplayBytes caps the replaced pages held in memory (a var for tests).
var maxReplayBytes int64 = 512 << 20

func capText() string {
	if maxReplayBytes >= 1<<20 {
		return fmt.Sprintf("%d MiB", maxReplayBytes>>20)
	}
	return fmt.Sprintf("%d KiB", maxReplayBytes>>10)
}

const (
	binPage    = 4096 // base block size, hive bins alignment, overlay page
	logSector  = 512
	hvleHeader = 40
)

// Replay applies logs to a dirty primary in memory and returns a reader of the recovered hive and its size.
// A clean primary returns (primary, size, report with Applied=false, nil). Malformed logs are refused (in report.Rejected)
// and the primary is still returned with a note; an error is returned only when the primary itself is unusable.
func Replay(primary io.ReaderAt, size int64, logs []LogFile, opts Options) (out io.ReaderAt, outSize int64, rep *ReplayReport, err error) {
	rep = &ReplayReport{}
	defer safeio.Recover(&err, "transaction log replay")
	opts.defaults()
	if size < binPage {
		return nil, 0, rep, fmt.Errorf("primary is %d bytes, smaller than a base block: %w", size, ErrNotHive)
	}
	if size > opts.MaxSize {
		return nil, 0, rep, fmt.Errorf("primary is %d bytes, more than the %d-byte limit: %w", size, opts.MaxSize, safeio.ErrTooLarge)
	}
	base := make([]byte, binPage)
	if n, rerr := primary.ReadAt(base, 0); n < len(base) {
		if rerr == nil {
			rerr = io.ErrUnexpectedEOF
		}
		return nil, 0, rep, fmt.Errorf("read the primary base block: %w", rerr)
	}
	hdr, herr := parseHeader(base)
	valid := herr == nil && hdr.ChecksumOK
	unchanged := func(note string, a ...any) (io.ReaderAt, int64, *ReplayReport, error) {
		rep.note(note, a...)
		if herr != nil {
			return nil, 0, rep, fmt.Errorf("primary base block: %w", herr)
		}
		return primary, size, rep, nil
	}
	if valid && hdr.Primary == hdr.Secondary {
		return unchanged("primary is clean (sequence %d/%d): logs not needed", hdr.Primary, hdr.Secondary)
	}
	if len(logs) == 0 {
		return unchanged("hive is dirty (sequence %d/%d, checksum ok %v) but no transaction logs were given", hdr.Primary, hdr.Secondary, hdr.ChecksumOK)
	}

	r := &replayer{primary: primary, psize: size, opts: opts, rep: rep, pages: map[int64][]byte{}}
	var newLogs, oldLogs []*logInfo
	for _, l := range logs {
		li, reason := checkLog(l)
		if reason != "" {
			r.reject(l.Name, reason)
			continue
		}
		if li.hdr.FileType == 6 {
			newLogs = append(newLogs, li)
		} else {
			oldLogs = append(oldLogs, li)
		}
	}
	sort.SliceStable(newLogs, func(i, j int) bool { return newLogs[i].hdr.Secondary < newLogs[j].hdr.Secondary })
	sort.SliceStable(oldLogs, func(i, j int) bool { return oldLogs[i].hdr.Secondary > oldLogs[j].hdr.Secondary })

	var src []byte // base block the result starts from
	fromLog := false
	switch {
	case len(newLogs) > 0:
		rep.Format = "new"
		for _, l := range oldLogs {
			r.reject(l.Name, "old-format log ignored: new-format logs are present")
		}
		minSeq := hdr.Secondary
		use := newLogs
		if valid {
			src = base
			r.flags = binary.LittleEndian.Uint32(base[144:]) & 1
			r.hbins = hdr.HiveBinsSize
		} else {
			latest := newLogs[len(newLogs)-1]
			if hb := int64(latest.hdr.HiveBinsSize); hb == 0 || hb%binPage != 0 || binPage+hb > opts.MaxSize {
				r.reject(latest.Name, fmt.Sprintf("primary base block invalid and this log's hive bins size %d is unusable", hb))
				return unchanged("primary base block invalid and no log can replace it")
			}
			for _, l := range newLogs[:len(newLogs)-1] {
				r.reject(l.Name, fmt.Sprintf("primary base block invalid: only the latest log (%s) is applied", latest.Name))
			}
			use = []*logInfo{latest}
			src, fromLog = latest.base, true
			minSeq = latest.hdr.Secondary
			r.seq, r.hbins = latest.hdr.Secondary, latest.hdr.HiveBinsSize
			r.flags = binary.LittleEndian.Uint32(latest.base[144:]) & 1
			r.baseFrom = latest.Name
			rep.note("primary base block invalid: base block taken from %s", latest.Name)
		}
		for _, l := range use {
			if err := r.walkNew(l, minSeq); err != nil {
				return nil, 0, rep, err
			}
		}
	case len(oldLogs) > 0:
		rep.Format = "old"
		l := r.pickOld(oldLogs, base, valid)
		if l != nil {
			if err := r.applyOld(l); err != nil {
				return nil, 0, rep, err
			}
		}
		if l != nil && len(rep.Entries) > 0 {
			src = base
			if !valid {
				src, fromLog = l.base, true
				rep.note("primary base block invalid: base block taken from %s", l.Name)
			}
			r.flags = binary.LittleEndian.Uint32(src[144:]) & 1
		}
	}
	if len(rep.Entries) == 0 && r.baseFrom == "" {
		rep.Format = ""
		return unchanged("no log entries applied: the hive stays dirty (sequence %d/%d)", hdr.Primary, hdr.Secondary)
	}

	o := &overlay{r: primary, rsize: size, size: max(size, binPage+int64(r.hbins)), pages: r.pages}
	o.base = patchBase(src, fromLog, r.seq, r.hbins, r.flags)
	rep.Applied = true
	rep.Pages = len(r.pages)
	rep.FinalSequence = r.seq
	if msg := checkBins(o, r.hbins); msg != "" {
		rep.note("%s", msg)
	}
	return o, o.size, rep, nil
}

// OpenReplayed replays logs over the primary (see Replay) and opens the result.
func OpenReplayed(primary io.ReaderAt, size int64, logs []LogFile, opts Options) (*Hive, *ReplayReport, error) {
	r, n, rep, err := Replay(primary, size, logs, opts)
	if err != nil {
		return nil, rep, err
	}
	h, err := Open(r, n, opts)
	return h, rep, err
}

func (rep *ReplayReport) note(format string, a ...any) {
	rep.Notes = append(rep.Notes, fmt.Sprintf(format, a...))
}

type logInfo struct {
	LogFile
	hdr  Header
	base []byte // the first 512 bytes (the only ones a log copies)
}

// checkLog validates a log's base block; a non-empty reason rejects it.
func checkLog(l LogFile) (*logInfo, string) {
	if l.R == nil || l.Size < logSector {
		return nil, fmt.Sprintf("%d bytes: shorter than a 512-byte base block", l.Size)
	}
	b := make([]byte, logSector)
	if n, err := l.R.ReadAt(b, 0); n < len(b) {
		return nil, fmt.Sprintf("read the base block: %v", err)
	}
	hdr, err := parseHeader(b)
	switch {
	case err != nil:
		return nil, err.Error()
	case !hdr.ChecksumOK:
		return nil, "base block checksum is wrong"
	case hdr.Primary != hdr.Secondary:
		return nil, fmt.Sprintf("base block sequence numbers differ (%d/%d): the log itself was not completely written", hdr.Primary, hdr.Secondary)
	case hdr.FileType != 1 && hdr.FileType != 2 && hdr.FileType != 6:
		return nil, fmt.Sprintf("file type %d is not a transaction log (1, 2 or 6)", hdr.FileType)
	}
	return &logInfo{LogFile: l, hdr: hdr, base: b}, ""
}

type replayer struct {
	primary  io.ReaderAt
	psize    int64
	opts     Options
	rep      *ReplayReport
	pages    map[int64][]byte // replaced pages by file offset / 4096
	hbins    uint32
	flags    uint32 // base-block flags bit 0
	seq      uint32 // last applied sequence
	fixed    bool   // continuity established: the next entry must be next
	next     uint32
	baseFrom string // log the base block came from, if any
}

func (r *replayer) reject(log, reason string) {
	r.rep.Rejected = append(r.rep.Rejected, RejectedLog{Log: log, Reason: reason})
}

// walkNew applies the HvLE entries of one log. Entries at index i must
// carry seq base+i; entries below the threshold are already in the
// primary. Errors are only primary read failures.
func (r *replayer) walkNew(l *logInfo, minSeq uint32) error {
	le := binary.LittleEndian
	off := int64(logSector)
	expect := l.hdr.Secondary
	applied, skipped := 0, 0
	threshold := func() uint32 { // entries below are already in the hive
		if r.fixed {
			return r.next
		}
		return minSeq
	}
	abnormal := func(format string, a ...any) {
		reason := fmt.Sprintf("entry at 0x%x (seq %d): ", off, expect) + fmt.Sprintf(format, a...)
		if applied > 0 {
			r.rep.note("%s: %s; walk stopped after seq %d", l.Name, reason, r.seq)
			return
		}
		r.reject(l.Name, reason)
		if !r.fixed { // a later log may not skip over the lost entries
			r.fixed, r.next = true, max(expect, minSeq)
		}
	}
	hdr := make([]byte, hvleHeader)
	for i := 0; ; i++ {
		if off+hvleHeader > l.Size {
			break
		}
		if n, err := l.R.ReadAt(hdr, off); n < len(hdr) {
			abnormal("read the entry header: %v", err)
			return nil
		}
		if string(hdr[:4]) != "HvLE" {
			break // zeros or stale bytes after the last entry: normal
		}
		size := int64(le.Uint32(hdr[4:]))
		seq := le.Uint32(hdr[12:])
		hbins := le.Uint32(hdr[16:])
		count := int64(le.Uint32(hdr[20:]))
		if seq != expect {
			switch {
			case applied > 0 && seq < expect:
				r.rep.note("%s: stale entries after seq %d ignored (normal)", l.Name, r.seq)
			case applied > 0:
				r.rep.note("%s: sequence gap inside the log (seq %d after %d); walk stopped", l.Name, seq, r.seq)
			case i == 0:
				r.reject(l.Name, fmt.Sprintf("first entry seq %d differs from the log's base block seq %d", seq, expect))
			default:
				r.reject(l.Name, r.staleReason(l, expect, minSeq))
			}
			return nil
		}
		if size < logSector || size%logSector != 0 {
			abnormal("size %d is not a non-zero multiple of 512", size)
			return nil
		}
		if size > l.Size-off {
			abnormal("its %d bytes run past the end of the %d-byte log (truncated)", size, l.Size)
			return nil
		}
		if size > maxReplayBytes+1<<20 {
			abnormal("%d-byte entry exceeds the %s cap on replaced pages held in memory", size, capText())
			return nil
		}
		if count > (size-hvleHeader)/(8+logSector) { // each page is at least 512 bytes
			abnormal("%d dirty page references do not fit in a %d-byte entry", count, size)
			return nil
		}
		e, err := safeio.ReadAt(l.R, off, size, size)
		if err != nil {
			abnormal("read: %v", err)
			return nil
		}
		if marvin32(hvleSeed, e[hvleHeader:]) != le.Uint64(e[24:]) {
			abnormal("Hash-1 mismatch (entry corrupt)")
			return nil
		}
		if marvin32(hvleSeed, e[:32]) != le.Uint64(e[32:]) {
			abnormal("Hash-2 mismatch (entry header corrupt)")
			return nil
		}
		if expect < threshold() { // already in the primary
			skipped++
			off += size
			expect++
			continue
		}
		if r.fixed && expect != r.next {
			r.reject(l.Name, fmt.Sprintf("sequence gap: expected seq %d, this log continues at %d", r.next, expect))
			return nil
		}
		if hbins == 0 || hbins%binPage != 0 {
			abnormal("hive bins size %d is not a non-zero multiple of 4096", hbins)
			return nil
		}
		if binPage+int64(hbins) > r.opts.MaxSize {
			abnormal("hive bins size %d exceeds the %d-byte hive limit", hbins, r.opts.MaxSize)
			return nil
		}
		type ref struct{ off, size, data int64 }
		refs := make([]ref, 0, count)
		pos := hvleHeader + 8*count
		for k := int64(0); k < count; k++ {
			po, ps := int64(le.Uint32(e[hvleHeader+8*k:])), int64(le.Uint32(e[hvleHeader+8*k+4:]))
			switch {
			case ps == 0 || ps%logSector != 0 || po%logSector != 0:
				abnormal("dirty page %d (offset 0x%x, %d bytes) is not 512-byte aligned", k, po, ps)
				return nil
			case po+ps > int64(hbins):
				abnormal("dirty page %d at 0x%x+%d lies beyond the %d-byte hive bins", k, po, ps, hbins)
				return nil
			case ps > size-pos:
				abnormal("dirty page %d data runs past the end of the entry", k)
				return nil
			}
			refs = append(refs, ref{po, ps, pos})
			pos += ps
		}
		seen := map[int64]bool{}
		for _, f := range refs {
			r.countNew(binPage+f.off, f.size, seen)
		}
		if int64(len(r.pages)+len(seen))*binPage > maxReplayBytes {
			abnormal("replacing %d more pages would exceed the %s cap on replaced pages held in memory", len(seen), capText())
			return nil
		}
		if !r.fixed && expect > minSeq && r.baseFrom == "" {
			r.rep.note("partial reconcile: first applied entry seq %d is above the primary's secondary seq %d (the primary already holds the older changes)", expect, minSeq)
		}
		for _, f := range refs {
			if err := r.write(binPage+f.off, e[f.data:f.data+f.size]); err != nil {
				return err
			}
		}
		r.rep.Entries = append(r.rep.Entries, AppliedEntry{Log: l.Name, Sequence: seq, Pages: int(count), HiveBinsSize: hbins})
		r.seq, r.hbins, r.flags = seq, hbins, le.Uint32(e[8:])&1
		r.fixed, r.next = true, seq+1
		applied++
		off += size
		expect++
	}
	if applied == 0 {
		if skipped > 0 {
			r.reject(l.Name, r.staleReason(l, expect, minSeq))
		} else {
			r.reject(l.Name, "no log entries")
		}
	}
	return nil
}

func (r *replayer) staleReason(l *logInfo, expect, minSeq uint32) string {
	if r.fixed {
		return fmt.Sprintf("stale: its entries (seq %d..%d) were already applied (next expected seq %d)", l.hdr.Secondary, expect-1, r.next)
	}
	return fmt.Sprintf("stale: its entries (seq %d..%d) precede seq %d, already in the primary", l.hdr.Secondary, expect-1, minSeq)
}

// pickOld chooses the old-format log whose timestamp matches the primary.
func (r *replayer) pickOld(logs []*logInfo, base []byte, valid bool) *logInfo {
	le := binary.LittleEndian
	ts := le.Uint64(base[12:])
	if !valid { // the first hbin keeps a copy of the timestamp
		b := make([]byte, 32)
		if n, _ := r.primary.ReadAt(b, binPage); n < len(b) || string(b[:4]) != "hbin" {
			for _, l := range logs {
				r.reject(l.Name, "primary base block and first hbin are both unreadable: cannot match the log's timestamp")
			}
			return nil
		}
		ts = le.Uint64(b[20:])
	}
	var pick *logInfo
	for _, l := range logs { // sorted newest first
		switch {
		case le.Uint64(l.base[12:]) != ts:
			r.reject(l.Name, "last-written timestamp differs from the primary's: the log belongs to another write")
		case pick != nil:
			r.reject(l.Name, fmt.Sprintf("an applicable log with a newer sequence (%s) was used", pick.Name))
		default:
			pick = l
		}
	}
	return pick
}

// applyOld applies an old-format (DIRT) log: a bitmap of dirty 512-byte
// pages of the hive bins, then the pages in bit order.
func (r *replayer) applyOld(l *logInfo) error {
	hb := l.hdr.HiveBinsSize
	if hb == 0 || hb%binPage != 0 || binPage+int64(hb) > r.opts.MaxSize {
		r.reject(l.Name, fmt.Sprintf("hive bins size %d is not a non-zero multiple of 4096 within the %d-byte limit", hb, r.opts.MaxSize))
		return nil
	}
	nbits := int64(hb) / logSector
	vlen := 4 + nbits/8
	if logSector+vlen > l.Size {
		r.reject(l.Name, fmt.Sprintf("dirty vector (%d bytes for %d bytes of hive bins) runs past the end of the %d-byte log", vlen, hb, l.Size))
		return nil
	}
	v, err := safeio.ReadAt(l.R, logSector, vlen, vlen)
	if err != nil {
		r.reject(l.Name, fmt.Sprintf("read the dirty vector: %v", err))
		return nil
	}
	if string(v[:4]) != "DIRT" {
		r.reject(l.Name, "no \"DIRT\" signature at offset 512")
		return nil
	}
	bitmap := v[4:]
	data := (logSector + vlen + logSector - 1) / logSector * logSector
	set := func(i int64) bool { return bitmap[i/8]>>(i%8)&1 != 0 }
	applied, total := 0, 0
	for i := int64(0); i < nbits; i++ {
		if set(i) {
			total++
		}
	}
	stop := ""
	idx := int64(0) // dirty pages consumed so far
	for i := int64(0); i < nbits && stop == ""; {
		if !set(i) {
			i++
			continue
		}
		j := i
		for j < nbits && set(j) {
			j++
		}
		n := (j - i) * logSector
		loff := data + idx*logSector
		if loff > l.Size-n {
			stop = fmt.Sprintf("dirty pages for hive bins 0x%x..0x%x run past the end of the %d-byte log (truncated)", i*logSector, j*logSector, l.Size)
			continue
		}
		seen := map[int64]bool{}
		r.countNew(binPage+i*logSector, n, seen)
		if int64(len(r.pages)+len(seen))*binPage > maxReplayBytes {
			stop = fmt.Sprintf("replacing %d more pages would exceed the %s cap on replaced pages held in memory", len(seen), capText())
			continue
		}
		b, err := safeio.ReadAt(l.R, loff, n, n)
		if err != nil {
			stop = fmt.Sprintf("read dirty pages at 0x%x: %v", loff, err)
			continue
		}
		if msg := checkDirtyBins(b, i*logSector, hb); msg != "" {
			stop = msg
			continue
		}
		if err := r.write(binPage+i*logSector, b); err != nil {
			return err
		}
		applied += int(j - i)
		idx += j - i
		i = j
	}
	if stop != "" && applied == 0 && total > 0 {
		r.reject(l.Name, stop)
		return nil
	}
	if stop != "" {
		r.rep.note("%s: %s; %d of %d dirty pages applied", l.Name, stop, applied, total)
	}
	r.rep.Entries = append(r.rep.Entries, AppliedEntry{Log: l.Name, Sequence: l.hdr.Secondary, Pages: applied, HiveBinsSize: hb})
	r.seq, r.hbins = l.hdr.Secondary, hb
	return nil
}

// checkDirtyBins verifies the hbin headers that start inside a run of
// dirty data at hive-bins offset at.
func checkDirtyBins(b []byte, at int64, hb uint32) string {
	le := binary.LittleEndian
	for p := int64(0); p+32 <= int64(len(b)); p += logSector {
		o := at + p
		if o%binPage != 0 || string(b[p:p+4]) != "hbin" {
			continue
		}
		bo, bs := int64(le.Uint32(b[p+4:])), int64(le.Uint32(b[p+8:]))
		if bo != o || bs < binPage || bs%binPage != 0 || o+bs > int64(hb) {
			return fmt.Sprintf("invalid dirty hbin at 0x%x (offset field 0x%x, size %d)", o, bo, bs)
		}
	}
	return ""
}

// countNew adds to seen the overlay pages of [off, off+n) not yet replaced.
func (r *replayer) countNew(off, n int64, seen map[int64]bool) {
	for p := off / binPage; p*binPage < off+n; p++ {
		if _, ok := r.pages[p]; !ok {
			seen[p] = true
		}
	}
}

// write copies data to file offset off in the overlay. A page only partly
// covered keeps the primary's other bytes.
func (r *replayer) write(off int64, data []byte) error {
	for len(data) > 0 {
		idx, in := off/binPage, off%binPage
		pg, ok := r.pages[idx]
		if !ok {
			pg = make([]byte, binPage)
			if in != 0 || len(data) < binPage {
				if err := r.fill(pg, idx*binPage); err != nil {
					return err
				}
			}
			r.pages[idx] = pg
		}
		k := copy(pg[in:], data)
		data = data[k:]
		off += int64(k)
	}
	return nil
}

// fill reads the primary's page at off; past its end the page stays zero.
func (r *replayer) fill(pg []byte, off int64) error {
	if off >= r.psize {
		return nil
	}
	n := min(int64(len(pg)), r.psize-off)
	if k, err := r.primary.ReadAt(pg[:n], off); int64(k) < n {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("read the primary at 0x%x: %w", off, err)
	}
	return nil
}

// patchBase builds the recovered base block.
func patchBase(src []byte, fromLog bool, seq, hbins, flags uint32) []byte {
	le := binary.LittleEndian
	b := make([]byte, binPage)
	copy(b, src)
	le.PutUint32(b[4:], seq)
	le.PutUint32(b[8:], seq)
	if fromLog {
		le.PutUint32(b[28:], 0) // file type: primary
	}
	le.PutUint32(b[40:], hbins)
	le.PutUint32(b[144:], le.Uint32(b[144:])&^1|flags&1)
	le.PutUint32(b[508:], baseChecksum(b))
	return b
}

func baseChecksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < 508; i += 4 {
		sum ^= binary.LittleEndian.Uint32(b[i:])
	}
	switch sum {
	case 0:
		return 1
	case 0xFFFFFFFF:
		return 0xFFFFFFFE
	}
	return sum
}

// checkBins walks the hbin chain of the result and describes the first
// break (the kernel would heal it with a dummy bin).
func checkBins(o *overlay, hbins uint32) string {
	le := binary.LittleEndian
	b := make([]byte, 32)
	bad := 0
	first := ""
	for off := int64(0); off < int64(hbins); {
		if n, err := o.ReadAt(b, binPage+off); n < len(b) {
			return fmt.Sprintf("hbin chain: read at 0x%x: %v", off, err)
		}
		bo, bs := int64(le.Uint32(b[4:])), int64(le.Uint32(b[8:]))
		if string(b[:4]) == "hbin" && bo == off && bs >= binPage && bs%binPage == 0 && off+bs <= int64(hbins) {
			off += bs
			continue
		}
		if first == "" {
			first = fmt.Sprintf("0x%x", off)
		}
		bad++
		off += binPage
	}
	if bad == 0 {
		return ""
	}
	return fmt.Sprintf("after replay, %d 4 KiB blocks starting at hive bins offset %s are not valid hbins (Windows would replace them with dummy bins)", bad, first)
}

// overlay is the recovered hive: the patched base block, the replaced
// pages, the primary elsewhere, zeros where the hive grew past it.
type overlay struct {
	r     io.ReaderAt
	rsize int64
	size  int64
	base  []byte
	pages map[int64][]byte
}

func (o *overlay) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read at negative offset %d: %w", off, safeio.ErrOverflow)
	}
	if off >= o.size {
		return 0, io.EOF
	}
	eof := false
	if int64(len(p)) > o.size-off {
		p, eof = p[:o.size-off], true
	}
	n := 0
	for n < len(p) {
		cur := off + int64(n)
		idx, in := cur/binPage, cur%binPage
		if idx == 0 {
			n += copy(p[n:], o.base[in:])
			continue
		}
		if pg, ok := o.pages[idx]; ok {
			n += copy(p[n:], pg[in:])
			continue
		}
		// A run of pages taken from the primary, read at once.
		end := (idx + 1) * binPage
		stop := off + int64(len(p))
		for end < stop {
			if _, ok := o.pages[end/binPage]; ok {
				break
			}
			end += binPage
		}
		chunk := p[n : n+int(min(end, stop)-cur)]
		m := int64(0)
		if cur < o.rsize {
			m = min(int64(len(chunk)), o.rsize-cur)
			if k, err := o.r.ReadAt(chunk[:m], cur); int64(k) < m {
				if err == nil {
					err = io.ErrUnexpectedEOF
				}
				return n + k, err
			}
		}
		clear(chunk[m:])
		n += len(chunk)
	}
	if eof {
		return n, io.EOF
	}
	return n, nil
}
