-- AlterTable
ALTER TABLE "StorageDaemon" ADD COLUMN     "placeholder" BOOLEAN NOT NULL DEFAULT false;
