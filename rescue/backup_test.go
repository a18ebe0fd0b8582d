package rescue

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/actrescue/actrescue/hive"
	"github.com/actrescue/actrescue/image"
	"github.com/actrescue/actrescue/internal/testenv"
	"github.com/actrescue/actrescue/ntfs"
)

func scanForBackup(t testing.TB, fixture string) *Report {
	t.Helper()
	b := loadFixture(t, fixture)
	return ScanTargets(context.Background(), []*image.Target{image.OpenBytes(fixture, b)}, Options{Now: fixedNow})
}

func noSameDisk(string, string) (bool, string, error) { return false, "", nil }

func TestBackupAndVerify(t *testing.T) {
	rep := scanForBackup(t, "gpt-win11")
	out := filepath.Join(t.TempDir(), "set")
	var last Progress
	res, err := Backup(context.Background(), rep, BackupOptions{Out: out, Now: fixedNow, SameDisk: noSameDisk,
		Progress: func(p Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Copied != 18 || len(res.Missing) != 0 || last.BytesDone != last.BytesTotal || last.BytesTotal == 0 {
		t.Errorf("copied %d, missing %v, progress %+v", res.Copied, res.Missing, last)
	}
	if _, err := os.Stat(filepath.Join(out, IncompleteName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("incomplete marker left behind")
	}
	v, err := Verify(out)
	if err != nil || !v.OK() || v.Checked != len(res.Manifest.Files)+len(res.Manifest.Generated) {
		t.Fatalf("verify: %v %+v", err, v)
	}
	// Independent check: every copied file equals the bytes the ntfs
	// package reads from the source volume, and its hash in the manifest.
	in := rep.Targets[0].Installations[0]
	for _, e := range res.Manifest.Files {
		if !strings.HasPrefix(e.Path, "install-1-") {
			continue
		}
		src := strings.TrimPrefix(strings.ReplaceAll(e.From.Path, `\`, "/"), "/")
		f, err := in.fs.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
		got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(e.Path)))
		sum := sha256.Sum256(got)
		if err != nil || !bytes.Equal(got, want) || hex.EncodeToString(sum[:]) != e.SHA256 || e.From.MFTRef == "" {
			t.Errorf("%s: copy differs from the source or the manifest", e.Path)
		}
	}
	// The copied hives open and hold the same key.
	b, err := os.ReadFile(filepath.Join(out, "install-1-Windows/registry/SOFTWARE"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := hive.Open(bytes.NewReader(b), int64(len(b)), hive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if k, err := h.Key(keySPP); err != nil || stringValue(k, "BackupProductKeyDefault") != "VK7JG-NPHTM-C97JM-9MPGT-3V66T" {
		t.Errorf("copied SOFTWARE hive: %v", err)
	}
	for _, name := range []string{"report.json", "install-1-Windows/RESTORE.md", "install-1-Windows/restore.cmd", "install-1-Windows/restore.ps1", ManifestName} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s missing", name)
		}
	}

	// A second run into the same folder keeps the identical files.
	res2, err := Backup(context.Background(), rep, BackupOptions{Out: out, Now: fixedNow, SameDisk: noSameDisk})
	if err != nil || res2.Skipped != 18 || res2.Copied != 0 {
		t.Errorf("re-run: %v, copied %d skipped %d", err, res2.Copied, res2.Skipped)
	}
	// Tampering is found by verify and makes a re-run refuse.
	tok := filepath.Join(out, "install-1-Windows/spp/store/2.0/tokens.dat")
	os.WriteFile(tok, []byte("tampered"), 0o644)
	os.WriteFile(filepath.Join(out, "stray.txt"), []byte("x"), 0o644)
	v, err = Verify(out)
	if !errors.Is(err, ErrVerify) || len(v.Changed) != 1 || len(v.Extra) != 1 {
		t.Errorf("verify after tampering: %v %+v", err, v)
	}
	if _, err := Backup(context.Background(), rep, BackupOptions{Out: out, Now: fixedNow, SameDisk: noSameDisk}); !errors.Is(err, ErrDestNotEmpty) {
		t.Errorf("re-run over a tampered set: %v", err)
	}
	os.Remove(filepath.Join(out, ManifestName))
	if _, err := Verify(out); err == nil {
		t.Errorf("a set without manifest verifies")
	}
}

func TestBackupRefusals(t *testing.T) {
	rep := scanForBackup(t, "vol-win11home")
	// A foreign, non-empty folder.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "photo.jpg"), []byte("x"), 0o644)
	if _, err := Backup(context.Background(), rep, BackupOptions{Out: dir, SameDisk: noSameDisk}); !errors.Is(err, ErrDestNotEmpty) {
		t.Errorf("foreign folder: %v", err)
	}
	// Destination on the disk being read.
	src := t.TempDir()
	if _, err := Backup(context.Background(), rep, BackupOptions{Out: filepath.Join(src, "bk"), Source: src}); !errors.Is(err, ErrDestOnSource) {
		t.Errorf("inside the source folder: %v", err)
	}
	same := func(string, string) (bool, string, error) {
		return true, "the destination is on another partition of the same disk (sda)", nil
	}
	_, err := Backup(context.Background(), rep, BackupOptions{Out: t.TempDir(), Source: "/dev/null", SameDisk: same})
	if !errors.Is(err, ErrDestOnSource) || !strings.Contains(err.Error(), "sda") {
		t.Errorf("same disk: %v", err)
	}
	// Not enough room.
	small := func(string) (int64, error) { return 1000, nil }
	if _, err := Backup(context.Background(), rep, BackupOptions{Out: t.TempDir(), SameDisk: noSameDisk, FreeSpace: small}); !errors.Is(err, ErrNoSpace) {
		t.Errorf("full destination: %v", err)
	}
	if _, err := Backup(context.Background(), rep, BackupOptions{Out: t.TempDir(), Install: "9", SameDisk: noSameDisk}); !errors.Is(err, ErrNoInstall) {
		t.Errorf("unknown installation: %v", err)
	}
}

// failingFile fails its writes after limit bytes, like a full disk.
type failingFile struct {
	f     *os.File
	limit int64
	n     int64
}

// sharedRoom charges every file's writes to one failingFile budget.
type sharedRoom struct {
	f    *os.File
	room *failingFile
}

func (s *sharedRoom) Write(p []byte) (int, error) {
	if s.room.n+int64(len(p)) > s.room.limit {
		return 0, fmt.Errorf("write: no space left on device")
	}
	s.room.n += int64(len(p))
	return s.f.Write(p)
}
func (s *sharedRoom) Sync() error  { return s.f.Sync() }
func (s *sharedRoom) Close() error { return s.f.Close() }

func (w *failingFile) Write(p []byte) (int, error) {
	if w.n+int64(len(p)) > w.limit {
		return 0, fmt.Errorf("write: no space left on device")
	}
	w.n += int64(len(p))
	return w.f.Write(p)
}
func (w *failingFile) Sync() error  { return w.f.Sync() }
func (w *failingFile) Close() error { return w.f.Close() }

func TestBackupDiskFullLeavesNothingComplete(t *testing.T) {
	rep := scanForBackup(t, "vol-win11home")
	out := filepath.Join(t.TempDir(), "set")
	// The disk fills up 20000 bytes into the backup, in the middle of a file.
	room := &failingFile{limit: 20000}
	old := createFile
	createFile = func(p string) (writeSyncCloser, error) {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return nil, err
		}
		return &sharedRoom{f: f, room: room}, nil
	}
	defer func() { createFile = old }()
	_, err := Backup(context.Background(), rep, BackupOptions{Out: out, SameDisk: noSameDisk})
	if err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("disk full: %v", err)
	}
	assertIncomplete(t, out)
	// Once space is back, a re-run into the same folder completes.
	createFile = old
	if _, err := Backup(context.Background(), rep, BackupOptions{Out: out, SameDisk: noSameDisk}); err != nil {
		t.Fatal(err)
	}
	if v, err := Verify(out); err != nil || !v.OK() {
		t.Errorf("after resume: %v %+v", err, v)
	}
}

func assertIncomplete(t *testing.T, out string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(out, ManifestName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed backup left a manifest")
	}
	if _, err := os.Stat(filepath.Join(out, IncompleteName)); err != nil {
		t.Errorf("a failed backup does not say it is incomplete")
	}
	if v, err := Verify(out); err == nil || (v != nil && v.OK()) {
		t.Errorf("a failed backup verifies: %+v", v)
	}
}

func TestBackupSourceReadError(t *testing.T) {
	rep := scanForBackup(t, "vol-win11home")
	in := rep.Targets[0].Installations[0]
	in.fs = &brokenFS{FS: in.fs, broken: "tokens.dat"}
	out := filepath.Join(t.TempDir(), "set")
	res, err := Backup(context.Background(), rep, BackupOptions{Out: out, SameDisk: noSameDisk})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Missing) != 1 || !strings.Contains(res.Missing[0], "tokens.dat") {
		t.Errorf("missing %v", res.Missing)
	}
	if _, err := os.Stat(filepath.Join(out, "install-1-Windows/spp/store/2.0/tokens.dat")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file that could not be read was written")
	}
	if v, err := Verify(out); err != nil || !v.OK() {
		t.Errorf("verify: %v %+v", err, v)
	}
}

// Killing the process mid-backup must leave nothing that looks complete.
func TestBackupKilledMidway(t *testing.T) {
	if dir := os.Getenv("ACTRESCUE_KILL_BACKUP"); dir != "" {
		rep := scanForBackup(t, "gpt-win11")
		n := 0
		Backup(context.Background(), rep, BackupOptions{Out: dir, SameDisk: noSameDisk, Progress: func(p Progress) {
			if n++; p.FilesDone >= 5 {
				os.Exit(7) // as abrupt as a kill: no deferred cleanup runs
			}
		}})
		os.Exit(0)
	}
	out := filepath.Join(t.TempDir(), "set")
	cmd := exec.Command(os.Args[0], "-test.run=^TestBackupKilledMidway$")
	cmd.Env = append(os.Environ(), "ACTRESCUE_KILL_BACKUP="+out)
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("child: %v", err)
	}
	assertIncomplete(t, out)
	rep := scanForBackup(t, "gpt-win11")
	if _, err := Backup(context.Background(), rep, BackupOptions{Out: out, SameDisk: noSameDisk}); err != nil {
		t.Fatalf("resume after a kill: %v", err)
	}
	if v, err := Verify(out); err != nil || !v.OK() {
		t.Errorf("after resume: %v %+v", err, v)
	}
}

func TestBackupMasked(t *testing.T) {
	rep := scanForBackup(t, "gpt-win11")
	out := filepath.Join(t.TempDir(), "set")
	if _, err := Backup(context.Background(), rep, BackupOptions{Out: out, Mask: true, SameDisk: noSameDisk}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"report.json", "install-1-Windows/RESTORE.md", "install-1-Windows/restore.cmd", "install-1-Windows/restore.ps1"} {
		b, _ := os.ReadFile(filepath.Join(out, name))
		if bytes.Contains(b, []byte("VK7JG-NPHTM")) || bytes.Contains(b, []byte("W269N-WFGWX")) {
			t.Errorf("%s leaks a key", name)
		}
		if strings.HasPrefix(filepath.Ext(name), ".") && (strings.HasSuffix(name, ".cmd") || strings.HasSuffix(name, ".ps1")) && bytes.Contains(b, []byte("XXXXX-")) {
			t.Errorf("%s holds a masked key", name)
		}
	}
	// The scan report itself is left unmasked for the caller.
	if rep.Targets[0].Installations[0].Keys[0].Key != "VK7JG-NPHTM-C97JM-9MPGT-3V66T" {
		t.Errorf("Backup masked the caller's report")
	}
}

// brokenFS fails reads of one file, like a bad sector under it.
type brokenFS struct {
	ntfs.FS
	broken string
}

func (b *brokenFS) Open(p string) (ntfs.File, error) {
	f, err := b.FS.Open(p)
	if err != nil || !strings.HasSuffix(p, b.broken) {
		return f, err
	}
	return badFile{f}, nil
}

type badFile struct{ ntfs.File }

func (badFile) ReadAt(p []byte, off int64) (int, error) {
	return 0, fmt.Errorf("read at offset %d: input/output error", off)
}

// The .reg exports of a backup import into a hive with hivexregedit and
// give back the same values (the Windows side is `reg import`).
func TestBackupRegExportRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("hivexregedit"); err != nil {
		t.Skip("hivexregedit (libhivex-bin) not installed: skipping the .reg round trip")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	rep := scanForBackup(t, "gpt-win11")
	out := filepath.Join(t.TempDir(), "set")
	if _, err := Backup(context.Background(), rep, BackupOptions{Out: out, SameDisk: noSameDisk}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(out, "install-1-Windows/registry/spp.reg"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte{0xFF, 0xFE}) {
		t.Fatalf("spp.reg is not UTF-16LE with a BOM")
	}
	u := make([]uint16, 0, len(raw)/2)
	for i := 2; i+1 < len(raw); i += 2 {
		u = append(u, uint16(raw[i])|uint16(raw[i+1])<<8)
	}
	utf8reg := filepath.Join(t.TempDir(), "spp-utf8.reg")
	os.WriteFile(utf8reg, []byte(string(utf16.Decode(u))), 0o644)
	hv := filepath.Join(t.TempDir(), "SOFTWARE")
	root := testenv.RepoRoot(t)
	if b, err := exec.Command("python3", filepath.Join(root, "testdata/gen/emptyhive.py"), hv).CombinedOutput(); err != nil {
		t.Fatalf("emptyhive: %v %s", err, b)
	}
	// hivexregedit needs the parents first.
	parents := "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft]\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT]\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n\r\n"
	pre := filepath.Join(t.TempDir(), "parents.reg")
	os.WriteFile(pre, []byte(parents), 0o644)
	for _, f := range []string{pre, utf8reg} {
		cmd := exec.Command("hivexregedit", "--merge", "--prefix", `HKEY_LOCAL_MACHINE\SOFTWARE`, hv, f)
		cmd.Env = append(os.Environ(), "PERL_UNICODE=SD")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hivexregedit --merge %s: %v %s", filepath.Base(f), err, b)
		}
	}
	b, _ := os.ReadFile(hv)
	h, err := hive.Open(bytes.NewReader(b), int64(len(b)), hive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k, err := h.Key(keySPP)
	if err != nil {
		t.Fatal(err)
	}
	if got := stringValue(k, "BackupProductKeyDefault"); got != "VK7JG-NPHTM-C97JM-9MPGT-3V66T" {
		t.Errorf("BackupProductKeyDefault after import: %q", got)
	}
	if got := stringValue(k, "TokenStore"); got != `%SystemRoot%\System32\spp\store\2.0` {
		t.Errorf("TokenStore after import: %q", got)
	}
}

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"ticket.xml": "ticket.xml", "..": "_..", ".": "_.", "": "_",
		`..\..\Windows\evil`: ".._.._Windows_evil", "../x": ".._x", "C:x": "C_x", "a\x00b": "a_b",
	} {
		if got := safeFileName(in); got != want {
			t.Errorf("safeFileName(%q) = %q, want %q", in, got, want)
		}
		if got := safeFileName(in); strings.ContainsAny(got, `/\:`) || got == ".." {
			t.Errorf("%q escapes: %q", in, got)
		}
	}
}
