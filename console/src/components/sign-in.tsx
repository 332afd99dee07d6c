/** Sign-in for the schemes the server's 401 offered: a bearer token, a username and password, or both. */
import { useState } from "preact/hooks";
import { basicHeader, bearerHeader, type Challenges } from "../api/auth.js";
import { useFocusOnMount } from "./hooks.js";

export function SignIn(props: {
  challenges: Challenges;
  refused: boolean;
  onSignIn: (header: string) => void;
}) {
  const { challenges } = props;
  const [token, setToken] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const heading = useFocusOnMount<HTMLHeadingElement>();

  return (
    <div class="sign-in" data-testid="sign-in">
      <h1 ref={heading} tabIndex={-1}>
        Sign in
      </h1>
      {props.refused ? (
        <p class="error" role="alert">
          The service refused these credentials. Check them and sign in again.
        </p>
      ) : (
        <p>The service asks for credentials to show incidents.</p>
      )}
      {challenges.bearer && (
        <form
          class="card"
          aria-labelledby="sign-in-token-title"
          onSubmit={(e) => {
            e.preventDefault();
            if (token.trim()) props.onSignIn(bearerHeader(token));
          }}
        >
          <h2 id="sign-in-token-title">With an access token</h2>
          <div class="field wide">
            <label for="sign-in-token">Token</label>
            <input
              id="sign-in-token"
              type="password"
              autocomplete="off"
              required
              value={token}
              onInput={(e) => setToken(e.currentTarget.value)}
            />
          </div>
          <div class="actions">
            <button type="submit" class="primary">
              Sign in with token
            </button>
          </div>
        </form>
      )}
      {challenges.basic && (
        <form
          class="card"
          aria-labelledby="sign-in-basic-title"
          onSubmit={(e) => {
            e.preventDefault();
            if (username) props.onSignIn(basicHeader(username, password));
          }}
        >
          <h2 id="sign-in-basic-title">With a username and password</h2>
          <div class="field">
            <label for="sign-in-username">Username</label>
            <input
              id="sign-in-username"
              autocomplete="username"
              required
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="sign-in-password">Password</label>
            <input
              id="sign-in-password"
              type="password"
              autocomplete="current-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </div>
          <div class="actions">
            <button type="submit" class="primary">
              Sign in
            </button>
          </div>
        </form>
      )}
      <p class="muted">
        Credentials stay in this browser tab (session storage) until you sign out or close it.
      </p>
    </div>
  );
}
