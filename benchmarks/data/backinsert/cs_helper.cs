class Geometry {
    static double TotalArea(double[] radii) {
        double total = 0;
        foreach (var r in radii) {
            total += CircleArea(r);
        }
