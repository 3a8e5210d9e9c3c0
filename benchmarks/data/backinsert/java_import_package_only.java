package demo;

public class Sorter {
    public static int[] sorted(int[] xs) {
        int[] ys = xs.clone();
        Arrays.sort(ys);
