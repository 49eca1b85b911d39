import { importPost } from "@/lib/config/import-http";

/** The Import page's upload (lib/config/import-http.ts; scripts/serve.mjs answers it before Next, with the same handler). */
export const POST = importPost;
