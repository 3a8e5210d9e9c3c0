package main

import "fmt"

func shout(w string) {
	fmt.Println(strings.ToUpper(w))
