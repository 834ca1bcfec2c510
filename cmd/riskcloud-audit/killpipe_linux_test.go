package main

import (
	"io"
	"os"
	"syscall"
)

// shrinkPipe makes the pipe of r hold one page, so that a slow reader
// blocks the writer's every flush of more: the moments between a write
// and its end, where a kill must lose nothing, last long enough for a
// random kill to land in them.
func shrinkPipe(r io.Reader) {
	if f, ok := r.(*os.File); ok {
		syscall.Syscall(syscall.SYS_FCNTL, f.Fd(), syscall.F_SETPIPE_SZ, 4096)
	}
}
