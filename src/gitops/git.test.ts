import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BackendError, ConfigError } from "../core/errors.js";
import { createGit, redactRemote } from "./git.js";

describe("the git command line", () => {
  it("keeps the token out of arguments, remotes and error messages", async () => {
    const token = "ghp_secretTOKEN0123456789";
    const git = createGit({ token });
    const dir = mkdtempSync(join(tmpdir(), "aiops-git-"));
    // Nothing listens on port 9: the fetch fails, and its error must not carry the credential.
    const error = await git
      .run(dir, ["ls-remote", "--", `https://user:${token}@127.0.0.1:9/acme/gitops.git`])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).not.toContain(token);
    expect((error as Error).message).not.toContain(Buffer.from(`x-access-token:${token}`).toString("base64"));
    expect(redactRemote(`https://user:${token}@git.example.com/x.git`)).toBe("https://git.example.com/x.git");
  });

  it("runs without the host's hooks and config, and refuses an SSH key path a shell would split", () => {
    expect(() => createGit({ sshKeyFile: "/keys/id; rm -rf /" })).toThrow(ConfigError);
    expect(() => createGit({ sshKeyFile: "/keys/id_ed25519" })).not.toThrow();
  });

  it("refuses options that run commands, and the ext:: transport", async () => {
    const git = createGit();
    const dir = mkdtempSync(join(tmpdir(), "aiops-git-"));
    const marker = join(dir, "ran");
    for (const args of [
      ["ls-remote", `--upload-pack=touch ${marker}`, "--", dir],
      ["-c", "protocol.ext.allow=always", "ls-remote", "--", `ext::sh -c touch% ${marker}`],
      ["ls-remote", "--", `ext::sh -c touch% ${marker}`],
    ]) {
      await expect(git.run(dir, args)).rejects.toBeInstanceOf(BackendError);
    }
    expect(existsSync(marker)).toBe(false);
  });
});
