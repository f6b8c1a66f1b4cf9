# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RSA key pairs of the simulated Cloud Backup agents, and RSAES-PKCS1-v1_5.

A client turns a passphrase into ``EncryptedPasswordHex`` by encrypting it
with the agent's public key (``PublicKey.ModulusHex`` / ``ExponentHex``,
RSAES-PKCS1-v1_5, hex output, as the Rackspace how-to "Generate your encrypted
key" does with ``openssl rsautl -encrypt``).  The simulator decrypts with the
private key to check passphrases.

Keys are 2048-bit with exponent 65537 (``ExponentHex`` 10001, as the seed's
examples).  Generating one costs ~0.1 s with ``cryptography`` (used when
importable) and ~0.4 s in pure Python, so agents share a small pool of key
pairs, generated once per process on first use: agent ``n`` uses pool key
``n % POOL_SIZE``.  Decryption and encryption are pure Python (``pow``).
"""

import random
import secrets
import threading

try:
    from cryptography.hazmat.primitives.asymmetric import rsa as _crypto_rsa
    _HAVE_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - pure-Python fallback
    _HAVE_CRYPTOGRAPHY = False

POOL_SIZE = 4
KEY_BITS = 2048
EXPONENT = 65537
_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p ** 0.5) + 1))]

_LOCK = threading.Lock()
_POOL = {}


class KeyPair:
    """An RSA key pair: modulus ``n``, public exponent ``e``, private exponent ``d``."""

    __slots__ = ('n', 'e', 'd', 'size', 'modulus_hex')

    def __init__(self, n, e, d):
        self.n = n
        self.e = e
        self.d = d
        self.size = (n.bit_length() + 7) // 8
        self.modulus_hex = '%x' % n

    @property
    def exponent_hex(self):
        """The public exponent in hex digits ('10001')."""
        return '%x' % self.e


def _probable_prime(candidate, rng, rounds=8):
    for prime in _SMALL_PRIMES:
        if candidate % prime == 0:
            return candidate == prime
    d, s = candidate - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _round in range(rounds):
        x = pow(rng.randrange(2, candidate - 2), d, candidate)
        if x in (1, candidate - 1):
            continue
        for _step in range(s - 1):
            x = pow(x, 2, candidate)
            if x == candidate - 1:
                break
        else:
            return False
    return True


def _prime(bits, rng):
    while True:
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if (candidate - 1) % EXPONENT and _probable_prime(candidate, rng):
            return candidate


def _generate(index):
    if _HAVE_CRYPTOGRAPHY:
        try:
            numbers = _crypto_rsa.generate_private_key(public_exponent=EXPONENT, key_size=KEY_BITS).private_numbers()
            return KeyPair(numbers.public_numbers.n, numbers.public_numbers.e, numbers.d)
        except TypeError:  # pragma: no cover - cryptography < 3.1 wants a backend: use the pure-Python way
            pass
    rng = random.Random('rax-backup-agent-key-%d' % index)
    while True:
        p, q = _prime(KEY_BITS // 2, rng), _prime(KEY_BITS // 2, rng)
        n = p * q
        if p != q and n.bit_length() == KEY_BITS:
            return KeyPair(n, EXPONENT, pow(EXPONENT, -1, (p - 1) * (q - 1)))


def key_for(number):
    """The pool key pair of agent ``number`` (generated on first use)."""
    index = number % POOL_SIZE
    with _LOCK:
        pair = _POOL.get(index)
        if pair is None:
            pair = _POOL[index] = _generate(index)
        return pair


def clean_hex(value):
    """The hex digits of a client's ciphertext (whitespace removed, as the seed's wrapped examples), or None."""
    if not isinstance(value, str):
        return None
    text = ''.join(value.split())
    if not text or len(text) % 2:
        return None
    try:
        int(text, 16)
    except ValueError:
        return None
    return text


def decrypt_hex(pair, value):
    """The plaintext (str) of a hex RSAES-PKCS1-v1_5 ciphertext, or None when it does not decrypt."""
    text = clean_hex(value)
    if text is None or len(text) // 2 > pair.size:
        return None
    cipher = int(text, 16)
    if cipher >= pair.n:
        return None
    block = pow(cipher, pair.d, pair.n).to_bytes(pair.size, 'big')
    if block[0:2] != b'\x00\x02':
        return None
    end = block.find(b'\x00', 2)
    if end < 10:
        return None
    try:
        return block[end + 1:].decode('utf-8')
    except UnicodeDecodeError:
        return None


def encrypt_hex(pair, plaintext):
    """RSAES-PKCS1-v1_5 encryption of a text; lower-case hex of the modulus length."""
    message = plaintext.encode('utf-8')
    padding_length = pair.size - len(message) - 3
    if padding_length < 8:
        raise ValueError('message too long for the key')
    padding = bytes(secrets.choice(range(1, 256)) for _index in range(padding_length))
    block = b'\x00\x02' + padding + b'\x00' + message
    cipher = pow(int.from_bytes(block, 'big'), pair.e, pair.n)
    return cipher.to_bytes(pair.size, 'big').hex()
