//go:build !linux

package nodegen

func isTmpfs(string) bool { return false }
