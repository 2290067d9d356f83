// Authorization, decided once: the static Pothos authScopes of every type and field are read when the
// schema is built into one access map (start-up fails on a scope shape it cannot evaluate up front),
// and each operation is checked against it before anything executes — a mutation whose selection asks
// for data the caller may not read is refused whole instead of writing first and failing on the read.
// Pothos' scope-auth still enforces the same scopes while resolving.
import { isObjectType, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from "graphql";
import type { Introspection } from "../config.js";
import { DomainError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";

export const ROLES = ["store", "support", "admin", "appliance"] as const;
export type Role = (typeof ROLES)[number];

export interface AccessMap {
  /** "Type" or "Type.field" → the roles that may read it (absent: no restriction) */
  get(key: string): ReadonlySet<Role> | undefined;
  readonly size: number;
}

function rolesOf(scopes: unknown, where: string): Set<Role> {
  if (typeof scopes !== "object" || scopes === null || Array.isArray(scopes)) {
    throw new Error(`${where}: authScopes must be an object like { admin: true }; a function or other shape cannot be checked before execution`);
  }
  const roles = new Set<Role>();
  for (const [name, value] of Object.entries(scopes)) {
    if (!(ROLES as readonly string[]).includes(name)) throw new Error(`${where}: unknown auth scope "${name}" (known: ${ROLES.join(", ")})`);
    if (value !== true) throw new Error(`${where}: auth scope "${name}" must be true (a computed scope cannot be checked before execution)`);
    roles.add(name as Role);
  }
  if (roles.size === 0) throw new Error(`${where}: empty authScopes would refuse everyone`);
  return roles;
}

const scopesIn = (extensions: unknown) => (extensions as { pothosOptions?: { authScopes?: unknown } } | undefined)?.pothosOptions?.authScopes;

export function buildAccessMap(schema: GraphQLSchema): AccessMap {
  const map = new Map<string, Set<Role>>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    const typeScopes = scopesIn(type.extensions);
    if (typeScopes !== undefined) map.set(type.name, rolesOf(typeScopes, type.name));
    for (const field of Object.values(type.getFields())) {
      const fieldScopes = scopesIn(field.extensions);
      if (fieldScopes !== undefined) map.set(`${type.name}.${field.name}`, rolesOf(fieldScopes, `${type.name}.${field.name}`));
    }
  }
  return { get: (k) => map.get(k), size: map.size };
}

/** What an anonymous or refused caller is told. */
export function unauthenticated(p: Principal): DomainError {
  if (p.kind === "anonymous" && p.rejected === "api-key") {
    return new DomainError("UNAUTHENTICATED", "The API key was not accepted: it is unknown or revoked. Check the key, or ask an operator for a new one.");
  }
  if (p.kind === "anonymous" && p.rejected === "appliance-credential") {
    // a digest no row holds is all the server sees: never issued, replaced by a reinstall, or revoked
    return new DomainError(
      "UNAUTHENTICATED",
      "The appliance credential was not accepted: it is unknown to this service, or it was revoked or replaced. A re-issued install code re-binds the appliance.",
    );
  }
  return new DomainError("UNAUTHENTICATED", "Authentication required: send an API key (or the appliance credential) as 'Authorization: Bearer <secret>'.");
}

const STAFF = new Set(["store", "support", "admin"]);

/** Whether the principal may read the schema (introspection, and the suggestions in error messages). */
export const mayIntrospect = (p: Principal, introspection: Introspection) =>
  introspection === "public" || (introspection === "authenticated" && STAFF.has(p.kind));

/** What a document reads that the access map governs: per field, its governed keys (type, then field). */
interface DocumentNeeds {
  fields: string[][];
  introspecting: boolean;
}

// Apollo hands the same DocumentNode to every request of the same query text (its document store), so
// a document is walked once, not once per request: the check-in hot path then costs a few set lookups.
const needsByDocument = new WeakMap<AccessMap, WeakMap<DocumentNode, DocumentNeeds>>();

function documentNeeds(schema: GraphQLSchema, access: AccessMap, document: DocumentNode): DocumentNeeds {
  let known = needsByDocument.get(access);
  if (!known) needsByDocument.set(access, (known = new WeakMap()));
  const cached = known.get(document);
  if (cached) return cached;
  const typeInfo = new TypeInfo(schema);
  const needs: DocumentNeeds = { fields: [], introspecting: false };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (node.name.value === "__schema" || node.name.value === "__type") needs.introspecting = true;
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return;
        const keys = [parent.name, `${parent.name}.${field.name}`].filter((k) => access.get(k) !== undefined);
        if (keys.length) needs.fields.push(keys);
      },
    }),
  );
  known.set(document, needs);
  return needs;
}

/** The first field of the document the principal may not read, as an error; undefined when all are allowed. */
export function checkAccess(
  schema: GraphQLSchema,
  access: AccessMap,
  document: DocumentNode,
  principal: Principal,
  introspection: Introspection,
): DomainError | undefined {
  const who = principal.kind;
  const needs = documentNeeds(schema, access, document);
  let denied: string | undefined;
  for (const keys of needs.fields) {
    for (const key of keys) if (!access.get(key)!.has(who as Role)) denied = key;
    if (denied) break;
  }
  if (needs.introspecting && !mayIntrospect(principal, introspection)) {
    if (introspection === "off") return new DomainError("FORBIDDEN", "Introspection is turned off on this server (INTROSPECTION=off).");
    return who === "anonymous" ? unauthenticated(principal) : new DomainError("FORBIDDEN", "Introspection needs an API key (INTROSPECTION=authenticated).");
  }
  if (!denied) return undefined;
  return who === "anonymous" ? unauthenticated(principal) : new DomainError("FORBIDDEN", `The ${who} principal may not read ${denied}.`);
}
