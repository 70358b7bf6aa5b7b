// Generated key-shaped values, one or more per provider format, for the secret detector's tests and
// its evaluation. Nothing here is a real credential: every value is drawn from a seeded generator
// at run time from a template ("hf_{L:34}": the prefix, then 34 letters), so the source tree holds
// no key-shaped literal. The templates follow each provider's documented token shape.

/** Character classes a template can draw from. */
const CLASSES: Record<string, string> = {
  L: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
  l: "abcdefghijklmnopqrstuvwxyz",
  U: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  d: "0123456789",
  h: "0123456789abcdef",
  H: "0123456789ABCDEF",
  a: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
  x: "abcdefghijklmnopqrstuvwxyz0123456789",
  X: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
  u: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
  b: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
  g: "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
};

/** Templates per kind: literal text with {class:length} slots. */
export const SECRET_TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  "AWS access key": ["AKIA{X:16}", "ASIA{X:16}"],
  "GitHub token": ["ghp_{a:36}", "gho_{a:36}", "ghs_{a:36}", "github_pat_{a:22}_{a:59}"],
  "GitLab token": ["glpat-{u:20}", "glptt-{h:40}", "gldt-{u:20}", "glrt-{u:20}", "GR1348941{u:20}"],
  "Slack token": [
    "xoxb-{d:12}-{d:13}-{a:24}",
    "xoxp-{d:12}-{d:12}-{d:13}-{h:32}",
    "xapp-1-{X:11}-{d:13}-{h:64}",
  ],
  "Slack webhook URL": ["https://hooks.slack.com/services/T{X:8}/B{X:8}/{a:24}"],
  "Stripe-style live key": ["sk_live_{a:24}", "rk_live_{a:24}"],
  "OpenAI-style API key": ["sk-proj-{u:48}", "sk-{a:48}"],
  "Anthropic-style API key": ["sk-ant-api03-{u:93}AA"],
  "Google API key": ["AIza{u:35}"],
  "npm token": ["npm_{a:36}"],
  "SendGrid API key": ["SG.{u:22}.{u:43}"],
  "Hugging Face token": ["hf_{L:34}", "api_org_{L:34}"],
  "Groq API key": ["gsk_{a:52}"],
  "xAI API key": ["xai-{a:80}"],
  "Perplexity API key": ["pplx-{a:48}"],
  "OpenRouter API key": ["sk-or-v1-{h:64}"],
  "Replicate token": ["r8_{a:37}"],
  "LangSmith API key": ["lsv2_pt_{h:32}_{h:10}"],
  "Pinecone API key": ["pcsk_{a:6}_{a:64}"],
  "Fireworks API key": ["fw_{a:24}"],
  "ElevenLabs API key": ["sk_{h:48}"],
  "Cerebras API key": ["csk-{x:48}"],
  "PyPI token": ["pypi-AgEIcHlwaS5vcmc{u:70}"],
  "RubyGems API key": ["rubygems_{h:48}"],
  "NuGet API key": ["oy2{x:43}"],
  "Clojars token": ["CLOJARS_{x:60}"],
  "Docker Hub token": ["dckr_pat_{u:27}"],
  "Bitbucket app password": ["ATBB{a:32}"],
  "Buildkite token": ["bkua_{h:40}"],
  "CircleCI token": ["CCIPAT_{a:22}_{h:40}"],
  "JFrog Artifactory key": ["AKCp{a:69}", "cmVmdGtu{a:56}"],
  "Sourcegraph token": ["sgp_{h:16}_{h:40}", "sgp_{h:40}"],
  "SonarQube token": ["squ_{h:40}", "sqp_{h:40}"],
  "Octopus Deploy API key": ["API-{X:26}"],
  "Harness token": ["pat.{u:22}.{a:24}.{a:20}"],
  "Linear API key": ["lin_api_{a:40}"],
  "Postman API key": ["PMAK-{h:24}-{h:34}"],
  "Atlassian API token": ["ATATT3{u:186}"],
  "Typeform token": ["tfp_{u:59}"],
  "Figma token": ["figd_{u:40}"],
  "Asana token": ["1/{d:16}:{h:32}", "2/{d:16}/{d:16}:{h:32}"],
  "ClickUp token": ["pk_{d:8}_{X:32}"],
  "Notion token": ["ntn_{d:11}{a:35}", "secret_{a:43}"],
  "Airtable token": ["pat{a:14}.{h:64}"],
  "Contentful token": ["CFPAT-{u:43}"],
  "ReadMe API key": ["rdme_{x:70}"],
  "Alibaba Cloud access key": ["LTAI{a:20}"],
  "AWS Bedrock API key": ["ABSK{b:132}"],
  "Azure AD client secret": ["{a:3}8Q~{a:34}"],
  "Azure storage account key": ["AccountKey={b:86}=="],
  "Google OAuth client secret": ["GOCSPX-{u:28}"],
  "Google OAuth access token": ["ya29.{u:120}"],
  "DigitalOcean token": ["dop_v1_{h:64}", "doo_v1_{h:64}"],
  "Cloudflare origin CA key": ["v1.0-{h:24}-{h:146}"],
  "Heroku API key": ["HRKU-AA{u:58}"],
  "Fly.io token": ["fo1_{u:43}", "fm2_{b:120}"],
  "Netlify token": ["nfp_{a:36}"],
  "Render API key": ["rnd_{a:32}"],
  "Deno Deploy token": ["ddp_{a:36}"],
  "Neon API key": ["napi_{x:64}"],
  "PlanetScale token": ["pscale_tkn_{u:43}", "pscale_pw_{u:43}"],
  "Supabase key": ["sbp_{h:40}", "sb_secret_{u:31}"],
  "Terraform Cloud token": ["{x:14}.atlasv1.{u:67}"],
  "Pulumi token": ["pul-{h:40}"],
  "HashiCorp Vault token": ["hvs.{u:95}", "hvb.{u:138}"],
  "Doppler token": ["dp.pt.{a:43}", "dp.st.{a:40}"],
  "Infisical token": ["st.{h:8}-{h:4}-{h:4}-{h:4}-{h:12}.{h:32}.{h:32}"],
  "1Password token": ["ops_eyJ{b:300}"],
  "1Password secret key": ["A3-{X:6}-{X:6}-{X:5}-{X:5}-{X:5}-{X:5}"],
  "age secret key": ["AGE-SECRET-KEY-1{g:58}"],
  "Tailscale key": ["tskey-auth-{a:12}-{a:33}", "tskey-api-{a:12}-{a:33}"],
  "OpenShift token": ["sha256~{u:43}"],
  "Infracost token": ["ico-{a:32}"],
  "Scalingo token": ["tk-us-{u:48}"],
  "Settlemint token": ["sm_pat_{a:16}"],
  "ClickHouse Cloud secret": ["4b1d{a:38}"],
  "Grafana token": ["glc_{b:48}", "glsa_{a:32}_{h:8}", "eyJrIjoi{b:60}"],
  "Sentry token": ["sntrys_eyJ{b:120}", "sntryu_{h:64}"],
  "New Relic key": ["NRAK-{X:27}", "NRJS-{h:19}"],
  "Dynatrace token": ["dt0c01.{X:24}.{X:64}"],
  "Databricks token": ["dapi{h:32}", "dapi{h:32}-2"],
  "Shopify token": ["shpat_{h:32}", "shpss_{h:32}", "shpca_{h:32}"],
  "Square token": ["sq0atp-{u:22}", "sq0csp-{u:43}", "EAAA{u:60}"],
  "Shippo token": ["shippo_live_{h:40}"],
  "Duffel token": ["duffel_live_{u:43}"],
  "EasyPost API key": ["EZAK{a:54}"],
  "Flutterwave secret key": ["FLWSECK-{h:32}-X"],
  "Braintree access token": ["access_token$production${x:16}${h:32}"],
  "WooCommerce key": ["ck_{h:40}", "cs_{h:40}"],
  "Plaid access token": ["access-production-{h:8}-{h:4}-{h:4}-{h:4}-{h:12}"],
  "Adobe client secret": ["p8e-{a:32}"],
  "Twilio API key": ["SK{h:32}"],
  "Telnyx API key": ["KEY{H:32}_{a:22}"],
  "Telegram bot token": ["{d:10}:AA{u:33}"],
  "Discord bot token": ["M{a:23}.{u:6}.{u:38}"],
  "Mailchimp API key": ["{h:32}-us14"],
  "Mailgun key": ["key-{h:32}"],
  "Brevo API key": ["xkeysib-{h:64}-{a:16}"],
  "Resend API key": ["re_{a:8}_{a:24}"],
  "HubSpot token": ["pat-na1-{h:8}-{h:4}-{h:4}-{h:4}-{h:12}"],
  "Facebook access token": ["EAAB{a:160}"],
  "Twitter bearer token": ["AAAAAAAAAAAAAAAAAAAAA{a:90}"],
  "Mapbox secret token": ["sk.eyJ{u:60}.{u:22}"],
  "Firebase Cloud Messaging key": ["AAAA{u:7}:APA91b{u:134}"],
  "Discord webhook URL": ["https://discord.com/api/webhooks/{d:18}/{u:68}"],
  "Microsoft Teams webhook URL": [
    "https://contoso.webhook.office.com/webhookb2/{h:8}-{h:4}-{h:4}-{h:4}-{h:12}@{h:8}-{h:4}-{h:4}-{h:4}-{h:12}/IncomingWebhook/{h:32}/{h:8}-{h:4}-{h:4}-{h:4}-{h:12}",
  ],
  "Zapier webhook URL": ["https://hooks.zapier.com/hooks/catch/{d:7}/{x:6}"],
  "Google Chat webhook URL": [
    "https://chat.googleapis.com/v1/spaces/{u:11}/messages?key={u:39}&token={u:43}",
  ],
};

/** Deterministic 32-bit generator (mulberry32), so every run draws the same values. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SLOT = /\{([A-Za-z]):(\d+)\}/g;

/** One value from a template; `fill` replaces every slot character (for placeholders). */
export function fromTemplate(template: string, next: () => number, fill?: string): string {
  return template.replace(SLOT, (_m, cls: string, n: string) => {
    const chars = CLASSES[cls] ?? "";
    let out = "";
    for (let i = 0; i < Number(n); i++) out += fill ?? chars[Math.floor(next() * chars.length)] ?? "";
    return out;
  });
}

export interface SecretSample {
  readonly kind: string;
  readonly template: string;
  readonly value: string;
}

/** Every template, drawn once, in a fixed order. */
export function secretSamples(seed = 14): SecretSample[] {
  const next = generator(seed);
  return Object.entries(SECRET_TEMPLATES).flatMap(([kind, templates]) =>
    templates.map((template) => ({ kind, template, value: fromTemplate(template, next) })),
  );
}

/** The sentence a sample is pasted into, the way a customer or an agent would. */
export function inSentence(value: string): string {
  return `Our integration stopped working with the key ${value} since this morning, can you check it?`;
}

/**
 * Masked and template versions of a sample that must never be reported: the body as "x" or "X",
 * and the prefix followed by an instruction where the key would go.
 */
export function placeholdersFor(template: string): string[] {
  const prefix = template.slice(0, template.search(SLOT));
  const out = [fromTemplate(template, () => 0, "x"), fromTemplate(template, () => 0, "X")];
  if (prefix.length >= 3)
    out.push(`${prefix}PUT_YOUR_TOKEN_HERE`, `${prefix}your_token_here`, `${prefix}<token>`);
  return out;
}
