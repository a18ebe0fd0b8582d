package ntfs

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actrescue/actrescue/image"
	"github.com/actrescue/actrescue/internal/testenv"
)

// Shared corpus (../shared/testdata): facts from its CATALOG.md (§4, §5)
// and from go-ntfs's golden files.

func sharedDecompress(t *testing.T, rel string, limit int64) []byte {
	t.Helper()
	f, err := os.Open(testenv.SharedFile(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader
	switch {
	case strings.HasSuffix(rel, ".bz2"):
		r = bzip2.NewReader(bufio.NewReader(f))
	case strings.HasSuffix(rel, ".gz"):
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = z
	default:
		t.Fatalf("unknown compression: %s", rel)
	}
	b, err := io.ReadAll(io.LimitReader(r, limit))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return b
}

// goldenRow is one row of go-ntfs's ls.golden table.
type goldenRow struct {
	mftID, path, filename string
	size                  int64
	mtime                 time.Time
	isDir                 bool
}

// parseLsGolden reads the table; a row spans two lines (the MTIME wraps).
func parseLsGolden(t *testing.T, text string) []goldenRow {
	t.Helper()
	var rows []goldenRow
	for _, line := range strings.Split(text, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 8 {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if cells[1] == "" || cells[1] == "MFT ID" {
			continue
		}
		size, err := strconv.ParseInt(cells[3], 10, 64)
		if err != nil {
			t.Fatalf("ls.golden: %q: %v", line, err)
		}
		mtime, err := time.Parse("2006-01-02 15:04:05.999999999", cells[4])
		if err != nil {
			t.Fatalf("ls.golden: %q: %v", line, err)
		}
		rows = append(rows, goldenRow{mftID: cells[1], path: cells[2], size: size, mtime: mtime, isDir: cells[5] == "true", filename: cells[6]})
	}
	return rows
}

// TestCorpusCharlie: go-ntfs's charlie.dd, several $DATA streams sharing
// attribute id 0 on /Nine.txt (CATALOG §5, ls.golden, stat.golden).
func TestCorpusCharlie(t *testing.T) {
	lsGolden, err := os.ReadFile(testenv.SharedFile(t, "go-ntfs/tests/ads_with_same_ids/fixtures/ls.golden"))
	if err != nil {
		t.Fatal(err)
	}
	statGolden, err := os.ReadFile(testenv.SharedFile(t, "go-ntfs/tests/ads_with_same_ids/fixtures/stat.golden"))
	if err != nil {
		t.Fatal(err)
	}
	b := sharedDecompress(t, "go-ntfs/tests/ads_with_same_ids/charlie.dd.bz2", 64<<20)
	if len(b) != 41878016 {
		t.Fatalf("charlie.dd is %d bytes, CATALOG says 41878016", len(b))
	}
	v := openBytes(t, b)
	if st := v.State(); st.Label != "Charlie" || st.Hibernation != HiberNone {
		t.Errorf("State = %+v, want label Charlie", st)
	}

	// Root listing: every golden row without a stream name, by name.
	want := map[string]goldenRow{}
	for _, r := range parseLsGolden(t, string(lsGolden)) {
		if !strings.Contains(r.filename, ":") && r.filename != "." {
			want[r.filename] = r
		}
	}
	if len(want) < 10 {
		t.Fatalf("only %d rows parsed from ls.golden", len(want))
	}
	list, err := v.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]FileInfo{}
	for _, fi := range list {
		if _, dup := got[fi.Name]; dup {
			t.Errorf("%s listed twice", fi.Name)
		}
		got[fi.Name] = fi
	}
	for name, w := range want {
		fi, ok := got[name]
		if !ok {
			t.Errorf("ReadDir lacks %s", name)
			continue
		}
		rec, _, _ := strings.Cut(w.mftID, "-")
		gotRec, _, _ := strings.Cut(fi.MFTRef, "-")
		if fi.Size != w.size || fi.IsDir != w.isDir || gotRec != rec || !fi.Modified.Equal(w.mtime) {
			t.Errorf("%s: got size %d dir %v ref %s mtime %v; golden %d %v %s %v", name, fi.Size, fi.IsDir, fi.MFTRef, fi.Modified, w.size, w.isDir, w.mftID, w.mtime)
		}
	}
	if len(got) != len(want) {
		t.Errorf("ReadDir has %d entries, golden %d", len(got), len(want))
	}

	// /Nine.txt: the unnamed stream is 5000 bytes of '9' (CATALOG); go-ntfs's
	// own stat reports the first stream (5005, ":111").
	var gs struct {
		MFTID, SequenceNumber int
		SI_Times              struct{ CreateTime, FileModifiedTime, MFTModifiedTime, AccessedTime time.Time }
	}
	if err := json.Unmarshal(statGolden, &gs); err != nil {
		t.Fatal(err)
	}
	fi, err := v.Stat("NINE.TXT")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Name != "Nine.txt" || fi.Size != 5000 || fi.MFTRef != strconv.Itoa(gs.MFTID)+"-"+strconv.Itoa(gs.SequenceNumber) {
		t.Errorf("Stat(Nine.txt) = %+v, want 5000 bytes, MFT %d-%d", fi, gs.MFTID, gs.SequenceNumber)
	}
	si := gs.SI_Times
	if !fi.Created.Equal(si.CreateTime) || !fi.Modified.Equal(si.FileModifiedTime) || !fi.MFTModified.Equal(si.MFTModifiedTime) || !fi.Accessed.Equal(si.AccessedTime) {
		t.Errorf("Nine.txt times %+v, stat.golden %+v", fi, si)
	}
	f, err := v.Open("nine.txt")
	if err != nil {
		t.Fatal(err)
	}
	data, err := readAll(f)
	if err != nil || string(data) != strings.Repeat("9", 5000) {
		t.Errorf("Nine.txt: %d bytes %q..., %v; want 5000 × '9'", len(data), data[:min(len(data), 20)], err)
	}
	for _, ads := range []string{"Nine.txt:111", "Nine.txt:222", "Nine.txt:333"} {
		if _, err := v.Open(ads); err == nil {
			t.Errorf("Open(%s) succeeded: streams are not looked up", ads)
		}
	}
}

// TestCorpusLastAccess: ntfs-samples' ntfs-lastaccess.raw (CATALOG §4,
// ReadMe.md): MD5, NTFS at sector 128, label "Last access", and the
// $STANDARD_INFORMATION last access of /test/1.txt, 2019-03-03 12:37:55.
func TestCorpusLastAccess(t *testing.T) {
	if testing.Short() {
		t.Skip("256 MiB image: skipped in -short mode")
	}
	disk := sharedDecompress(t, "ntfs-samples/ntfs-lastaccess.raw.gz", 300<<20)
	sum := md5.Sum(disk)
	if len(disk) != 268435456 || hex.EncodeToString(sum[:]) != "b44ee742a0be92f3d2ae1af14ff8f5d7" {
		t.Fatalf("decoded %d bytes, MD5 %x; CATALOG says 268435456, b44ee742a0be92f3d2ae1af14ff8f5d7", len(disk), sum)
	}
	l, err := image.ScanReader(bytes.NewReader(disk), int64(len(disk)), 512)
	if err != nil || len(l.Partitions) != 1 || l.Partitions[0].Start != 128*512 || l.Partitions[0].Content != image.ContentNTFS {
		t.Fatalf("layout %+v, %v; want one NTFS partition at sector 128", l, err)
	}
	p := l.Partitions[0]
	v, err := Open(p.Reader, p.Size)
	if err != nil {
		t.Fatal(err)
	}
	if st := v.State(); st.Label != "Last access" || st.ClusterSize != 4096 || st.Dirty || st.Hibernation != HiberNone {
		t.Errorf("State = %+v", st)
	}
	fi, err := v.Stat(`\TEST\1.TXT`)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2019, 3, 3, 12, 37, 55, 0, time.UTC); !fi.Accessed.Truncate(time.Second).Equal(want) {
		t.Errorf("1.txt accessed %v, want %v", fi.Accessed, want)
	}
	if fi.Name != "1.txt" || fi.IsDir || fi.Size <= 0 {
		t.Errorf("Stat(1.txt) = %+v", fi)
	}
	list, err := v.ReadDir("test")
	if err != nil || len(list) != 1 || list[0].Name != "1.txt" || list[0].MFTRef != fi.MFTRef {
		t.Errorf("ReadDir(test) = %+v, %v", list, err)
	}
	f, err := v.Open("test/1.txt")
	if err != nil {
		t.Fatal(err)
	}
	data, err := readAll(f)
	if err != nil || int64(len(data)) != fi.Size {
		t.Fatalf("read 1.txt: %d bytes, %v", len(data), err)
	}
	// The bytes, checked against sleuthkit when present.
	icat, err := exec.LookPath("icat")
	if err != nil {
		t.Log("icat not installed: content not cross-checked")
		return
	}
	img := writeTemp(t, "lastaccess.raw", disk)
	rec, _, _ := strings.Cut(fi.MFTRef, "-")
	want, err := exec.Command(icat, "-o", "128", img, rec).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("1.txt: %q, icat %q", data, want)
	}
}

// TestCorpus2MiBClusters: the boot sector of ntfs-samples' ntfs-2m.raw
// (2 MiB clusters, sectors-per-cluster byte 0xF4, CATALOG §4) passes
// checkBoot. Only the first 64 KiB + one sector is decompressed.
func TestCorpus2MiBClusters(t *testing.T) {
	f, err := os.Open(testenv.SharedFile(t, "ntfs-samples/ntfs-2m.raw.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 128*512+512)
	if _, err := io.ReadFull(z, head); err != nil {
		t.Fatal(err)
	}
	mbr := head[0x1BE:]
	if mbr[4] != 0x07 || binary.LittleEndian.Uint32(mbr[8:]) != 128 {
		t.Fatalf("MBR entry %x: want type 07 at sector 128", mbr[:16])
	}
	size := int64(binary.LittleEndian.Uint32(mbr[12:])) * 512
	boot := head[128*512:]
	if boot[13] != 0xF4 {
		t.Fatalf("sectors-per-cluster byte %#x, CATALOG says 0xF4", boot[13])
	}
	if err := checkBoot(boot, size); err != nil {
		t.Errorf("checkBoot(2 MiB clusters) = %v", err)
	}
}
