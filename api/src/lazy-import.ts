// Modules the start does not need before it listens (the S3 client, nodemailer, Stripe's SDK) are
// imported on first use, once; control-plane.ts warms the configured ones right after listening.
// `node api/dist/main.js` then spends its start-up on what serving needs: the schema, Prisma, Apollo.

/** The module, imported on the first call; every call shares that one import. */
export function lazyImport<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load();
    return loading;
  };
}

export const loadMinio = lazyImport(() => import("minio"));
export const loadNodemailer = lazyImport(() => import("nodemailer").then((m) => m.default));
export const loadStripe = lazyImport(() => import("stripe").then((m) => m.default));
