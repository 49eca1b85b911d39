import { z } from "zod";
import {
  KINDS,
  MESSAGE_KINDS,
  RUNS_WHEN,
  type FieldDef,
  type KindKey,
} from "./fields";
import {
  absolutePath,
  address,
  baculaName,
  baculaSize,
  baculaTime,
  baculaVersion,
  port,
  requiredText,
  safeText,
} from "./rules";
import { INT32_MAX, strictId, strictInt } from "@/lib/http/numbers";

const blankToNull = (v: unknown) => (v === "" || v === undefined ? null : v);

const PATH_KEYS = new Set(["configDir", "workingDirectory", "pidDirectory", "queryFile", "archiveDevice", "dataDirectory", "pgBinDir"]);
const TIME_KEYS = new Set(["volumeRetention", "fileRetention", "jobRetention"]);
const SIZE_KEYS = new Set(["maximumVolumeBytes", "storagePolicyThreshold"]);
const ADDRESS_KEYS = new Set(["address", "dbAddress"]);

function textRule(field: FieldDef): z.ZodType<string> {
  if (ADDRESS_KEYS.has(field.key)) return address;
  if (field.key === "version") return baculaVersion;
  if (PATH_KEYS.has(field.key)) return absolutePath;
  if (TIME_KEYS.has(field.key)) return baculaTime;
  if (SIZE_KEYS.has(field.key)) return baculaSize;
  if (field.key === "restartCommand") return requiredText(512);
  return field.required ? requiredText(1024) : safeText(1024);
}

export const destinationSchema = z.object({
  kind: z.enum(MESSAGE_KINDS, { error: `must be one of ${MESSAGE_KINDS.join(", ")}` }),
  where: safeText(512).optional().nullable(),
  types: requiredText(512),
});

export const runScriptSchema = z.object({
  runsWhen: z.enum(RUNS_WHEN, { error: `must be one of ${RUNS_WHEN.join(", ")}` }),
  runsOnClient: z.boolean().default(false),
  runsOnSuccess: z.boolean().default(true),
  runsOnFailure: z.boolean().default(false),
  failJobOnError: z.boolean().default(true),
  command: requiredText(1024),
});

export type Destination = z.infer<typeof destinationSchema>;
export type RunScript = z.infer<typeof runScriptSchema>;

function fieldSchema(field: FieldDef, mode: "create" | "update"): z.ZodType {
  const optional = (s: z.ZodType) => z.preprocess(blankToNull, s.nullable().optional());
  switch (field.type) {
    case "name":
      return baculaName;
    case "text":
    case "textarea": {
      const rule = textRule(field);
      return field.required ? rule : optional(rule);
    }
    case "int": {
      const isPort = /port$/i.test(field.key);
      const rule = isPort
        ? port
        : strictInt({ min: 0, max: INT32_MAX, rangeMessage: `must be between 0 and ${INT32_MAX}` });
      return field.required ? rule : optional(rule);
    }
    case "bool": {
      const rule = z.boolean({ error: "must be true or false" });
      return mode === "create" ? rule.default(Boolean(field.defaultValue)) : rule.optional();
    }
    case "enum": {
      const values = field.enumValues as readonly [string, ...string[]];
      const rule = z.enum(values, { error: `must be one of ${values.join(", ")}` });
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
      return z.array(destinationSchema).min(1, "needs at least one destination");
    case "runScripts":
      return z.array(runScriptSchema).max(20, "may hold at most 20 RunScripts").default([]);
  }
}

/** The schema the API and the form share for one resource kind. */
export function inputSchema(kind: KindKey, mode: "create" | "update") {
  const shape: Record<string, z.ZodType> = {};
  for (const field of KINDS[kind].fields) {
    if (field.readOnly) continue;
    shape[field.key] = fieldSchema(field, mode);
  }
  let schema = z.object(shape).strict();
  const refined = schema.superRefine((value, ctx) => crossFieldRules(kind, value as Record<string, unknown>, ctx));
  return refined;
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
    if (!isCopy && (v.selectionType || v.selectionPattern)) {
      ctx.addIssue({ code: "custom", path: ["selectionType"], message: "applies only to Copy and Migrate jobs" });
    }
    const needsPattern = ["Client", "Volume", "Job", "SqlQuery"].includes(String(v.selectionType ?? ""));
    if (isCopy && needsPattern && !v.selectionPattern) {
      ctx.addIssue({ code: "custom", path: ["selectionPattern"], message: `is required for selection type ${String(v.selectionType)}` });
    }
    if (isCopy && !v.selectionType) {
      ctx.addIssue({ code: "custom", path: ["selectionType"], message: "is required for Copy and Migrate jobs" });
    }
  }
  if (kind === "pools" && v.nextPoolId != null && v.id != null && v.nextPoolId === v.id) {
    ctx.addIssue({ code: "custom", path: ["nextPoolId"], message: "cannot be the pool itself" });
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
      case "storageList":
      case "stringList":
      case "runScripts":
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
