import { describe, expect, it } from "vitest";
import { KEEP, MAX_BYTES, TTL_MS, UploadReads, type UploadRead } from "./upload-reads";

const reading = (tag: string): UploadRead => ({ sources: [], unknown: [], includedOnly: [], unread: [tag] });

describe("the dry runs' readings kept for their imports", () => {
  it("keeps the last few, finds them by digest only, and an import takes its own out", () => {
    const reads = new UploadReads();
    for (let i = 0; i <= KEEP; i++) reads.put(`d${i}`, 100, reading(`r${i}`));
    expect(reads.size).toBe(KEEP);
    expect(reads.get("d0")).toBeUndefined();
    expect(reads.get(`d${KEEP}`)?.unread).toEqual([`r${KEEP}`]);
    expect(reads.get("other")).toBeUndefined();
    // A dry run looks without taking; the import takes.
    expect(reads.get(`d${KEEP}`)).toBeDefined();
    expect(reads.get(`d${KEEP}`, { take: true })).toBeDefined();
    expect(reads.get(`d${KEEP}`)).toBeUndefined();
  });

  it("keeps no reading of a large upload, nor one older than its time", () => {
    const reads = new UploadReads();
    reads.put("big", MAX_BYTES + 1, reading("big"));
    expect(reads.get("big")).toBeUndefined();
    reads.put("old", 10, reading("old"), 1_000);
    expect(reads.get("old", { now: 1_000 + TTL_MS })).toBeDefined();
    expect(reads.get("old", { now: 1_001 + TTL_MS })).toBeUndefined();
    expect(reads.size).toBe(0);
  });
});
