// The outbox worker's decisions as a pure state machine: `next(state, event)` says what the worker now
// believes and what it must do (claim, send, probe, wait, log); outbox-worker.ts performs those effects
// and feeds their results back as events. No I/O and no clock here, so every rule has a table test.
//
// What the worker believes of the mail service decides what it does when its timer fires:
//   accepting    claim due messages, up to `slots` sends at once, and poll every pollMs;
//   refusing     some messages were refused (4xx): claim nothing, every probeMs send the message due
//                soonest (even early; with two or more refused, without counting an attempt);
//   unreachable  a send could not reach the service: claim nothing, every probeMs ask it (verify).
// An accepted message after several refusals shows the service was refusing, not those messages: every
// message waiting out a backoff becomes due at once (expedite), as when an unreachable service answers.
import type { ClaimedEmail } from "../data/outbox.js";
import type { FailureKind } from "./send-failure.js";

export type MailService =
  | { kind: "accepting" }
  /** `refused`: ids of the messages refused since the last accepted one (never empty here) */
  | { kind: "refusing"; refused: readonly string[] }
  /** refusals seen before it became unreachable are kept: a later acceptance still tells a service-wide refusal */
  | { kind: "unreachable"; refused: readonly string[] };

export interface OutboxSettings {
  /** sends at once */
  slots: number;
  pollMs: number;
  probeMs: number;
}

export interface OutboxState {
  readonly settings: OutboxSettings;
  /** stopped: nothing new is claimed or probed (sends in flight finish or are abandoned) */
  readonly stopped: boolean;
  readonly service: MailService;
  /** a claim loop is running (one at a time: claims follow each other) */
  readonly draining: boolean;
  /** sends in flight */
  readonly inflight: number;
}

/** One send's result, as the worker recorded it. */
export type DeliveryOutcome = { sent: true; id: string } | { sent: false; kind: FailureKind; id: string };

/** R: the claimed row (an email; a webhook delivery for the webhook worker, which reuses this machine). */
export type OutboxEvent<R = ClaimedEmail> =
  /** the worker starts */
  | { type: "start" }
  /** a transaction queued mail */
  | { type: "kick" }
  /** the timer armed last fired */
  | { type: "timer" }
  | { type: "claimed"; row: R }
  | { type: "nothing due" }
  | { type: "claim failed"; err: unknown }
  /** a probe's early claim of the message due soonest */
  | { type: "probe claimed"; row: R }
  | { type: "probe found nothing" }
  | { type: "probe failed"; err: unknown }
  | { type: "delivered"; outcome: DeliveryOutcome }
  | { type: "service answers" }
  | { type: "service silent" }
  /** messages waiting out a backoff were made due (expedite) */
  | { type: "expedited"; due: number; reason: string }
  | { type: "stop" };

export type OutboxEffect<R = ClaimedEmail> =
  | { type: "claim" }
  /** claim the message due soonest, even early; `countAttempt`: its attempt counts if it was due */
  | { type: "probe claim"; countAttempt: boolean }
  | { type: "deliver"; row: R }
  /** ask the mail service whether it answers (SMTP verify) */
  | { type: "verify" }
  /** make every message waiting out a failure's backoff due now, then report `expedited` with reason */
  | { type: "expedite"; reason: string }
  /** (re)arm the one timer: it replaces any timer armed before */
  | { type: "arm timer"; ms: number }
  | { type: "cancel timer" }
  | { type: "log"; level: "info" | "warn"; msg: string; fields?: Record<string, unknown> };

export interface Transition<R = ClaimedEmail> {
  state: OutboxState;
  effects: OutboxEffect<R>[];
}

export const initialOutboxState = (settings: OutboxSettings): OutboxState => ({
  settings,
  stopped: false,
  service: { kind: "accepting" },
  draining: false,
  inflight: 0,
});

/** What the worker is doing, for logs and tests. */
export function phaseOf(s: OutboxState): "stopped" | "probing" | "draining" | "idle" {
  if (s.stopped) return "stopped";
  if (s.service.kind !== "accepting") return "probing";
  return s.draining ? "draining" : "idle";
}

const paused = (s: OutboxState) => s.service.kind !== "accepting";
const refusedOf = (service: MailService) => (service.kind === "accepting" ? [] : service.refused);

/** A timer nobody will see fire once stopped. */
const arm = <R>(s: OutboxState, ms: number): OutboxEffect<R>[] => (s.stopped ? [] : [{ type: "arm timer", ms }]);

/** A claim loop ended: poll again later unless the service is paused (then a probe timer is armed). */
const endDrain = <R>(s: OutboxState): Transition<R> => {
  const state = { ...s, draining: false };
  return { state, effects: paused(state) ? [] : arm(state, s.settings.pollMs) };
};

/** Claim while the service accepts and a slot is free; only one claim loop at a time. */
function drain<R>(s: OutboxState): Transition<R> {
  if (s.stopped || paused(s) || s.draining) return { state: s, effects: [] };
  if (s.inflight >= s.settings.slots) return endDrain(s);
  return { state: { ...s, draining: true }, effects: [{ type: "claim" }] };
}

/** The claim loop goes on after a claim: the next claim, or its end. */
function continueDrain<R>(s: OutboxState): Transition<R> {
  if (!s.stopped && !paused(s) && s.inflight < s.settings.slots) return { state: s, effects: [{ type: "claim" }] };
  return endDrain(s);
}

const withEffects = <R>(t: Transition<R>, first: OutboxEffect<R>[]): Transition<R> => ({ state: t.state, effects: [...first, ...t.effects] });

/** What one send's outcome says about the mail service. */
function settle<R>(s: OutboxState, outcome: DeliveryOutcome): Transition<R> {
  if (s.stopped) return { state: s, effects: [] };
  const refused = refusedOf(s.service);
  if (outcome.sent || outcome.kind === "permanent") {
    // the service takes (or definitively judges) mail again; if it had refused several messages, that
    // was the service, not those messages: they may all go now
    const serviceWide = outcome.sent && refused.length > 1;
    const state: OutboxState = { ...s, service: s.service.kind === "unreachable" ? { kind: "unreachable", refused: [] } : { kind: "accepting" } };
    if (serviceWide) return { state, effects: [{ type: "expedite", reason: "mail service accepts mail again: resuming the outbox" }] };
    return drain(state);
  }
  if (outcome.kind === "service") {
    const log: OutboxEffect<R>[] =
      s.service.kind === "unreachable" ? [] : [{ type: "log", level: "warn", msg: "mail service unreachable: pausing the outbox and probing it" }];
    const state: OutboxState = { ...s, service: { kind: "unreachable", refused } };
    return { state, effects: [...log, ...arm<R>(state, s.settings.probeMs)] };
  }
  const log: OutboxEffect<R>[] = refused.length
    ? []
    : [{ type: "log", level: "warn", msg: "mail service refuses mail: pausing the outbox and probing it with one message at a time" }];
  const nowRefused = refused.includes(outcome.id) ? refused : [...refused, outcome.id];
  const state: OutboxState = {
    ...s,
    service: s.service.kind === "unreachable" ? { kind: "unreachable", refused: nowRefused } : { kind: "refusing", refused: nowRefused },
  };
  return { state, effects: [...log, ...arm<R>(state, s.settings.probeMs)] };
}

export function next<R = ClaimedEmail>(s: OutboxState, event: OutboxEvent<R>): Transition<R> {
  switch (event.type) {
    case "start":
      return { state: s, effects: arm(s, 0) };
    case "kick":
      return drain(s);
    case "timer":
      if (s.stopped) return { state: s, effects: [] };
      if (s.service.kind === "unreachable") return { state: s, effects: [{ type: "verify" }] };
      // once several messages were refused it is the service refusing: probes cost no attempts then
      if (s.service.kind === "refusing") return { state: s, effects: [{ type: "probe claim", countAttempt: s.service.refused.length < 2 }] };
      return drain(s);
    case "claimed": {
      // a message claimed is always sent (even if the worker stopped meanwhile: stopping abandons it and gives it back)
      const state = { ...s, inflight: s.inflight + 1 };
      return withEffects(continueDrain(state), [{ type: "deliver", row: event.row }]);
    }
    case "nothing due":
      return endDrain(s);
    case "claim failed":
      // the database is away or saturated: the next poll tries again
      return withEffects(endDrain(s), [{ type: "log", level: "warn", msg: "outbox pass failed", fields: { err: event.err } }]);
    case "probe claimed":
      return { state: { ...s, inflight: s.inflight + 1 }, effects: [{ type: "deliver", row: event.row }] };
    case "probe found nothing":
      // nothing left to probe with: the refusals are over
      return drain({ ...s, service: s.service.kind === "unreachable" ? { kind: "unreachable", refused: [] } : { kind: "accepting" } });
    case "probe failed":
      return { state: s, effects: [{ type: "log", level: "warn", msg: "outbox probe failed", fields: { err: event.err } }, ...arm<R>(s, s.settings.probeMs)] };
    case "delivered":
      return settle({ ...s, inflight: s.inflight - 1 }, event.outcome);
    case "service answers":
      if (s.stopped) return { state: s, effects: [] };
      return { state: { ...s, service: { kind: "accepting" } }, effects: [{ type: "expedite", reason: "mail service answers again: resuming the outbox" }] };
    case "service silent":
      return { state: s, effects: arm(s, s.settings.probeMs) };
    case "expedited":
      return withEffects(drain(s), [{ type: "log", level: "info", msg: event.reason, fields: { due: event.due } }]);
    case "stop":
      return { state: { ...s, stopped: true }, effects: [{ type: "cancel timer" }] };
  }
}
