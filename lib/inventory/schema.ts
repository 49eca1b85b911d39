/**
 * The zod schemas the API and the forms share, generated from the field tables (fields.ts): a
 * directive field is checked by its store function's own rule (lib/bacula/stores.ts), the one the
 * renderer applies, so a value accepted here renders and Bacula reads it back. Client-safe.
 */
import { z } from "zod";
import { STORES, valueProblem, type DirectiveDef, type Value } from "@/lib/bacula";
import { RUNS_WHEN } from "@/lib/bacula/model";
import { INT32_MAX, strictId, strictInt } from "@/lib/http/numbers";
import { KINDS, type FieldDef, type KindKey } from "./fields";
import { absolutePath, address, baculaName, baculaVersion, requiredText, safeText } from "./rules";
import { viewItemsSchema } from "./view-items";

const blankToNull = (v: unknown) => (v === "" || v === undefined ? null : v);
const optional = (s: z.ZodType) => z.preprocess(blankToNull, s.nullable().optional());
const requiredWhenGiven = (s: z.ZodType) =>
  z.preprocess(
    (v) => (v === "" ? null : v),
    s.nullable().optional().superRefine((v, ctx) => {
      if (v === null) ctx.addIssue({ code: "custom", message: "is required", params: { rule: "required" } });
    }),
  );

/** A value the directive's store accepts (the renderer's own check). */
function storeCheck(def: DirectiveDef) {
  return (v: unknown, ctx: z.RefinementCtx) => {
    if (v === null || v === undefined) return;
    const p = valueProblem(def, v as Value);
    if (p) ctx.addIssue({ code: "custom", message: p, params: { rule: STORES[def.store].shellExpanded && /shell/.test(p) ? "shell-expansion" : "value" } });
  };
}

/** yes / no / absent from a checkbox, a select ("yes", "no", "") or JSON. */
const triBool = z.preprocess(
  (v) => (v === "" || v === undefined ? null : v === "yes" || v === "true" ? true : v === "no" || v === "false" ? false : v),
  z.boolean({ error: "must be yes or no" }).nullable().optional(),
);

function directiveSchema(field: FieldDef, mode: "create" | "update"): z.ZodType {
  const def = field.directive!.def;
  const st = STORES[def.store];
  const required = field.required && mode === "create" && field.defaultValue === undefined;
  // An update may leave a required field out (kept as stored) but not clear it.
  const keepRequired = field.required && mode === "update" && field.defaultValue === undefined;
  const need = (s: z.ZodType) => (required ? s : keepRequired ? requiredWhenGiven(s) : optional(s));
  switch (field.type) {
    case "int": {
      const min = st.shape === "port" ? 1 : (st.min ?? 0);
      const max = st.shape === "port" ? 65534 : (st.max ?? INT32_MAX);
      return need(strictInt({ min, max, rangeMessage: `must be between ${min} and ${max} (as Bacula stores it)` }));
    }
    case "tribool":
      return triBool;
    case "enum": {
      // the store's own rule: Bacula matches most keywords case-insensitively (MD5 is Md5)
      const values = field.enumValues ?? def.values ?? [];
      return need(z.string({ error: `must be one of ${values.join(", ")}` }).superRefine(storeCheck(def)));
    }
    case "secret": {
      const rule = z.string({ error: "must be text" }).superRefine(storeCheck(def));
      if (field.required && mode === "create") return z.preprocess((v) => (v === undefined ? "" : v), rule.refine((s) => s.length > 0, { message: "is required" }));
      return optional(rule);
    }
    case "stringList": {
      const list = z.array(z.string({ error: "must be text" }).superRefine(storeCheck(def))).max(200, "may hold at most 200 lines");
      return field.required ? list.min(1, "needs at least one line") : list.default([]);
    }
    case "deviceName":
      return need(z.string({ error: "must be chosen" }).min(1, "must be chosen").superRefine((v, ctx) => {
        const p = v ? valueProblem(def, [v]) : null;
        if (p) ctx.addIssue({ code: "custom", message: p });
      }));
    default: {
      const text = z.string({ error: "must be text" });
      // Kept exactly as written (Bacula reads a quoted value with its spaces); an address has none to trim.
      const rule = (st.shape === "address" ? z.string({ error: "must be text" }).trim() : text).superRefine(storeCheck(def));
      return need(field.type === "name" ? baculaName : rule);
    }
  }
}

function appRule(field: FieldDef): z.ZodType<string> {
  switch (field.rule) {
    case "address":
      return address;
    case "version":
      return baculaVersion;
    case "path":
      return absolutePath;
    case "command":
      return requiredText(512);
    default:
      return field.required ? requiredText(1024) : safeText(1024);
  }
}

export const destinationSchema = z.object({
  kind: z.string({ error: "must be chosen" }).min(1, "must be chosen").max(32),
  where: safeText(512).optional().nullable(),
  types: requiredText(512),
});

export const runScriptSchema = z.object({
  runsWhen: z.enum(RUNS_WHEN as [string, ...string[]], { error: `must be one of ${RUNS_WHEN.join(", ")}` }),
  runsOnClient: z.boolean().default(false),
  runsOnSuccess: z.boolean().default(true),
  runsOnFailure: z.boolean().default(false),
  failJobOnError: z.boolean().default(true),
  command: requiredText(1024),
});

export type Destination = z.infer<typeof destinationSchema>;
export type RunScriptInput = z.infer<typeof runScriptSchema>;

function fieldSchema(field: FieldDef, mode: "create" | "update"): z.ZodType {
  if (field.directive && field.type !== "name") return directiveSchema(field, mode);
  switch (field.type) {
    case "name":
      return baculaName;
    case "text": {
      const rule = appRule(field);
      return field.required ? rule : optional(rule);
    }
    case "int": {
      const isPort = /port$/i.test(field.key);
      const rule = isPort ? strictInt({ min: 1, max: 65534, rangeMessage: "must be between 1 and 65534" }) : strictInt({ min: 0, max: INT32_MAX, rangeMessage: `must be between 0 and ${INT32_MAX}` });
      return field.required ? rule : optional(rule);
    }
    case "bool": {
      const rule = z.boolean({ error: "must be true or false" });
      return mode === "create" ? rule.default(Boolean(field.defaultValue)) : rule.optional();
    }
    case "tribool":
      return triBool;
    case "enum": {
      const values = field.enumValues as readonly [string, ...string[]];
      // written in any case (a record imported as SHA256 is the Sha256 option), kept in the listed one
      const canonical = (v: unknown) => (typeof v === "string" ? (values.find((x) => x.toLowerCase() === v.toLowerCase()) ?? v) : v);
      const rule = z.preprocess(canonical, z.enum(values, { error: `must be one of ${values.join(", ")}` }));
      return field.required ? rule : optional(rule);
    }
    case "ref": {
      const rule = strictId("must be chosen");
      return field.required ? z.preprocess(blankToNull, rule) : optional(rule);
    }
    case "storageList":
      return z
        .array(strictId())
        .max(64, "may hold at most 64 storages")
        .refine((ids) => new Set(ids).size === ids.length, { message: "lists a storage twice" })
        .default([]);
    case "secret": {
      const isKey = field.key === "privateKey";
      const rule = isKey
        ? z.string().max(16384, "is too long").refine((s) => s.includes("PRIVATE KEY"), { message: "must be a private key in OpenSSH or PEM format" })
        : safeText(256);
      if (field.required && mode === "create") {
        return z.preprocess((v) => (v === undefined ? "" : v), rule.refine((s) => s.length > 0, { message: "is required" }));
      }
      return optional(rule);
    }
    case "stringList": {
      const list = z.array(requiredText(1024)).max(200, "may hold at most 200 lines");
      return field.required ? list.min(1, "needs at least one line") : list.default([]);
    }
    case "destinations":
      return z.array(destinationSchema).max(100, "may hold at most 100 destinations").default([]);
    case "runScripts":
      return z.array(runScriptSchema).max(20, "may hold at most 20 RunScripts").default([]);
    case "directives":
      return viewItemsSchema.default([]);
    case "items":
      return viewItemsSchema.min(1, "needs at least the Name directive");
    case "deviceName":
      return z.string().min(1, "must be chosen");
  }
}

/** The schema the API and the form share for one resource kind. */
export function inputSchema(kind: KindKey, mode: "create" | "update") {
  const shape: Record<string, z.ZodType> = {};
  for (const field of KINDS[kind].fields) {
    if (field.readOnly) continue;
    shape[field.key] = fieldSchema(field, mode);
  }
  // The record's updatedAt as the client read it: an update refuses to overwrite a newer save.
  if (mode === "update") shape.updatedAt = z.string().max(40).optional();
  return z
    .object(shape)
    .strict()
    .superRefine((value, ctx) => crossFieldRules(kind, value as Record<string, unknown>, ctx));
}

function crossFieldRules(kind: KindKey, v: Record<string, unknown>, ctx: z.RefinementCtx) {
  if (kind === "directors") {
    if (v.role === "standby" && v.primaryId == null) {
      ctx.addIssue({ code: "custom", path: ["primaryId"], message: "is required for a standby Director" });
    }
    if (v.role !== "standby" && v.primaryId != null) {
      ctx.addIssue({ code: "custom", path: ["primaryId"], message: "only a standby Director has a primary" });
    }
  }
  if (kind === "pools" || kind === "jobs") {
    const threshold = v.storagePolicyThreshold;
    const policy = v.storagePolicy;
    if (threshold && policy !== "FreeSpace" && policy !== "FreeSpaceLeastUsed") {
      ctx.addIssue({ code: "custom", path: ["storagePolicyThreshold"], message: "applies only to the FreeSpace and FreeSpaceLeastUsed policies" });
    }
    const ids = (v.storageIds as number[] | undefined) ?? [];
    if (policy && ids.length === 0 && kind === "pools") {
      ctx.addIssue({ code: "custom", path: ["storagePolicy"], message: "needs at least one storage in the group" });
    }
  }
  if (kind === "jobs") {
    const isCopy = v.type === "Copy" || v.type === "Migrate";
    if (!isCopy)
      for (const key of ["selectionType", "selectionPattern"] as const)
        if (v[key]) ctx.addIssue({ code: "custom", path: [key], message: "applies only to Copy and Migrate jobs", params: { rule: "copy-only" } });
    const needsPattern = ["Client", "Volume", "Job", "SqlQuery"].includes(String(v.selectionType ?? ""));
    if (isCopy && needsPattern && !v.selectionPattern) {
      ctx.addIssue({ code: "custom", path: ["selectionPattern"], message: `is required for selection type ${String(v.selectionType)}` });
    }
    if (isCopy && !v.selectionType) {
      ctx.addIssue({ code: "custom", path: ["selectionType"], message: "is required for Copy and Migrate jobs" });
    }
  }
  if (kind === "filesets") {
    const blocks = ((v.directives as { name: string }[] | undefined) ?? []).some((i) => i.name === "Include" || i.name === "Exclude");
    const simple = ((v.includes as unknown[] | undefined) ?? []).length > 0 || ((v.excludes as unknown[] | undefined) ?? []).length > 0 || v.signature || v.compression;
    if (blocks && simple)
      ctx.addIssue({ code: "custom", path: ["includes"], message: "use either these fields or Include / Exclude blocks under Other directives, not both" });
    if (!blocks && ((v.includes as unknown[] | undefined) ?? []).length === 0)
      ctx.addIssue({ code: "custom", path: ["includes"], message: "needs at least one file (or an Include block under Other directives)" });
  }
  if (kind === "pools" && v.nextPoolId != null && v.id != null && v.nextPoolId === v.id) {
    ctx.addIssue({ code: "custom", path: ["nextPoolId"], message: "cannot be the pool itself" });
  }
  if (kind === "resources" && v.directorId == null && v.storageDaemonId == null) {
    ctx.addIssue({ code: "custom", path: ["directorId"], message: "choose the Director or the Storage Daemon the resource belongs to" });
  }
  if (kind === "resources" && v.directorId != null && v.storageDaemonId != null) {
    ctx.addIssue({ code: "custom", path: ["storageDaemonId"], message: "a resource belongs to one daemon: a Director or a Storage Daemon" });
  }
}

export type ResourceInput = Record<string, unknown>;

/** Initial form values: defaults from the field table. */
export function defaultValues(kind: KindKey): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of KINDS[kind].fields) {
    if (field.readOnly) continue;
    switch (field.type) {
      case "bool":
        out[field.key] = field.defaultValue ?? false;
        break;
      case "tribool":
        out[field.key] = "";
        break;
      case "storageList":
      case "stringList":
      case "runScripts":
      case "directives":
      case "items":
        out[field.key] = [];
        break;
      case "destinations":
        out[field.key] = [{ kind: "append", where: "/var/log/bacula/bacula.log", types: "all, !skipped" }];
        break;
      default:
        out[field.key] = field.defaultValue ?? "";
    }
  }
  return out;
}
