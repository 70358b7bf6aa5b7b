import { describe, expect, it } from "vitest";
import {
  SECRET_KINDS,
  describeSecretFindings,
  findSecrets,
  maskSecrets,
  type SecretFinding,
} from "../../src/domain/secrets/index.js";
import { inSentence, secretSamples } from "../../scripts/evaluate/secret-samples.js";

// Secret-shaped values are assembled at run time from harmless pieces, so the source tree holds
// nothing a secret scanner (or a reader) would take for a credential.
const j = (...parts: string[]) => parts.join("");
const b64url = (s: string) => btoa(s).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

const SAMPLES = {
  aws: j("AKIA", "IOSFODNN7", "EXAMPLE"),
  awsSession: j("ASIA", "Y34FZKBOKMUTVV7A"),
  awsSecret: j("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY"),
  github: j("ghp", "_", "a1B2c3D4e5F6g7H8".repeat(2), "i9J0"),
  githubFine: j("github", "_pat_", "11ABCDEFG0", "abcdefghijklmnopqrstuvwxyz0123"),
  gitlab: j("glpat", "-", "xY3zA9bC1dE5fG7hJ2kL"),
  slack: j("xoxb", "-", "123456789012", "-", "4567890123456", "-", "AbCdEfGhIjKlMnOpQrStUvWx"),
  // A masked path ("XXXX...") is a placeholder and not reported; this one is shaped like a real one.
  slackHook: j("https://hooks.slack.com/services/", "T0A1B2C3D/B4E5F6G7H/", "q7Rk2Lm9Xv4Tz8Wb1Nc6Hd3J"),
  stripeLive: j("sk", "_live_", "4eC39HqLyjWDarjtT1zdp7dc"),
  stripeRestricted: j("rk", "_live_", "51HxYzAbCdEfGhIjKlMnOp"),
  stripeTest: j("sk", "_test_", "4eC39HqLyjWDarjtT1zdp7dc"),
  liveKey: j("rp", "_live_", "EXAMPLE_4f9c2d1a_NOT_A_REAL_KEY"),
  openaiProject: j("sk", "-proj-", "Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7"),
  openaiLegacy: j("sk", "-", "T3BlbkFJ", "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0"),
  anthropic: j("sk", "-ant-api03-", "Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Ab3De6Gh9Jk2"),
  google: j("AIza", "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"),
  npm: j("npm", "_", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
  sendgrid: j("SG", ".", "a1B2c3D4e5F6g7H8i9J0kL", ".", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X"),
  webhook: j("whsec", "_", "EXAMPLE0000notreal0000"),
  privateKey: j(
    "-----BEGIN RSA ",
    "PRIVATE KEY-----\n",
    "MIIEowIBAAKCAQEA7vJ3\nq8Zk9w==\n",
    "-----END RSA ",
    "PRIVATE KEY-----",
  ),
  jwt: j(
    b64url('{"alg":"HS256","typ":"JWT"}'),
    ".",
    b64url('{"sub":"1234567890"}'),
    ".",
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  ),
  bearer: j("Bearer ", "a1b2c3d4e5f6", "g7h8i9j0k1l2m3n4"),
  basic: j("Authorization: Basic ", btoa("admin:Tr0ub4dor&3")),
  conn: j("postgres://app:", "s3cr3tP4ss", "@db.internal:5432/prod"),
};

describe("findSecrets: each kind", () => {
  it.each<[string, string, string]>([
    ["AWS access key", `key id ${SAMPLES.aws} in the config`, SAMPLES.aws],
    ["AWS access key", `temporary ${SAMPLES.awsSession}`, SAMPLES.awsSession],
    ["AWS secret access key", `aws_secret_access_key = ${SAMPLES.awsSecret}`, SAMPLES.awsSecret],
    ["GitHub token", `GITHUB_TOKEN=${SAMPLES.github}`, SAMPLES.github],
    ["GitHub token", `a fine-grained one: ${SAMPLES.githubFine}.`, SAMPLES.githubFine],
    ["GitLab token", `token: ${SAMPLES.gitlab}`, SAMPLES.gitlab],
    ["Slack token", `bot token ${SAMPLES.slack}`, SAMPLES.slack],
    ["Slack webhook URL", `posting to ${SAMPLES.slackHook} fails`, SAMPLES.slackHook],
    ["Stripe-style live key", `"${SAMPLES.stripeLive}"`, SAMPLES.stripeLive],
    ["Stripe-style live key", `restricted ${SAMPLES.stripeRestricted}`, SAMPLES.stripeRestricted],
    ["Stripe-style test key", `test mode ${SAMPLES.stripeTest}`, SAMPLES.stripeTest],
    ["live API key", `RELAYPOINT_API_KEY=${SAMPLES.liveKey}`, SAMPLES.liveKey],
    ["OpenAI-style API key", `OPENAI_API_KEY=${SAMPLES.openaiProject}`, SAMPLES.openaiProject],
    ["OpenAI-style API key", `key ${SAMPLES.openaiLegacy}`, SAMPLES.openaiLegacy],
    ["Anthropic-style API key", `key ${SAMPLES.anthropic}`, SAMPLES.anthropic],
    ["Google API key", `maps key=${SAMPLES.google}&libraries=places`, SAMPLES.google],
    ["npm token", `//registry/:_authToken=${SAMPLES.npm}`, SAMPLES.npm],
    ["SendGrid API key", `SENDGRID=${SAMPLES.sendgrid}`, SAMPLES.sendgrid],
    ["webhook signing secret", `the secret (${SAMPLES.webhook}) leaked`, SAMPLES.webhook],
    ["private key block", `here:\n${SAMPLES.privateKey}\nthanks`, SAMPLES.privateKey],
    ["JWT", `id_token=${SAMPLES.jwt}`, SAMPLES.jwt],
    ["generic bearer token", `Authorization: ${SAMPLES.bearer}`, SAMPLES.bearer.slice("Bearer ".length)],
    ["basic auth credentials", SAMPLES.basic, btoa("admin:Tr0ub4dor&3")],
    ["connection string with credentials", `DATABASE_URL=${SAMPLES.conn}`, "s3cr3tP4ss"],
    ["password assignment", "password=hunter22", "hunter22"],
    ["password assignment", "DB_PASSWORD: 'c0rrect-h0rse'", "c0rrect-h0rse"],
    ["password assignment", '{"user":"ops","password":"Tr0ub4dor&3"}', "Tr0ub4dor&3"],
    ["password assignment", "pwd: S3cret!x", "S3cret!x"],
    ["password assignment", "my temporary password is Summer2024!", "Summer2024!"],
    ["credential assignment", "client_secret=9f8e7d6c5b4a39281706f5e4", "9f8e7d6c5b4a39281706f5e4"],
    ["credential assignment", "?access_token=ya29a0AfH6SMBx3y7Q2", "ya29a0AfH6SMBx3y7Q2"],
  ])("%s in %j", (kind, text, secret) => {
    const found = findSecrets(text);
    expect(found.map((f) => f.kind)).toEqual([kind]);
    const [f] = found as [SecretFinding];
    expect(text.slice(f.start, f.end)).toBe(secret);
  });

  it("covers every declared kind in the table above", () => {
    const texts = [
      ...Object.values(SAMPLES),
      // The provider formats have generated samples of their own (secrets-providers.test.ts).
      ...secretSamples().map((s) => inSentence(s.value)),
      "card 4111 1111 1111 1111",
      "password=hunter22",
      "client_secret=9f8e7d6c5b4a39281706f5e4",
      `aws_secret_access_key=${SAMPLES.awsSecret}`,
    ].join("\n\n");
    const kinds = new Set(findSecrets(texts).map((f) => f.kind));
    expect([...SECRET_KINDS].filter((k) => !kinds.has(k))).toEqual([]);
  });
});

describe("findSecrets: look-alikes that are not secrets", () => {
  it.each([
    "We use scikit-learn (sk-learn) and the sk-1 model.",
    "Ticket sk-live-demo is closed",
    "request id 123e4567-e89b-12d3-a456-426614174000",
    "fixed in commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
    `logo: data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ${SAMPLES.google}AAAAASUVORK5CYII=`,
    "Please send me the password reset link.",
    "Password: Incorrect",
    "password: required",
    "Your password must be at least 12 characters.",
    "Bearer of bad news: the renewal is delayed.",
    "bearer authentication/authorization tokens",
    "Contact john.doe@example.com or https://api.example.com:8443/v1/orders?page=2",
    "password: ********",
    "DB_PASSWORD=${DB_PASSWORD}",
    "password=<your password>",
    "postgres://user:password@localhost/db",
    "redis://localhost:6379/0",
    "next_page_token=abcdef1234567890abcdef",
    "publishable key pk_live_51HxYzAbCdEfGhIjKlMnOp is fine to share",
    "eyJhbGciOi is where our header starts",
    "the go_live_checklist_items table",
    "AKIA is the prefix of AWS access keys",
    "Authorization: Bearer ${TOKEN}",
  ])("ignores %j", (text) => {
    expect(findSecrets(text)).toEqual([]);
  });

  it("does not take a JWT-shaped string without an alg header for a token", () => {
    const notJwt = j(b64url('{"kid":"x"}'), ".", b64url('{"sub":"1"}'), ".", "c2lnbmF0dXJl");
    expect(findSecrets(`id=${notJwt}`)).toEqual([]);
  });
});

describe("findSecrets: hiding tricks and offsets", () => {
  it("sees a key split by a zero-width space and reports the original span", () => {
    const hidden = SAMPLES.github.slice(0, 10) + "\u200B" + SAMPLES.github.slice(10);
    const text = `token: ${hidden} ok`;
    const [f] = findSecrets(text);
    expect(f?.kind).toBe("GitHub token");
    expect(text.slice(f?.start, f?.end)).toBe(hidden);
  });

  it("sees a key typed in full-width characters", () => {
    const full = [...SAMPLES.stripeLive].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join("");
    const text = `key ${full}`;
    const [f] = findSecrets(text);
    expect(f?.kind).toBe("Stripe-style live key");
    expect(text.slice(f?.start, f?.end)).toBe(full);
  });

  it("keeps offsets right after astral characters (emoji)", () => {
    const text = `🔑🔑 leaked: ${SAMPLES.aws} 🙏`;
    const [f] = findSecrets(text);
    expect(text.slice(f?.start, f?.end)).toBe(SAMPLES.aws);
  });

  it("prefers the provider format over a generic assignment of the same value", () => {
    const text = `GITHUB_TOKEN=${SAMPLES.github}\napi_key=${SAMPLES.stripeLive}`;
    expect(findSecrets(text).map((f) => f.kind)).toEqual(["GitHub token", "Stripe-style live key"]);
  });

  it("reports several secrets in order, without overlaps", () => {
    const text = `a ${SAMPLES.aws} b password=hunter22 c ${SAMPLES.jwt} d`;
    const found = findSecrets(text);
    expect(found.map((f) => f.kind)).toEqual(["AWS access key", "password assignment", "JWT"]);
    for (let i = 1; i < found.length; i++) expect(found[i]!.start).toBeGreaterThanOrEqual(found[i - 1]!.end);
  });

  it("runs a private key block to its END line, or over its body when the END is missing", () => {
    const cut = j(
      "-----BEGIN ",
      "PRIVATE KEY-----\n",
      "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7",
      "\n\nCan you help?",
    );
    const [f] = findSecrets(cut);
    expect(f?.kind).toBe("private key block");
    expect(cut.slice(f?.start, f?.end)).toBe(cut.slice(0, cut.indexOf("\n\nCan")));
  });

  it("is deterministic", () => {
    const text = Object.values(SAMPLES).join(" ... ");
    const first = findSecrets(text);
    expect(first.length).toBeGreaterThanOrEqual(20);
    expect(findSecrets(text)).toEqual(first);
  });
});

describe("maskSecrets", () => {
  it("replaces each secret with its kind and keeps the surrounding text", () => {
    const text = `Use password=hunter22 and ${SAMPLES.github}, host ${SAMPLES.conn}.`;
    const { text: masked, masked: findings } = maskSecrets(text);
    expect(masked).toBe(
      "Use password=[REDACTED password assignment] and [REDACTED GitHub token], " +
        "host postgres://app:[REDACTED connection string with credentials]@db.internal:5432/prod.",
    );
    expect(findings.map((f) => text.slice(f.start, f.end))).toEqual([
      "hunter22",
      SAMPLES.github,
      "s3cr3tP4ss",
    ]);
    expect(findSecrets(masked)).toEqual([]);
  });

  it("returns the text unchanged when there is nothing to mask", () => {
    expect(maskSecrets("No secrets here.")).toEqual({ text: "No secrets here.", masked: [] });
  });

  it("never leaves any sample's secret part in the output", () => {
    // What is secret in each sample: the whole string, except where a label or host goes with it.
    const secretPart: Record<string, string> = {
      ...SAMPLES,
      bearer: SAMPLES.bearer.slice("Bearer ".length),
      basic: btoa("admin:Tr0ub4dor&3"),
      conn: "s3cr3tP4ss",
    };
    const texts = Object.entries(SAMPLES).map(([name, value]) =>
      name === "awsSecret" ? `aws_secret_access_key=${value}` : value,
    );
    const masked = maskSecrets(texts.join("\n")).text;
    for (const [name, part] of Object.entries(secretPart)) {
      expect({ name, leaked: masked.includes(part) }).toEqual({ name, leaked: false });
    }
  });
});

describe("describeSecretFindings", () => {
  it("names the field, the kinds and counts, and never the value", () => {
    const text = `${SAMPLES.github} password=hunter22 pwd=xyz789abc`;
    const message = describeSecretFindings("draftCustomerResponse", findSecrets(text));
    expect(message).toBe(
      "draftCustomerResponse contains what looks like a GitHub token (1 match) and a password assignment " +
        "(2 matches); remove them and try again. The values were not stored.",
    );
    for (const secret of [SAMPLES.github, "hunter22", "xyz789abc"]) expect(message).not.toContain(secret);
  });

  it("uses the singular for one finding and 'an' before a vowel", () => {
    expect(describeSecretFindings("rationale", findSecrets(`id ${SAMPLES.aws}`))).toBe(
      "rationale contains what looks like an AWS access key (1 match); remove it and try again. The value was not stored.",
    );
    expect(
      describeSecretFindings("feedback", findSecrets(`${SAMPLES.jwt} ${SAMPLES.npm} ${SAMPLES.slack}`)),
    ).toBe(
      "feedback contains what looks like a JWT (1 match), an npm token (1 match) and a Slack token (1 match); " +
        "remove them and try again. The values were not stored.",
    );
  });

  it("says so when there is nothing", () => {
    expect(describeSecretFindings("feedback", [])).toBe("feedback contains no secret-like value.");
  });
});

describe("bounded work on hostile input", () => {
  // Completion is the assertion: a catastrophic backtrack would hang the run.
  const SIZE = 200_000;
  const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);

  it.each([
    ["one long token", fill("a")],
    ["base64 soup", fill("QUtJQUFB")],
    ["repeated prefixes", fill("AKIA ghp_ sk_live_ xoxb- AIza ")],
    ["repeated assignments", fill("password=")],
    ["repeated assignment names", fill("db_password_api_key_token_")],
    ["repeated scheme openers", fill("a://")],
    ["userinfo without host", fill("x://user:")],
    ["jwt-like without dots", " eyJ" + fill("a")],
    ["jwt-like dotted", fill("eyJhbGciOi.")],
    ["bearer run", "Bearer " + fill("a")],
    ["key header without end", fill("-----BEGIN PRIVATE KEY-----\n")],
    ["key header and long body", "-----BEGIN PRIVATE KEY-----\n" + fill("A")],
    ["zero-width soup", fill("g\u200B")],
  ])("finishes on %s", (_name, text) => {
    const found = findSecrets(text);
    expect(Array.isArray(found)).toBe(true);
    expect(maskSecrets(text).text.length).toBeGreaterThan(0);
  });
});
