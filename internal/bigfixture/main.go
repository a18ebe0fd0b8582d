//go:build linux

// Command bigfixture builds the parts of actrescue's large generated
// fixture (testdata/gen/bigfixture.sh, `make bigfixture`): full-size
// registry hives written by its own regf writer, a Windows folder tree with
// thousands of System32 entries, filler files used to fragment the volume,
// and the final sparse GPT disk image. Nothing it writes is committed.
//
//	bigfixture hive -kind software|system -reg FILE[,FILE] -target BYTES -seed S -name PATH -out FILE
//	bigfixture tree -root DIR -install current|old -pkeyconfig DIR
//	bigfixture filler -dir DIR -total BYTES -seed S
//	bigfixture freeclusters -bitmap FILE -from LCN -to LCN
//	bigfixture disk -out FILE -size BYTES -seed S PART...   PART = kind:FILE:name
//	bigfixture lcns -img VOLUME (-dir DIR | -runs FILE)
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"www.velocidex.com/golang/go-ntfs/parser"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: bigfixture hive|tree|filler|freeclusters|disk ..."))
	}
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "hive":
		err = cmdHive(args)
	case "tree":
		err = cmdTree(args)
	case "filler":
		err = cmdFiller(args)
	case "freeclusters":
		err = cmdFreeClusters(args)
	case "disk":
		err = cmdDisk(args)
	case "lcns":
		err = cmdLCNs(args)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bigfixture:", err)
	os.Exit(1)
}

// fixtureTime is 2024-10-01T00:00:00Z as a FILETIME (as in emptyhive.py).
const fixtureTime = 133722144000000000

func cmdHive(args []string) error {
	fs := flag.NewFlagSet("hive", flag.ContinueOnError)
	kind := fs.String("kind", "software", "software or system")
	regs := fs.String("reg", "", "comma-separated .reg files merged first")
	target := fs.Int64("target", 120<<20, "approximate hive size in bytes")
	seed := fs.String("seed", "bigfixture", "seed")
	name := fs.String("name", `\??\C:\Windows\System32\config\SOFTWARE`, "embedded file name")
	out := fs.String("out", "", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("hive: -out is required")
	}
	rootName := "CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}"
	prefix := `HKEY_LOCAL_MACHINE\SOFTWARE`
	if *kind == "system" {
		rootName = "CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}"
		prefix = `HKEY_LOCAL_MACHINE\SYSTEM`
	}
	root := &Key{Name: rootName}
	for _, r := range strings.Split(*regs, ",") {
		if r == "" {
			continue
		}
		f, err := os.Open(r)
		if err != nil {
			return err
		}
		err = MergeReg(root, f, prefix)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", r, err)
		}
	}
	g := newGen(*seed)
	switch *kind {
	case "software":
		g.Software(root, *target)
	case "system":
		g.System(root, *target)
	default:
		return fmt.Errorf("hive: unknown kind %q", *kind)
	}
	b := WriteHive(root, HiveOptions{FileName: *name, Timestamp: fixtureTime, Sequence: 0x4A1, FreeEvery: 40, Seed: 7})
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("%s, %d big-data values\n", describe(*out, b, root.Count()), g.big)
	return nil
}

// fake writes deterministic stand-in content starting "FIXTURE-label\0"
// (as make-fixtures.sh does): real SPP files are never used.
func fake(path string, size int, label string) error {
	b := make([]byte, 0, size+64)
	b = append(b, "FIXTURE-"+label+"\x00"...)
	g := newGen(label)
	for len(b) < size {
		b = append(b, g.bytes(4096)...)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b[:size], 0o644)
}

func touch(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, nil, 0o644)
}

// cmdTree writes a Windows folder: System32 with thousands of entries, the
// SPP store with a multi-MB tokens.dat, pkeyconfig, empty RegBack, hive
// logs, and 0-byte placeholders for the hives (written later with ntfscp
// so that they land in the volume's holes).
func cmdTree(args []string) error {
	fs := flag.NewFlagSet("tree", flag.ContinueOnError)
	root := fs.String("root", "", "folder that receives Windows/")
	install := fs.String("install", "current", "current or old")
	pkDir := fs.String("pkeyconfig", "", "folder with pkeyconfig.xrm-ms and pkeyconfig-csvlk.xrm-ms")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *root == "" {
		return errors.New("tree: -root is required")
	}
	win := filepath.Join(*root, "Windows")
	sys32 := filepath.Join(win, "System32")
	g := newGen("tree-" + *install)
	nFiles, tokens := 5400, 4<<20+345678
	if *install == "old" {
		nFiles, tokens = 4200, 3<<20+123456
	}
	// System32: DLLs, EXEs, API sets and MUI-less resources, small files.
	seen := map[string]bool{}
	exts := []string{".dll", ".dll", ".dll", ".exe", ".sys", ".cpl", ".ocx", ".tlb", ".nls", ".xml"}
	for i := 0; len(seen) < nFiles; i++ {
		var n string
		switch {
		case i%7 == 0:
			n = fmt.Sprintf("api-ms-win-%s-%s-l1-%d-%d.dll", strings.ToLower(words[g.r.IntN(len(words))]),
				strings.ToLower(words[g.r.IntN(len(words))]), 1+g.r.IntN(2), g.r.IntN(3))
		default:
			n = strings.ToLower(g.name(0)) + exts[g.r.IntN(len(exts))]
		}
		if seen[strings.ToLower(n)] {
			continue
		}
		seen[strings.ToLower(n)] = true
		if err := os.MkdirAll(sys32, 0o755); err != nil {
			return err
		}
		size := g.r.IntN(3000)
		if g.r.IntN(10) == 0 {
			size = 4096 + g.r.IntN(60000)
		}
		if err := os.WriteFile(filepath.Join(sys32, n), g.bytes(size), 0o644); err != nil {
			return err
		}
	}
	for _, d := range strings.Fields("0409 AdvancedInstallers AppLocker appraiser ar-SA bg-BG Boot catroot catroot2 CodeIntegrity Com config Configuration cs-CZ da-DK de-DE DiagSvcs Dism downlevel DriverState DriverStore drivers en-GB en-US es-ES et-EE fi-FI fr-FR GroupPolicy he-IL hr-HR hu-HU IME inetsrv it-IT ja-JP ko-KR LogFiles Macromed Microsoft migration MsDtc NDF oobe PerceptionSimulation restore Speech sru spp Sysprep Tasks wbem WDI WindowsPowerShell winevt zh-CN zh-TW") {
		if err := os.MkdirAll(filepath.Join(sys32, d), 0o755); err != nil {
			return err
		}
	}
	for i := 0; i < 600; i++ {
		n := fmt.Sprintf("%s%d.sys", strings.ToLower(words[g.r.IntN(len(words))]), i)
		if err := os.WriteFile(filepath.Join(sys32, "drivers", n), g.bytes(g.r.IntN(2000)), 0o644); err != nil {
			return err
		}
	}
	for i := 0; i < 150; i++ {
		if err := os.MkdirAll(filepath.Join(win, "WinSxS", fmt.Sprintf("amd64_microsoft-windows-%s_31bf3856ad364e35_10.0.%d.1_none_%016x",
			strings.ToLower(g.name(0)), 19041+g.r.IntN(7000), g.r.Uint64())), 0o755); err != nil {
			return err
		}
	}
	for _, d := range strings.Fields("addins appcompat apppatch AppReadiness assembly bcastdvr Boot Branding CbsTemp Cursors debug diagnostics DigitalLocker Downloaded\x00Program\x00Files en-US Fonts GameBarPresenceWriter Globalization Help IdentityCRL IME ImmersiveControlPanel INF InputMethod L2Schemas LanguageOverlayCache LiveKernelReports Logs Media Microsoft.NET Migration ModemLogs OCR Offline\x00Web\x00Pages Panther Performance PLA PolicyDefinitions Prefetch PrintDialog Provisioning Registration RemotePackages rescache Resources SchCache schemas security ServiceProfiles ServiceState servicing Setup ShellComponents ShellExperiences SKB SoftwareDistribution Speech Speech_OneCore System SystemApps SystemResources SystemTemp SysWOW64 TAPI Tasks Temp TextInput tracing twain_32 Vss WaaS Web WinSxS") {
		if err := os.MkdirAll(filepath.Join(win, strings.ReplaceAll(d, "\x00", " ")), 0o755); err != nil {
			return err
		}
	}
	cfg := filepath.Join(sys32, "config")
	for _, f := range []string{"SOFTWARE", "SYSTEM", "SAM", "SECURITY", "DEFAULT", "SOFTWARE.LOG1", "SOFTWARE.LOG2", "SYSTEM.LOG1", "SYSTEM.LOG2",
		"RegBack/SOFTWARE", "RegBack/SYSTEM", "RegBack/SAM", "RegBack/SECURITY", "RegBack/DEFAULT"} {
		if err := touch(filepath.Join(cfg, f)); err != nil {
			return err
		}
	}
	// Transaction logs: a Windows 10+ log holds HvLE entries; here only
	// their size matters (the backup copies them).
	if err := fake(filepath.Join(cfg, "SOFTWARE.LOG1"), 1<<20, *install+"-SOFTWARE-LOG1"); err != nil {
		return err
	}
	store := filepath.Join(sys32, "spp", "store", "2.0")
	for _, f := range []struct {
		p    string
		size int
	}{{"tokens.dat", tokens}, {"data.dat", 96 << 10}, {"cache/cache.dat", 48 << 10}} {
		if err := fake(filepath.Join(store, f.p), f.size, *install+"-"+strings.ToUpper(strings.ReplaceAll(f.p, "/", "-"))); err != nil {
			return err
		}
	}
	if *pkDir != "" {
		for _, f := range []string{"pkeyconfig.xrm-ms", "pkeyconfig-csvlk.xrm-ms"} {
			b, err := os.ReadFile(filepath.Join(*pkDir, f))
			if err != nil {
				return err
			}
			p := filepath.Join(sys32, "spp", "tokens", "pkeyconfig", f)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				return err
			}
		}
	}
	if *install == "current" {
		// Profiles, the ClipSVC ticket folder and the setup folder of an
		// upgraded machine.
		if err := os.MkdirAll(filepath.Join(*root, "Users", "Public"), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(*root, "Users", "Public", "readme.txt"), []byte("actrescue big fixture\r\n"), 0o644); err != nil {
			return err
		}
		if err := fake(filepath.Join(*root, "ProgramData", "Microsoft", "Windows", "ClipSVC", "GenuineTicket", "GenuineTicket.xml"), 2300, "GENUINE-TICKET"); err != nil {
			return err
		}
		bt := filepath.Join(*root, "$WINDOWS.~BT", "Sources")
		if err := fake(filepath.Join(bt, "Rollback", "rollback.dat"), 64<<10, "ROLLBACK"); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(bt, "Panther"), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(bt, "Panther", "setupact.log"), []byte("2024-10-01 00:00:00, Info  SP  Setup phase: finalize\r\n"), 0o644); err != nil {
			return err
		}
		for _, d := range []string{"Program Files", "Program Files (x86)", "ProgramData/Microsoft/Windows/Start Menu", "Recovery", "Users/Default"} {
			if err := os.MkdirAll(filepath.Join(*root, d), 0o755); err != nil {
				return err
			}
		}
	}
	fmt.Printf("tree %s (%s): System32 %d files + %d folders, tokens.dat %d bytes\n", *root, *install, nFiles, 58, tokens)
	return nil
}

// cmdFiller writes zero-filled files of 512 KiB to 4 MiB (in 64 KiB steps)
// until total bytes; freeing every other one leaves the holes the hives
// are written into.
func cmdFiller(args []string) error {
	fs := flag.NewFlagSet("filler", flag.ContinueOnError)
	dir := fs.String("dir", "", "folder")
	total := fs.Int64("total", 512<<20, "bytes")
	seed := fs.String("seed", "filler", "seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	g := newGen(*seed)
	var n int64
	for i := 0; n < *total; i++ {
		size := (8 + g.r.IntN(57)) * 64 << 10
		// Distinct content keeps wimlib from storing one blob for all.
		b := make([]byte, size)
		copy(b, fmt.Sprintf("filler %06d", i))
		if err := os.WriteFile(filepath.Join(*dir, fmt.Sprintf("f%06d.bin", i)), b, 0o644); err != nil {
			return err
		}
		n += int64(size)
	}
	return nil
}

// cmdFreeClusters counts the clear bits of an NTFS $Bitmap in [from, to).
// With -group N it prints instead, one per line, the cluster counts of
// consecutive groups of N free extents: allocating them one group per file
// keeps each file's runlist small enough for one MFT record.
func cmdFreeClusters(args []string) error {
	fs := flag.NewFlagSet("freeclusters", flag.ContinueOnError)
	bm := fs.String("bitmap", "", "$Bitmap contents")
	from := fs.Int64("from", 0, "first cluster")
	to := fs.Int64("to", 0, "end cluster")
	group := fs.Int("group", 0, "extents per group")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := os.ReadFile(*bm)
	if err != nil {
		return err
	}
	free := func(c int64) bool { return b[c/8]&(1<<(c%8)) == 0 }
	var total, run, groupSum int64
	extents := 0
	flush := func() {
		if run == 0 {
			return
		}
		total += run
		groupSum += run
		extents++
		run = 0
		if *group > 0 && extents%*group == 0 {
			fmt.Println(groupSum)
			groupSum = 0
		}
	}
	end := min(*to, int64(len(b))*8)
	for c := *from; c < end; {
		if c%8 == 0 && c+8 <= end && (b[c/8] == 0 || b[c/8] == 0xFF) {
			if b[c/8] == 0 {
				run += 8
			} else {
				flush()
			}
			c += 8
			continue
		}
		if free(c) {
			run++
		} else {
			flush()
		}
		c++
	}
	flush()
	switch {
	case *group == 0:
		fmt.Println(total)
	case groupSum > 0:
		fmt.Println(groupSum)
	}
	fmt.Fprintf(os.Stderr, "bigfixture: %d free clusters in %d extents\n", total, extents)
	return nil
}

func isZero(b []byte) bool {
	for len(b) >= 8 {
		if b[0]|b[1]|b[2]|b[3]|b[4]|b[5]|b[6]|b[7] != 0 {
			return false
		}
		b = b[8:]
	}
	return !bytes.ContainsFunc(b, func(r rune) bool { return r != 0 })
}

// cmdLCNs prints "inode first-LCN size name" for each file of a directory
// of an NTFS image, and with -runs the number of data runs of one file.
func cmdLCNs(args []string) error {
	fs := flag.NewFlagSet("lcns", flag.ContinueOnError)
	img := fs.String("img", "", "NTFS volume image")
	dir := fs.String("dir", "", "directory to list")
	file := fs.String("runs", "", "file whose data runs are counted instead")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Open(*img)
	if err != nil {
		return err
	}
	defer f.Close()
	paged, err := parser.NewPagedReader(f, 4096, 4096)
	if err != nil {
		return err
	}
	ctx, err := parser.GetNTFSContext(paged, 0)
	if err != nil {
		return err
	}
	root, err := ctx.GetMFT(5)
	if err != nil {
		return err
	}
	dataRuns := func(e *parser.MFT_ENTRY) (runs []*parser.Run) {
		for _, a := range e.EnumerateAttributes(ctx) {
			if a.Type().Value == 0x80 && !a.IsResident() && a.Name() == "" {
				runs = append(runs, a.RunList()...)
			}
		}
		return runs
	}
	if *file != "" {
		e, err := root.Open(ctx, *file)
		if err != nil {
			return fmt.Errorf("%s: %w", *file, err)
		}
		fmt.Println(len(dataRuns(e)))
		return nil
	}
	d, err := root.Open(ctx, *dir)
	if err != nil {
		return fmt.Errorf("%s: %w", *dir, err)
	}
	for _, fi := range parser.ListDir(ctx, d) {
		if fi.IsDir || strings.Contains(fi.Name, ":") {
			continue
		}
		id, _, _, _, err := parser.ParseMFTId(fi.MFTId)
		if err != nil {
			return err
		}
		e, err := ctx.GetMFT(id)
		if err != nil {
			return err
		}
		if runs := dataRuns(e); len(runs) > 0 {
			fmt.Println(id, runs[0].Offset, fi.Size, fi.Name)
		}
	}
	return nil
}
