// The redaction of what a model is sent (kernel/pipeline/secrets.ts), in process, pattern by
// pattern: for each, a text whose secret must go and a near miss that must stay as it is (so a
// test fails both ways: a pattern that catches nothing, or one that eats ordinary code). Then
// the values known to be secret, the whole request, linear time on adversarial input, and the
// kernel's own secrets (kernel/common/kernel-secrets.ts).
import { describe, expect, it } from "vitest";
import { redactMessages, redactSecrets, secretEnvironmentValues, secretFromPreview, secretValuesIn } from "../../../kernel/pipeline/secrets.js";
import { kernelSecretValues, SECRET_SETTINGS, withoutKernelSecrets } from "../../../kernel/common/kernel-secrets.js";

const S = "s3cr3t-Value-0123456789";

/** [pattern, text with the secret S, what it becomes, a near miss kept as it is] */
const PATTERNS: [string, string, string, string][] = [
  ["a literal given to a secret name", `api_key = "${S}"`, 'api_key = "<redacted>"', 'api_key = os.environ["API_KEY"]'],
  ["a keyword argument", `connect(password='${S}')`, 'connect(password="<redacted>")', "connect(password=password)"],
  ["a name ending in _key", `OPENAI_KEY = "${S}"`, 'OPENAI_KEY = "<redacted>"', 'monkey = "banana-bread-123"'],
  ["a dict's key", `{"token": "${S}"}`, '{"token": "<redacted>"}', '{"tokens": 512}'],
  [
    "an environment variable set by subscript",
    `os.environ["X_API_KEY"] = "${S}"`,
    'os.environ["X_API_KEY"] = "<redacted>"',
    'os.environ["X_REGION"] = "eu-west-1-zone"',
  ],
  [
    "an environment variable's default",
    `os.environ.setdefault("HF_TOKEN", "${S}")`,
    'os.environ.setdefault("HF_TOKEN", "<redacted>")',
    'os.environ.setdefault("HF_HOME", "/data/hf-cache-1")',
  ],
  [
    "os.putenv and dotenv's set_key",
    `set_key(".env", "DB_PASSWORD", "${S}")`,
    'set_key(".env", "DB_PASSWORD", "<redacted>")',
    'set_key(".env", "DB_HOST", "db.internal-01")',
  ],
  ["a secret name given a value by position, not in quotes", `check(token, "${S}")`, `check(token, "${S}")`, `check(token, "${S}")`],
  ["a raw or bytes literal", `secret = rb"${S}"`, 'secret = "<redacted>"', 'name = rb"Ms Moneypenny-007"'],
  ["a triple-quoted literal", `password = """${S}"""`, 'password = "<redacted>"', 'message = """chapter-one-2024"""'],
  ["%env NAME=value", `%env HF_TOKEN=${S}`, "%env HF_TOKEN=<redacted>", "%env HF_HOME=/data/hf-cache-1"],
  ["%env NAME value", `%env HF_TOKEN ${S}`, "%env HF_TOKEN <redacted>", "%env HF_HOME /data/hf-cache-1"],
  ["%set_env", `%set_env GITHUB_TOKEN=${S}`, "%set_env GITHUB_TOKEN=<redacted>", "%set_env GITHUB_USER=octocat-2024"],
  ["a shell export", `!export API_KEY=${S} && run`, "!export API_KEY=<redacted> && run", "!export API_HOST=api.internal-2 && run"],
  [
    "a query string's key",
    `url = base + "?user=ann&api_key=${S}&page=2"`,
    'url = base + "?user=ann&api_key=<redacted>&page=2"',
    `url = base + "?user=ann&page=2"`,
  ],
  ["an ODBC connection string", `conn = "Server=db;UID=ann;PWD=${S};"`, 'conn = "Server=db;UID=ann;PWD=<redacted>;"', 'pwd = "/home/ann/work-2024"'],
  ["a password in a URL", `"postgresql://admin:${S}@db:5432/x"`, '"postgresql://admin:<redacted>@db:5432/x"', '"postgresql://admin@db:5432/x"'],
  ["a URL with no user name", `"redis://:${S}@cache:6379/0"`, '"redis://:<redacted>@cache:6379/0"', '"redis://cache:6379/0"'],
  ["a URL whose password holds an @", `"mysql://ann:${S}@x@db/x"`, '"mysql://ann:<redacted>@db/x"', '"https://medium.com/@ann-2024"'],
  ["an Authorization header", `Authorization: Bearer ${S}`, "Authorization: Bearer <redacted>", "Authorization: see the docs-2024"],
  ["a key of a known format, whatever its name", `x = "sk-proj-${"a1B2".repeat(10)}"`, 'x = "<redacted>"', 'x = "sk-learn-0.24"'],
  [
    "a private key",
    `k = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEabc+/=\\n-----END RSA PRIVATE KEY-----"`,
    'k = "<redacted private key>"',
    'k = "-----BEGIN CERTIFICATE-----"',
  ],
];

describe("redactSecrets, pattern by pattern", () => {
  for (const [name, text, redacted, nearMiss] of PATTERNS) {
    it(name, () => {
      expect(redactSecrets(text)).toBe(redacted);
      expect(redactSecrets(nearMiss)).toBe(nearMiss);
    });
  }
});

describe("values known to be secret", () => {
  it("are redacted wherever they appear, whatever holds them; shorter or word-like values are not", () => {
    expect(redactSecrets(`k = "${S}"\nValueError: bad key ${S}!`, [S])).toBe('k = "<redacted>"\nValueError: bad key <redacted>!');
    // A value of 7 characters, or a plain word, would redact ordinary text everywhere.
    expect(redactSecrets("the password is hunter2", ["hunter2"])).toBe("the password is hunter2");
    expect(redactSecrets("password = load()", ["password"])).toBe("password = load()");
  });

  it("are found in code: the values given to secret names, to be redacted from a traceback", () => {
    expect(secretValuesIn(`db_password = "${S}"\n%env HF_TOKEN=${S}2\nname = "Ann Smith-Jones"\ntoken = "changeme"`)).toEqual([S, `${S}2`]);
  });

  it("are read from the worker's preview of a secret-named variable, whole or clipped", () => {
    expect(secretFromPreview(`'${S}'`)).toBe(S);
    expect(secretFromPreview("42")).toBeUndefined();
    const clipped = secretFromPreview(`'${S.slice(0, 12)}…`)!;
    expect(redactSecrets(`got ${S} here`, [clipped])).toBe("got <redacted> here");
  });

  it("come from the environment's secret-named variables only", () => {
    expect(secretEnvironmentValues({ HF_TOKEN: S, XAUTHORITY: "/run/user/1000/gdm/Xauthority", PWD: "/home/ann/work", SHORT_TOKEN: "abc" })).toEqual([S]);
  });
});

describe("redactMessages", () => {
  it("redacts a secret one message gives a name from every message, the kernel's key too", () => {
    const messages = redactMessages(
      [
        { role: "user", content: `Task: connect\n\`\`\`python\ndb_password = "${S}"\n\`\`\`` },
        { role: "user", content: `ValueError: login failed for ${S} with key lm-kernel-key-998877` },
      ],
      ["lm-kernel-key-998877"],
    );
    expect(messages.map((m) => m.content)).toEqual([
      'Task: connect\n```python\ndb_password = "<redacted>"\n```',
      "ValueError: login failed for <redacted> with key <redacted>",
    ]);
  });
});

describe("linear time on large adversarial input", () => {
  const adversarial = [
    "auth".repeat(50_000),
    'password="'.repeat(20_000),
    "password='a \"".repeat(15_000),
    'token = """'.repeat(15_000),
    "%env API_KEY=".repeat(15_000),
    "?token=&".repeat(25_000),
    "-----BEGIN PRIVATE KEY-----'".repeat(7_000),
    `-----BEGIN PRIVATE KEY-----${"A".repeat(200_000)}`,
    "a://".repeat(50_000),
    "x://a:".repeat(35_000),
    `http://${":".repeat(200_000)}`,
    `Authorization: Bearer ${"a".repeat(200_000)}`,
    "sk-".repeat(70_000),
  ];
  for (const text of adversarial) {
    // The deadline is the test's timeout: linear, each input takes milliseconds; a quadratic
    // pattern at 200,000 characters takes minutes and fails it. No duration is asserted.
    it(`${JSON.stringify(text.slice(0, 16))}… (${text.length} characters)`, { timeout: 30_000 }, () => {
      const alone = redactSecrets(text, [S]);
      const [message] = redactMessages([{ role: "user", content: text }]);
      expect(alone.length).toBeGreaterThan(0);
      expect(alone).not.toContain(S);
      expect(typeof message?.content).toBe("string");
    });
  }
});

describe("the kernel's own secrets", () => {
  it("are the settings declared as secrets, left out of the notebook's environment", () => {
    expect(SECRET_SETTINGS).toEqual(expect.arrayContaining(["LUCI_LLM_API_KEY", "LUCI_SERVER_TOKEN", "LUCI_MODEL_SERVER_TOKEN"]));
    const env = { LUCI_LLM_API_KEY: S, LUCI_LLM_MODEL: "m", OPENAI_API_KEY: "sk-user-own", PATH: "/bin" };
    expect(withoutKernelSecrets(env)).toEqual({ LUCI_LLM_MODEL: "m", OPENAI_API_KEY: "sk-user-own", PATH: "/bin" });
    expect(kernelSecretValues(env)).toEqual([S, "sk-user-own"]);
  });
});
