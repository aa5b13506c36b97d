# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The certificate authorities and keys of a hosted control plane, made with ``cryptography``.

A hosted k0s control plane needs three CAs (cluster, front proxy, and etcd when etcd is the
datastore) and a service-account key pair; k0s keeps those it finds in its ``pki`` folder and
derives every leaf certificate from them at each start. The collection makes them once, keeps
them in Secrets, and signs admin client certificates from the cluster CA for kubeconfigs.
Everything here works on PEM bytes; nothing is written to disk.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the machine running the module
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = exc

KEY_TYPES = ("rsa", "ecdsa")
RSA_SIZES = (2048, 3072, 4096)
ECDSA_SIZES = (256, 384)
# Backdating absorbs clock skew between the controller and the management nodes.
_BACKDATE = datetime.timedelta(minutes=5)


def require():
    if not HAS_CRYPTOGRAPHY:
        raise FleetError(
            "The Python library 'cryptography' is required by the native engine (%s)." % CRYPTOGRAPHY_IMPORT_ERROR,
            hint="Install it where the module runs (pip install cryptography); it comes with ansible-core's "
                 "usual installs and every execution environment.")


def validate_key(option, key_type, key_size):
    """Refuse key types and sizes that are weak or that k0s does not handle."""
    sizes = RSA_SIZES if key_type == "rsa" else ECDSA_SIZES
    if key_type not in KEY_TYPES or key_size not in sizes:
        raise FleetError(
            "%s: key type '%s' with size %s is not supported." % (option, key_type, key_size),
            hint="Use key_type rsa with key_size %s, or ecdsa with %s." % (
                "/".join(str(s) for s in RSA_SIZES), "/".join(str(s) for s in ECDSA_SIZES)))


def _new_key(key_type, key_size):
    if key_type == "ecdsa":
        curve = ec.SECP256R1() if key_size == 256 else ec.SECP384R1()
        return ec.generate_private_key(curve)
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def _key_pem(key):
    # "RSA PRIVATE KEY" / "EC PRIVATE KEY", the forms k0s itself writes into its pki folder.
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def new_ca(common_name, key_type="rsa", key_size=2048, days=3650):
    """A self-signed CA: ``(cert_pem, key_pem)``."""
    key = _new_key(key_type, key_size)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_encipherment=True, key_cert_sign=True, crl_sign=True,
            content_commitment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def new_key_pair(key_type="rsa", key_size=2048):
    """A key pair for signing service-account tokens: ``(public_pem, private_pem)``."""
    key = _new_key(key_type, key_size)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return public, _key_pem(key)


def sign_client_cert(ca_cert_pem, ca_key_pem, common_name, organizations=(), seconds=86400,
                     key_type="ecdsa", key_size=256):
    """A client certificate signed by the CA: ``(cert_pem, key_pem)``.

    Kubernetes reads the user from the CN and the groups from the O attributes.
    """
    ca_cert = x509.load_pem_x509_certificate(ca_cert_pem)
    ca_key = serialization.load_pem_private_key(ca_key_pem, password=None)
    key = _new_key(key_type, key_size)
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    now = _now()
    not_after = min(now + datetime.timedelta(seconds=seconds), not_valid_after(ca_cert_pem))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_encipherment=key_type == "rsa", key_cert_sign=False, crl_sign=False,
            content_commitment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def _load_cert(cert_pem):
    try:
        return x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        return None


def not_valid_after(cert_pem):
    """When the certificate expires (aware UTC datetime), or None if it is not a certificate."""
    cert = _load_cert(cert_pem)
    if cert is None:
        return None
    if hasattr(cert, "not_valid_after_utc"):
        return cert.not_valid_after_utc
    return cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)  # cryptography < 42


def subject(cert_pem):
    """``(common_name, [organizations])`` of a certificate."""
    cert = _load_cert(cert_pem)
    names = cert.subject
    cn = [a.value for a in names.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return (cn[0] if cn else None), [a.value for a in names.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]


def signed_by(cert_pem, ca_cert_pem):
    """Whether ``ca_cert_pem``'s key signed ``cert_pem``."""
    cert, ca = _load_cert(cert_pem), _load_cert(ca_cert_pem)
    if cert is None or ca is None or cert.issuer != ca.subject:
        return False
    public = ca.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                          cert.signature_hash_algorithm)
        else:
            public.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    except InvalidSignature:
        return False
    return True


def key_matches(cert_pem, key_pem):
    """Whether the private key belongs to the certificate (or, for a public key PEM, is the same key)."""
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        return False
    cert = _load_cert(cert_pem)
    if cert is not None:
        public = cert.public_key()
    else:
        try:
            public = serialization.load_pem_public_key(cert_pem)
        except ValueError:
            return False
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key.public_key().public_bytes(*fmt) == public.public_bytes(*fmt)


def is_ca(cert_pem):
    cert = _load_cert(cert_pem)
    if cert is None:
        return False
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False
