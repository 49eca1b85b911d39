-- AlterTable
ALTER TABLE "DeployRun" ADD COLUMN     "owner" TEXT,
ADD COLUMN     "resumedFromId" INTEGER;

-- CreateTable
CREATE TABLE "Lease" (
    "name" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "token" INTEGER NOT NULL DEFAULT 1,
    "expiresAtMs" BIGINT NOT NULL,
    "acquiredAtMs" BIGINT NOT NULL,

    CONSTRAINT "Lease_pkey" PRIMARY KEY ("name")
);

