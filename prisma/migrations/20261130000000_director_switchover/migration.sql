-- AlterTable
ALTER TABLE "DaemonDeployState" ADD COLUMN "settings" JSONB;

