/**
 * The git command line, run without a shell: arguments as an array, `--` before paths
 * and refs where git accepts it, no prompt, credentials passed through the environment
 * (an `http.extraHeader` for HTTPS tokens, `GIT_SSH_COMMAND` for a key file) so that
 * they appear neither in arguments nor in remote URLs, and are redacted from errors.
 */
import { execFile } from "node:child_process";
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

export function createGit(auth: GitAuth = {}, identity?: GitIdentity, timeoutMs = 120_000): Git {
  const env: Record<string, string> = {
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "true",
    LC_ALL: "C",
    // No system or user config: hooks, aliases and credential helpers of the host stay out.
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
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
  config("protocol.ext.allow", "never");
  config("core.hooksPath", "/dev/null");
  config("commit.gpgSign", "false");
  if (identity) {
    env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = identity.name;
    env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = identity.email;
  }
  env.GIT_CONFIG_COUNT = String(count);
  const redact = (s: string) =>
    secrets.reduce((out, secret) => out.split(secret).join("***"), s).replace(/\/\/[^/@\s]*@/g, "//***@");

  function run(cwd: string, args: readonly string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        "git",
        [...args],
        { cwd, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) {
            const what = redact(`git ${args[0] ?? ""}: ${String(stderr).trim() || error.message}`);
            reject(new BackendError(what, "git"));
          } else resolve(String(stdout));
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
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
