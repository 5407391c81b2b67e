const SIGN_IN_PATH = /(^|[/._-])(log-?in|sign-?in|auth(orize)?|sso|oauth2?|saml|accounts?)([/._?-]|$)/i;
const SIGN_IN_MARKUP = /type=["']?password|<title>[^<]*(sign[ -]?in|log[ -]?in)|\b(sign in|log in)\b/i;

/**
 * A redirect that ended on a sign-in page: the link needs a session (a private share link, an expired pre-signed
 * URL behind SSO). Judged by where the redirect landed and by the page itself, since neither alone is reliable.
 */
export function isSignInPage(landedOn: URL, head: Buffer): boolean {
  return SIGN_IN_PATH.test(landedOn.pathname) || SIGN_IN_MARKUP.test(head.toString('latin1'));
}
