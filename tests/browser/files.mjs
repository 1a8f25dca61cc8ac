// Every file under a folder, depth first (the browser suite's scripts share it).

import fs from "node:fs";
import path from "node:path";

export function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}
