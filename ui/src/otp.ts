/**
 * Decodes a generate-root `encoded_token` with the attempt's one-time password, in the browser:
 * the token is `base64(token XOR otp)` (Vault's `roottoken.DecodeToken` for a non-zero OTP length;
 * the base64 may be unpadded), so the plain token never travels over the network.
 */

/** `encoded` XOR `otp` → the token. Throws on bad base64 or a length mismatch. */
export function decodeRootToken(encoded: string, otp: string): string {
  const cleaned = encoded.trim().replace(/-/g, '+').replace(/_/g, '/');
  const padded = cleaned + '='.repeat((4 - (cleaned.length % 4)) % 4);
  let binary: string;
  try {
    binary = atob(padded);
  } catch {
    throw new Error('the encoded token is not base64');
  }
  const otpBytes = new TextEncoder().encode(otp.trim());
  if (binary.length !== otpBytes.length)
    throw new Error(
      `the OTP has ${otpBytes.length} characters but the encoded token decodes to ${binary.length} bytes`,
    );
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i) ^ otpBytes[i];
  return new TextDecoder().decode(out);
}
