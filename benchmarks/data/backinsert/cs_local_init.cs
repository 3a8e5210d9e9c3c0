class Counter {
    static int CountEven(int[] xs) {
        foreach (var x in xs) {
            if (x % 2 == 0) {
                count++;
            }
        }
