-- CreateIndex
CREATE INDEX "Device_name_idx" ON "Device"("name");

-- CreateIndex
CREATE INDEX "Storage_name_idx" ON "Storage"("name");

-- CreateIndex
CREATE INDEX "Pool_name_idx" ON "Pool"("name");

-- CreateIndex
CREATE INDEX "Catalog_name_idx" ON "Catalog"("name");

-- CreateIndex
CREATE INDEX "Client_name_idx" ON "Client"("name");

-- CreateIndex
CREATE INDEX "FileSet_name_idx" ON "FileSet"("name");

-- CreateIndex
CREATE INDEX "Schedule_name_idx" ON "Schedule"("name");

-- CreateIndex
CREATE INDEX "Messages_name_idx" ON "Messages"("name");

-- CreateIndex
CREATE INDEX "JobDefs_name_idx" ON "JobDefs"("name");

-- CreateIndex
CREATE INDEX "Job_name_idx" ON "Job"("name");

-- CreateIndex
CREATE INDEX "AuditEvent_actor_idx" ON "AuditEvent"("actor");

