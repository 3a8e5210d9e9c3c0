public class Bag {
    public static Map<String, Integer> count(String[] words) {
        Map<String, Integer> m = new HashMap<>();
