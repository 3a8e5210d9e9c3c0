#include <vector>

double total_area(const std::vector<double>& radii) {
    double total = 0;
    for (double r : radii) {
        total += circle_area(r);
    }
