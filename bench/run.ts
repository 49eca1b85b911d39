import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { benchConfig } from "./config";
import { benchImport } from "./import";
import { benchInventory } from "./inventory";
import { benchReplication } from "./replication";
import { benchDeploy } from "./deploy";
import { benchFailover } from "./failover";
import { benchTopology } from "./topology";
import { benchEdge } from "./edge";

/** `npm run bench`: every performance target of the issues, measured in one run. */
async function main() {
  if (!fs.existsSync(".next/BUILD_ID")) {
    console.log("building the app first…");
    execFileSync("npx", ["next", "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  }
  const report: Record<string, unknown> = { machine: { cpus: (await import("node:os")).cpus().length, node: process.version } };
  report.inventory = await benchInventory();
  report.replication = await benchReplication();
  report.config = await benchConfig();
  report.import = await benchImport();
  report.deploy = await benchDeploy();
  report.failover = await benchFailover();
  report.topology = await benchTopology();
  report.edge = await benchEdge();
  fs.mkdirSync("bench/out", { recursive: true });
  fs.writeFileSync("bench/out/report.json", JSON.stringify(report, null, 2));
  console.log("\nfull report: bench/out/report.json");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
