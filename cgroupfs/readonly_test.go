package cgroupfs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSourceOpensReadOnly is the static half of the read-only guarantee
// (TestLiveNeverWrites is the dynamic half, on a real tree): no non-test
// source file of this package calls anything that creates, writes,
// removes, renames or changes a file, and every OpenFile it makes is
// O_RDONLY with nothing that could write, create or truncate.
func TestSourceOpensReadOnly(t *testing.T) {
	writers := map[string]bool{
		"Create": true, "CreateTemp": true, "WriteFile": true, "Mkdir": true, "MkdirAll": true,
		"MkdirTemp": true, "Remove": true, "RemoveAll": true, "Rename": true, "Chmod": true,
		"Chown": true, "Lchown": true, "Chtimes": true, "Symlink": true, "Link": true,
	}
	// Truncate is a writer only as os.Truncate (time.Time has one too).
	osOnly := map[string]bool{"Truncate": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	opens := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch {
			case writers[sel.Sel.Name], osOnly[sel.Sel.Name] && isIdent(sel.X, "os"):
				t.Errorf("%s: calls %s", fset.Position(call.Pos()), sel.Sel.Name)
			case sel.Sel.Name == "OpenFile":
				opens++
				if len(call.Args) < 2 {
					t.Errorf("%s: OpenFile with %d arguments", fset.Position(call.Pos()), len(call.Args))
					return true
				}
				flags := exprString(call.Args[1])
				if !strings.Contains(flags, "O_RDONLY") {
					t.Errorf("%s: OpenFile flags %s are not O_RDONLY", fset.Position(call.Pos()), flags)
				}
				for _, bad := range []string{"O_WRONLY", "O_RDWR", "O_CREATE", "O_APPEND", "O_TRUNC"} {
					if strings.Contains(flags, bad) {
						t.Errorf("%s: OpenFile flags %s include %s", fset.Position(call.Pos()), flags, bad)
					}
				}
			}
			return true
		})
	}
	if opens == 0 {
		t.Error("no OpenFile call found: the live reader's open moved; update this test")
	}
	// openFlags is added to every live open: it must not make one writable.
	for _, bad := range []int{os.O_WRONLY, os.O_RDWR, os.O_CREATE, os.O_APPEND, os.O_TRUNC} {
		if openFlags&bad != 0 {
			t.Errorf("openFlags %#x include %#x", openFlags, bad)
		}
	}
}

// exprString renders the selector and identifier names of an expression
// ("os.O_RDONLY|openFlags").
func exprString(e ast.Expr) string {
	var b strings.Builder
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Ident:
			b.WriteString(x.Name + " ")
		case *ast.BasicLit:
			b.WriteString(x.Value + " ")
		}
		return true
	})
	return b.String()
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
