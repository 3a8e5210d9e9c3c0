import { join } from "path";

export function readConfig(dir: string): string {
  const file = join(dir, "config.json");
  const text = readFileSync(file, "utf8");
