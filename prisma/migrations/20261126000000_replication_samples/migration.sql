-- CreateTable
CREATE TABLE "ReplicationSample" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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
    "sentLagBytes" REAL,
    "writeLagBytes" REAL,
    "flushLagBytes" REAL,
    "replayLagBytes" REAL,
    "receiveReplayGapBytes" REAL,
    "writeLagSeconds" REAL,
    "flushLagSeconds" REAL,
    "replayLagSeconds" REAL,
    "replayLagBytesMax" REAL,
    "replayLagSecondsMax" REAL,
    "timeline" INTEGER,
    "replayPaused" BOOLEAN,
    "reasons" JSONB,
    CONSTRAINT "ReplicationSample_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "CatalogCluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ReplicationSample_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "CatalogMember" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "ReplicationSample_clusterId_atMs_idx" ON "ReplicationSample"("clusterId", "atMs");

-- CreateIndex
CREATE INDEX "ReplicationSample_memberId_atMs_idx" ON "ReplicationSample"("memberId", "atMs");

-- CreateIndex
CREATE INDEX "ReplicationSample_bucketMs_atMs_idx" ON "ReplicationSample"("bucketMs", "atMs");

