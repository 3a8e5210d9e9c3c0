#pragma once

inline std::string greet(const std::string& name) {
    return "hi " + name;
