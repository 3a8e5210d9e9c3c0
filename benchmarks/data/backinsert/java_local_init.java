public class Counter {
    public static int countEven(int[] xs) {
        for (int x : xs) {
            if (x % 2 == 0) {
                count++;
            }
        }
