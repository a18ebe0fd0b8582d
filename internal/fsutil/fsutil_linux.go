package fsutil

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// FreeSpace returns the bytes available to this user at dir (or its
// nearest existing parent).
func FreeSpace(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(existingParent(dir), &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// SameDisk reports whether dest lies on the physical disk that holds
// source: the same device, or another partition of the same disk. source
// may be a block device, a folder or a file.
func SameDisk(source, dest string) (bool, string, error) {
	var ss, ds unix.Stat_t
	if err := unix.Stat(source, &ss); err != nil {
		return false, "", err
	}
	if err := unix.Stat(existingParent(dest), &ds); err != nil {
		return false, "", err
	}
	srcDev := ss.Dev
	if ss.Mode&unix.S_IFMT == unix.S_IFBLK {
		srcDev = ss.Rdev
	}
	if srcDev == ds.Dev {
		return true, "the destination is on the same device", nil
	}
	for _, a := range disksUnder(srcDev) {
		for _, b := range disksUnder(ds.Dev) {
			if a == b {
				return true, fmt.Sprintf("the destination is on the same physical disk (%s)", a), nil
			}
		}
	}
	return false, "", nil
}

// disksUnder names the physical disks a device sits on: its own disk for
// a partition, and for a device-mapper device (LUKS/BitLocker mappings,
// LVM) the disks of every slave, followed recursively.
func disksUnder(dev uint64) []string {
	name := wholeDisk(dev)
	if name == "" {
		return nil
	}
	return slaveDisks(name, 0)
}

func slaveDisks(name string, depth int) []string {
	slaves, err := os.ReadDir(filepath.Join("/sys/block", name, "slaves"))
	if err != nil || len(slaves) == 0 || depth > 8 {
		return []string{name}
	}
	var out []string
	for _, s := range slaves {
		// A slave is a partition (sda3) or a whole device (dm-1, sdb).
		disk := s.Name()
		if link, err := os.Readlink(filepath.Join("/sys/class/block", disk)); err == nil {
			if _, err := os.Stat(filepath.Join("/sys/class/block", disk, "partition")); err == nil {
				disk = filepath.Base(filepath.Dir(link))
			}
		}
		out = append(out, slaveDisks(disk, depth+1)...)
	}
	return out
}

// wholeDisk names the disk a device belongs to, from /sys/dev/block.
func wholeDisk(dev uint64) string {
	link, err := os.Readlink(fmt.Sprintf("/sys/dev/block/%d:%d", unix.Major(dev), unix.Minor(dev)))
	if err != nil {
		return ""
	}
	// …/block/sda/sda1 → sda; …/block/sda → sda
	if _, err := os.Stat(filepath.Join("/sys/dev/block", fmt.Sprintf("%d:%d", unix.Major(dev), unix.Minor(dev)), "partition")); err == nil {
		return filepath.Base(filepath.Dir(link))
	}
	return filepath.Base(link)
}
