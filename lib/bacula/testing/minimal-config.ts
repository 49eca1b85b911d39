/**
 * The smallest complete bacula-dir.conf Bacula accepts (Director, Catalog, Messages, Storage, Pool,
 * Client, FileSet, Job), as text, for tests that put one directive or resource into it and ask the
 * parser and Bacula what they make of it.
 */
export interface MinimalDirectorOptions {
  /** WorkingDirectory and PidDirectory: Bacula refuses a working directory that does not exist. */
  work?: string;
  run?: string;
  /** Lines added inside the Job resource. */
  job?: string;
  /** Resources in place of the Pool P (the Job uses `pool`). */
  pools?: string;
  pool?: string;
  /** Text appended after the Job. */
  after?: string;
}

export function minimalDirectorText(o: MinimalDirectorOptions = {}): string {
  return `Director {
  Name = d
  Password = "p"
  QueryFile = "/q.sql"
  WorkingDirectory = "${o.work ?? "/w"}"
  PidDirectory = "${o.run ?? "/p"}"
  Messages = M
}
Catalog {
  Name = C
  DbName = b
}
Messages {
  Name = M
  Console = all
}
Storage {
  Name = S
  Address = localhost
  Password = "p"
  Device = D
  MediaType = F
}
${o.pools ?? "Pool {\n  Name = P\n  PoolType = Backup\n}"}
Client {
  Name = c
  Address = localhost
  Password = "p"
  Catalog = C
}
Fileset {
  Name = F
  Include {
    File = /etc
  }
}
Job {
  Name = J
  Type = Backup
  Client = c
  Fileset = F
  Messages = M
  Pool = ${o.pool ?? "P"}
  Storage = S
${o.job ? `${o.job}\n` : ""}}
${o.after ?? ""}`;
}
