// The outbox worker's decisions (api/src/mail/outbox-machine.ts): what it believes of the mail service
// and what it does next, event by event. The worker around it only performs the effects.
import type { ClaimedEmail } from "../../api/src/data/outbox.js";
import {
  initialOutboxState,
  next,
  phaseOf,
  type DeliveryOutcome,
  type MailService,
  type OutboxEvent,
  type OutboxState,
} from "../../api/src/mail/outbox-machine.js";

const settings = { slots: 2, pollMs: 2000, probeMs: 500 };
const row = (id: string): ClaimedEmail => ({ id, recipient: `${id}@example.test`, sealedMessage: "sealed", attempts: 1, leaseToken: `lease-${id}` });
const state = (o: Partial<OutboxState> = {}): OutboxState => ({ ...initialOutboxState(settings), ...o });
const sent = (id: string): DeliveryOutcome => ({ sent: true, id });
const failed = (id: string, kind: "service" | "temporary" | "permanent"): DeliveryOutcome => ({ sent: false, kind, id });

const accepting: MailService = { kind: "accepting" };
const refusing = (...refused: string[]): MailService => ({ kind: "refusing", refused });
const unreachable = (...refused: string[]): MailService => ({ kind: "unreachable", refused });

const UNREACHABLE_LOG = { type: "log", level: "warn", msg: "mail service unreachable: pausing the outbox and probing it" };
const REFUSING_LOG = { type: "log", level: "warn", msg: "mail service refuses mail: pausing the outbox and probing it with one message at a time" };

/** Only what changed, to keep the table readable. */
const changed = (before: OutboxState, after: OutboxState) =>
  Object.fromEntries(Object.entries(after).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k as keyof OutboxState])));

describe("next(state, event)", () => {
  it.each<[string, Partial<OutboxState>, OutboxEvent, Partial<OutboxState>, unknown[]]>([
    ["start: the first pass at once", {}, { type: "start" }, {}, [{ type: "arm timer", ms: 0 }]],
    ["timer, service accepting: a claim loop starts", {}, { type: "timer" }, { draining: true }, [{ type: "claim" }]],
    ["kick while a claim loop runs: nothing more (claims follow each other)", { draining: true }, { type: "kick" }, {}, []],
    ["kick while probing: nothing (the probe decides)", { service: refusing("a") }, { type: "kick" }, {}, []],
    ["kick with every slot busy: the loop ends at once, poll later", { inflight: 2 }, { type: "kick" }, {}, [{ type: "arm timer", ms: 2000 }]],
    [
      "claimed with a slot left: send it and claim the next",
      { draining: true },
      { type: "claimed", row: row("a") },
      { inflight: 1 },
      [{ type: "deliver", row: row("a") }, { type: "claim" }],
    ],
    [
      "claimed into the last slot: send it, the loop ends, poll later",
      { draining: true, inflight: 1 },
      { type: "claimed", row: row("b") },
      { inflight: 2, draining: false },
      [
        { type: "deliver", row: row("b") },
        { type: "arm timer", ms: 2000 },
      ],
    ],
    [
      "claimed after stop: still sent (stopping abandons and gives it back), nothing more claimed",
      { draining: true, stopped: true },
      { type: "claimed", row: row("a") },
      { inflight: 1, draining: false },
      [{ type: "deliver", row: row("a") }],
    ],
    ["nothing due: the loop ends, poll later", { draining: true }, { type: "nothing due" }, { draining: false }, [{ type: "arm timer", ms: 2000 }]],
    [
      "nothing due while a send found the service unreachable: no poll (the probe timer is armed)",
      { draining: true, service: unreachable() },
      { type: "nothing due" },
      { draining: false },
      [],
    ],
    [
      "a claim failed (database away): logged, poll later",
      { draining: true },
      { type: "claim failed", err: "boom" },
      { draining: false },
      [
        { type: "log", level: "warn", msg: "outbox pass failed", fields: { err: "boom" } },
        { type: "arm timer", ms: 2000 },
      ],
    ],
    [
      "sent: the slot frees, claiming goes on",
      { inflight: 2 },
      { type: "delivered", outcome: sent("a") },
      { inflight: 1, draining: true },
      [{ type: "claim" }],
    ],
    [
      "sent while a claim loop runs: the loop goes on by itself",
      { inflight: 1, draining: true },
      { type: "delivered", outcome: sent("a") },
      { inflight: 0 },
      [],
    ],
    [
      "permanent refusal (5xx): judged, claiming goes on",
      { inflight: 1 },
      { type: "delivered", outcome: failed("a", "permanent") },
      { inflight: 0, draining: true },
      [{ type: "claim" }],
    ],
    [
      "unreachable: pause, say so once, probe with verify",
      { inflight: 2 },
      { type: "delivered", outcome: failed("a", "service") },
      { inflight: 1, service: unreachable() },
      [UNREACHABLE_LOG, { type: "arm timer", ms: 500 }],
    ],
    [
      "unreachable again: not said twice, the probe timer re-armed",
      { inflight: 1, service: unreachable() },
      { type: "delivered", outcome: failed("b", "service") },
      { inflight: 0 },
      [{ type: "arm timer", ms: 500 }],
    ],
    [
      "a temporary refusal (4xx): pause, say so once, probe with a message",
      { inflight: 1 },
      { type: "delivered", outcome: failed("a", "temporary") },
      { inflight: 0, service: refusing("a") },
      [REFUSING_LOG, { type: "arm timer", ms: 500 }],
    ],
    [
      "another refusal: counted once per message",
      { inflight: 1, service: refusing("a") },
      { type: "delivered", outcome: failed("b", "temporary") },
      { inflight: 0, service: refusing("a", "b") },
      [{ type: "arm timer", ms: 500 }],
    ],
    [
      "the same message refused again: not counted twice",
      { inflight: 1, service: refusing("a") },
      { type: "delivered", outcome: failed("a", "temporary") },
      { inflight: 0 },
      [{ type: "arm timer", ms: 500 }],
    ],
    [
      "a refusal while unreachable: remembered, still unreachable",
      { inflight: 1, service: unreachable() },
      { type: "delivered", outcome: failed("a", "temporary") },
      { inflight: 0, service: unreachable("a") },
      [REFUSING_LOG, { type: "arm timer", ms: 500 }],
    ],
    [
      "one refused message, then one accepted: only that message was refused, claiming resumes",
      { inflight: 1, service: refusing("a") },
      { type: "delivered", outcome: sent("b") },
      { inflight: 0, service: accepting, draining: true },
      [{ type: "claim" }],
    ],
    [
      "several refused, then one accepted: it was the service, every backed-off message goes now",
      { inflight: 1, service: refusing("a", "b") },
      { type: "delivered", outcome: sent("c") },
      { inflight: 0, service: accepting },
      [{ type: "expedite", reason: "mail service accepts mail again: resuming the outbox" }],
    ],
    [
      "several refused, then unreachable, then one accepted: expedited, still unreachable",
      { inflight: 1, service: unreachable("a", "b") },
      { type: "delivered", outcome: sent("c") },
      { inflight: 0, service: unreachable() },
      [{ type: "expedite", reason: "mail service accepts mail again: resuming the outbox" }],
    ],
    ["an outcome after stop: only the slot frees", { inflight: 1, stopped: true }, { type: "delivered", outcome: failed("a", "service") }, { inflight: 0 }, []],
    ["timer, unreachable: ask the service", { service: unreachable("a") }, { type: "timer" }, {}, [{ type: "verify" }]],
    [
      "timer, one refused: probe with the soonest message, its attempt counted",
      { service: refusing("a") },
      { type: "timer" },
      {},
      [{ type: "probe claim", countAttempt: true }],
    ],
    [
      "timer, several refused: the service refuses, probes cost no attempts",
      { service: refusing("a", "b") },
      { type: "timer" },
      {},
      [{ type: "probe claim", countAttempt: false }],
    ],
    ["timer after stop: nothing", { stopped: true }, { type: "timer" }, {}, []],
    ["probe claimed: send it", { service: refusing("a") }, { type: "probe claimed", row: row("a") }, { inflight: 1 }, [{ type: "deliver", row: row("a") }]],
    [
      "probe found nothing: the refusals are over, claiming resumes",
      { service: refusing("a") },
      { type: "probe found nothing" },
      { service: accepting, draining: true },
      [{ type: "claim" }],
    ],
    [
      "probe failed (database): logged, probe again",
      { service: refusing("a") },
      { type: "probe failed", err: "boom" },
      {},
      [
        { type: "log", level: "warn", msg: "outbox probe failed", fields: { err: "boom" } },
        { type: "arm timer", ms: 500 },
      ],
    ],
    [
      "the service answers: every backed-off message goes now",
      { service: unreachable("a") },
      { type: "service answers" },
      { service: accepting },
      [{ type: "expedite", reason: "mail service answers again: resuming the outbox" }],
    ],
    ["the service answers after stop: nothing", { service: unreachable(), stopped: true }, { type: "service answers" }, {}, []],
    ["the service is silent: ask again later", { service: unreachable() }, { type: "service silent" }, {}, [{ type: "arm timer", ms: 500 }]],
    [
      "expedited: said with the count, claiming resumes",
      {},
      { type: "expedited", due: 7, reason: "mail service answers again: resuming the outbox" },
      { draining: true },
      [{ type: "log", level: "info", msg: "mail service answers again: resuming the outbox", fields: { due: 7 } }, { type: "claim" }],
    ],
    ["stop: no timer, nothing new", { inflight: 2 }, { type: "stop" }, { stopped: true }, [{ type: "cancel timer" }]],
    ["kick after stop: nothing", { stopped: true }, { type: "kick" }, {}, []],
  ])("%s", (_, before, event, after, effects) => {
    const s = state(before);
    const t = next(s, event);
    expect(changed(s, t.state)).toEqual(after);
    expect(t.effects).toEqual(effects);
  });

  it("is pure: the state given is never changed", () => {
    const s = Object.freeze(state({ inflight: 1, service: Object.freeze(refusing("a")) }));
    expect(() => next(s, { type: "delivered", outcome: failed("b", "temporary") })).not.toThrow();
    expect(s).toEqual(state({ inflight: 1, service: refusing("a") }));
  });
});

describe("scenarios: the worker's life, event by event", () => {
  const run = (events: OutboxEvent[], from = initialOutboxState(settings)) => {
    let s = from;
    const effects = [];
    for (const e of events) {
      const t = next(s, e);
      s = t.state;
      effects.push(...t.effects.map((x) => x.type));
    }
    return { state: s, effects };
  };

  it("a refusing service over a long outage: probes go one at a time, without attempts once two were refused; the return resumes everything", () => {
    const { state: s, effects } = run([
      { type: "timer" },
      { type: "claimed", row: row("a") },
      { type: "claimed", row: row("b") },
      { type: "delivered", outcome: failed("a", "temporary") },
      { type: "delivered", outcome: failed("b", "temporary") },
      { type: "timer" },
    ]);
    // two sends refused: the pause is said once, each refusal re-arms the probe timer, which then probes
    expect(effects).toEqual(["claim", "deliver", "claim", "deliver", "arm timer", "log", "arm timer", "arm timer", "probe claim"]);
    expect(phaseOf(s)).toBe("probing");
    expect(s).toMatchObject({ inflight: 0, draining: false, service: refusing("a", "b") });
    expect(next(s, { type: "timer" }).effects).toEqual([{ type: "probe claim", countAttempt: false }]);
    const back = run(
      [
        { type: "probe claimed", row: row("a") },
        { type: "delivered", outcome: sent("a") },
        { type: "expedited", due: 2, reason: "back" },
      ],
      s,
    );
    expect(back.effects).toEqual(["deliver", "expedite", "log", "claim"]);
    expect(phaseOf(back.state)).toBe("draining");
  });

  it("never more sends at once than slots from the claim loop", () => {
    const { state: s, effects } = run([
      { type: "timer" },
      { type: "claimed", row: row("a") },
      { type: "claimed", row: row("b") },
      { type: "kick" },
      { type: "kick" },
    ]);
    expect(s.inflight).toBe(2);
    expect(effects.filter((e) => e === "deliver")).toHaveLength(2);
    expect(effects.filter((e) => e === "claim")).toHaveLength(2);
    expect(phaseOf(s)).toBe("idle");
  });

  it("phases", () => {
    expect(phaseOf(state())).toBe("idle");
    expect(phaseOf(state({ draining: true }))).toBe("draining");
    expect(phaseOf(state({ service: unreachable() }))).toBe("probing");
    expect(phaseOf(state({ service: refusing("a"), stopped: true }))).toBe("stopped");
  });
});
