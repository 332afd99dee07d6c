/**
 * A link from untrusted data (an alert's generatorURL, a forge's answer) as an href only
 * when it is http(s): a `javascript:` or `data:` URL must not become a clickable link.
 */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
