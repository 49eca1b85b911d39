-- Whether bacula-dir.conf writes a Storage's SDPort / a Client's FDPort when it is Bacula's
-- default: rows made before keep it written, as they were rendered.
ALTER TABLE "Storage" ADD COLUMN "sdPortWritten" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "Client" ADD COLUMN "portWritten" BOOLEAN NOT NULL DEFAULT true;
