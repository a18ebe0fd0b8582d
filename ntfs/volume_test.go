package ntfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	_ FS = (*Volume)(nil)
	_ FS = (*DirFS)(nil)

	mftRefRE = regexp.MustCompile(`^[0-9]+-[0-9]+$`)
)

type volCase struct {
	name string
	vol  func(testing.TB) []byte
	bps  int // bytes per sector in the boot sector
}

var volCases = []volCase{
	{"vol-win11home", win11Volume, 512},
	{"gpt4k-server", server4kVolume, 4096},
}

func checkTimes(t *testing.T, fi FileInfo) {
	t.Helper()
	floor := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, ts := range []time.Time{fi.Created, fi.Modified, fi.MFTModified, fi.Accessed} {
		if ts.IsZero() || ts.Before(floor) {
			t.Errorf("%s: timestamp %d is %v", fi.Path, i, ts)
		}
	}
}

func TestVolumeStat(t *testing.T) {
	for _, vc := range volCases {
		t.Run(vc.name, func(t *testing.T) {
			b := vc.vol(t)
			if got := int(binary.LittleEndian.Uint16(b[11:])); got != vc.bps {
				t.Fatalf("bytes per sector %d, want %d", got, vc.bps)
			}
			v := openBytes(t, b)
			tests := []struct {
				in, path, name string
				size           int64 // -1: a positive multiple of 4096
				dir            bool
			}{
				{"windows/SYSTEM32/Config/software", "windows/SYSTEM32/Config/software", "SOFTWARE", -1, false},
				{pSystem, pSystem, "SYSTEM", -1, false},
				{`Windows\System32\spp\store\2.0\tokens.dat`, pTokens, "tokens.dat", -2, false}, // a real token store: any size
				{strings.ToUpper(pDataDat), strings.ToUpper(pDataDat), "data.dat", 12288, false},
				{pCacheDat, pCacheDat, "cache.dat", 4096, false},
				{"/" + pReadme, pReadme, "readme.txt", 19, false},
				{pConfig + "/software.log1", pConfig + "/software.log1", "SOFTWARE.LOG1", 0, false},
				{pConfig + "/SOFTWARE.LOG2", pConfig + "/SOFTWARE.LOG2", "SOFTWARE.LOG2", 0, false},
				{`\Windows\System32\`, "Windows/System32", "System32", 0, true},
				{"./users//PUBLIC/../Public", "users/Public", "Public", 0, true},
				{"", "", "/", 0, true},
				{"/", "", "/", 0, true},
			}
			for _, tc := range tests {
				fi, err := v.Stat(tc.in)
				if err != nil {
					t.Errorf("Stat(%q): %v", tc.in, err)
					continue
				}
				if fi.Path != tc.path || fi.Name != tc.name || fi.IsDir != tc.dir {
					t.Errorf("Stat(%q) = path %q name %q dir %v, want %q %q %v", tc.in, fi.Path, fi.Name, fi.IsDir, tc.path, tc.name, tc.dir)
				}
				switch {
				case tc.size == -2 && fi.Size <= 0:
					t.Errorf("Stat(%q).Size = %d, want a positive size", tc.in, fi.Size)
				case tc.size == -1 && (fi.Size <= 0 || fi.Size%4096 != 0):
					t.Errorf("Stat(%q).Size = %d, want a positive multiple of 4096", tc.in, fi.Size)
				case tc.size >= 0 && fi.Size != tc.size:
					t.Errorf("Stat(%q).Size = %d, want %d", tc.in, fi.Size, tc.size)
				}
				if !mftRefRE.MatchString(fi.MFTRef) {
					t.Errorf("Stat(%q).MFTRef = %q, want N-M", tc.in, fi.MFTRef)
				}
				checkTimes(t, fi)
			}
		})
	}
}

func TestVolumeReadDir(t *testing.T) {
	for _, vc := range volCases {
		t.Run(vc.name, func(t *testing.T) {
			v := openBytes(t, vc.vol(t))
			list, err := v.ReadDir(`WINDOWS\system32\CONFIG`)
			if err != nil {
				t.Fatal(err)
			}
			var names []string // files; subfolders such as RegBack may follow
			for _, fi := range list {
				if fi.Path != "WINDOWS/system32/CONFIG/"+fi.Name {
					t.Errorf("entry %+v", fi)
				}
				if !fi.IsDir {
					names = append(names, fi.Name)
				}
				st, err := v.Stat(pConfig + "/" + fi.Name)
				if err != nil {
					t.Errorf("Stat %s: %v", fi.Name, err)
					continue
				}
				if st.Size != fi.Size || st.MFTRef != fi.MFTRef || !st.Modified.Equal(fi.Modified) || st.Name != fi.Name {
					t.Errorf("ReadDir entry %+v disagrees with Stat %+v", fi, st)
				}
				checkTimes(t, fi)
			}
			slices.Sort(names)
			want := []string{"SOFTWARE", "SOFTWARE.LOG1", "SOFTWARE.LOG2", "SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2"}
			if !slices.Equal(names, want) {
				t.Errorf("ReadDir(config) = %q, want %q", names, want)
			}

			root, err := v.ReadDir("")
			if err != nil {
				t.Fatal(err)
			}
			dirs := map[string]bool{}
			for _, fi := range root {
				if fi.Name == "." || strings.Contains(fi.Name, ":") || fi.Path != fi.Name {
					t.Errorf("root entry %+v", fi)
				}
				if !mftRefRE.MatchString(fi.MFTRef) {
					t.Errorf("root entry %s MFTRef %q", fi.Name, fi.MFTRef)
				}
				if fi.IsDir {
					if fi.Size != 0 {
						t.Errorf("directory %s has size %d", fi.Name, fi.Size)
					}
					dirs[fi.Name] = true
				}
			}
			for _, d := range []string{"Windows", "Users", "$Extend"} {
				if !dirs[d] {
					t.Errorf("root listing lacks directory %s: %+v", d, root)
				}
			}
		})
	}
}

func TestVolumeOpenRead(t *testing.T) {
	for _, vc := range volCases {
		t.Run(vc.name, func(t *testing.T) {
			v := openBytes(t, vc.vol(t))
			for _, tc := range []struct {
				path, prefix string
				exact        bool
			}{
				{"windows/SYSTEM32/Config/software", "regf", false},
				{pSystem, "regf", false},
				{pTokens, "\x03\x00\x00\x00", false},     // a version-3 token store (make-fixtures.sh)
				{pReadme, "actrescue fixture\r\n", true}, // resident
			} {
				f, err := v.Open(tc.path)
				if err != nil {
					t.Errorf("Open(%q): %v", tc.path, err)
					continue
				}
				st, _ := v.Stat(tc.path)
				if f.Info() != st || f.Size() != st.Size {
					t.Errorf("%s: Info %+v Size %d, Stat %+v", tc.path, f.Info(), f.Size(), st)
				}
				data, err := readAll(f)
				if err != nil {
					t.Errorf("%s: read: %v", tc.path, err)
					continue
				}
				if int64(len(data)) != f.Size() || !strings.HasPrefix(string(data), tc.prefix) || tc.exact && string(data) != tc.prefix {
					t.Errorf("%s: read %d bytes starting %q", tc.path, len(data), data[:min(len(data), 40)])
				}
				checkEdges(t, f, data)
			}
		})
	}
}

// checkEdges checks ReadAt around the end of f, whose content is data.
func checkEdges(t *testing.T, f File, data []byte) {
	t.Helper()
	size := f.Size()
	name := f.Info().Path
	buf := make([]byte, 100)
	if n, err := f.ReadAt(buf, size); n != 0 || err != io.EOF {
		t.Errorf("%s: ReadAt(size) = %d, %v; want 0, io.EOF", name, n, err)
	}
	if n, err := f.ReadAt(buf, size+12345); n != 0 || err != io.EOF {
		t.Errorf("%s: ReadAt(past end) = %d, %v; want 0, io.EOF", name, n, err)
	}
	if n, err := f.ReadAt(buf[:10], -1); err == nil || n != 0 {
		t.Errorf("%s: ReadAt(-1) = %d, %v; want an error", name, n, err)
	}
	if size >= 10 {
		n, err := f.ReadAt(buf, size-10)
		if n != 10 || err != io.EOF || !bytes.Equal(buf[:n], data[size-10:]) {
			t.Errorf("%s: ReadAt across end = %d, %v, %q; want 10, io.EOF", name, n, err, buf[:n])
		}
		n, err = f.ReadAt(buf[:10], size-10)
		if n != 10 || (err != nil && err != io.EOF) || !bytes.Equal(buf[:n], data[size-10:]) {
			t.Errorf("%s: ReadAt exactly to end = %d, %v", name, n, err)
		}
	}
	if size > 4097 {
		// A read straddling a cluster boundary.
		n, err := f.ReadAt(buf, 4090)
		if n != len(buf) || err != nil || !bytes.Equal(buf, data[4090:4090+len(buf)]) {
			t.Errorf("%s: ReadAt(4090) = %d, %v", name, n, err)
		}
	}
}

func TestVolumeEmptyFile(t *testing.T) {
	v := openBytes(t, win11Volume(t))
	f, err := v.Open(pConfig + "/SOFTWARE.LOG1")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.ReadAt(make([]byte, 8), 0); f.Size() != 0 || n != 0 || err != io.EOF {
		t.Errorf("empty file: size %d, ReadAt = %d, %v", f.Size(), n, err)
	}
}

func TestVolumeErrors(t *testing.T) {
	v := openBytes(t, win11Volume(t))
	notFound := []string{
		"nope",
		"Windows/nope/SOFTWARE",
		pSoftware + "/child",
		pReadme + ":Zone.Identifier",
		"Users:Public",
		pReadme + "::$DATA",
	}
	for _, p := range notFound {
		if _, err := v.Stat(p); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat(%q) = %v, want ErrNotFound", p, err)
		}
		if _, err := v.Open(p); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrNotFound", p, err)
		}
		if _, err := v.ReadDir(p); !errors.Is(err, ErrNotFound) {
			t.Errorf("ReadDir(%q) = %v, want ErrNotFound", p, err)
		}
	}
	for _, p := range []string{"", "Windows", `windows\system32\config\`, "/users/"} {
		_, err := v.Open(p)
		if !errors.Is(err, ErrIsDir) || errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrIsDir", p, err)
		}
	}
	if _, err := v.Stat("nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("error %v does not name the path", err)
	}
}

func TestVolumeDescribe(t *testing.T) {
	v := openBytes(t, win11Volume(t))
	if v.Describe() == "" {
		t.Error("empty description")
	}
	v.SetDescription("disk.img partition 3")
	if got := v.Describe(); got != "disk.img partition 3" {
		t.Errorf("Describe = %q", got)
	}
}

// TestVolumeMatchesSleuthkit compares paths, MFT records and bytes with
// sleuthkit's ifind and icat.
func TestVolumeMatchesSleuthkit(t *testing.T) {
	ifind, icat := sleuthkit(t, "ifind"), sleuthkit(t, "icat")
	for _, vc := range volCases {
		t.Run(vc.name, func(t *testing.T) {
			b := vc.vol(t)
			img := writeTemp(t, vc.name+".ntfs", b)
			v := openBytes(t, b)
			for _, p := range []string{pSoftware, pSystem, pTokens, pDataDat, pReadme} {
				out, err := exec.Command(ifind, "-n", "/"+p, img).Output()
				if err != nil {
					t.Fatalf("ifind %s: %v", p, err)
				}
				inode := strings.TrimSpace(string(out))
				want, err := exec.Command(icat, img, inode).Output()
				if err != nil {
					t.Fatalf("icat %s: %v", inode, err)
				}
				f, err := v.Open(strings.ToLower(p))
				if err != nil {
					t.Fatal(err)
				}
				if rec, _, _ := strings.Cut(f.Info().MFTRef, "-"); rec != inode {
					t.Errorf("%s: MFT record %s, sleuthkit says %s", p, rec, inode)
				}
				got, err := readAll(f)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s: %d bytes differ from icat's %d", p, len(got), len(want))
				}
			}
		})
	}
}

func TestState(t *testing.T) {
	tests := []struct {
		name   string
		vol    func(testing.TB) []byte
		dirty  bool
		hiber  Hibernation
		header string
	}{
		{"vol-win11home", win11Volume, false, HiberNone, ""},
		{"gpt4k-server", server4kVolume, false, HiberNone, ""},
		{"gpt-bitlocker-hiber", hiberVolume, true, HiberActive, "HIBR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.vol(t)
			v := openBytes(t, b)
			st := v.State()
			if st.Dirty != tc.dirty || st.Hibernation != tc.hiber || st.HiberHeader != tc.header {
				t.Errorf("State = %+v, want dirty %v, %v %q", st, tc.dirty, tc.hiber, tc.header)
			}
			if st.Label != "Windows" || st.Version != "3.1" || st.ClusterSize != 4096 {
				t.Errorf("State = %+v, want label Windows, version 3.1, 4096-byte clusters", st)
			}
			serial := binary.LittleEndian.Uint64(b[72:])
			if got, err := strconv.ParseUint(st.Serial, 16, 64); err != nil || got != serial || len(st.Serial) != 16 {
				t.Errorf("Serial %q, boot sector has %016X", st.Serial, serial)
			}
			fi, err := v.Stat("HIBERFIL.SYS")
			if tc.hiber == HiberNone {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("hiberfil.sys: %v, want ErrNotFound", err)
				}
				return
			}
			if err != nil || fi.Size != 65536 {
				t.Fatalf("hiberfil.sys: %+v %v", fi, err)
			}
			f, err := v.Open("hiberfil.sys")
			if err != nil {
				t.Fatal(err)
			}
			hdr := make([]byte, 4)
			if n, err := f.ReadAt(hdr, 0); n != 4 || err != nil || string(hdr) != "HIBR" {
				t.Errorf("hiberfil.sys starts %q (%d, %v)", hdr, n, err)
			}
		})
	}
}

// TestStateSerialMatchesSleuthkit checks the serial against fsstat.
func TestStateSerialMatchesSleuthkit(t *testing.T) {
	fsstat := sleuthkit(t, "fsstat")
	b := hiberVolume(t)
	out, err := exec.Command(fsstat, writeTemp(t, "hiber.ntfs", b)).Output()
	if err != nil {
		t.Fatal(err)
	}
	st := openBytes(t, b).State()
	if !strings.Contains(string(out), "Volume Serial Number: "+st.Serial+"\n") || !strings.Contains(string(out), "Volume Name: "+st.Label+"\n") {
		t.Errorf("serial %q / label %q not in fsstat output:\n%s", st.Serial, st.Label, out)
	}
}

func TestHiberState(t *testing.T) {
	tests := []struct {
		hdr    string
		want   Hibernation
		header string
	}{
		{"HIBR", HiberActive, "HIBR"},
		{"hibr", HiberActive, "hibr"},
		{"HiBr", HiberActive, "HiBr"},
		{"WAKE", HiberWake, "WAKE"},
		{"wake", HiberWake, "wake"},
		{"RSTR", HiberOther, "RSTR"},
		{"\x00\x00\x00\x00", HiberNone, ""},
		{"\x00\x01\xffA", HiberOther, "...A"},
		{"HIB\x00", HiberOther, "HIB."},
	}
	for _, tc := range tests {
		got, header := hiberState([]byte(tc.hdr))
		if got != tc.want || header != tc.header {
			t.Errorf("hiberState(%q) = %v %q, want %v %q", tc.hdr, got, header, tc.want, tc.header)
		}
	}
	for h, s := range map[Hibernation]string{HiberNone: "none", HiberActive: "hibernated", HiberWake: "wake", HiberOther: "unknown-header", 42: "none"} {
		if h.String() != s {
			t.Errorf("%d.String() = %q, want %q", int(h), h.String(), s)
		}
	}
}
