import type { NextConfig } from "next";

const config: NextConfig = {
  serverExternalPackages: [
    "better-sqlite3",
    "@prisma/adapter-better-sqlite3",
    "@prisma/client",
    "@node-rs/argon2",
    "ssh2",
    "pg",
  ],
  poweredByHeader: false,
  typedRoutes: false,
};

export default config;
