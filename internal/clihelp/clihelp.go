// Package clihelp lays out the help of the kubectl-cgroups commands the
// way kubectl's own help is laid out (k8s.io/kubectl/pkg/util/templates
// does this for kubectl): flags in titled sections, sections with a help
// topic listed by name only, and kubectl's connection flags hidden from
// each command and printed by an "options" command instead. It knows
// nothing of cgroups or of the commands themselves.
package clihelp

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// FlagGroup is a titled section of a command's flags in its help. A
// group with a Topic is listed by name only, its full help being the
// topic "help TOPIC" (NewTopic).
type FlagGroup struct {
	Title string
	Names []string
	Topic string
}

// SetFlagGroups lays c's help out in sections: the groups, then "Other
// flags". kubectl's connection flags are left out, as kubectl hides its
// global flags; the last line points to "NAME options", where name is how
// the program is invoked ("kubectl cgroups").
func SetFlagGroups(c *cobra.Command, name string, groups []FlagGroup) {
	c.SetUsageFunc(func(c *cobra.Command) error {
		w := c.OutOrStderr()
		fmt.Fprintf(w, "Usage:\n  %s\n", c.UseLine())
		if c.HasExample() {
			fmt.Fprintf(w, "\nExamples:\n%s\n", c.Example)
		}
		seen := map[string]bool{}
		for _, g := range groups {
			fs := groupFlags(c, g)
			fs.VisitAll(func(f *pflag.Flag) { seen[f.Name] = true })
			if g.Topic != "" {
				var names []string
				fs.VisitAll(func(f *pflag.Flag) { names = append(names, "--"+f.Name) })
				fmt.Fprintf(w, "\n%s (%s help %s):\n  %s\n", g.Title, name, g.Topic, WrapWords(strings.Join(names, " "), 76, "\n  "))
				continue
			}
			fmt.Fprintf(w, "\n%s:\n%s", g.Title, fs.FlagUsagesWrapped(100))
		}
		other := pflag.NewFlagSet("other", pflag.ContinueOnError)
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !seen[f.Name] && !KubectlFlag(f.Name) {
				other.AddFlag(f)
			}
		})
		fmt.Fprintf(w, "\nOther flags:\n%s", other.FlagUsagesWrapped(100))
		fmt.Fprintf(w, "\nkubectl's flags (--kubeconfig, --context, --as, --token, ...) apply in cluster mode: %s options\n", name)
		return nil
	})
}

// groupFlags returns the flags of c that g names.
func groupFlags(c *cobra.Command, g FlagGroup) *pflag.FlagSet {
	fs := pflag.NewFlagSet(g.Title, pflag.ContinueOnError)
	for _, n := range g.Names {
		if f := c.Flags().Lookup(n); f != nil {
			fs.AddFlag(f)
		}
	}
	return fs
}

// WrapWords joins the words of s into lines of at most width columns,
// separated by sep (a word longer than width gets a line of its own).
func WrapWords(s string, width int, sep string) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		if i > 0 && n+1+len(w) > width {
			b.WriteString(sep)
			n = 0
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// NewTopic is the command "help TOPIC": the text, examples and flags of
// one group of c's flags.
func NewTopic(c *cobra.Command, g FlagGroup, short, long, example string) *cobra.Command {
	return &cobra.Command{
		Use:   g.Topic,
		Short: short,
		Long: long + "\n\nExamples:\n" + example + "\n\n" + g.Title + ":\n" +
			strings.TrimRight(groupFlags(c, g).FlagUsagesWrapped(0), "\n"),
	}
}

// KubectlFlag reports whether name is one of kubectl's connection flags
// (cli-runtime's ConfigFlags) other than --namespace.
func KubectlFlag(name string) bool {
	return kubectlFlags().Lookup(name) != nil && name != "namespace"
}

func kubectlFlags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("kubectl", pflag.ContinueOnError)
	genericclioptions.NewConfigFlags(false).AddFlags(fs)
	return fs
}

// KubectlFlagUsages is the help of kubectl's connection flags, for an
// "options" command as "kubectl options" prints it.
func KubectlFlagUsages() string {
	return kubectlFlags().FlagUsagesWrapped(100)
}
