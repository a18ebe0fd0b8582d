module github.com/actrescue/actrescue

go 1.26.0

require (
	github.com/diskfs/go-diskfs v1.9.4
	github.com/gdamore/tcell/v2 v2.8.1
	github.com/klauspost/compress v1.18.5
	github.com/rivo/tview v0.42.0
	github.com/ulikunitz/xz v0.5.15
	golang.org/x/sys v0.49.0
	golang.org/x/term v0.28.0
	www.velocidex.com/golang/go-ntfs v0.2.1
	www.velocidex.com/golang/regparser v0.0.0-20250203141505-31e704a67ef7
)

require (
	github.com/Velocidex/json v0.0.0-20220224052537-92f3c0326e5a // indirect
	github.com/Velocidex/ordereddict v0.0.0-20230909174157-2aa49cc5d11d // indirect
	github.com/Velocidex/yaml/v2 v2.2.8 // indirect
	github.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc // indirect
	github.com/gdamore/encoding v1.0.1 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/kr/text v0.2.0 // indirect
	github.com/lucasb-eyer/go-colorful v1.2.0 // indirect
	github.com/mattn/go-runewidth v0.0.16 // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	github.com/rogpeppe/go-internal v1.16.0 // indirect
	github.com/stretchr/testify v1.10.0 // indirect
	golang.org/x/text v0.21.0 // indirect
)
