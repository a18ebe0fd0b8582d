//go:build linux

package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actrescue/actrescue/hive"
)

const sampleReg = "Windows Registry Editor Version 5.00\r\n\r\n" +
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n" +
	"\"ProductName\"=\"Windows 10 Pro\"\r\n" +
	"\"Quote\"=\"a \\\"b\\\" c\\\\d\"\r\n" +
	"\"UBR\"=dword:00000ad3\r\n" +
	"\"InstallTime\"=hex(b):00,11,22,33,44,55,66,77\r\n" +
	"\"Blob\"=hex:01,02,\\\r\n  03,04,05\r\n" +
	"@=\"default\"\r\n"

// sampleTree is a small tree with every cell kind the writer produces: ri
// lists (more than lhPerLeaf subkeys), big data, inline data, Latin-1 and
// UTF-16 names.
func sampleTree(t *testing.T) (*Key, []byte) {
	t.Helper()
	root := &Key{Name: "ROOT"}
	if err := MergeReg(root, strings.NewReader(sampleReg), `HKEY_LOCAL_MACHINE\SOFTWARE`); err != nil {
		t.Fatal(err)
	}
	many := root.Path(`Classes\CLSID`)
	for i := 0; i < 1300; i++ {
		c := many.Child(fmt.Sprintf("{%08X-0000-0000-0000-000000000000}", i*7919%100000))
		c.Set(SZ("", fmt.Sprint("class ", i)))
	}
	big := make([]byte, 100000)
	for i := range big {
		big[i] = byte(i * 31)
	}
	k := root.Path(`Microsoft\Big`)
	k.Set(Binary("Data", big))
	k.Set(Binary("Exact", big[:bigDataMax]))
	k.Set(Binary("Tiny", []byte{9, 8}))
	k.Set(QWORD("Q", 0x0102030405060708))
	root.Path(`Microsoft\Ünïcode`).Set(SZ("Ω", "ωmega"))
	root.Path(`Microsoft\Ωmega`).Set(MultiSZ("List", "a", "bc"))
	return root, big
}

func TestWriteHiveReadBack(t *testing.T) {
	root, big := sampleTree(t)
	b := WriteHive(root, HiveOptions{FileName: `\??\C:\Windows\System32\config\SOFTWARE`, Timestamp: fixtureTime, Sequence: 9, FreeEvery: 5, Seed: 3})
	if len(b)%4096 != 0 {
		t.Fatalf("hive size %d is not a multiple of 4096", len(b))
	}
	h, err := hive.Open(bytes.NewReader(b), int64(len(b)), hive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !h.Header().ChecksumOK || h.Dirty() {
		t.Fatalf("header: %+v", h.Header())
	}
	cv, err := h.Key(`microsoft\WINDOWS NT\currentversion`)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"ProductName": "Windows 10 Pro", "Quote": `a "b" c\d`, "": "default"} {
		v, err := cv.Value(name)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if s, _ := v.String(); s != want {
			t.Errorf("%q = %q, want %q", name, s, want)
		}
	}
	if v, _ := cv.Value("UBR"); fmt.Sprint(v.Uint32()) != "2771 <nil>" {
		t.Errorf("UBR = %v", v.Data)
	}
	if v, _ := cv.Value("Blob"); !bytes.Equal(v.Data, []byte{1, 2, 3, 4, 5}) {
		t.Errorf("Blob = %x", v.Data)
	}
	k, err := h.Key(`Microsoft\Big`)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"Data": big, "Exact": big[:bigDataMax], "Tiny": {9, 8}} {
		v, err := k.Value(name)
		if err != nil || !bytes.Equal(v.Data, want) {
			t.Errorf("%s: %d bytes, %v", name, len(v.Data), err)
		}
	}
	if v, err := k.Value("Q"); err != nil || hex.EncodeToString(v.Data) != "0807060504030201" {
		t.Errorf("Q: %x %v", v.Data, err)
	}
	subs, err := must(h.Key(`Classes\CLSID`)).Subkeys()
	if err != nil || len(subs) != 1300 {
		t.Fatalf("CLSID: %d subkeys, %v", len(subs), err)
	}
	for i := 1; i < len(subs); i++ {
		if !lessUpper(subs[i-1].Name(), subs[i].Name()) {
			t.Fatalf("subkeys out of order: %s, %s", subs[i-1].Name(), subs[i].Name())
		}
	}
	if _, err := h.Key(`Classes\CLSID\{00001EEF-0000-0000-0000-000000000000}`); err != nil {
		t.Error(err)
	}
	if v, err := must(h.Key(`Microsoft\ünïcode`)).Value("Ω"); err != nil {
		t.Errorf("unicode: %v", err)
	} else if s, err := v.String(); s != "ωmega" {
		t.Errorf("unicode: %q %v", s, err)
	}
	// The independent readers agree.
	p := filepath.Join(t.TempDir(), "SOFTWARE")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if hg, err := exec.LookPath("hivexget"); err == nil {
		out, err := exec.Command(hg, p, `\Microsoft\Windows NT\CurrentVersion`, "ProductName").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "Windows 10 Pro" {
			t.Errorf("hivexget: %q %v", out, err)
		}
	} else {
		t.Log("hivexget not installed: skipping that cross-check")
	}
	if rl, err := exec.LookPath("reglookup"); err == nil {
		out, err := exec.Command(rl, "-H", "-p", "/Microsoft/Big", p).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "/Microsoft/Big/Data,BINARY,") || strings.Contains(string(out), "ERROR") {
			t.Errorf("reglookup: %.2000s %v", out, err)
		}
		out, err = exec.Command(rl, "-H", p).CombinedOutput()
		if n := strings.Count(string(out), "\n"); err != nil || n < 1300 || strings.Contains(string(out), "ERROR") {
			t.Errorf("reglookup full walk: %d lines, %v: %.1000s", n, err, out)
		}
	} else {
		t.Log("reglookup not installed: skipping that cross-check")
	}
}

func must(k *hive.Key, err error) *hive.Key {
	if err != nil {
		panic(err)
	}
	return k
}

func TestGeneratorDeterministic(t *testing.T) {
	build := func() []byte {
		root := &Key{Name: "ROOT"}
		g := newGen("x")
		g.Software(root, 2<<20)
		return WriteHive(root, HiveOptions{Timestamp: fixtureTime, Sequence: 1, FreeEvery: 40, Seed: 7})
	}
	a, b := build(), build()
	if !bytes.Equal(a, b) {
		t.Fatal("two runs differ")
	}
	if len(a) < 2<<20 || len(a) > 8<<20 {
		t.Fatalf("a 2 MiB target gave %d bytes", len(a))
	}
	h, err := hive.Open(bytes.NewReader(a), int64(len(a)), hive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Key(`Microsoft\Windows NT\CurrentVersion\Perflib\009`); err != nil {
		t.Fatal(err)
	}
}

func TestFreeClustersAndZero(t *testing.T) {
	if !isZero(make([]byte, 13)) || isZero(append(make([]byte, 12), 1)) {
		t.Fatal("isZero")
	}
}
