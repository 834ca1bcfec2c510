//go:build unix

package main

import "syscall"

// cacheOpenFlags make the token cache's open fail on a symbolic link
// rather than follow it, and return at once on a FIFO rather than wait for
// a writer, should one replace the file after Load checked it.
const cacheOpenFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
