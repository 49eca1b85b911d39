-- AlterTable
ALTER TABLE "DeployRun" ADD COLUMN "owner" TEXT;
ALTER TABLE "DeployRun" ADD COLUMN "resumedFromId" INTEGER;

-- CreateTable
CREATE TABLE "Lease" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "owner" TEXT NOT NULL,
    "token" INTEGER NOT NULL DEFAULT 1,
    "expiresAtMs" BIGINT NOT NULL,
    "acquiredAtMs" BIGINT NOT NULL
);

