// Generates src/api/schema/<name>.ts from src/api/schema/<name>.openapi.json with openapi-typescript
// (the documents come from `make types`, i.e. tools/openapi_dump.py).
//   node scripts/openapi-types.mjs          write the .ts files      (npm run gen:types)
//   node scripts/openapi-types.mjs --check  generate into a temp dir and fail if a checked-in file differs
//                                            (npm run check:types, part of npm test)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SCHEMA_DIR = join(ROOT, "src", "api", "schema");
const DOCUMENTS = ["gateway", "generator"];
const CLI = join(ROOT, "node_modules", "openapi-typescript", "bin", "cli.js");
// --enum-values: the enums also as arrays, so lists such as the payment methods exist once, at run time too.
// --default-non-nullable=false: a property with a default that the server may leave out stays optional.
const FLAGS = ["--enum-values", "--default-non-nullable=false"];

function generate(name, outDir) {
  const output = join(outDir, `${name}.ts`);
  execFileSync(process.execPath, [CLI, join(SCHEMA_DIR, `${name}.openapi.json`), ...FLAGS, "-o", output], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  return output;
}

const check = process.argv.includes("--check");
if (!check) {
  for (const name of DOCUMENTS) console.log(`wrote ${generate(name, SCHEMA_DIR)}`);
} else {
  const tmp = mkdtempSync(join(tmpdir(), "openapi-types-"));
  try {
    const stale = DOCUMENTS.filter((name) => {
      const fresh = readFileSync(generate(name, tmp), "utf8");
      let current = null;
      try {
        current = readFileSync(join(SCHEMA_DIR, `${name}.ts`), "utf8");
      } catch {
        // missing counts as stale
      }
      return fresh !== current;
    });
    for (const name of stale) {
      console.error(`src/api/schema/${name}.ts is stale: run \`npm run gen:types\` (or \`make types\` from the root)`);
    }
    process.exitCode = stale.length ? 1 : 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
