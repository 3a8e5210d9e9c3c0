// Content hashes.
import { readFileSync } from "fs";
import { basename } from "path";

export function fingerprint(path: string): string {
  const data = readFileSync(path);
  const digest = createHash("sha256").update(data).digest("hex");
