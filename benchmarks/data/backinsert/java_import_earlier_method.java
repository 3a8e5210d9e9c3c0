package demo;

import java.util.List;

public class Util {
    static List<Integer> three() {
        return Arrays.asList(1, 2, 3);
    }

    static int twice(int x) {
