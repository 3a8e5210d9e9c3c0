package main

func shout(w string) string {
	up := strings.ToUpper(w)
