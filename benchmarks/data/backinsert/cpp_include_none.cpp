int largest(std::vector<int> xs) {
    std::sort(xs.begin(), xs.end());
