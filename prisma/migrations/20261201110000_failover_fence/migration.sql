-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_CatalogCluster" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "maxLagBytes" INTEGER NOT NULL DEFAULT 1048576,
    "maxLagSeconds" INTEGER NOT NULL DEFAULT 60,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "autoFence" BOOLEAN NOT NULL DEFAULT true,
    "fenceTimeoutMs" INTEGER NOT NULL DEFAULT 15000
);
INSERT INTO "new_CatalogCluster" ("createdAt", "id", "maxLagBytes", "maxLagSeconds", "name", "updatedAt") SELECT "createdAt", "id", "maxLagBytes", "maxLagSeconds", "name", "updatedAt" FROM "CatalogCluster";
DROP TABLE "CatalogCluster";
ALTER TABLE "new_CatalogCluster" RENAME TO "CatalogCluster";
CREATE UNIQUE INDEX "CatalogCluster_name_key" ON "CatalogCluster"("name");
CREATE TABLE "new_CatalogMember" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "clusterId" INTEGER NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'standby',
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 5432,
    "dbName" TEXT NOT NULL DEFAULT 'bacula',
    "monitorUser" TEXT NOT NULL DEFAULT 'bacula_monitor',
    "monitorPasswordEnc" TEXT,
    "slotName" TEXT,
    "dataDirectory" TEXT,
    "pgBinDir" TEXT NOT NULL DEFAULT '/usr/lib/postgresql/15/bin',
    "fenced" BOOLEAN NOT NULL DEFAULT false,
    "hostId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "adminUser" TEXT NOT NULL DEFAULT 'postgres',
    "adminPasswordEnc" TEXT,
    "fenceState" TEXT NOT NULL DEFAULT 'none',
    "fencedAt" DATETIME,
    "fenceNote" TEXT,
    "fenceOperationId" INTEGER,
    CONSTRAINT "CatalogMember_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CatalogCluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CatalogMember_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_CatalogMember" ("address", "adminPasswordEnc", "adminUser", "clusterId", "createdAt", "dataDirectory", "dbName", "fenced", "hostId", "id", "monitorPasswordEnc", "monitorUser", "name", "pgBinDir", "port", "role", "slotName", "updatedAt") SELECT "address", "adminPasswordEnc", "adminUser", "clusterId", "createdAt", "dataDirectory", "dbName", "fenced", "hostId", "id", "monitorPasswordEnc", "monitorUser", "name", "pgBinDir", "port", "role", "slotName", "updatedAt" FROM "CatalogMember";
DROP TABLE "CatalogMember";
ALTER TABLE "new_CatalogMember" RENAME TO "CatalogMember";
CREATE UNIQUE INDEX "CatalogMember_clusterId_name_key" ON "CatalogMember"("clusterId", "name");
CREATE TABLE "new_Promotion" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clusterId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "activeKey" TEXT,
    "targetMemberId" INTEGER NOT NULL,
    "targetName" TEXT NOT NULL,
    "oldPrimaryId" INTEGER,
    "oldPrimaryName" TEXT,
    "actor" TEXT NOT NULL,
    "forced" BOOLEAN NOT NULL DEFAULT false,
    "forceReason" TEXT,
    "preflight" JSONB NOT NULL,
    "lastKnownLagBytes" REAL,
    "state" JSONB NOT NULL,
    "owner" TEXT,
    "heartbeatAt" DATETIME,
    "error" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "unfenced" BOOLEAN NOT NULL DEFAULT false,
    "unfencedReason" TEXT,
    CONSTRAINT "Promotion_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CatalogCluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Promotion" ("activeKey", "actor", "clusterId", "error", "finishedAt", "forceReason", "forced", "heartbeatAt", "id", "kind", "lastKnownLagBytes", "mode", "oldPrimaryId", "oldPrimaryName", "owner", "preflight", "startedAt", "state", "status", "targetMemberId", "targetName") SELECT "activeKey", "actor", "clusterId", "error", "finishedAt", "forceReason", "forced", "heartbeatAt", "id", "kind", "lastKnownLagBytes", "mode", "oldPrimaryId", "oldPrimaryName", "owner", "preflight", "startedAt", "state", "status", "targetMemberId", "targetName" FROM "Promotion";
DROP TABLE "Promotion";
ALTER TABLE "new_Promotion" RENAME TO "Promotion";
CREATE UNIQUE INDEX "Promotion_activeKey_key" ON "Promotion"("activeKey");
CREATE INDEX "Promotion_clusterId_startedAt_idx" ON "Promotion"("clusterId", "startedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

