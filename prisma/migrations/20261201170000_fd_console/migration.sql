-- File Daemon and console configs (issue 14): a Client's File Daemon side (its SSH host, directories,
-- listen address, generic items of its FileDaemon resource and of each of its Director resources),
-- stored bacula-fd.conf resources (ConfigResource.clientId), and the site of a catalog member.
-- Written with prisma migrate diff; every existing row is copied into the redefined tables.

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
    "site" TEXT NOT NULL DEFAULT '',
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
INSERT INTO "new_CatalogMember" ("address", "adminPasswordEnc", "adminUser", "clusterId", "createdAt", "dataDirectory", "dbName", "fenceNote", "fenceOperationId", "fenceState", "fenced", "fencedAt", "hostId", "id", "monitorPasswordEnc", "monitorUser", "name", "pgBinDir", "port", "role", "slotName", "updatedAt") SELECT "address", "adminPasswordEnc", "adminUser", "clusterId", "createdAt", "dataDirectory", "dbName", "fenceNote", "fenceOperationId", "fenceState", "fenced", "fencedAt", "hostId", "id", "monitorPasswordEnc", "monitorUser", "name", "pgBinDir", "port", "role", "slotName", "updatedAt" FROM "CatalogMember";
DROP TABLE "CatalogMember";
ALTER TABLE "new_CatalogMember" RENAME TO "CatalogMember";
CREATE UNIQUE INDEX "CatalogMember_clusterId_name_key" ON "CatalogMember"("clusterId", "name");
CREATE TABLE "new_Client" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 9102,
    "passwordEnc" TEXT NOT NULL,
    "catalogId" INTEGER NOT NULL,
    "fileRetention" TEXT,
    "jobRetention" TEXT,
    "autoPrune" BOOLEAN,
    "extra" JSONB,
    "hostId" INTEGER,
    "fdVersion" TEXT NOT NULL DEFAULT '15.0.3',
    "fdConfigDir" TEXT NOT NULL DEFAULT '/etc/bacula',
    "fdWorkingDirectory" TEXT NOT NULL DEFAULT '/var/lib/bacula',
    "fdPidDirectory" TEXT NOT NULL DEFAULT '/run/bacula',
    "fdAddress" TEXT,
    "fdExtra" JSONB,
    "fdDirectorExtra" JSONB,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Client_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Client_catalogId_fkey" FOREIGN KEY ("catalogId") REFERENCES "Catalog" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Client_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Client" ("address", "autoPrune", "catalogId", "createdAt", "directorId", "extra", "fileRetention", "id", "jobRetention", "name", "passwordEnc", "port", "updatedAt") SELECT "address", "autoPrune", "catalogId", "createdAt", "directorId", "extra", "fileRetention", "id", "jobRetention", "name", "passwordEnc", "port", "updatedAt" FROM "Client";
DROP TABLE "Client";
ALTER TABLE "new_Client" RENAME TO "Client";
CREATE INDEX "Client_name_idx" ON "Client"("name");
CREATE UNIQUE INDEX "Client_directorId_name_key" ON "Client"("directorId", "name");
CREATE TABLE "new_ConfigResource" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "type" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "directorId" INTEGER,
    "storageDaemonId" INTEGER,
    "clientId" INTEGER,
    "items" JSONB NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ConfigResource_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ConfigResource_storageDaemonId_fkey" FOREIGN KEY ("storageDaemonId") REFERENCES "StorageDaemon" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ConfigResource_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ConfigResource" ("createdAt", "directorId", "id", "items", "name", "position", "storageDaemonId", "type", "updatedAt") SELECT "createdAt", "directorId", "id", "items", "name", "position", "storageDaemonId", "type", "updatedAt" FROM "ConfigResource";
DROP TABLE "ConfigResource";
ALTER TABLE "new_ConfigResource" RENAME TO "ConfigResource";
CREATE INDEX "ConfigResource_directorId_idx" ON "ConfigResource"("directorId");
CREATE INDEX "ConfigResource_storageDaemonId_idx" ON "ConfigResource"("storageDaemonId");
CREATE INDEX "ConfigResource_clientId_idx" ON "ConfigResource"("clientId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

