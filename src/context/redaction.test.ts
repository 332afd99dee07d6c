import { describe, expect, it } from "vitest";
import type { ContextBundle, KubeObject } from "./context-source.js";
import { REDACTED, REDACTION_PATTERNS, redactBundle, redactEnvValue, redactText } from "./redaction.js";

describe("redactText: each pattern", () => {
  const cases: [string, string, string][] = [
    [
      "PEM private key block",
      "key loaded: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x\n-----END RSA PRIVATE KEY----- done",
      "MIIEowIBAAKCAQEA7x",
    ],
    [
      "PEM private key cut off by the log tail",
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXkt",
      "b3BlbnNzaC1rZXkt",
    ],
    ["Authorization header", "GET /api Authorization: Basic YWxpY2U6czNjcmV0 -> 401", "YWxpY2U6czNjcmV0"],
    ["Authorization header, JSON", '{"authorization":"Token 9f8e7d6c5b4a"}', "9f8e7d6c5b4a"],
    ["Bearer token", "calling upstream with bearer abcdefghijkl0123456789", "abcdefghijkl0123456789"],
    [
      "JSON Web Token",
      "jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U rejected",
      "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ],
    ["Password in a postgres URL", "connecting to postgres://app:hunter2@db.data.svc:5432/app", "hunter2"],
    ["Password in a mongodb+srv URL", "uri=mongodb+srv://svc:p%40ss@cluster0.example.net/db", "p%40ss"],
    ["Password in a redis URL without user", "redis://:s3cr3t@cache:6379/0", "s3cr3t"],
    ["AWS access key id", "using credentials AKIAIOSFODNN7EXAMPLE for s3", "AKIAIOSFODNN7EXAMPLE"],
    [
      "GitHub token",
      "push failed with ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
      "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    ],
    ["GitLab token", "glpat-abcdefghij1234567890", "glpat-abcdefghij1234567890"],
    ["Slack token", "xoxb-123456789012-abcdefghijkl", "xoxb-123456789012-abcdefghijkl"],
    [
      "Google API key",
      "key AIzaSyA1234567890abcdefghijklmnopqrstuv",
      "AIzaSyA1234567890abcdefghijklmnopqrstuv",
    ],
    ["OpenAI-style key", "OPENAI sk-proj-abcdefghijklmnopqrstuvwx", "sk-proj-abcdefghijklmnopqrstuvwx"],
    [
      "Slack webhook URL",
      "posting to https://hooks.slack.com/services/T000/B000/XXXXXXXX",
      "T000/B000/XXXXXXXX",
    ],
    ["password=value", "login user=alice password=hunter2 ok", "hunter2"],
    ["JSON password field", '{"user":"alice","password":"hunter2"}', "hunter2"],
    ["YAML-style token", "token: 0123456789abcdef", "0123456789abcdef"],
    ["prefixed key name", "db.password=hunter2 smtp_pass='x y z'", "hunter2"],
    ["quoted value with spaces", "smtp_pass='x y z' sent", "x y z"],
    ["ADO.NET connection string", "Server=db;User Id=sa;Password=Pa55w0rd!;Encrypt=true", "Pa55w0rd!"],
    ["query string", "GET /cb?code=1&client_secret=abc123&state=2", "abc123"],
    [
      "api key header style",
      "X-Api-Key: 5f4dcc3b5aa765d61d8327deb882cf99",
      "5f4dcc3b5aa765d61d8327deb882cf99",
    ],
  ];

  it.each(cases)("%s", (_name, input, secret) => {
    const out = redactText(input);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it("every pattern is exercised by a case above", () => {
    for (const { name, pattern } of REDACTION_PATTERNS) {
      const hit = cases.some(([, input]) => {
        pattern.lastIndex = 0;
        return pattern.test(input);
      });
      expect(hit, name).toBe(true);
    }
  });
});

describe("redactText: what it leaves alone", () => {
  it.each([
    'FATAL: password authentication failed for user "app"',
    "Error: token expired, re-authenticate",
    "secretName: tls-cert not found",
    'MountVolume.SetUp failed for volume "creds" : secret "db-credentials" not found',
    "dial tcp 10.0.3.7:5432: connect: connection refused",
    "GET https://api.example.com:8443/v1/items 503",
    "java.lang.OutOfMemoryError: Java heap space",
    "couldn't find key password in Secret messaging/smtp-credentials",
  ])("%s", (line) => {
    expect(redactText(line)).toBe(line);
  });

  it("is idempotent", () => {
    const once = redactText("password=hunter2 Authorization: Bearer abcdefghijklmnop");
    expect(redactText(once)).toBe(once);
  });
});

describe("redactEnvValue", () => {
  it("redacts the whole value when the name says secret", () => {
    for (const name of [
      "DB_PASSWORD",
      "PASSWORD",
      "GITHUB_TOKEN",
      "AWS_SECRET_ACCESS_KEY",
      "API_KEY",
      "SMTP_PASS",
    ]) {
      expect(redactEnvValue(name, "anything-at-all"), name).toBe(REDACTED);
    }
  });

  it("keeps values that only name a secret: files, switches", () => {
    expect(redactEnvValue("SIGNING_SECRET_FILE", "/run/secrets/signing")).toBe("/run/secrets/signing");
    expect(redactEnvValue("ALLOW_EMPTY_PASSWORD", "no")).toBe("no");
    expect(redactEnvValue("PASSWORD_FILE", "/etc/app/password=inline")).toBe(`/etc/app/password=${REDACTED}`);
  });

  it("keeps hosts of connection strings, which the dependency analyzers read", () => {
    expect(redactEnvValue("DATABASE_URL", "postgres://app:hunter2@orders-db.data:5432/orders")).toBe(
      `postgres://app:${REDACTED}@orders-db.data:5432/orders`,
    );
    expect(redactEnvValue("REDIS_HOST", "cache.shop.svc")).toBe("cache.shop.svc");
    expect(redactEnvValue("DB_PASSWORD", "")).toBe("");
  });
});

describe("redactBundle", () => {
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "api-7d4b9c-x2x",
      namespace: "shop",
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration":
          '{"env":[{"name":"X","value":"password=hunter2"}]}',
      },
    },
    spec: {
      containers: [
        {
          name: "api",
          env: [
            { name: "DB_PASSWORD", value: "hunter2" },
            { name: "DATABASE_URL", value: "mysql://root:hunter2@mysql.data:3306/app" },
            { name: "FROM_SECRET", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
          ],
          args: ["--token=abcdef0123456789"],
        },
      ],
    },
  };
  const secret: KubeObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: "shop" },
    data: { password: "aHVudGVyMg==" },
    stringData: { password: "hunter2" },
  };
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api", namespace: "shop" },
    spec: {
      template: {
        spec: { initContainers: [{ name: "migrate", env: [{ name: "ADMIN_TOKEN", value: "t0k3n" }] }] },
      },
    },
  };
  const bundle: ContextBundle = {
    objects: [pod, secret, deployment],
    logs: [
      {
        namespace: "shop",
        pod: "api-7d4b9c-x2x",
        container: "api",
        previous: true,
        text: "boot with password=hunter2\nok",
      },
    ],
    metrics: [],
    gaps: [],
  };

  it("leaves no secret in logs, env, args, annotations or Secret objects, and keeps references", () => {
    const out = redactBundle(bundle);
    const text = JSON.stringify(out);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("aHVudGVyMg==");
    expect(text).not.toContain("t0k3n");
    expect(text).not.toContain("abcdef0123456789");
    // What the analyzers need survives: the Secret exists, the reference and the host are there.
    expect(text).toContain('"secretKeyRef":{"name":"db","key":"password"}');
    expect(text).toContain("mysql.data:3306");
    expect(out.objects.map((o) => o.kind)).toEqual(["Pod", "Secret", "Deployment"]);
    expect(out.logs[0]?.text).toBe(`boot with password=${REDACTED}\nok`);
  });

  it("does not change its input", () => {
    const before = JSON.stringify(bundle);
    redactBundle(bundle);
    expect(JSON.stringify(bundle)).toBe(before);
  });
});
