// Package atomicfile writes a file whole or not at all: the data goes to
// a temporary file in the same directory, which is then renamed over the
// target. Errors name the target, never the temporary file.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes data to name with permissions perm, atomically. Its error
// names name and wraps the cause (errors.Is(err, fs.ErrNotExist) for a
// missing directory, fs.ErrPermission, ...).
func Write(name string, data []byte, perm fs.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return wrap(name, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return wrap(name, err)
	}
	if err := tmp.Close(); err != nil {
		return wrap(name, err)
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		return wrap(name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return wrap(name, err)
	}
	return nil
}

// wrap names the target in the error of an operation on its temporary
// file, keeping the cause.
func wrap(name string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("write %s: %w", name, err)
}
