#include <iostream>
#include <vector>

int count_keys(const std::vector<int>& xs) {
    std::map<int, int> counts;
    for (int x : xs) counts[x]++;
