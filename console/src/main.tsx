import { render } from "preact";
import { sessionCredentials } from "./api/auth.js";
import { App, adoptTokenFromHash } from "./app.js";
import "./styles.css";

const credentials = sessionCredentials();

// A link such as `<console>/#token=...` signs in; the token leaves the URL (and history) at once.
const fromLink = adoptTokenFromHash();
if (fromLink) credentials.set(fromLink);

const root = document.getElementById("app");
if (root) render(<App credentials={credentials} />, root);
