public class Geometry {
    public static double totalArea(double[] radii) {
        double total = 0;
        for (double r : radii) {
            total += circleArea(r);
        }
