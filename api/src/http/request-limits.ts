// What a GraphQL request may look like before any resolver runs, checked at the edge:
// - nesting: counted on the raw text before parsing, so a 5,000-level document cannot overflow the
//   parser's stack; then the depth of every selection after parsing. An introspection selection
//   (__schema, __type) counts one level of the operation and is bounded by its own limit
//   (INTROSPECTION_MAX_DEPTH, with graphql-js's MaxIntrospectionDepthRule on its list fields), so the
//   standard introspection query (graphql-js getIntrospectionQuery(): 14 levels below __schema, what
//   GraphiQL, codegen and IDEs send) works at the default GRAPHQL_MAX_DEPTH of 10
// - text: NUL and lone UTF-16 surrogates are refused in every string, in variables and literals;
//   variables nested deeper than the document may be are refused too (walked without recursion)
// - operations of a type the schema lacks (subscriptions) are refused
// - one mutation field per operation: a request is one write (20 aliased registerTenant calls would
//   be 20 writes behind one rate-limit check and one idempotency key)
// - one rate-limited code check per operation: each installCodeStatus reserves an attempt against the
//   address's failure limit in PostgreSQL, even once the address is limited (150 aliases were 150
//   round trips behind one request)
import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from "graphql";

const code = (reason: string) => ({ code: "BAD_USER_INPUT", reason });

/** The deepest brace nesting of a GraphQL source, skipping strings and comments. */
export function braceDepth(source: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "#") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === '"') {
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        i = end < 0 ? source.length : end + 2;
      } else {
        for (i++; i < source.length && source[i] !== '"' && source[i] !== "\n"; i++) if (source[i] === "\\") i++;
      }
    } else if (c === "{" || c === "[" || c === "(") {
      max = Math.max(max, ++depth);
    } else if (c === "}" || c === "]" || c === ")") {
      depth--;
    }
  }
  return max;
}

// eslint-disable-next-line no-control-regex
const NUL = /\u0000/;

/** A string that is not valid text for this service (NUL, lone surrogates), else undefined. */
export function invalidText(value: string): string | undefined {
  if (NUL.test(value)) return "contains a NUL character";
  if (!value.isWellFormed()) return "contains a lone UTF-16 surrogate (not valid Unicode text)";
  return undefined;
}

/**
 * The first problem inside a JSON value (variables): nesting deeper than maxDepth, or a string or key
 * that is not valid text. Iterative, so no input can overflow the stack (5,000 nested lists did).
 */
export function findInvalidText(value: unknown, maxDepth = 64, root = "variables"): { path: string; problem: string } | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (stack.length) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === "string") {
      const problem = invalidText(v);
      if (problem) return { path, problem };
    } else if (v && typeof v === "object") {
      if (depth >= maxDepth) return { path, problem: `nests deeper than ${maxDepth} levels` };
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${path}[${i}]`, depth: depth + 1 });
      } else {
        const entries = Object.entries(v);
        for (const [k] of entries) {
          const keyProblem = invalidText(k);
          if (keyProblem) return { path: `${path} key`, problem: keyProblem };
        }
        for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], path: `${path}.${entries[i]![0]}`, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/** Refuses string literals that are not valid text. */
export function validTextRule(context: ValidationContext): ASTVisitor {
  return {
    StringValue(node) {
      const problem = invalidText(node.value);
      if (problem) context.reportError(new GraphQLError(`A string argument ${problem}.`, { nodes: node, extensions: code("INVALID_TEXT") }));
    },
  };
}

/**
 * How deep a __schema or __type selection may reach, counted from that field: the standard query
 * nests 14 levels (fields > args > type > 9 × ofType); a few more for tools asking one ofType deeper.
 */
export const INTROSPECTION_MAX_DEPTH = 16;

const INTROSPECTION_ROOTS: ReadonlySet<string> = new Set(["__schema", "__type"]);

/**
 * The deepest field nesting below `root` (fragments followed once per path; iterative), where a
 * field named in `apart` counts one level and its own subtree is measured into `apartDepth`.
 * The walk stops one level past `limit` (enough to report it).
 */
function deepest(
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  root: SelectionSetNode,
  limit: number,
  apart?: { names: ReadonlySet<string>; limit: number; depth: number },
): number {
  let max = 0;
  const stack: { set: SelectionSetNode; depth: number; seen: Set<string> }[] = [{ set: root, depth: 0, seen: new Set() }];
  while (stack.length) {
    const { set, depth, seen } = stack.pop()!;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        max = Math.max(max, depth + 1);
        if (apart && sel.selectionSet && apart.names.has(sel.name.value)) {
          apart.depth = Math.max(apart.depth, 1 + deepest(fragments, sel.selectionSet, apart.limit - 1));
        } else if (sel.selectionSet && depth + 1 <= limit) {
          stack.push({ set: sel.selectionSet, depth: depth + 1, seen });
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        stack.push({ set: sel.selectionSet, depth, seen });
      } else {
        const f = fragments.get(sel.name.value);
        if (f && !seen.has(f.name.value)) stack.push({ set: f.selectionSet, depth, seen: new Set([...seen, f.name.value]) });
      }
    }
  }
  return max;
}

/**
 * Refuses selections deeper than maxDepth; an introspection selection (__schema, __type) counts one
 * level there and may itself reach introspectionMaxDepth.
 */
export function depthRule(maxDepth: number, introspectionMaxDepth = INTROSPECTION_MAX_DEPTH) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    return {
      OperationDefinition(node) {
        const introspection = { names: INTROSPECTION_ROOTS, limit: introspectionMaxDepth, depth: 0 };
        const depth = deepest(fragments, node.selectionSet, maxDepth, introspection);
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`Query depth ${depth} exceeds the limit of ${maxDepth}.`, { nodes: node, extensions: { ...code("DEPTH_LIMIT"), limit: "depth" } }),
          );
        } else if (introspection.depth > introspectionMaxDepth) {
          context.reportError(
            new GraphQLError(`Introspection depth ${introspection.depth} exceeds the limit of ${introspectionMaxDepth} (counted from __schema or __type).`, {
              nodes: node,
              extensions: { ...code("DEPTH_LIMIT"), limit: "introspectionDepth" },
            }),
          );
        }
      },
    };
  };
}

/** An operation whose root type the schema lacks (a subscription here) is a validation error, not a 500. */
export function knownOperationTypeRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (!context.getSchema().getRootType(node.operation)) {
        context.reportError(new GraphQLError(`This service has no ${node.operation} operations.`, { nodes: node, extensions: code("UNSUPPORTED_OPERATION") }));
      }
    },
  };
}

/** The root fields of an operation (aliases and fragments followed), in document order. */
function rootFields(context: ValidationContext, set: SelectionSetNode, seen = new Set<string>()): { name: string; alias: string }[] {
  const out: { name: string; alias: string }[] = [];
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) out.push({ name: sel.name.value, alias: sel.alias?.value ?? sel.name.value });
    else if (sel.kind === Kind.INLINE_FRAGMENT) out.push(...rootFields(context, sel.selectionSet, seen));
    else if (!seen.has(sel.name.value)) {
      const f = context.getFragment(sel.name.value);
      if (f) out.push(...rootFields(context, f.selectionSet, new Set([...seen, sel.name.value])));
    }
  }
  return out;
}

/** At most one of the rate-limited code checks (root fields named in `fields`) per operation. */
export function oneCodeCheckRule(fields: ReadonlySet<string>) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const checks = rootFields(context, node.selectionSet).filter((f) => fields.has(f.name));
      if (checks.length > 1) {
        const names = [...new Set(checks.map((f) => f.name))].join(" / ");
        context.reportError(
          new GraphQLError(
            `A request may carry one ${names} (a rate-limited install-code check); this one has ${checks.length}. Send each as its own request.`,
            {
              nodes: node,
              extensions: code("ONE_CODE_CHECK_PER_REQUEST"),
            },
          ),
        );
      }
    },
  });
}

/** At most one field (besides __typename) at the root of a mutation. */
export function singleMutationRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (node.operation !== "mutation") return;
      const names = rootFields(context, node.selectionSet)
        .filter((f) => f.name !== "__typename")
        .map((f) => f.alias);
      if (names.length > 1) {
        context.reportError(
          new GraphQLError(`A request may carry one mutation; this one has ${names.length} (${names.slice(0, 5).join(", ")}). Send each as its own request.`, {
            nodes: node,
            extensions: code("ONE_MUTATION_PER_REQUEST"),
          }),
        );
      }
    },
  };
}
