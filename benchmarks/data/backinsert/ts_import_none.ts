export function readConfig(path: string): string {
  const text = readFileSync(path, "utf8");
