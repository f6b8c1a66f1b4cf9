# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Self-signed CA and server certificate for the simulator's HTTPS port.

The CA certificate (``ca.pem``), the server certificate (``server.pem``) and
its key (``server-key.pem``) are cached in the state directory and reused, so
a start costs no key generation once the cache exists.  The server certificate
carries ``IP:127.0.0.1``, ``IP:::1`` and ``DNS:localhost`` (plus the bind host
when it is something else) as subject alternative names, so a client that
trusts ``ca.pem`` validates it and a client that does not fails verification.

Keys are ECDSA P-256 (fast to generate).  ``cryptography`` is used when it is
importable (it always is next to ansible-core); otherwise the ``openssl`` CLI.
"""

import datetime
import ipaddress
import json
import os
import secrets
import shutil
import ssl
import subprocess
import tempfile
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

try:
    from cryptography import x509
    from cryptography.hazmat.backends import default_backend
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    _HAVE_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - exercised through force_openssl in tests
    _HAVE_CRYPTOGRAPHY = False

CERT_FORMAT_VERSION = 1
VALID_DAYS = 825
RENEW_BEFORE_SECONDS = 7 * 86400
DEFAULT_NAMES = ('127.0.0.1', '::1', 'localhost')

CA_FILE = 'ca.pem'
CA_KEY_FILE = 'ca-key.pem'
CERT_FILE = 'server.pem'
KEY_FILE = 'server-key.pem'
META_FILE = 'cert-meta.json'


def default_state_dir():
    """Return ``$XDG_CACHE_HOME/backupdr-simulator`` or ``~/.cache/backupdr-simulator``."""
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'backupdr-simulator')


def subject_names(host):
    """Names the server certificate must cover for a given bind host."""
    names = list(DEFAULT_NAMES)
    if host and host not in names and host not in ('0.0.0.0', '::'):
        names.append(host)
    return names


def ensure_certificates(state_dir, host='127.0.0.1', force_openssl=False):
    """Return ``{'ca': path, 'cert': path, 'key': path}``, generating files when needed."""
    state_dir = os.path.abspath(state_dir)
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    names = subject_names(host)
    paths = {
        'ca': os.path.join(state_dir, CA_FILE),
        'cert': os.path.join(state_dir, CERT_FILE),
        'key': os.path.join(state_dir, KEY_FILE),
    }
    with _DirLock(os.path.join(state_dir, '.cert.lock')):
        if _cache_is_usable(state_dir, paths, names):
            return paths
        if force_openssl or not _HAVE_CRYPTOGRAPHY:
            files = _generate_with_openssl(names)
        else:
            files = _generate_with_cryptography(names)
        for name, data in files.items():
            _atomic_write(os.path.join(state_dir, name), data)
        meta = {'version': CERT_FORMAT_VERSION, 'names': names, 'not_after': int(time.time()) + VALID_DAYS * 86400}
        _atomic_write(os.path.join(state_dir, META_FILE), json.dumps(meta).encode('utf-8'))
    return paths


class _DirLock:
    """Exclusive advisory lock so that parallel simulators do not mix certificate files."""

    def __init__(self, path):
        self.path = path
        self.handle = None

    def __enter__(self):
        if fcntl is not None:
            self.handle = open(self.path, 'a+b')  # pylint: disable=consider-using-with
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc_info):
        if self.handle is not None:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
            self.handle.close()
        return False


def _cache_is_usable(state_dir, paths, names):
    meta_path = os.path.join(state_dir, META_FILE)
    try:
        with open(meta_path, 'r', encoding='utf-8') as handle:
            meta = json.load(handle)
    except (OSError, ValueError):
        return False
    if not isinstance(meta, dict) or meta.get('version') != CERT_FORMAT_VERSION:
        return False
    if not set(names) <= set(meta.get('names') or ()):
        return False
    if int(meta.get('not_after') or 0) < time.time() + RENEW_BEFORE_SECONDS:
        return False
    try:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(paths['cert'], paths['key'])
        context.load_verify_locations(cafile=paths['ca'])
    except (OSError, ssl.SSLError):
        return False
    return True


def _atomic_write(path, data):
    directory = os.path.dirname(path)
    fd, tmp_path = tempfile.mkstemp(prefix='.tmp-', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
        os.chmod(tmp_path, 0o600 if path.endswith('key.pem') else 0o644)
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise


def _key_usage(cert_sign):
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=not cert_sign,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
        encipher_only=False, decipher_only=False)


def _san_entries(names):
    entries = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return entries


def _generate_with_cryptography(names):
    backend = default_backend()
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    until = now + datetime.timedelta(days=VALID_DAYS)
    ca_key = ec.generate_private_key(ec.SECP256R1(), backend)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u'backupdr simulator CA')])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256(), backend)
    )
    key = ec.generate_private_key(ec.SECP256R1(), backend)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u'localhost')]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(_san_entries(names)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256(), backend)
    )

    def key_pem(private_key):
        return private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

    return {
        CA_FILE: ca_cert.public_bytes(serialization.Encoding.PEM),
        CA_KEY_FILE: key_pem(ca_key),
        CERT_FILE: cert.public_bytes(serialization.Encoding.PEM),
        KEY_FILE: key_pem(key),
    }


_OPENSSL_CONFIG = """
[req]
distinguished_name = dn
prompt = no
[dn]
CN = backupdr simulator CA
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = {san}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def _openssl_san(names):
    parts = []
    for name in names:
        try:
            ipaddress.ip_address(name)
            parts.append('IP:' + name)
        except ValueError:
            parts.append('DNS:' + name)
    return ', '.join(parts)


def _generate_with_openssl(names):
    openssl = shutil.which('openssl')
    if not openssl:
        raise RuntimeError('neither the cryptography module nor the openssl CLI is available for TLS')
    work = tempfile.mkdtemp(prefix='backupdr-sim-tls-')
    try:
        def path(name):
            return os.path.join(work, name)

        with open(path('openssl.cnf'), 'w', encoding='utf-8') as handle:
            handle.write(_OPENSSL_CONFIG.format(san=_openssl_san(names)))
        ec_args = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
        days = ['-days', str(VALID_DAYS)]
        _run([openssl, 'req', '-x509', '-new'] + ec_args + days + [
            '-config', path('openssl.cnf'), '-extensions', 'v3_ca',
            '-keyout', path(CA_KEY_FILE), '-out', path(CA_FILE)])
        _run([openssl, 'req', '-new'] + ec_args + [
            '-config', path('openssl.cnf'), '-subj', '/CN=localhost',
            '-keyout', path(KEY_FILE), '-out', path('server.csr')])
        _run([openssl, 'x509', '-req'] + days + [
            '-in', path('server.csr'), '-CA', path(CA_FILE), '-CAkey', path(CA_KEY_FILE),
            '-set_serial', '0x' + secrets.token_hex(16), '-sha256',
            '-extfile', path('openssl.cnf'), '-extensions', 'v3_leaf', '-out', path(CERT_FILE)])
        files = {}
        for name in (CA_FILE, CA_KEY_FILE, CERT_FILE, KEY_FILE):
            with open(path(name), 'rb') as handle:
                files[name] = handle.read()
        return files
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(argv):
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        raise RuntimeError('%s failed: %s' % (' '.join(argv[:3]), result.stderr.decode('utf-8', 'replace').strip()))


def server_context(paths):
    """Server-side SSLContext for the HTTPS port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(paths['cert'], paths['key'])
    return context
