package main

import "fmt"

// countWords returns how often each word of text occurs, lower-cased.
func countWords(text string) map[string]int {
	counts := map[string]int{}
	for _, w := range strings.Fields(text) {

