-- CreateTable
CREATE TABLE "Promotion" (
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
    CONSTRAINT "Promotion_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CatalogCluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PromotionStep" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "promotionId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "log" TEXT NOT NULL DEFAULT '',
    "detail" JSONB,
    CONSTRAINT "PromotionStep_promotionId_fkey" FOREIGN KEY ("promotionId") REFERENCES "Promotion" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
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
    CONSTRAINT "CatalogMember_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CatalogCluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CatalogMember_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_CatalogMember" ("address", "clusterId", "createdAt", "dataDirectory", "dbName", "fenced", "hostId", "id", "monitorPasswordEnc", "monitorUser", "name", "pgBinDir", "port", "role", "slotName", "updatedAt") SELECT "address", "clusterId", "createdAt", "dataDirectory", "dbName", "fenced", "hostId", "id", "monitorPasswordEnc", "monitorUser", "name", "pgBinDir", "port", "role", "slotName", "updatedAt" FROM "CatalogMember";
DROP TABLE "CatalogMember";
ALTER TABLE "new_CatalogMember" RENAME TO "CatalogMember";
CREATE UNIQUE INDEX "CatalogMember_clusterId_name_key" ON "CatalogMember"("clusterId", "name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Promotion_activeKey_key" ON "Promotion"("activeKey");

-- CreateIndex
CREATE INDEX "Promotion_clusterId_startedAt_idx" ON "Promotion"("clusterId", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "PromotionStep_promotionId_position_key" ON "PromotionStep"("promotionId", "position");

