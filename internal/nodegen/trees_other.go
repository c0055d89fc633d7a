//go:build !linux

package nodegen

import "errors"

// Real needs Linux.
func (t *Trees) Real(Options) (*Node, error) {
	return nil, errors.New("real cgroups need Linux")
}
