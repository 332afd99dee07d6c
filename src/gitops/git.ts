/**
 * The git command line through simple-git, which spawns git without a shell (arguments
 * as an array) and keeps its guards against unsafe options and environment on. The
 * caller puts `--` before paths and refs. No prompt, no host config; credentials pass
 * through the environment (an `http.extraHeader` for HTTPS tokens, `GIT_SSH_COMMAND` for
 * a key file) so that they appear neither in arguments nor in remote URLs, and are
 * redacted from errors.
 */
import { simpleGit, type SimpleGitOptions } from "simple-git";
import { BackendError, ConfigError } from "../core/errors.js";

export interface GitAuth {
  /** An HTTPS token (GitHub, GitLab, Gitea accept it as the password of basic auth). */
  token?: string;
  /** The user name sent with the token. Default x-access-token. */
  username?: string;
  /** A private key for SSH remotes. */
  sshKeyFile?: string;
}

export interface GitIdentity {
  name: string;
  email: string;
}

export interface Git {
  /** Runs git in `cwd`; rejects with BackendError carrying git's (redacted) stderr. */
  run(cwd: string, args: readonly string[], input?: string): Promise<string>;
  /** Whether the command exits 0. */
  ok(cwd: string, args: readonly string[]): Promise<boolean>;
}

/** What git takes from the host's environment: finding programs, the SSH agent, proxies and CAs. */
const HOST_ENV = [
  "PATH",
  "HOME",
  "TMPDIR",
  "SSH_AUTH_SOCK",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
];

export function createGit(auth: GitAuth = {}, identity?: GitIdentity, timeoutMs = 120_000): Git {
  const env: Record<string, string> = {
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
    // No system or user config: hooks, aliases and credential helpers of the host stay out.
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    // Only these transports, whatever any config says: protocol.ext.allow is never (ext::
    // runs a command), as is every other protocol not named.
    GIT_ALLOW_PROTOCOL: "file:http:https:ssh",
  };
  const secrets: string[] = [];
  let count = 0;
  const config = (key: string, value: string) => {
    env[`GIT_CONFIG_KEY_${count}`] = key;
    env[`GIT_CONFIG_VALUE_${count}`] = value;
    count++;
  };
  if (auth.token) {
    const basic = Buffer.from(`${auth.username ?? "x-access-token"}:${auth.token}`).toString("base64");
    config("http.extraHeader", `Authorization: Basic ${basic}`);
    secrets.push(auth.token, basic);
  }
  if (auth.sshKeyFile) {
    if (/["'\\$`\s]/.test(auth.sshKeyFile)) throw new ConfigError("gitops.sshKeyFile must be a plain path");
    env.GIT_SSH_COMMAND = `ssh -i '${auth.sshKeyFile}' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new`;
  }
  config("core.hooksPath", "/dev/null");
  config("commit.gpgSign", "false");
  if (identity) {
    env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = identity.name;
    env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = identity.email;
  }
  env.GIT_CONFIG_COUNT = String(count);
  const host = Object.fromEntries(
    HOST_ENV.flatMap((key) => (process.env[key] ? [[key, process.env[key]]] : [])),
  );
  const options: Partial<SimpleGitOptions> = {
    // Every other guarded variable, set on the host or not, is stripped or refused.
    allowEnvironment: Object.keys(env).filter((key) => key.startsWith("GIT_")),
    // Only what the environment above needs; --upload-pack, -c protocol.*.allow, --exec,
    // --template and the rest stay refused.
    unsafe: {
      allowUnsafeConfigPaths: true, // GIT_CONFIG_GLOBAL=/dev/null
      allowUnsafeConfigEnvCount: true, // the GIT_CONFIG_KEY_n above
      allowUnsafeHooksPath: true, // core.hooksPath=/dev/null
      ...(auth.sshKeyFile ? { allowUnsafeSshCommand: true } : {}),
    },
    timeout: { block: timeoutMs, stdOut: false, stdErr: false },
    // A non-zero exit is a failure even when git writes nothing to stderr (`diff --quiet`).
    errors: (error, result) =>
      error ?? (result.exitCode ? new Error(`exit code ${result.exitCode}`) : undefined),
  };
  const redact = (s: string) =>
    secrets.reduce((out, secret) => out.split(secret).join("***"), s).replace(/\/\/[^/@\s]*@/g, "//***@");

  async function run(cwd: string, args: readonly string[], input?: string): Promise<string> {
    const git = simpleGit({ ...options, baseDir: cwd, input: () => input }).env({ ...host, ...env });
    try {
      return await git.raw([...args]);
    } catch (error) {
      const what = error instanceof Error ? error.message.trim() : String(error);
      throw new BackendError(redact(`git ${args[0] ?? ""}: ${what}`), "git");
    }
  }

  return {
    run,
    async ok(cwd, args) {
      return run(cwd, args).then(
        () => true,
        () => false,
      );
    },
  };
}

/** A remote spelt for logs: no user or password. */
export function redactRemote(remote: string): string {
  return remote.replace(/\/\/[^/@\s]*@/, "//");
}
