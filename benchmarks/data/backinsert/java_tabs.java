package demo;

import java.util.List;

public class Words {
	public static List<String> words(String s) {
		return Arrays.asList(s.split(" "));
