//go:build !linux

package ntfs

import "io/fs"

func hostExtra(fi *FileInfo, st fs.FileInfo) {}
