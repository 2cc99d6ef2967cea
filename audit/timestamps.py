"""RFC 3161 trusted timestamps of the audit chain heads (``audit.anchoring``): the request to a timestamp
authority (TSA) and the check of the token it answers, with the ``rfc3161-client`` library.

A token is stored as the TSA's whole TimeStampResp (DER), which the library decodes. Its check: the TSA
granted it, its message imprint is the SHA-256 of the heads' text, and the TSA's signature holds:
- with ``AUDIT_TSA_CA_FILE`` (PEM, the TSA's root and any intermediates), by the library: the signature,
  the signer certificate's chain up to that file, its critical timeStamping extended key usage;
- without it, by ``_signature_problem`` below: the signature over the token's signed attributes by the
  certificate the token carries, and those attributes' digest of the token's content. That proves the token
  is whole, not who signed it: anyone can make a key that signs. Set the CA file in production.
"""

import hashlib
import urllib.request
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.utils.translation import gettext as _
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerifierBuilder,
    decode_timestamp_response,
)

CONTENT_TYPE_QUERY = "application/timestamp-query"
CONTENT_TYPE_REPLY = "application/timestamp-reply"
DEFAULT_TIMEOUT = 10  # seconds: a slow TSA must not hold the checkpoint timer


class TimestampError(Exception):
    """The TSA did not answer with a token, or a token does not check."""


def timestamp_request(*, url: str, message: bytes, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Ask the TSA at ``url`` to timestamp ``message`` (its SHA-256); return the checked TimeStampResp."""
    query = TimestampRequestBuilder().data(message).hash_algorithm(HashAlgorithm.SHA256).build()
    request = urllib.request.Request(
        url, data=query.as_bytes(), method="POST", headers={"Content-Type": CONTENT_TYPE_QUERY}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (a configured URL)
        if not 200 <= response.status < 300:
            raise TimestampError(f"HTTP {response.status}")
        answer = response.read()
    problem = token_problem(token=answer, message=message)
    if problem is None and decode_timestamp_response(answer).tst_info.nonce != query.nonce:
        problem = "the nonce is not the one sent"
    if problem:
        raise TimestampError(problem)
    return answer


def token_problem(*, token: bytes, message: bytes) -> str | None:
    """What is wrong with ``token`` as a timestamp of ``message``, or None when it holds."""
    try:
        response = decode_timestamp_response(token)
        if PKIStatus(response.status) != PKIStatus.GRANTED:
            return _("the TSA refused it (status %(status)s)") % {"status": response.status}
        if response.tst_info.message_imprint.message != hashlib.sha256(message).digest():
            return _("its message imprint is not the digest of the recorded heads")
        if ca_file := getattr(settings, "AUDIT_TSA_CA_FILE", ""):
            verifier = VerifierBuilder(roots=list(_trusted(str(ca_file)))).build()
            verifier.verify(response, hashlib.sha256(message).digest())
            return None
        return _signature_problem(response)
    except Exception as error:  # noqa: BLE001 (whatever breaks in a forged token is a finding, not a crash)
        return (_("the token does not verify: %(error)s") % {"error": error})[:300]


@cache
def _trusted(ca_file: str) -> tuple[x509.Certificate, ...]:
    return tuple(x509.load_pem_x509_certificates(Path(ca_file).read_bytes()))


def token_time(token: bytes):
    """The time the TSA put in the token (its genTime)."""
    return decode_timestamp_response(token).tst_info.gen_time


# --- the signature alone, without a trust anchor (CMS SignedData, RFC 5652 §5.4) --------------------

_MESSAGE_DIGEST = bytes.fromhex("2a864886f70d010904")  # 1.2.840.113549.1.9.4
_RSA_PSS = bytes.fromhex("2a864886f70d01010a")  # 1.2.840.113549.1.1.10
_HASHES: dict[bytes, hashes.HashAlgorithm] = {
    bytes.fromhex("608648016503040201"): hashes.SHA256(),
    bytes.fromhex("608648016503040202"): hashes.SHA384(),
    bytes.fromhex("608648016503040203"): hashes.SHA512(),
}


class _Der:
    """Just enough of a DER reader to walk a CMS SignedData: ``inside(pos)`` lists the elements within the
    one at ``pos`` as (tag, start of element, start of content, end)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def element(self, pos: int) -> tuple[int, int, int, int]:
        tag, length, start = self.data[pos], self.data[pos + 1], pos + 2
        if length & 0x80:
            count = length & 0x7F
            length, start = int.from_bytes(self.data[start : start + count], "big"), start + count
        return tag, pos, start, start + length

    def inside(self, pos: int) -> list[tuple[int, int, int, int]]:
        _tag, _pos, start, end = self.element(pos)
        children = []
        while start < end:
            children.append(self.element(start))
            start = children[-1][3]
        return children

    def content(self, element: tuple[int, int, int, int]) -> bytes:
        return self.data[element[2] : element[3]]


def _signature_problem(response: TimeStampResponse) -> str | None:
    der = _Der(response.time_stamp_token())
    signed_data = der.inside(der.inside(der.inside(0)[1][1])[0][1])  # ContentInfo → [0] → SignedData
    # version, digestAlgorithms, encapContentInfo (type, [0] → eContent), [0] certificates, signerInfos
    econtent = der.inside(der.inside(signed_data[2][1])[1][1])[0]
    signer = der.inside(der.inside(signed_data[-1][1])[0][1])
    # version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature
    index = next((i for i, child in enumerate(signer) if child[0] == 0xA0), None)
    if index is None:
        return _("its signature covers no signed attributes")
    digest_algorithm = _HASHES.get(der.content(der.inside(signer[2][1])[0]))
    if digest_algorithm is None:
        return _("its digest algorithm is not SHA-2")
    message_digest = None
    for attribute in der.inside(signer[index][1]):
        oid, values = der.inside(attribute[1])
        if der.content(oid) == _MESSAGE_DIGEST:
            message_digest = der.content(der.inside(values[1])[0])
    content_digest = hashes.Hash(digest_algorithm)
    content_digest.update(der.content(econtent))
    if message_digest != content_digest.finalize():
        return _("its signed digest is not that of its content")
    attributes = signer[index]
    signed = b"\x31" + der.data[attributes[1] + 1 : attributes[3]]  # signed as a SET OF (RFC 5652 §5.4)
    pss = der.content(der.inside(signer[index + 1][1])[0]) == _RSA_PSS
    return _signed_by_embedded(response, signed, der.content(signer[-1]), digest_algorithm, pss=pss)


def _signed_by_embedded(
    response: TimeStampResponse,
    signed: bytes,
    signature: bytes,
    algorithm: hashes.HashAlgorithm,
    *,
    pss: bool,
) -> str | None:
    [info] = list(response.signed_data.signer_infos)
    certificates = [x509.load_der_x509_certificate(der) for der in response.signed_data.certificates]
    signer = next(
        (c for c in certificates if c.issuer == info.issuer and c.serial_number == info.serial_number), None
    )
    if signer is None:
        return _("it does not carry its signer's certificate")
    key = signer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            scheme = (
                padding.PSS(mgf=padding.MGF1(algorithm), salt_length=padding.PSS.AUTO)
                if pss
                else padding.PKCS1v15()
            )
            key.verify(signature, signed, scheme, algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed, ec.ECDSA(algorithm))
        else:
            return _("its signer's key is neither RSA nor EC")
    except InvalidSignature:
        return _("the TSA's signature does not match it")
    return None
