package main

import (
	"fmt"
	"os"
)

func shout(words []string) {
	for _, w := range words {
		fmt.Fprintln(os.Stdout, strings.ToUpper(w))
	}
