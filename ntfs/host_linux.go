package ntfs

import (
	"fmt"
	"io/fs"
	"syscall"
	"time"
)

// hostExtra adds the inode number and access/change times of a host file.
func hostExtra(fi *FileInfo, st fs.FileInfo) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		fi.MFTRef = fmt.Sprintf("inode-%d", s.Ino)
		fi.Accessed = time.Unix(s.Atim.Sec, s.Atim.Nsec).UTC()
		fi.MFTModified = time.Unix(s.Ctim.Sec, s.Ctim.Nsec).UTC()
	}
}
