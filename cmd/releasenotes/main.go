// Command releasenotes checks that a tag may be released from this
// checkout (release.Notes) and prints the CHANGELOG section of its version.
// The release workflow runs it before it builds anything.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/release"
)

func main() {
	tag := flag.String("tag", "", "the tag to release, such as v1.2.3")
	flag.Parse()
	notes, err := release.Notes(".", *tag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "releasenotes:", err)
		os.Exit(1)
	}
	fmt.Print(notes)
}
