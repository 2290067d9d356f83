import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { poolConfigFromUrl } from "./connection-options.js";

export function createPrisma(databaseUrl: string, poolSize?: number): PrismaClient {
  const adapter = new PrismaPg({ ...poolConfigFromUrl(databaseUrl), max: poolSize ?? 10 });
  return new PrismaClient({ adapter });
}
