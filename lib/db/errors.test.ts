import { describe, expect, it } from "vitest";
import { errorResponse } from "@/lib/http/handler";
import { AppDatabaseUnavailableError, isAppDatabaseDown, isAppDatabaseUnavailable } from "./errors";

describe("the app's database not usable", () => {
  it("is recognised also across a copy of the module (the brand), and answered 503 with the reason", async () => {
    const own = new AppDatabaseUnavailableError("several_writable", "two servers take writes");
    // What a second copy of the class (another server chunk) makes: same brand, other prototype.
    const copy = Object.assign(new Error("none takes writes"), { [Symbol.for("bacula-ha-dashboard.AppDatabaseUnavailableError")]: true, reason: "none_writable" });
    expect(isAppDatabaseUnavailable(own)).toBe(true);
    expect(isAppDatabaseUnavailable(copy)).toBe(true);
    expect(isAppDatabaseUnavailable(new Error("two servers take writes"))).toBe(false);
    expect(isAppDatabaseDown(Object.assign(new Error("Can't reach database server"), { code: "P1001" }))).toBe(true);
    expect(isAppDatabaseDown(Object.assign(new Error("unique"), { code: "P2002" }))).toBe(false);
    const r = errorResponse(own);
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("5");
    expect(await r.json()).toEqual({ error: "two servers take writes", reason: "several_writable", fields: [] });
    const down = errorResponse(Object.assign(new Error("Can't reach database server at 10.0.0.1:5432"), { code: "P1001" }));
    expect(down.status).toBe(503);
    // The server's address is not echoed.
    expect(JSON.stringify(await down.json())).not.toContain("10.0.0.1");
  });
});
