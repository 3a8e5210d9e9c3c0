import { join } from "path";

// Read the JSON config file `name` in the directory `dir` and return its "port" field.
export function readPort(dir: string, name: string): number {
    const text = readFileSync(join(dir, name), "utf8");

