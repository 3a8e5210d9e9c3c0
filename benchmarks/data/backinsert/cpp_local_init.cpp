#include <vector>

int sum_even(const std::vector<int>& xs) {
    for (int x : xs) {
        if (x % 2 == 0) sum += x;
    }
