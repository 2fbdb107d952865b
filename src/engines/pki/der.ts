/**
 * A thin DER builder over node-forge's generic ASN.1 module (forge's certificate API handles only
 * RSA keys; building the structures ourselves lets RSA and EC keys alike be issued and signed,
 * with the signature itself made by node:crypto).
 */
import forge from 'node-forge';

const { asn1 } = forge;
/** One ASN.1 node. */
export type Asn1 = forge.asn1.Asn1;

const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;

const bin = (bytes: Uint8Array): string => Buffer.from(bytes).toString('binary');

/** SEQUENCE of `items`. */
export const seq = (...items: Asn1[]): Asn1 => asn1.create(U, T.SEQUENCE, true, items);
/** SET of `items`. */
export const set = (...items: Asn1[]): Asn1 => asn1.create(U, T.SET, true, items);
/** OBJECT IDENTIFIER. */
export const oid = (dotted: string): Asn1 => asn1.create(U, T.OID, false, asn1.oidToDer(dotted).getBytes());
/** INTEGER from big-endian unsigned bytes (a leading 0 is added when the top bit is set). */
export const uint = (bytes: Uint8Array): Asn1 => {
  let value = Buffer.from(bytes);
  while (value.length > 1 && value[0] === 0 && (value[1] ?? 0) < 0x80) value = value.subarray(1);
  if ((value[0] ?? 0) >= 0x80) value = Buffer.concat([Buffer.from([0]), value]);
  return asn1.create(U, T.INTEGER, false, bin(value));
};
/** INTEGER from a small non-negative number. */
export const smallInt = (n: number): Asn1 =>
  asn1.create(U, T.INTEGER, false, asn1.integerToDer(n).getBytes());
/** BOOLEAN. */
export const bool = (value: boolean): Asn1 => asn1.create(U, T.BOOLEAN, false, value ? '\xff' : '\x00');
/** NULL. */
export const nul = (): Asn1 => asn1.create(U, T.NULL, false, '');
/** UTF8String. */
export const utf8 = (text: string): Asn1 => asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(text));
/** OCTET STRING wrapping raw bytes. */
export const octets = (bytes: Uint8Array): Asn1 => asn1.create(U, T.OCTETSTRING, false, bin(bytes));
/** BIT STRING with no unused bits. */
export const bits = (bytes: Uint8Array): Asn1 => asn1.create(U, T.BITSTRING, false, '\x00' + bin(bytes));
/** RFC 5280 time: UTCTime before 2050, GeneralizedTime from 2050. */
export const time = (date: Date): Asn1 =>
  date.getUTCFullYear() < 2050
    ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
/** [n] EXPLICIT wrapping. */
export const explicit = (tag: number, inner: Asn1): Asn1 =>
  asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, true, [inner]);
/** [n] IMPLICIT primitive with raw bytes (GeneralName dNSName = 2, iPAddress = 7, URI = 6). */
export const implicitBytes = (tag: number, bytes: Uint8Array): Asn1 =>
  asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, false, bin(bytes));
/** [n] IMPLICIT constructed. */
export const implicitSeq = (tag: number, items: Asn1[]): Asn1 =>
  asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, true, items);

/** DER bytes of a node. */
export function toDer(node: Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'binary');
}

/** Parses DER (strictly); throws on malformed input. */
export function fromDer(bytes: Uint8Array): Asn1 {
  return asn1.fromDer(forge.util.createBuffer(bin(bytes)), {
    strict: true,
    parseAllBytes: true,
    decodeBitStrings: false,
  } as unknown as boolean);
}

/** Raw content bytes of a primitive node. */
export function contentOf(node: Asn1): Buffer {
  return Buffer.from(typeof node.value === 'string' ? node.value : '', 'binary');
}

/** Children of a constructed node ([] for a primitive). */
export function childrenOf(node: Asn1 | undefined): Asn1[] {
  return node !== undefined && Array.isArray(node.value) ? node.value : [];
}

/** Dotted OID of an OID node. */
export function oidOf(node: Asn1 | undefined): string {
  return node === undefined ? '' : asn1.derToOid(forge.util.createBuffer(contentOf(node).toString('binary')));
}
