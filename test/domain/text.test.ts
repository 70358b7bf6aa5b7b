import { describe, expect, it } from "vitest";
import {
  STOPWORDS,
  TextAnalyzer,
  foldWord,
  normalizeText,
  scanWords,
  stem,
  surfaceForms,
  terms,
  tokenize,
} from "../../src/domain/text/index.js";

describe("normalizeText / foldWord", () => {
  it.each([
    ["Café", "cafe"],
    ["NAÏVE", "naive"],
    ["Ｆｕｌｌｗｉｄｔｈ", "fullwidth"], // NFKC
    ["ﬁle", "file"], // ligature
    ["İstanbul", "istanbul"], // dotted capital I lower-cases to i + combining dot
    ["Straße", "straße"],
    ["Crème Brûlée", "creme brulee"],
    ["ошибка", "ошибка"],
    ["Ошибка", "ошибка"],
  ])("normalizeText(%j) = %j", (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  it.each([
    ["Customer's", "customers"],
    ["don’t", "dont"],
    ["Résumé", "resume"],
    ["HTTP", "http"],
  ])("foldWord(%j) = %j", (input, expected) => {
    expect(foldWord(input)).toBe(expected);
  });

  it("keeps the marks that are part of non-Latin letters", () => {
    // Devanagari vowel signs are combining marks; removing them would change the word.
    expect(foldWord("हिन्दी")).toBe("हिन्दी");
  });
});

describe("stem", () => {
  const groups: [string, string[]][] = [
    ["charg", ["charge", "charged", "charges", "charging"]],
    ["rotat", ["rotate", "rotated", "rotates", "rotating", "rotation"]],
    ["verifi", ["verify", "verified", "verifies", "verifying", "verification"]],
    ["polici", ["policy", "policies"]],
    ["invoic", ["invoice", "invoices", "invoiced"]],
    ["duplicat", ["duplicate", "duplicated", "duplicates"]],
    ["fail", ["fail", "fails", "failed", "failing"]],
    ["log", ["log", "logs", "logged", "logging"]],
    ["bill", ["bill", "bills", "billed", "billing"]],
    ["time", ["time", "times", "timed", "timing"]],
    ["rate", ["rate", "rates", "rated", "rating"]],
    ["price", ["price", "prices", "priced", "pricing"]],
    ["escalat", ["escalate", "escalated", "escalating", "escalation", "escalations"]],
    ["notifi", ["notify", "notified", "notification", "notifications"]],
    ["connect", ["connect", "connected", "connection", "connections"]],
    ["authoriz", ["authorize", "authorized", "authorization"]],
    ["delet", ["delete", "deleted", "deleting", "deletion"]],
    ["migrat", ["migrate", "migrated", "migration"]],
    ["repli", ["reply", "replies", "replied"]],
    ["set", ["setting", "settings", "set"]],
    ["stop", ["stop", "stopped", "stopping", "stops"]],
    ["request", ["request", "requests", "requested", "requesting"]],
    ["api", ["api", "apis"]],
    ["user", ["user", "users"]],
    ["address", ["address", "addresses"]],
    ["availabl", ["available", "availability"]],
    ["activ", ["active", "activity"]],
    ["outag", ["outage", "outages"]],
    ["signatur", ["signature", "signatures"]],
    ["sudden", ["suddenly", "sudden"]],
    ["month", ["month", "months", "monthly"]],
    ["success", ["success", "successful"]],
  ];
  it.each(groups)("%s <- %j", (expected, words) => {
    for (const w of words) expect([w, stem(w)]).toEqual([w, expected]);
  });

  it.each([
    // Words the stemmer must leave alone or cut conservatively.
    ["status", "status"],
    ["analysis", "analysis"],
    ["access", "access"],
    ["gas", "gas"],
    ["need", "need"],
    ["apply", "appli"],
    ["family", "famili"],
    ["anomaly", "anomali"],
    ["sso", "sso"],
    ["503", "503"],
    ["5xx", "5xx"],
    ["v2", "v2"],
    ["inv2048", "inv2048"],
    ["ошибки", "ошибки"],
    ["string", "string"],
    ["thing", "thing"],
  ])("stem(%j) = %j", (word, expected) => {
    expect(stem(word)).toBe(expected);
  });

  it("never returns an empty or one-letter stem for a longer word", () => {
    const alphabet = "abcdefghijklmnopqrstuvwxyz";
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const endings = ["", "s", "es", "ies", "ed", "ing", "ly", "ation", "ness", "ful", "ion", "e", "y"];
    for (let i = 0; i < 5000; i++) {
      const length = 1 + Math.floor(rnd() * 6);
      let w = "";
      for (let j = 0; j < length; j++) w += alphabet[Math.floor(rnd() * 26)];
      w += endings[Math.floor(rnd() * endings.length)];
      const s = stem(w);
      expect(s.length).toBeGreaterThan(0);
      if (w.length >= 2) expect(s.length).toBeGreaterThanOrEqual(2);
      expect(stem(w)).toBe(s); // deterministic
    }
  });
});

describe("tokenize", () => {
  it("keeps numbers and mixed tokens, splits on punctuation and drops stopwords", () => {
    expect(terms("All requests to the EU API return HTTP 503 (5xx) with marker eu-edge-17.")).toEqual([
      "request",
      "eu",
      "api",
      "return",
      "http",
      "503",
      "5xx",
      "marker",
      "eu",
      "edg",
      "17",
    ]);
  });

  it.each([
    ["INV-2048", ["inv", "2048"]],
    ["customer's invoice", ["customer", "invoic"]],
    ["We don't see it", ["see"]], // "dont" is a stopword once the apostrophe is gone
    ["a b c x", []],
    ["the and of", []],
    ["Café crème", ["cafe", "creme"]],
    ["Ошибка входа", ["ошибка", "входа"]],
    ["ｅｕ ａｐｉ ５０３", ["eu", "api", "503"]],
    ["½", ["1", "2"]],
    ["无法登录", ["无法", "法登", "登录"]],
    ["登", ["登"]],
    ["ログイン error", ["ログ", "グイ", "イン", "error"]],
    ["x".repeat(65) + " ok", ["ok"]],
    ["", []],
    ["   \n\t ", []],
  ])("terms(%j) = %j", (text, expected) => {
    expect(terms(text)).toEqual(expected);
  });

  it("reports offsets into the original text and the surface form", () => {
    const text = "Webhook SIGNATURES fail";
    const tokens = tokenize(text);
    expect(tokens.map((t) => [t.term, t.surface, text.slice(t.start, t.end)])).toEqual([
      ["webhook", "webhook", "Webhook"],
      ["signatur", "signatures", "SIGNATURES"],
      ["fail", "fail", "fail"],
    ]);
  });

  it("offsets stay right on non-ASCII text", () => {
    const text = "Crème — naïve user's café!";
    for (const t of tokenize(text)) expect(foldWord(text.slice(t.start, t.end))).toBe(foldWord(t.surface));
  });

  it("reports stopwords only when asked, flagged", () => {
    expect(tokenize("sign in to the app").map((t) => t.term)).toEqual(["sign", "app"]);
    expect(tokenize("sign in to the app", { keepStopwords: true }).map((t) => [t.term, t.stopword])).toEqual([
      ["sign", false],
      ["in", true],
      ["to", true],
      ["the", true],
      ["app", false],
    ]);
  });

  it("the first surface form seen wins", () => {
    const forms = surfaceForms(tokenize("Charged twice. The charges were charged again."));
    expect(forms.get("charg")).toBe("charged");
    expect(forms.get("twice")).toBe("twice");
  });

  it("scanWords joins inner apostrophes only", () => {
    const words: string[] = [];
    scanWords("'quoted' customer's o'clock end'", (w) => words.push(w));
    expect(words).toEqual(["quoted", "customer's", "o'clock", "end"]);
  });

  it("the analyzer's memo never changes results", () => {
    const analyzer = new TextAnalyzer(3);
    const text = "Rotated secrets, rotating keys, and the rotation of webhook signing secrets";
    const first = analyzer.terms(text);
    for (let i = 0; i < 5; i++) expect(analyzer.terms(text)).toEqual(first);
    expect(first).toEqual(terms(text));
  });

  it("keeps the stopword list compact and free of topic words", () => {
    expect(STOPWORDS.size).toBeLessThan(200);
    for (const word of ["down", "cannot", "error", "outage", "refund", "login", "api"]) {
      expect(STOPWORDS.has(word)).toBe(false);
    }
    for (const word of ["the", "and", "is", "please", "we"]) expect(STOPWORDS.has(word)).toBe(true);
  });
});
