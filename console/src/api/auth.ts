/**
 * Credentials for the API: the schemes a 401 offers, the Authorization header, and a
 * token handed over in the URL fragment (`#token=...`, never sent to a server).
 */

/** The sign-in methods a 401's WWW-Authenticate header offers. */
export interface Challenges {
  bearer: boolean;
  basic: boolean;
}

/**
 * Reads the schemes from a WWW-Authenticate value (fetch joins several headers with
 * ", "). An absent or unreadable header offers both, so a person is never left without
 * a form.
 */
export function parseChallenges(header: string | null | undefined): Challenges {
  const schemes = new Set<string>();
  // A scheme starts the header or follows a comma, and is followed by a space or the end.
  for (const match of (header ?? "").matchAll(/(?:^|,)\s*([A-Za-z][\w!#$%&'*+.^`|~-]*)(?=\s|$|,)/g)) {
    schemes.add((match[1] ?? "").toLowerCase());
  }
  const challenges = { bearer: schemes.has("bearer"), basic: schemes.has("basic") };
  return challenges.bearer || challenges.basic ? challenges : { bearer: true, basic: true };
}

/** Base64 of UTF-8 bytes (btoa alone takes Latin-1 only). */
function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function bearerHeader(token: string): string {
  return `Bearer ${token.trim()}`;
}

export function basicHeader(username: string, password: string): string {
  return `Basic ${base64Utf8(`${username}:${password}`)}`;
}

/**
 * Takes `token=<t>` out of a fragment such as `#token=abc` or `#/incidents/x?token=abc`.
 * Returns the token and the fragment without it (`#/` when nothing else remains).
 */
export function takeTokenFromHash(hash: string): { token?: string; hash: string } {
  const raw = hash.startsWith("#") ? hash.slice(1) : hash;
  const mark = raw.indexOf("?");
  const [path, search] = raw.startsWith("/")
    ? [mark < 0 ? raw : raw.slice(0, mark), mark < 0 ? "" : raw.slice(mark + 1)]
    : ["/", raw];
  const params = new URLSearchParams(search);
  const token = params.get("token")?.trim();
  if (!token) return { hash };
  params.delete("token");
  const rest = params.toString();
  return { token, hash: `#${path}${rest ? `?${rest}` : ""}` };
}

const STORAGE_KEY = "aiops.authorization";

/** Where the Authorization header is kept: this tab only, gone when it closes. */
export interface CredentialStore {
  get(): string | undefined;
  set(header: string): void;
  clear(): void;
}

export function sessionCredentials(
  storage: Storage | undefined = globalThis.sessionStorage,
): CredentialStore {
  // Private modes may refuse storage; the console then keeps credentials in memory.
  let memory: string | undefined;
  return {
    get() {
      try {
        return storage?.getItem(STORAGE_KEY) ?? memory;
      } catch {
        return memory;
      }
    },
    set(header) {
      memory = header;
      try {
        storage?.setItem(STORAGE_KEY, header);
      } catch {
        /* kept in memory */
      }
    },
    clear() {
      memory = undefined;
      try {
        storage?.removeItem(STORAGE_KEY);
      } catch {
        /* nothing stored */
      }
    },
  };
}
