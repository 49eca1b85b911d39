/** Facts lib/db/sql.ts takes from the schema's conventions, checked against prisma/schema.prisma itself. */
import fs from "node:fs";
import path from "node:path";
import { Prisma } from "@prisma/client";
import { describe, expect, it } from "vitest";
import { updatedAtColumn } from "./sql";

describe("updatedAtColumn", () => {
  it("names exactly the fields the schema marks @updatedAt, in every model", () => {
    const schema = fs.readFileSync(path.resolve(process.cwd(), "prisma/schema.prisma"), "utf8");
    const marked = new Map<string, string>();
    for (const m of schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm))
      for (const f of m[2].matchAll(/^\s*(\w+)\s+DateTime\b[^\n]*@updatedAt/gm)) marked.set(m[1], f[1]);
    expect(marked.size).toBeGreaterThan(10);
    for (const model of Prisma.dmmf.datamodel.models) expect(updatedAtColumn(model.dbName ?? model.name), model.name).toBe(marked.get(model.name));
  });
});
