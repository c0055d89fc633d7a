// Command rawfloor is the whole-process raw-read floor of `benchratio
// -cli`: a process that starts, reads a list of paths (one a line) from
// the file given as its argument and reads each of those files whole with
// os.ReadFile, in order, in one goroutine, and prints how many files and
// bytes it read. Given the files a diff compares, it does a diff's file
// I/O, start-up and exit and nothing else.
package main

import (
	"bytes"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: rawfloor PATHS-FILE")
		os.Exit(2)
	}
	list, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "rawfloor:", err)
		os.Exit(2)
	}
	files, size := 0, 0
	for line := range bytes.Lines(list) {
		p := string(bytes.TrimSuffix(line, []byte("\n")))
		if p == "" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "rawfloor:", err)
			os.Exit(1)
		}
		files++
		size += len(b)
	}
	fmt.Printf("%d files, %d bytes\n", files, size)
}
