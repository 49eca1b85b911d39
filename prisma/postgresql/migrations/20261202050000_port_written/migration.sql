-- AlterTable
ALTER TABLE "Storage" ADD COLUMN     "sdPortWritten" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "portWritten" BOOLEAN NOT NULL DEFAULT true;
