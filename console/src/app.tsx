/**
 * The console shell: credentials, the hash route, the live stream shared by the pages,
 * and the polite live region where changes are announced.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { IncidentSummary } from "../../src/core/incident.js";
import { bearerHeader, takeTokenFromHash, type Challenges, type CredentialStore } from "./api/auth.js";
import { createApi } from "./api/client.js";
import { connectLive, type LiveStatus } from "./api/live.js";
import { ConnectionStatus } from "./components/connection-status.js";
import { IncidentList } from "./components/incident-list.js";
import { IncidentPage } from "./components/incident-page.js";
import { SignIn } from "./components/sign-in.js";
import { parseHash, type Route } from "./lib/route.js";

type Listener = (summary: IncidentSummary) => void;

/**
 * Takes `token=` out of the URL fragment (replacing the history entry, so the token is
 * not kept in history) and returns it as an Authorization header.
 */
export function adoptTokenFromHash(): string | undefined {
  const { token, hash } = takeTokenFromHash(location.hash);
  if (!token) return undefined;
  history.replaceState(history.state, "", `${location.pathname}${location.search}${hash}`);
  return bearerHeader(token);
}

export function App(props: { credentials: CredentialStore }) {
  const { credentials } = props;
  const [authorization, setAuthorization] = useState(() => credentials.get());
  const [signIn, setSignIn] = useState<{ challenges: Challenges; refused: boolean }>();
  const [route, setRoute] = useState<Route>(() => parseHash(location.hash));
  const [live, setLive] = useState<LiveStatus>("connecting");
  // Bumped when pages must fetch again: the stream (re)connected, or credentials changed.
  const [reload, setReload] = useState(0);
  const [announcement, setAnnouncement] = useState("");
  const listeners = useRef(new Set<Listener>());
  const authRef = useRef(authorization);
  authRef.current = authorization;

  const onUnauthorized = useCallback((error: { challenges?: Challenges | undefined }) => {
    setSignIn({
      challenges: error.challenges ?? { bearer: true, basic: true },
      refused: authRef.current !== undefined,
    });
  }, []);

  const api = useMemo(
    () => createApi({ authorization: () => authRef.current, onUnauthorized }),
    [onUnauthorized],
  );

  useEffect(() => {
    const onHash = (): void => {
      // A `#token=` link opened in this tab changes only the hash: sign in with it here too.
      const token = adoptTokenFromHash();
      if (token) applyCredentials(token);
      setRoute(parseHash(location.hash));
    };
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
    // applyCredentials only calls state setters and the credential store, both stable.
  }, []);

  // One stream for the whole console; restarted when the credentials change.
  useEffect(
    () =>
      connectLive({
        authorization: () => authRef.current,
        onIncident: (summary) => listeners.current.forEach((listener) => listener(summary)),
        onStatus: setLive,
        onReady: () => setReload((n) => n + 1),
        onUnauthorized,
      }),
    [authorization, onUnauthorized],
  );

  const subscribe = useCallback((listener: Listener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);

  const announce = useCallback((message: string) => {
    // Clearing first makes a repeated message be read again.
    setAnnouncement("");
    setTimeout(() => setAnnouncement(message), 50);
  }, []);

  const navigate = useCallback((hash: string, replace = false) => {
    if (replace) {
      history.replaceState(history.state, "", hash);
      setRoute(parseHash(hash));
    } else {
      location.hash = hash;
    }
  }, []);

  const applyCredentials = (header: string | undefined): void => {
    if (header) credentials.set(header);
    else credentials.clear();
    authRef.current = header;
    setAuthorization(header);
    setSignIn(undefined);
    setReload((n) => n + 1);
  };

  return (
    <>
      <a class="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="#/">
          kube-aiops
        </a>
        <nav aria-label="Main">
          <a href="#/" aria-current={route.page === "list" ? "page" : undefined}>
            Incidents
          </a>
        </nav>
        <ConnectionStatus status={live} />
        {authorization && (
          <button type="button" class="link" onClick={() => applyCredentials(undefined)}>
            Sign out
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {signIn ? (
          <SignIn challenges={signIn.challenges} refused={signIn.refused} onSignIn={applyCredentials} />
        ) : route.page === "list" ? (
          <IncidentList
            api={api}
            query={route.query}
            reload={reload}
            navigate={navigate}
            subscribe={subscribe}
            announce={announce}
          />
        ) : route.page === "incident" ? (
          <IncidentPage key={route.id} api={api} id={route.id} reload={reload} subscribe={subscribe} />
        ) : (
          <>
            <h1>Page not found</h1>
            <p>
              Nothing at <code>{route.path}</code>. <a href="#/">See the incidents.</a>
            </p>
          </>
        )}
      </main>
      <div class="visually-hidden" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
    </>
  );
}

/** The skip link must not change the hash, which holds the route. */
function skipToMain(event: MouseEvent): void {
  event.preventDefault();
  document.getElementById("main")?.focus();
}
