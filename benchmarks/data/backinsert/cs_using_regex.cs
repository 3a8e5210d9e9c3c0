using System;
using System.Collections.Generic;

class Check {
    static bool IsNumber(string s) {
        return Regex.IsMatch(s, "^[0-9]+$");
