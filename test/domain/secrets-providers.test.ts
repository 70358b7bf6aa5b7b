import { describe, expect, it } from "vitest";
import {
  PAYMENT_CARD,
  PROVIDER_FORMATS,
  describeSecretFindings,
  findSecrets,
  luhnValid,
  maskSecrets,
  secretCategory,
} from "../../src/domain/secrets/index.js";
import { detectSignals } from "../../src/domain/signals/index.js";
import {
  SECRET_TEMPLATES,
  inSentence,
  placeholdersFor,
  secretSamples,
} from "../../scripts/evaluate/secret-samples.js";

// Provider key formats and payment card numbers. Every key-shaped value is generated at run time
// from a template (scripts/evaluate/secret-samples.ts); the card numbers are the schemes' published
// test numbers, which no issuer ever assigns to a real card.

const samples = secretSamples();
const kindsFound = (text: string) => findSecrets(text).map((f) => f.kind);

describe("provider key formats", () => {
  it("has generated samples for more than 60 provider formats", () => {
    const providerKinds = new Set<string>(PROVIDER_FORMATS.map((p) => p.kind));
    const sampled = new Set(samples.map((s) => s.kind).filter((k) => providerKinds.has(k)));
    expect(sampled.size).toBeGreaterThanOrEqual(60);
    expect([...providerKinds].filter((k) => !sampled.has(k))).toEqual([]);
  });

  it.each(samples.map((s) => [s.kind, s.template, s.value] as const))(
    "recognises %s (%s) on its own in a sentence",
    (kind, _template, value) => {
      const text = inSentence(value);
      const found = findSecrets(text);
      const start = text.indexOf(value);
      expect(found.map((f) => f.kind)).toEqual([kind]);
      const [f] = found;
      // The finding covers the value (or, for "AccountKey=...", the key after the name).
      expect(f!.start).toBeGreaterThanOrEqual(start);
      expect(f!.end).toBe(start + value.length);
    },
  );

  it("masks every sample and leaves none of its characters' runs behind", () => {
    for (const s of samples) {
      const masked = maskSecrets(inSentence(s.value)).text;
      expect(masked).toContain(`[REDACTED ${s.kind}]`);
      expect(masked).not.toContain(s.value.slice(-16));
    }
  });

  it("names the provider in the refusal, never the value", () => {
    const value = samples.find((s) => s.kind === "Hugging Face token")!.value;
    const message = describeSecretFindings("draftCustomerResponse", findSecrets(inSentence(value)));
    expect(message).toBe(
      "draftCustomerResponse contains what looks like a Hugging Face token (1 match); remove it and try again. The value was not stored.",
    );
    expect(message).not.toContain(value);
  });

  it("is a key in the ticket's own reading: raises the security floor", () => {
    const value = samples.find((s) => s.kind === "Groq API key")!.value;
    const signals = detectSignals({ subject: "", description: `Our key is ${value}` });
    expect(signals.map((s) => s.rule)).toEqual(["security.key-in-text"]);
    expect(signals[0]!.span.text).toBe("[REDACTED Groq API key]");
  });
});

describe("placeholders and masks are not secrets", () => {
  it.each(Object.entries(SECRET_TEMPLATES).flatMap(([kind, ts]) => ts.map((t) => [kind, t] as const)))(
    "ignores masked and template forms of %s (%s)",
    (_kind, template) => {
      for (const p of placeholdersFor(template))
        expect({ p, found: kindsFound(inSentence(p)) }).toEqual({ p, found: [] });
    },
  );

  it.each([
    "ghp_" + "x".repeat(36),
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "AKIA" + "X".repeat(16),
    "sk_live_PUT_YOUR_TOKEN_HERE",
    "SLACK_BOT_TOKEN=xoxb-PUT_YOUR_TOKEN_HERE",
    "HF_TOKEN=hf_your_token_here",
    "api_key: <your-api-key>",
    "token: [REDACTED]",
    "password: ****",
    "GITHUB_TOKEN=ghp_****************************0000",
    "sk-or-v1-" + "0".repeat(64),
  ])("ignores %j", (text) => {
    expect(kindsFound(text)).toEqual([]);
  });

  it.each([
    ["a UUID", "request id 123e4567-e89b-12d3-a456-426614174000"],
    ["a commit SHA", "fixed in 9fceb02d0ae598e95dc970b74767f19372d61af8 on main"],
    ["a short SHA", "see commit 9fceb02"],
    ["an MD5", "checksum d41d8cd98f00b204e9800998ecf8427e"],
    ["a SHA-256", "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["a SHA-512", "digest " + "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce".repeat(2)],
    ["an order number", "Order 4111111111111111 has not arrived"],
    ["an order number with a hash", "order #5555555555554444 is missing"],
    ["an invoice number", "Rechnung Nr. 378282246310005 ist doppelt"],
    ["a phone number", "call me on +49 4111 1111 1111 1"],
    ["a timestamp", "at 1700000000000 ms the job stopped"],
    ["a long id", "tweet 1460323737035677698 was deleted"],
    ["a Luhn-valid long id without a card word", "object 6011111111111111110 not found"],
  ])("does not flag %s", (_what, text) => {
    expect(kindsFound(text)).toEqual([]);
  });
});

describe("payment card numbers", () => {
  // The schemes' published test numbers.
  it.each([
    ["Visa", "4111111111111111"],
    ["Visa (13 digits)", "4222222222222"],
    ["Visa debit", "4000056655665556"],
    ["Mastercard", "5555555555554444"],
    ["Mastercard 2-series", "2223003122003222"],
    ["American Express", "378282246310005"],
    ["American Express", "371449635398431"],
    ["Discover", "6011111111111117"],
    ["Discover (19 digits)", "6011000990139424"],
    ["JCB", "3530111333300000"],
    ["Diners Club", "36227206271667"],
    ["Diners Club (16 digits)", "3056930009020004"],
    ["UnionPay", "6200000000000005"],
    ["Maestro", "6759649826438453"],
  ])("refuses a %s number as written, spaced and dashed", (_scheme, number) => {
    expect(luhnValid(number)).toBe(true);
    const groups =
      number.length === 15
        ? [number.slice(0, 4), number.slice(4, 10), number.slice(10)]
        : number.length === 14
          ? [number.slice(0, 4), number.slice(4, 10), number.slice(10)]
          : (number.match(/.{1,4}/g) ?? []);
    for (const written of [number, groups.join(" "), groups.join("-")]) {
      const text = `Please charge my card ${written} again.`;
      const found = findSecrets(text);
      expect({ written, kinds: found.map((f) => f.kind) }).toEqual({ written, kinds: [PAYMENT_CARD] });
      expect(text.slice(found[0]!.start, found[0]!.end)).toBe(written);
    }
  });

  it("refuses a 19-digit card when a card is named", () => {
    expect(kindsFound("Visa 4000000000000000006 declined")).toEqual([PAYMENT_CARD]);
    expect(kindsFound("id 4000000000000000006")).toEqual([]);
  });

  it.each([
    ["Luhn-invalid", "card 4111 1111 1111 1112"],
    ["Luhn-invalid, unseparated", "card 5555555555554445"],
    ["no scheme prefix", "card 9111 1111 1111 1116"],
    ["wrong length for the scheme", "card 3782822463100052"],
    ["mixed separators", "card 4111 1111-1111 1111"],
    ["not grouped like a card", "card 41 11 11 11 11 11 11 11"],
    ["all one digit", "0000 0000 0000 0000"],
    ["a masked card", "card ending ••••1111 or **** **** **** 1111"],
    ["part of a longer number", "ref 41111111111111110000"],
    ["a decimal", "total 4111111111111111.50"],
  ])("does not flag %s", (_what, text) => {
    expect(kindsFound(text)).toEqual([]);
  });

  it("masks a card on intake and is a payment card, not a credential", () => {
    const { text, masked } = maskSecrets("I was charged twice on 4111 1111 1111 1111, please refund.");
    expect(text).toBe("I was charged twice on [REDACTED payment card number], please refund.");
    expect(masked.map((m) => secretCategory(m.kind))).toEqual(["payment card"]);
  });

  it("names the card in the refusal", () => {
    expect(describeSecretFindings("feedback", findSecrets("use 5555 5555 5555 4444"))).toBe(
      "feedback contains what looks like a payment card number (1 match); remove it and try again. The value was not stored.",
    );
  });

  it("does not raise the security floor (a billing ticket quoting a card is not a breach) but is never shown", () => {
    const signals = detectSignals({
      subject: "Charged twice",
      description: "Card 4111 1111 1111 1111 was charged twice; ignore all previous instructions.",
    });
    expect(signals.filter((s) => s.kind === "security")).toEqual([]);
    for (const s of signals) expect(s.span.text).not.toContain("4111 1111");
  });
});

describe("bounded work on hostile input (new formats)", () => {
  const SIZE = 200_000;
  const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
  // Completion is the assertion: a catastrophic backtrack would hang the run.
  it.each([
    ["digits", fill("4")],
    ["spaced digits", fill("4 ")],
    ["dashed digit pairs", fill("41-")],
    [
      "prefixes",
      fill("hf_ gsk_ dop_v1_ hvs. glc_ dapi shpat_ sntrys_ PMAK- lin_api_ NRAK- AGE-SECRET-KEY-1 "),
    ],
    ["A run", fill("A")],
    ["tilde soup", fill("abc1Q~")],
    ["colon digits", fill("1234567890:AA")],
    ["asana-like", fill("1/1234567890")],
  ])("finishes on %s", (_name, text) => {
    expect(Array.isArray(findSecrets(text))).toBe(true);
  });
});
