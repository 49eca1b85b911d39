-- Lossless configs: generic items beside the typed columns, resources without a typed page,
-- nullable directive columns (NULL = the directive is absent and Bacula's default applies).

-- AlterTable
ALTER TABLE "FileSet" ADD COLUMN "extra" JSONB;

-- AlterTable
ALTER TABLE "Messages" ADD COLUMN "extra" JSONB;

-- AlterTable
ALTER TABLE "JobDefs" ADD COLUMN "extra" JSONB;

-- CreateTable
CREATE TABLE "ConfigResource" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "type" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "directorId" INTEGER,
    "storageDaemonId" INTEGER,
    "items" JSONB NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ConfigResource_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ConfigResource_storageDaemonId_fkey" FOREIGN KEY ("storageDaemonId") REFERENCES "StorageDaemon" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Director" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 9101,
    "passwordEnc" TEXT NOT NULL,
    "version" TEXT NOT NULL DEFAULT '15.0.3',
    "role" TEXT NOT NULL DEFAULT 'independent',
    "site" TEXT NOT NULL DEFAULT '',
    "configDir" TEXT NOT NULL DEFAULT '/etc/bacula',
    "workingDirectory" TEXT NOT NULL DEFAULT '/var/lib/bacula',
    "pidDirectory" TEXT NOT NULL DEFAULT '/run/bacula',
    "queryFile" TEXT NOT NULL DEFAULT '/etc/bacula/scripts/query.sql',
    "maxConcurrentJobs" INTEGER DEFAULT 20,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "extra" JSONB,
    "hostId" INTEGER,
    "primaryId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Director_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Director_primaryId_fkey" FOREIGN KEY ("primaryId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Director" ("active", "address", "configDir", "createdAt", "hostId", "id", "maxConcurrentJobs", "name", "passwordEnc", "pidDirectory", "port", "primaryId", "queryFile", "role", "site", "updatedAt", "version", "workingDirectory") SELECT "active", "address", "configDir", "createdAt", "hostId", "id", "maxConcurrentJobs", "name", "passwordEnc", "pidDirectory", "port", "primaryId", "queryFile", "role", "site", "updatedAt", "version", "workingDirectory" FROM "Director";
DROP TABLE "Director";
ALTER TABLE "new_Director" RENAME TO "Director";
CREATE UNIQUE INDEX "Director_name_key" ON "Director"("name");
CREATE TABLE "new_StorageDaemon" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 9103,
    "passwordEnc" TEXT NOT NULL,
    "version" TEXT NOT NULL DEFAULT '15.0.3',
    "site" TEXT NOT NULL DEFAULT '',
    "configDir" TEXT NOT NULL DEFAULT '/etc/bacula',
    "workingDirectory" TEXT NOT NULL DEFAULT '/var/lib/bacula',
    "pidDirectory" TEXT NOT NULL DEFAULT '/run/bacula',
    "maxConcurrentJobs" INTEGER DEFAULT 20,
    "restartCommand" TEXT NOT NULL DEFAULT 'systemctl restart bacula-sd',
    "extra" JSONB,
    "hostId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "StorageDaemon_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_StorageDaemon" ("address", "configDir", "createdAt", "hostId", "id", "maxConcurrentJobs", "name", "passwordEnc", "pidDirectory", "port", "restartCommand", "site", "updatedAt", "version", "workingDirectory") SELECT "address", "configDir", "createdAt", "hostId", "id", "maxConcurrentJobs", "name", "passwordEnc", "pidDirectory", "port", "restartCommand", "site", "updatedAt", "version", "workingDirectory" FROM "StorageDaemon";
DROP TABLE "StorageDaemon";
ALTER TABLE "new_StorageDaemon" RENAME TO "StorageDaemon";
CREATE UNIQUE INDEX "StorageDaemon_name_key" ON "StorageDaemon"("name");
CREATE TABLE "new_Device" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "storageDaemonId" INTEGER NOT NULL,
    "mediaType" TEXT NOT NULL,
    "archiveDevice" TEXT NOT NULL,
    "deviceType" TEXT,
    "maxConcurrentJobs" INTEGER,
    "autochanger" BOOLEAN,
    "labelMedia" BOOLEAN,
    "randomAccess" BOOLEAN,
    "automaticMount" BOOLEAN,
    "removableMedia" BOOLEAN,
    "alwaysOpen" BOOLEAN,
    "extra" JSONB,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Device_storageDaemonId_fkey" FOREIGN KEY ("storageDaemonId") REFERENCES "StorageDaemon" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Device" ("alwaysOpen", "archiveDevice", "autochanger", "automaticMount", "createdAt", "deviceType", "id", "labelMedia", "maxConcurrentJobs", "mediaType", "name", "randomAccess", "removableMedia", "storageDaemonId", "updatedAt") SELECT "alwaysOpen", "archiveDevice", "autochanger", "automaticMount", "createdAt", "deviceType", "id", "labelMedia", "maxConcurrentJobs", "mediaType", "name", "randomAccess", "removableMedia", "storageDaemonId", "updatedAt" FROM "Device";
DROP TABLE "Device";
ALTER TABLE "new_Device" RENAME TO "Device";
CREATE INDEX "Device_name_idx" ON "Device"("name");
CREATE UNIQUE INDEX "Device_storageDaemonId_name_key" ON "Device"("storageDaemonId", "name");
CREATE TABLE "new_Storage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "storageDaemonId" INTEGER NOT NULL,
    "deviceId" INTEGER,
    "deviceNames" JSONB,
    "mediaType" TEXT NOT NULL,
    "maxConcurrentJobs" INTEGER,
    "autochanger" BOOLEAN,
    "address" TEXT,
    "sdPort" INTEGER,
    "passwordEnc" TEXT,
    "extra" JSONB,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Storage_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Storage_storageDaemonId_fkey" FOREIGN KEY ("storageDaemonId") REFERENCES "StorageDaemon" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Storage_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Storage" ("autochanger", "createdAt", "deviceId", "directorId", "id", "maxConcurrentJobs", "mediaType", "name", "storageDaemonId", "updatedAt") SELECT "autochanger", "createdAt", "deviceId", "directorId", "id", "maxConcurrentJobs", "mediaType", "name", "storageDaemonId", "updatedAt" FROM "Storage";
DROP TABLE "Storage";
ALTER TABLE "new_Storage" RENAME TO "Storage";
CREATE INDEX "Storage_name_idx" ON "Storage"("name");
CREATE UNIQUE INDEX "Storage_directorId_name_key" ON "Storage"("directorId", "name");
CREATE TABLE "new_Pool" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "poolType" TEXT NOT NULL DEFAULT 'Backup',
    "volumeRetention" TEXT,
    "labelFormat" TEXT,
    "maximumVolumeBytes" TEXT,
    "maximumVolumes" INTEGER,
    "recycle" BOOLEAN,
    "autoPrune" BOOLEAN,
    "nextPoolId" INTEGER,
    "storagePolicy" TEXT,
    "storagePolicyThreshold" TEXT,
    "extra" JSONB,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Pool_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Pool_nextPoolId_fkey" FOREIGN KEY ("nextPoolId") REFERENCES "Pool" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Pool" ("autoPrune", "createdAt", "directorId", "id", "labelFormat", "maximumVolumeBytes", "maximumVolumes", "name", "nextPoolId", "poolType", "recycle", "storagePolicy", "storagePolicyThreshold", "updatedAt", "volumeRetention") SELECT "autoPrune", "createdAt", "directorId", "id", "labelFormat", "maximumVolumeBytes", "maximumVolumes", "name", "nextPoolId", "poolType", "recycle", "storagePolicy", "storagePolicyThreshold", "updatedAt", "volumeRetention" FROM "Pool";
DROP TABLE "Pool";
ALTER TABLE "new_Pool" RENAME TO "Pool";
CREATE INDEX "Pool_name_idx" ON "Pool"("name");
CREATE UNIQUE INDEX "Pool_directorId_name_key" ON "Pool"("directorId", "name");
CREATE TABLE "new_Catalog" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "dbDriver" TEXT NOT NULL DEFAULT 'postgresql',
    "dbName" TEXT NOT NULL,
    "dbUser" TEXT,
    "dbPasswordEnc" TEXT,
    "dbAddress" TEXT,
    "dbPort" INTEGER,
    "extra" JSONB,
    "clusterId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Catalog_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Catalog_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CatalogCluster" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Catalog" ("clusterId", "createdAt", "dbAddress", "dbDriver", "dbName", "dbPasswordEnc", "dbPort", "dbUser", "directorId", "id", "name", "updatedAt") SELECT "clusterId", "createdAt", "dbAddress", "dbDriver", "dbName", "dbPasswordEnc", "dbPort", "dbUser", "directorId", "id", "name", "updatedAt" FROM "Catalog";
DROP TABLE "Catalog";
ALTER TABLE "new_Catalog" RENAME TO "Catalog";
CREATE INDEX "Catalog_name_idx" ON "Catalog"("name");
CREATE UNIQUE INDEX "Catalog_directorId_name_key" ON "Catalog"("directorId", "name");
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
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Client_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Client_catalogId_fkey" FOREIGN KEY ("catalogId") REFERENCES "Catalog" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Client" ("address", "autoPrune", "catalogId", "createdAt", "directorId", "fileRetention", "id", "jobRetention", "name", "passwordEnc", "port", "updatedAt") SELECT "address", "autoPrune", "catalogId", "createdAt", "directorId", "fileRetention", "id", "jobRetention", "name", "passwordEnc", "port", "updatedAt" FROM "Client";
DROP TABLE "Client";
ALTER TABLE "new_Client" RENAME TO "Client";
CREATE INDEX "Client_name_idx" ON "Client"("name");
CREATE UNIQUE INDEX "Client_directorId_name_key" ON "Client"("directorId", "name");
CREATE TABLE "new_Schedule" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "runs" JSONB NOT NULL,
    "enabled" BOOLEAN,
    "extra" JSONB,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Schedule_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Schedule" ("createdAt", "directorId", "enabled", "id", "name", "runs", "updatedAt") SELECT "createdAt", "directorId", "enabled", "id", "name", "runs", "updatedAt" FROM "Schedule";
DROP TABLE "Schedule";
ALTER TABLE "new_Schedule" RENAME TO "Schedule";
CREATE INDEX "Schedule_name_idx" ON "Schedule"("name");
CREATE UNIQUE INDEX "Schedule_directorId_name_key" ON "Schedule"("directorId", "name");
CREATE TABLE "new_Job" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "level" TEXT,
    "enabled" BOOLEAN,
    "jobDefsId" INTEGER,
    "poolId" INTEGER,
    "nextPoolId" INTEGER,
    "clientId" INTEGER,
    "fileSetId" INTEGER,
    "scheduleId" INTEGER,
    "messagesId" INTEGER,
    "storagePolicy" TEXT,
    "storagePolicyThreshold" TEXT,
    "selectionType" TEXT,
    "selectionPattern" TEXT,
    "runLines" JSONB NOT NULL,
    "runScripts" JSONB NOT NULL,
    "priority" INTEGER,
    "maxConcurrentJobs" INTEGER,
    "extra" JSONB,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Job_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Job_jobDefsId_fkey" FOREIGN KEY ("jobDefsId") REFERENCES "JobDefs" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Job_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Job_nextPoolId_fkey" FOREIGN KEY ("nextPoolId") REFERENCES "Pool" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Job_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Job_fileSetId_fkey" FOREIGN KEY ("fileSetId") REFERENCES "FileSet" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Job_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Job_messagesId_fkey" FOREIGN KEY ("messagesId") REFERENCES "Messages" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Job" ("clientId", "createdAt", "directorId", "enabled", "fileSetId", "id", "jobDefsId", "level", "maxConcurrentJobs", "messagesId", "name", "nextPoolId", "poolId", "priority", "runLines", "runScripts", "scheduleId", "selectionPattern", "selectionType", "storagePolicy", "storagePolicyThreshold", "type", "updatedAt") SELECT "clientId", "createdAt", "directorId", "enabled", "fileSetId", "id", "jobDefsId", "level", "maxConcurrentJobs", "messagesId", "name", "nextPoolId", "poolId", "priority", "runLines", "runScripts", "scheduleId", "selectionPattern", "selectionType", "storagePolicy", "storagePolicyThreshold", "type", "updatedAt" FROM "Job";
DROP TABLE "Job";
ALTER TABLE "new_Job" RENAME TO "Job";
CREATE INDEX "Job_name_idx" ON "Job"("name");
CREATE UNIQUE INDEX "Job_directorId_name_key" ON "Job"("directorId", "name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "ConfigResource_directorId_idx" ON "ConfigResource"("directorId");

-- CreateIndex
CREATE INDEX "ConfigResource_storageDaemonId_idx" ON "ConfigResource"("storageDaemonId");


-- Values that were never rendered become absent; the Device a Storage names is kept by name too.
UPDATE "Schedule" SET "enabled" = NULL WHERE "enabled" = 1;
UPDATE "Job" SET "enabled" = NULL WHERE "enabled" = 1;
UPDATE "Device" SET "autochanger" = NULL WHERE "autochanger" = 0;
UPDATE "Storage" SET "autochanger" = NULL WHERE "autochanger" = 0;
UPDATE "Storage" SET "deviceNames" = json_array((SELECT "name" FROM "Device" WHERE "Device"."id" = "Storage"."deviceId")) WHERE "deviceId" IS NOT NULL;
