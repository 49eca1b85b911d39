-- Placeholder Storage Daemons made by an import (rows made before stay unmarked: never deleted by an import).
ALTER TABLE "StorageDaemon" ADD COLUMN "placeholder" BOOLEAN NOT NULL DEFAULT false;
