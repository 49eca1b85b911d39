-- CreateTable
CREATE TABLE "DeployRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "actor" TEXT NOT NULL,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "summary" TEXT NOT NULL DEFAULT ''
);

-- CreateTable
CREATE TABLE "DeployTargetRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    CONSTRAINT "DeployTargetRun_runId_fkey" FOREIGN KEY ("runId") REFERENCES "DeployRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DeployStep" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "targetRunId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "log" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "DeployStep_targetRunId_fkey" FOREIGN KEY ("targetRunId") REFERENCES "DeployTargetRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DaemonDeployState" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "daemonId" INTEGER NOT NULL,
    "lastHash" TEXT,
    "lastDeployedAt" DATETIME,
    "lastDeployedBy" TEXT,
    "lastRunId" INTEGER,
    "liveHash" TEXT,
    "liveCheckedAt" DATETIME,
    "bconsolePath" TEXT,
    "bconsoleConfig" TEXT,
    "testTool" TEXT
);

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

