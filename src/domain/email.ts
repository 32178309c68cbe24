/** Pragmatic email check: one @, a dotted domain, no spaces; 254 chars max (RFC 5321). */
export function isValidEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)
}

export const MIN_PASSWORD_LENGTH = 10
