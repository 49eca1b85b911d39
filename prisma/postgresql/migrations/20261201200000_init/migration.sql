-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Host" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "sshPort" INTEGER NOT NULL DEFAULT 22,
    "sshUser" TEXT NOT NULL DEFAULT 'bacula',
    "privateKeyEnc" TEXT,
    "hostKeyFingerprint" TEXT,
    "hostKeyPinnedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Host_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Director" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Director_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StorageDaemon" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StorageDaemon_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Device" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Storage" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Storage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StorageGroupMember" (
    "id" SERIAL NOT NULL,
    "position" INTEGER NOT NULL,
    "storageId" INTEGER NOT NULL,
    "poolId" INTEGER,
    "jobId" INTEGER,
    "jobDefsId" INTEGER,

    CONSTRAINT "StorageGroupMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Pool" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Pool_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Catalog" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Catalog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CatalogCluster" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "maxLagBytes" INTEGER NOT NULL DEFAULT 1048576,
    "maxLagSeconds" INTEGER NOT NULL DEFAULT 60,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "autoFence" BOOLEAN NOT NULL DEFAULT true,
    "fenceTimeoutMs" INTEGER NOT NULL DEFAULT 15000,

    CONSTRAINT "CatalogCluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CatalogMember" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "adminUser" TEXT NOT NULL DEFAULT 'postgres',
    "adminPasswordEnc" TEXT,
    "fenceState" TEXT NOT NULL DEFAULT 'none',
    "fencedAt" TIMESTAMP(3),
    "fenceNote" TEXT,
    "fenceOperationId" INTEGER,

    CONSTRAINT "CatalogMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Client" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Client_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FileSet" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "includes" JSONB NOT NULL,
    "excludes" JSONB NOT NULL,
    "signature" TEXT,
    "compression" TEXT,
    "extra" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FileSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Schedule" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "runs" JSONB NOT NULL,
    "enabled" BOOLEAN,
    "extra" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Schedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Messages" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "directorId" INTEGER NOT NULL,
    "destinations" JSONB NOT NULL,
    "extra" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobDefs" (
    "id" SERIAL NOT NULL,
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
    "extra" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "JobDefs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigResource" (
    "id" SERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "directorId" INTEGER,
    "storageDaemonId" INTEGER,
    "clientId" INTEGER,
    "items" JSONB NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConfigResource_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReplicationSample" (
    "id" SERIAL NOT NULL,
    "atMs" BIGINT NOT NULL,
    "bucketMs" INTEGER NOT NULL DEFAULT 0,
    "count" INTEGER NOT NULL DEFAULT 1,
    "clusterId" INTEGER NOT NULL,
    "memberId" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "probeKind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "clusterStatus" TEXT NOT NULL,
    "state" TEXT,
    "syncState" TEXT,
    "sentLagBytes" DOUBLE PRECISION,
    "writeLagBytes" DOUBLE PRECISION,
    "flushLagBytes" DOUBLE PRECISION,
    "replayLagBytes" DOUBLE PRECISION,
    "receiveReplayGapBytes" DOUBLE PRECISION,
    "writeLagSeconds" DOUBLE PRECISION,
    "flushLagSeconds" DOUBLE PRECISION,
    "replayLagSeconds" DOUBLE PRECISION,
    "replayLagBytesMax" DOUBLE PRECISION,
    "replayLagSecondsMax" DOUBLE PRECISION,
    "timeline" INTEGER,
    "replayPaused" BOOLEAN,
    "reasons" JSONB,

    CONSTRAINT "ReplicationSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "login" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entityType" TEXT,
    "entityId" TEXT,
    "entityName" TEXT,
    "before" JSONB,
    "after" JSONB,
    "ip" TEXT,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "DeployRun" (
    "id" SERIAL NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "actor" TEXT NOT NULL,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "summary" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "DeployRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeployTargetRun" (
    "id" SERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "targetKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "daemonId" INTEGER NOT NULL,
    "daemonName" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "hostName" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "failedStep" TEXT,
    "error" TEXT,
    "errorCode" TEXT,
    "modelHash" TEXT,
    "liveHashBefore" TEXT,
    "files" JSONB NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "DeployTargetRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeployStep" (
    "id" SERIAL NOT NULL,
    "targetRunId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),
    "log" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "DeployStep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DaemonDeployState" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "daemonId" INTEGER NOT NULL,
    "lastHash" TEXT,
    "lastDeployedAt" TIMESTAMP(3),
    "lastDeployedBy" TEXT,
    "lastRunId" INTEGER,
    "liveHash" TEXT,
    "liveCheckedAt" TIMESTAMP(3),
    "bconsolePath" TEXT,
    "bconsoleConfig" TEXT,
    "testTool" TEXT,
    "settings" JSONB,

    CONSTRAINT "DaemonDeployState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Promotion" (
    "id" SERIAL NOT NULL,
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
    "lastKnownLagBytes" DOUBLE PRECISION,
    "state" JSONB NOT NULL,
    "owner" TEXT,
    "heartbeatAt" TIMESTAMP(3),
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "unfenced" BOOLEAN NOT NULL DEFAULT false,
    "unfencedReason" TEXT,

    CONSTRAINT "Promotion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PromotionStep" (
    "id" SERIAL NOT NULL,
    "promotionId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "log" TEXT NOT NULL DEFAULT '',
    "detail" JSONB,

    CONSTRAINT "PromotionStep_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Director_name_key" ON "Director"("name");

-- CreateIndex
CREATE UNIQUE INDEX "StorageDaemon_name_key" ON "StorageDaemon"("name");

-- CreateIndex
CREATE INDEX "Device_name_idx" ON "Device"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Device_storageDaemonId_name_key" ON "Device"("storageDaemonId", "name");

-- CreateIndex
CREATE INDEX "Storage_name_idx" ON "Storage"("name");

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
CREATE INDEX "Pool_name_idx" ON "Pool"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Pool_directorId_name_key" ON "Pool"("directorId", "name");

-- CreateIndex
CREATE INDEX "Catalog_name_idx" ON "Catalog"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Catalog_directorId_name_key" ON "Catalog"("directorId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "CatalogCluster_name_key" ON "CatalogCluster"("name");

-- CreateIndex
CREATE UNIQUE INDEX "CatalogMember_clusterId_name_key" ON "CatalogMember"("clusterId", "name");

-- CreateIndex
CREATE INDEX "Client_name_idx" ON "Client"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Client_directorId_name_key" ON "Client"("directorId", "name");

-- CreateIndex
CREATE INDEX "FileSet_name_idx" ON "FileSet"("name");

-- CreateIndex
CREATE UNIQUE INDEX "FileSet_directorId_name_key" ON "FileSet"("directorId", "name");

-- CreateIndex
CREATE INDEX "Schedule_name_idx" ON "Schedule"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Schedule_directorId_name_key" ON "Schedule"("directorId", "name");

-- CreateIndex
CREATE INDEX "Messages_name_idx" ON "Messages"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Messages_directorId_name_key" ON "Messages"("directorId", "name");

-- CreateIndex
CREATE INDEX "JobDefs_name_idx" ON "JobDefs"("name");

-- CreateIndex
CREATE UNIQUE INDEX "JobDefs_directorId_name_key" ON "JobDefs"("directorId", "name");

-- CreateIndex
CREATE INDEX "Job_name_idx" ON "Job"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Job_directorId_name_key" ON "Job"("directorId", "name");

-- CreateIndex
CREATE INDEX "ConfigResource_directorId_idx" ON "ConfigResource"("directorId");

-- CreateIndex
CREATE INDEX "ConfigResource_storageDaemonId_idx" ON "ConfigResource"("storageDaemonId");

-- CreateIndex
CREATE INDEX "ConfigResource_clientId_idx" ON "ConfigResource"("clientId");

-- CreateIndex
CREATE INDEX "ReplicationSample_clusterId_atMs_idx" ON "ReplicationSample"("clusterId", "atMs");

-- CreateIndex
CREATE INDEX "ReplicationSample_memberId_atMs_idx" ON "ReplicationSample"("memberId", "atMs");

-- CreateIndex
CREATE INDEX "ReplicationSample_bucketMs_atMs_idx" ON "ReplicationSample"("bucketMs", "atMs");

-- CreateIndex
CREATE UNIQUE INDEX "User_login_key" ON "User"("login");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "AuditEvent_entityType_entityId_idx" ON "AuditEvent"("entityType", "entityId");

-- CreateIndex
CREATE INDEX "AuditEvent_actor_idx" ON "AuditEvent"("actor");

-- CreateIndex
CREATE INDEX "DeployRun_startedAt_idx" ON "DeployRun"("startedAt");

-- CreateIndex
CREATE INDEX "DeployTargetRun_runId_idx" ON "DeployTargetRun"("runId");

-- CreateIndex
CREATE INDEX "DeployTargetRun_kind_daemonId_idx" ON "DeployTargetRun"("kind", "daemonId");

-- CreateIndex
CREATE UNIQUE INDEX "DeployStep_targetRunId_position_key" ON "DeployStep"("targetRunId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "DaemonDeployState_kind_daemonId_key" ON "DaemonDeployState"("kind", "daemonId");

-- CreateIndex
CREATE UNIQUE INDEX "Promotion_activeKey_key" ON "Promotion"("activeKey");

-- CreateIndex
CREATE INDEX "Promotion_clusterId_startedAt_idx" ON "Promotion"("clusterId", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "PromotionStep_promotionId_position_key" ON "PromotionStep"("promotionId", "position");

-- AddForeignKey
ALTER TABLE "Director" ADD CONSTRAINT "Director_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Director" ADD CONSTRAINT "Director_primaryId_fkey" FOREIGN KEY ("primaryId") REFERENCES "Director"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StorageDaemon" ADD CONSTRAINT "StorageDaemon_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_storageDaemonId_fkey" FOREIGN KEY ("storageDaemonId") REFERENCES "StorageDaemon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Storage" ADD CONSTRAINT "Storage_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Storage" ADD CONSTRAINT "Storage_storageDaemonId_fkey" FOREIGN KEY ("storageDaemonId") REFERENCES "StorageDaemon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Storage" ADD CONSTRAINT "Storage_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StorageGroupMember" ADD CONSTRAINT "StorageGroupMember_storageId_fkey" FOREIGN KEY ("storageId") REFERENCES "Storage"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StorageGroupMember" ADD CONSTRAINT "StorageGroupMember_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StorageGroupMember" ADD CONSTRAINT "StorageGroupMember_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StorageGroupMember" ADD CONSTRAINT "StorageGroupMember_jobDefsId_fkey" FOREIGN KEY ("jobDefsId") REFERENCES "JobDefs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Pool" ADD CONSTRAINT "Pool_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Pool" ADD CONSTRAINT "Pool_nextPoolId_fkey" FOREIGN KEY ("nextPoolId") REFERENCES "Pool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Catalog" ADD CONSTRAINT "Catalog_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Catalog" ADD CONSTRAINT "Catalog_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CatalogCluster"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CatalogMember" ADD CONSTRAINT "CatalogMember_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CatalogCluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CatalogMember" ADD CONSTRAINT "CatalogMember_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Client" ADD CONSTRAINT "Client_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Client" ADD CONSTRAINT "Client_catalogId_fkey" FOREIGN KEY ("catalogId") REFERENCES "Catalog"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Client" ADD CONSTRAINT "Client_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FileSet" ADD CONSTRAINT "FileSet_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Messages" ADD CONSTRAINT "Messages_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobDefs" ADD CONSTRAINT "JobDefs_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobDefs" ADD CONSTRAINT "JobDefs_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobDefs" ADD CONSTRAINT "JobDefs_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobDefs" ADD CONSTRAINT "JobDefs_fileSetId_fkey" FOREIGN KEY ("fileSetId") REFERENCES "FileSet"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobDefs" ADD CONSTRAINT "JobDefs_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobDefs" ADD CONSTRAINT "JobDefs_messagesId_fkey" FOREIGN KEY ("messagesId") REFERENCES "Messages"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_jobDefsId_fkey" FOREIGN KEY ("jobDefsId") REFERENCES "JobDefs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_nextPoolId_fkey" FOREIGN KEY ("nextPoolId") REFERENCES "Pool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_fileSetId_fkey" FOREIGN KEY ("fileSetId") REFERENCES "FileSet"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_messagesId_fkey" FOREIGN KEY ("messagesId") REFERENCES "Messages"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigResource" ADD CONSTRAINT "ConfigResource_directorId_fkey" FOREIGN KEY ("directorId") REFERENCES "Director"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigResource" ADD CONSTRAINT "ConfigResource_storageDaemonId_fkey" FOREIGN KEY ("storageDaemonId") REFERENCES "StorageDaemon"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigResource" ADD CONSTRAINT "ConfigResource_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReplicationSample" ADD CONSTRAINT "ReplicationSample_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CatalogCluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReplicationSample" ADD CONSTRAINT "ReplicationSample_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "CatalogMember"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeployTargetRun" ADD CONSTRAINT "DeployTargetRun_runId_fkey" FOREIGN KEY ("runId") REFERENCES "DeployRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeployStep" ADD CONSTRAINT "DeployStep_targetRunId_fkey" FOREIGN KEY ("targetRunId") REFERENCES "DeployTargetRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Promotion" ADD CONSTRAINT "Promotion_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CatalogCluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromotionStep" ADD CONSTRAINT "PromotionStep_promotionId_fkey" FOREIGN KEY ("promotionId") REFERENCES "Promotion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

