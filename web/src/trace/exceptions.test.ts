import { describe, expect, it } from "vitest";
import { spanExceptions } from "./exceptions";

describe("spanExceptions", () => {
  it("reads the exception events as the OTel SDK's record_exception writes them, and only those", () => {
    const events = [
      { timeUnixNano: "1", name: "retry", attributes: { attempt: 2 } },
      {
        timeUnixNano: "2",
        name: "exception",
        attributes: {
          "exception.type": "TimeoutError",
          "exception.message": "emissions API timed out",
          "exception.stacktrace": 'Traceback (most recent call last):\n  File "agent.py", line 3',
          "exception.escaped": "False",
        },
      },
    ];
    expect(spanExceptions({ events })).toEqual([
      {
        type: "TimeoutError",
        message: "emissions API timed out",
        stacktrace: 'Traceback (most recent call last):\n  File "agent.py", line 3',
        escaped: false,
        timeUnixNano: "2",
      },
    ]);
  });
});
