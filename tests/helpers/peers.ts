// Real protocol peers for the tests: an S3 server (s3rver) and an SMTP server (smtp-server).
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { simpleParser, type ParsedMail } from "mailparser";
import * as Minio from "minio";
import S3rver from "s3rver";
import { SMTPServer } from "smtp-server";

export const S3_ACCESS_KEY = "S3RVER";
export const S3_SECRET_KEY = "S3RVER";

export interface S3Peer {
  /** internal endpoint (what the API talks to) */
  endpoint: string;
  /** same server under another host name: what customers would reach */
  publicEndpoint: string;
  port: number;
  putObject(bucket: string, key: string, body: Buffer | string): Promise<void>;
  stop(): Promise<void>;
}

/** The API's S3 settings for this peer, serving the ISO at bucket/key (links signed for the public name). */
export const s3Settings = (s3: S3Peer, bucket: string, key: string) => ({
  S3_ENDPOINT: s3.endpoint,
  S3_PUBLIC_ENDPOINT: s3.publicEndpoint,
  S3_ACCESS_KEY,
  S3_SECRET_KEY,
  ISO_BUCKET: bucket,
  ISO_KEY: key,
});

export async function startS3(buckets: string[]): Promise<S3Peer> {
  const directory = mkdtempSync(path.join(os.tmpdir(), "alga-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const { port } = (await server.run()) as AddressInfo;
  const client = new Minio.Client({
    endPoint: "127.0.0.1",
    port,
    useSSL: false,
    accessKey: S3_ACCESS_KEY,
    secretKey: S3_SECRET_KEY,
    region: "us-east-1",
    pathStyle: true,
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    publicEndpoint: `http://localhost:${port}`,
    port,
    async putObject(bucket, key, body) {
      const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
      await client.putObject(bucket, key, data, data.length);
    },
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface SmtpPeer {
  url: string;
  messages: ParsedMail[];
  /** when true, every RCPT is refused with a 451 (a mail outage) */
  refuse: boolean;
  waitFor(predicate: (m: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  stop(): Promise<void>;
}

export async function startSmtp(): Promise<SmtpPeer> {
  const peer: SmtpPeer = {
    url: "",
    messages: [],
    refuse: false,
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = peer.messages.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching email within ${timeoutMs} ms (got ${peer.messages.length})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (peer.refuse) {
        const err = new Error("mailbox temporarily unavailable") as Error & { responseCode: number };
        err.responseCode = 451;
        return callback(err);
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          peer.messages.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  peer.url = `smtp://127.0.0.1:${port}`;
  peer.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return peer;
}
