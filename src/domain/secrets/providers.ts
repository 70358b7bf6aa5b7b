// Provider key formats: a literal prefix (or a fixed structure) and a body of one character class
// with a bounded length. The formats are the providers' own documented token shapes; every pattern
// is linear (no quantified group holds another quantifier that can match the same text), and each
// is matched with the shared boundaries, so a longer identifier that merely contains a prefix is
// not a key.

export interface ProviderFormat {
  /** Human label for refusals and findings; never the value. */
  readonly kind: string;
  /** Regex source of the whole token, without boundaries. Case-sensitive. */
  readonly pattern: string;
  /**
   * Literal strings of which every match contains at least one: the scan skips the pattern when
   * the text holds none (a substring search is far cheaper than a regex pass). Defaults to the
   * pattern's literal prefix.
   */
  readonly needles?: readonly string[];
  /** Whole URLs (webhooks): no token boundary is needed before them. */
  readonly url?: true;
}

const HEX32 = "[a-f0-9]{32}";
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

export const PROVIDER_FORMATS = [
  // --- AI and model platforms
  { kind: "Hugging Face token", pattern: "(?:hf_|api_org_)[A-Za-z]{34}", needles: ["hf_", "api_org_"] },
  { kind: "Groq API key", pattern: "gsk_[A-Za-z0-9]{52}" },
  { kind: "xAI API key", pattern: "xai-[A-Za-z0-9]{80}" },
  { kind: "Perplexity API key", pattern: "pplx-[A-Za-z0-9]{48}" },
  { kind: "OpenRouter API key", pattern: "sk-or-v1-[a-f0-9]{64}" },
  { kind: "Replicate token", pattern: "r8_[A-Za-z0-9]{37}" },
  { kind: "LangSmith API key", pattern: `lsv2_(?:pt|sk)_${HEX32}_[a-f0-9]{10}` },
  { kind: "Pinecone API key", pattern: "pcsk_[A-Za-z0-9]{4,8}_[A-Za-z0-9]{50,80}" },
  { kind: "Fireworks API key", pattern: "fw_[A-Za-z0-9]{24}" },
  { kind: "ElevenLabs API key", pattern: "sk_[a-f0-9]{48}" },
  { kind: "Cerebras API key", pattern: "csk-[a-z0-9]{48}" },
  // --- source hosting, packages and CI
  { kind: "PyPI token", pattern: "pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,1000}" },
  { kind: "RubyGems API key", pattern: "rubygems_[a-f0-9]{48}" },
  { kind: "NuGet API key", pattern: "oy2[a-z0-9]{43}" },
  { kind: "Clojars token", pattern: "CLOJARS_[a-z0-9]{60}" },
  { kind: "Docker Hub token", pattern: "dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,40}" },
  { kind: "Bitbucket app password", pattern: "ATBB[A-Za-z0-9]{32}" },
  { kind: "Buildkite token", pattern: "bkua_[a-f0-9]{40}" },
  { kind: "CircleCI token", pattern: "CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}" },
  {
    kind: "JFrog Artifactory key",
    pattern: "(?:AKCp[A-Za-z0-9]{69}|cmVmdGtu[A-Za-z0-9]{56})",
    needles: ["AKCp", "cmVmdGtu"],
  },
  { kind: "Sourcegraph token", pattern: "sgp_(?:(?:[a-f0-9]{16}|local)_)?[a-f0-9]{40}" },
  { kind: "SonarQube token", pattern: "sq[upa]_[a-f0-9]{40}" },
  { kind: "Octopus Deploy API key", pattern: "API-[A-Z0-9]{26,32}" },
  {
    kind: "Harness token",
    pattern: "(?:pat|sat)\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9]{24}\\.[A-Za-z0-9]{20}",
    needles: ["pat.", "sat."],
  },
  { kind: "Linear API key", pattern: "lin_api_[A-Za-z0-9]{40}" },
  { kind: "Postman API key", pattern: "PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}" },
  { kind: "Atlassian API token", pattern: "ATATT3[A-Za-z0-9_=-]{180,200}" },
  { kind: "Typeform token", pattern: "tfp_[A-Za-z0-9_.=-]{59}" },
  { kind: "Figma token", pattern: "figd_[A-Za-z0-9_-]{40}" },
  { kind: "Asana token", pattern: "[0-2]/[0-9]{10,20}(?:/[0-9]{10,20})?:[a-f0-9]{32}", needles: ["/"] },
  { kind: "ClickUp token", pattern: "pk_[0-9]{6,10}_[A-Z0-9]{32}" },
  {
    kind: "Notion token",
    pattern: "(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})",
    needles: ["ntn_", "secret_"],
  },
  { kind: "Airtable token", pattern: "pat[A-Za-z0-9]{14}\\.[a-f0-9]{64}" },
  { kind: "Contentful token", pattern: "CFPAT-[A-Za-z0-9_-]{43}" },
  { kind: "ReadMe API key", pattern: "rdme_[a-z0-9]{70}" },
  // --- cloud, hosting and infrastructure
  { kind: "Alibaba Cloud access key", pattern: "LTAI[A-Za-z0-9]{20}" },
  { kind: "AWS Bedrock API key", pattern: "ABSK[A-Za-z0-9+/]{109,269}={0,2}" },
  {
    kind: "Azure AD client secret",
    pattern: "[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}",
    needles: ["Q~"],
  },
  { kind: "Google OAuth client secret", pattern: "GOCSPX-[A-Za-z0-9_-]{28}" },
  { kind: "Google OAuth access token", pattern: "ya29\\.[A-Za-z0-9_-]{30,2000}" },
  { kind: "DigitalOcean token", pattern: "do[por]_v1_[a-f0-9]{64}" },
  { kind: "Cloudflare origin CA key", pattern: "v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}" },
  { kind: "Heroku API key", pattern: "HRKU-[A-Za-z0-9_-]{60}" },
  {
    kind: "Fly.io token",
    pattern: "(?:fo1_[A-Za-z0-9_-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,2000}={0,3})",
    needles: ["fo1_", "fm1", "fm2"],
  },
  { kind: "Netlify token", pattern: "nfp_[A-Za-z0-9]{36}" },
  { kind: "Render API key", pattern: "rnd_[A-Za-z0-9]{32}" },
  { kind: "Deno Deploy token", pattern: "dd[pw]_[A-Za-z0-9]{36}" },
  { kind: "Neon API key", pattern: "napi_[a-z0-9]{64}" },
  { kind: "PlanetScale token", pattern: "pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.-]{32,64}" },
  {
    kind: "Supabase key",
    pattern: "(?:sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{31,64})",
    needles: ["sbp_", "sb_secret_"],
  },
  {
    kind: "Terraform Cloud token",
    pattern: "[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,70}",
    needles: [".atlasv1."],
  },
  { kind: "Pulumi token", pattern: "pul-[a-f0-9]{40}" },
  { kind: "HashiCorp Vault token", pattern: "hv[sbr]\\.[A-Za-z0-9_-]{90,300}" },
  { kind: "Doppler token", pattern: "dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,44}" },
  { kind: "Infisical token", pattern: `st\\.${UUID}\\.${HEX32}\\.${HEX32}` },
  { kind: "1Password token", pattern: "ops_eyJ[A-Za-z0-9+/]{250,4000}={0,3}" },
  {
    kind: "1Password secret key",
    pattern: "A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
  },
  { kind: "age secret key", pattern: "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}" },
  {
    kind: "Tailscale key",
    pattern: "tskey-(?:api|auth|client|scim|webhook)-[A-Za-z0-9]{6,20}-[A-Za-z0-9]{20,60}",
  },
  { kind: "OpenShift token", pattern: "sha256~[A-Za-z0-9_-]{43}" },
  { kind: "Infracost token", pattern: "ico-[A-Za-z0-9]{32}" },
  { kind: "Scalingo token", pattern: "tk-us-[A-Za-z0-9_-]{48}" },
  { kind: "Settlemint token", pattern: "sm_(?:pat|aat|sat)_[A-Za-z0-9]{16}" },
  { kind: "ClickHouse Cloud secret", pattern: "4b1d[A-Za-z0-9]{38}" },
  // --- observability
  {
    kind: "Grafana token",
    pattern:
      "(?:glc_[A-Za-z0-9+/]{32,400}={0,3}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9+/]{40,200}={0,2})",
    needles: ["glc_", "glsa_", "eyJrIjoi"],
  },
  {
    kind: "Sentry token",
    pattern: "(?:sntrys_eyJ[A-Za-z0-9+/=_]{60,400}|sntryu_[a-f0-9]{64})",
    needles: ["sntry"],
  },
  {
    kind: "New Relic key",
    pattern: "(?:NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_-]{32}|NRJS-[a-f0-9]{19})",
    needles: ["NRAK-", "NRII-", "NRJS-"],
  },
  { kind: "Dynatrace token", pattern: "dt0c01\\.[A-Za-z0-9]{24}\\.[A-Za-z0-9]{64}" },
  { kind: "Databricks token", pattern: "dapi[a-f0-9]{32}(?:-[0-9])?" },
  // --- commerce and payments
  { kind: "Shopify token", pattern: "shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}" },
  {
    kind: "Square token",
    pattern: "(?:sq0atp-[A-Za-z0-9_-]{22}|sq0csp-[A-Za-z0-9_-]{43}|EAAA[A-Za-z0-9_-]{60})",
    needles: ["sq0", "EAAA"],
  },
  { kind: "Shippo token", pattern: "shippo_(?:live|test)_[a-f0-9]{40}" },
  { kind: "Duffel token", pattern: "duffel_(?:test|live)_[A-Za-z0-9_=-]{43}" },
  { kind: "EasyPost API key", pattern: "EZ[AT]K[A-Za-z0-9]{54}" },
  { kind: "Flutterwave secret key", pattern: "FLWSECK(?:_TEST)?-[a-f0-9]{32}-X" },
  { kind: "Braintree access token", pattern: "access_token\\$production\\$[a-z0-9]{16}\\$[a-f0-9]{32}" },
  { kind: "WooCommerce key", pattern: "c[ks]_[a-f0-9]{40}", needles: ["ck_", "cs_"] },
  { kind: "Plaid access token", pattern: `access-(?:sandbox|development|production)-${UUID}` },
  { kind: "Adobe client secret", pattern: "p8e-[A-Za-z0-9]{32}" },
  // --- messaging, e-mail and social
  { kind: "Twilio API key", pattern: "SK[0-9a-f]{32}" },
  { kind: "Telnyx API key", pattern: "KEY[0-9A-F]{32}_[A-Za-z0-9]{22}" },
  { kind: "Telegram bot token", pattern: "[0-9]{8,10}:AA[A-Za-z0-9_-]{33}", needles: [":AA"] },
  {
    kind: "Discord bot token",
    pattern: "[MNO][A-Za-z0-9_-]{23,25}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,38}",
    needles: ["."],
  },
  { kind: "Mailchimp API key", pattern: `${HEX32}-us[0-9]{1,2}`, needles: ["-us"] },
  { kind: "Mailgun key", pattern: `(?:key|pubkey)-${HEX32}`, needles: ["key-"] },
  { kind: "Brevo API key", pattern: "xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}" },
  { kind: "Resend API key", pattern: "re_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}" },
  { kind: "HubSpot token", pattern: `pat-(?:na|eu)[0-9]-${UUID}` },
  { kind: "Facebook access token", pattern: "EAA(?!A)[A-Za-z0-9]{100,300}" },
  { kind: "Twitter bearer token", pattern: "A{21}[A-Za-z0-9%]{80,120}", needles: ["AAAAAAAAAAAAAAAAAAAAA"] },
  { kind: "Mapbox secret token", pattern: "sk\\.eyJ[A-Za-z0-9_-]{40,300}\\.[A-Za-z0-9_-]{20,40}" },
  { kind: "Firebase Cloud Messaging key", pattern: "AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{130,140}" },
  {
    kind: "Discord webhook URL",
    pattern:
      "https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_-]{60,80}",
    needles: ["/api/webhooks/"],
    url: true,
  },
  {
    kind: "Microsoft Teams webhook URL",
    pattern: "https://[a-z0-9-]{1,60}\\.webhook\\.office\\.com/webhookb2/[A-Za-z0-9@/_-]{40,300}",
    needles: [".webhook.office.com/"],
    url: true,
  },
  {
    kind: "Zapier webhook URL",
    pattern: "https://hooks\\.zapier\\.com/hooks/catch/[0-9]{4,12}/[a-z0-9]{4,12}",
    url: true,
  },
  {
    kind: "Google Chat webhook URL",
    pattern:
      "https://chat\\.googleapis\\.com/v1/spaces/[A-Za-z0-9_-]{6,20}/messages\\?key=[A-Za-z0-9_-]{20,60}&token=[A-Za-z0-9_%=-]{20,100}",
    url: true,
  },
] as const satisfies readonly ProviderFormat[];

export type ProviderKind = (typeof PROVIDER_FORMATS)[number]["kind"];
