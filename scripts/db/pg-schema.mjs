// @ts-check
/**
 * The PostgreSQL schema is derived from prisma/schema.prisma (the one schema that is written): the
 * datasource provider becomes "postgresql" and the client is generated into its own folder
 * (node_modules/.prisma/client-pg), since Prisma's query compiler is built per provider.
 * Everything else — models, fields, indexes — is the same text.
 *
 *   node scripts/db/pg-schema.mjs           write prisma/postgresql/schema.prisma
 *   node scripts/db/pg-schema.mjs --check   exit 1 when the committed file is not the derivation
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SOURCE = path.join(root, "prisma", "schema.prisma");
export const TARGET = path.join(root, "prisma", "postgresql", "schema.prisma");

/** @param {string} text the SQLite schema */
export function derivePgSchema(text) {
  const provider = /(datasource\s+db\s*\{[^}]*?provider\s*=\s*)"sqlite"/;
  if (!provider.test(text)) throw new Error('prisma/schema.prisma: no `provider = "sqlite"` in datasource db');
  const generator = /(generator\s+client\s*\{)([^}]*)\}/;
  if (!generator.test(text)) throw new Error("prisma/schema.prisma: no generator client block");
  if (/^\s*output\s*=/m.test(text.match(generator)?.[2] ?? "")) throw new Error("prisma/schema.prisma: the generator must not set output (the derivation sets it)");
  const header = "// GENERATED from prisma/schema.prisma by scripts/db/pg-schema.mjs: do not edit, edit that file and run `npm run db:generate`.\n";
  return (
    header +
    text
      .replace(provider, '$1"postgresql"')
      .replace(generator, (_m, open, body) => `${open}${body.replace(/\s*$/, "")}\n  output          = "../../node_modules/.prisma/client-pg"\n}`)
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const want = derivePgSchema(fs.readFileSync(SOURCE, "utf8"));
  if (process.argv.includes("--check")) {
    const have = fs.existsSync(TARGET) ? fs.readFileSync(TARGET, "utf8") : "";
    if (have !== want) {
      console.error("prisma/postgresql/schema.prisma is not derived from prisma/schema.prisma: run `npm run db:generate`");
      process.exit(1);
    }
  } else {
    fs.mkdirSync(path.dirname(TARGET), { recursive: true });
    fs.writeFileSync(TARGET, want);
  }
}
