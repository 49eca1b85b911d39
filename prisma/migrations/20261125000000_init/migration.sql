-- CreateTable
CREATE TABLE "Host" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "sshPort" INTEGER NOT NULL DEFAULT 22,
    "sshUser" TEXT NOT NULL DEFAULT 'bacula',
    "privateKeyEnc" TEXT,
    "hostKeyFingerprint" TEXT,
    "hostKeyPinnedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Director" (
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
    "maxConcurrentJobs" INTEGER NOT NULL DEFAULT 20,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "hostId" INTEGER,
    "primaryId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Director_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Director_primaryId_fkey" FOREIGN KEY ("primaryId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "StorageDaemon" (
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
    "maxConcurrentJobs" INTEGER NOT NULL DEFAULT 20,
    "restartCommand" TEXT NOT NULL DEFAULT 'systemctl restart bacula-sd',
    "hostId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "StorageDaemon_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Device" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "storageDaemonId" INTEGER NOT NULL,
    "mediaType" TEXT NOT NULL,
    "archiveDevice" TEXT NOT NULL,
    "deviceType" TEXT NOT NULL DEFAULT 'File',
    "maxConcurrentJobs" INTEGER NOT NULL DEFAULT 5,
    "autochanger" BOOLEAN NOT NULL DEFAULT false,
    "labelMedia" BOOLEAN NOT NULL DEFAULT true,
    "randomAccess" BOOLEAN NOT NULL DEFAULT true,
    "automaticMount" BOOLEAN NOT NULL DEFAULT true,
    "removableMedia" BOOLEAN NOT NULL DEFAULT false,
    "alwaysOpen" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Device_storageDaemonId_fkey" FOREIGN KEY ("storageDaemonId") REFERENCES "StorageDaemon" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Storage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "storageDaemonId" INTEGER NOT NULL,
    "deviceId" INTEGER NOT NULL,
    "mediaType" TEXT NOT NULL,
    "maxConcurrentJobs" INTEGER NOT NULL DEFAULT 10,
    "autochanger" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Storage_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Storage_storageDaemonId_fkey" FOREIGN KEY ("storageDaemonId") REFERENCES "StorageDaemon" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Storage_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "StorageGroupMember" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "position" INTEGER NOT NULL,
    "storageId" INTEGER NOT NULL,
    "poolId" INTEGER,
    "jobId" INTEGER,
    "jobDefsId" INTEGER,
    CONSTRAINT "StorageGroupMember_storageId_fkey" FOREIGN KEY ("storageId") REFERENCES "Storage" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "StorageGroupMember_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "StorageGroupMember_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "StorageGroupMember_jobDefsId_fkey" FOREIGN KEY ("jobDefsId") REFERENCES "JobDefs" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Pool" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "poolType" TEXT NOT NULL DEFAULT 'Backup',
    "volumeRetention" TEXT,
    "labelFormat" TEXT,
    "maximumVolumeBytes" TEXT,
    "maximumVolumes" INTEGER,
    "recycle" BOOLEAN NOT NULL DEFAULT true,
    "autoPrune" BOOLEAN NOT NULL DEFAULT true,
    "nextPoolId" INTEGER,
    "storagePolicy" TEXT,
    "storagePolicyThreshold" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Pool_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Pool_nextPoolId_fkey" FOREIGN KEY ("nextPoolId") REFERENCES "Pool" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Catalog" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "dbDriver" TEXT NOT NULL DEFAULT 'postgresql',
    "dbName" TEXT NOT NULL,
    "dbUser" TEXT NOT NULL DEFAULT 'bacula',
    "dbPasswordEnc" TEXT,
    "dbAddress" TEXT NOT NULL DEFAULT 'localhost',
    "dbPort" INTEGER NOT NULL DEFAULT 5432,
    "clusterId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Catalog_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Catalog_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CatalogCluster" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CatalogCluster" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "maxLagBytes" INTEGER NOT NULL DEFAULT 1048576,
    "maxLagSeconds" INTEGER NOT NULL DEFAULT 60,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "CatalogMember" (
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
    CONSTRAINT "CatalogMember_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CatalogCluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CatalogMember_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Client" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 9102,
    "passwordEnc" TEXT NOT NULL,
    "catalogId" INTEGER NOT NULL,
    "fileRetention" TEXT,
    "jobRetention" TEXT,
    "autoPrune" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Client_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Client_catalogId_fkey" FOREIGN KEY ("catalogId") REFERENCES "Catalog" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "FileSet" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "includes" JSONB NOT NULL,
    "excludes" JSONB NOT NULL,
    "signature" TEXT,
    "compression" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "FileSet_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Schedule" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "runs" JSONB NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Schedule_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Messages" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "destinations" JSONB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Messages_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "JobDefs" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "type" TEXT,
    "level" TEXT,
    "poolId" INTEGER,
    "clientId" INTEGER,
    "fileSetId" INTEGER,
    "scheduleId" INTEGER,
    "messagesId" INTEGER,
    "storagePolicy" TEXT,
    "priority" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "JobDefs_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "JobDefs_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "JobDefs_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "JobDefs_fileSetId_fkey" FOREIGN KEY ("fileSetId") REFERENCES "FileSet" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "JobDefs_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "JobDefs_messagesId_fkey" FOREIGN KEY ("messagesId") REFERENCES "Messages" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Job" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "level" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
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

-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "login" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entityType" TEXT,
    "entityId" TEXT,
    "entityName" TEXT,
    "before" JSONB,
    "after" JSONB,
    "ip" TEXT
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Director_name_key" ON "Director"("name");

-- CreateIndex
CREATE UNIQUE INDEX "StorageDaemon_name_key" ON "StorageDaemon"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Device_storageDaemonId_name_key" ON "Device"("storageDaemonId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Storage_directorId_name_key" ON "Storage"("directorId", "name");

-- CreateIndex
CREATE INDEX "StorageGroupMember_poolId_idx" ON "StorageGroupMember"("poolId");

-- CreateIndex
CREATE INDEX "StorageGroupMember_jobId_idx" ON "StorageGroupMember"("jobId");

-- CreateIndex
CREATE INDEX "StorageGroupMember_jobDefsId_idx" ON "StorageGroupMember"("jobDefsId");

-- CreateIndex
CREATE INDEX "StorageGroupMember_storageId_idx" ON "StorageGroupMember"("storageId");

-- CreateIndex
CREATE UNIQUE INDEX "Pool_directorId_name_key" ON "Pool"("directorId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Catalog_directorId_name_key" ON "Catalog"("directorId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "CatalogCluster_name_key" ON "CatalogCluster"("name");

-- CreateIndex
CREATE UNIQUE INDEX "CatalogMember_clusterId_name_key" ON "CatalogMember"("clusterId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Client_directorId_name_key" ON "Client"("directorId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "FileSet_directorId_name_key" ON "FileSet"("directorId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Schedule_directorId_name_key" ON "Schedule"("directorId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Messages_directorId_name_key" ON "Messages"("directorId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "JobDefs_directorId_name_key" ON "JobDefs"("directorId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Job_directorId_name_key" ON "Job"("directorId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "User_login_key" ON "User"("login");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "AuditEvent_entityType_entityId_idx" ON "AuditEvent"("entityType", "entityId");

