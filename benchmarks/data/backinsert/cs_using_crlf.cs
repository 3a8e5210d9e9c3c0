using System;
using System.Linq;

class Text {
    static string Join(string[] parts) {
        var sb = new StringBuilder();
        foreach (var p in parts) sb.Append(p);
