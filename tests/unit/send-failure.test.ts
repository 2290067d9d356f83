// What a failed send says (api/src/mail/send-failure.ts): the service is away, it refused this message
// for now, or for good.
import { classifySendFailure } from "../../api/src/mail/send-failure.js";

describe("classifySendFailure", () => {
  it.each([
    [{ code: "ECONNECTION" }, "service"],
    [{ code: "ECONNREFUSED" }, "service"],
    [{ code: "ETIMEDOUT" }, "service"],
    [{ code: "ESOCKET" }, "service"],
    [{ code: "EDNS" }, "service"],
    [{ code: "ETLS" }, "service"],
    [{ responseCode: 421, code: "EENVELOPE" }, "service"], // 421: the service is closing the channel
    [{ responseCode: 451, code: "EENVELOPE" }, "temporary"],
    [{ responseCode: 452 }, "temporary"],
    [{ responseCode: 550, code: "EENVELOPE" }, "permanent"],
    [{ responseCode: 554 }, "permanent"],
    [new Error("something else"), "temporary"],
    [{}, "temporary"],
  ])("%j → %s", (err, kind) => {
    expect(classifySendFailure(err)).toBe(kind);
  });
});
