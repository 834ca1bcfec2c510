//go:build unix

package main

import (
	"errors"
	"os"
	"syscall"
)

// lockState takes the lock file beside a state file (FILE.lock), so that
// two runs on one state (a cron run that outlasts its period) do not both
// print what is new since it. The lock goes when the process ends, however
// it ends; the file stays. busy says another process holds it.
func lockState(path string) (unlock func(), busy bool, err error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, true, nil
		}
		return nil, false, err
	}
	return func() { f.Close() }, false, nil
}
