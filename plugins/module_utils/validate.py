# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one place where user input is checked before any request.

Every check here matches the *whole* string (``re.fullmatch``: a ``$`` anchor
would accept a trailing newline) with ASCII classes only (``\\d`` would accept
any Unicode digit), and never echoes a secret.  A failed check raises
:class:`ValidationError`, which names the option; modules turn it into a
``fail_json`` before sending anything.

Service clients and resource descriptions import from here, so a rule fixed
here is fixed for every service.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import math
import os
import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    from urlparse import urlsplit  # pylint: disable=import-error


class ValidationError(Exception):
    """Bad input, detected before any request; names the option."""

    def __init__(self, option, message):
        super(ValidationError, self).__init__('%s: %s' % (option, message) if option else message)
        self.option = option


def pattern(regex, flags=0):
    """A compiled pattern with ASCII classes, meant for :func:`matches` (whole-string matching)."""
    return re.compile(regex, flags | re.ASCII)


def matches(compiled, value):
    """True when ``value`` is a str matched by ``compiled`` from its first to its last character."""
    return isinstance(value, str) and compiled.fullmatch(value) is not None


UUID_RE = pattern(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')
IPV4_RE = pattern(r'(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})')
INT_RE = pattern(r'[+-]?\d+')
#: Characters that end a line or a record somewhere (str.splitlines() splits on all of them), and NUL.
SEPARATORS = '\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029\x00'
_SEPARATOR_RE = re.compile('[%s]' % re.escape(SEPARATORS))
#: Control characters an HTTP header value must not carry (tab is allowed by RFC 9110, but not in credentials).
_CONTROL_RE = re.compile(r'[\x00-\x1f\x7f]')


def is_uuid(value):
    return matches(UUID_RE, value)


def check_uuid(value, option):
    """Return the lower-cased UUID or raise ValidationError naming ``option``."""
    if not is_uuid(value):
        raise ValidationError(option, 'expected a UUID like XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX, got %r' % (value,))
    return value.lower()


def is_ipv4(value):
    match = IPV4_RE.fullmatch(value) if isinstance(value, str) else None
    return bool(match) and all(int(part) < 256 for part in match.groups())


def parse_int(value, option=None, minimum=None, maximum=None):
    """An integer from an int or a string of ASCII digits (no ``_``, no Unicode digits, no spaces inside).

    Raises ``ValueError`` (or ValidationError when ``option`` is given).
    """
    def fail(message):
        if option:
            raise ValidationError(option, message)
        raise ValueError(message)
    if isinstance(value, bool):
        fail('expected an integer, got %r' % (value,))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and INT_RE.fullmatch(value.strip(' ')):
        number = int(value.strip(' '))
    else:
        fail('expected an integer, got %r' % (value,))
    if minimum is not None and number < minimum:
        fail('must be at least %d, got %d' % (minimum, number))
    if maximum is not None and number > maximum:
        fail('must be at most %d, got %d' % (maximum, number))
    return number


def check_number(value, option, minimum=None, maximum=None, integer=False):
    """A finite number within bounds (``nan`` and ``inf`` are refused)."""
    if value is None:
        return None
    if integer:
        return parse_int(value, option, minimum, maximum)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(option, 'expected a number, got %r' % (value,))
    if isinstance(value, bool) or math.isnan(number) or math.isinf(number):
        raise ValidationError(option, 'expected a finite number, got %r' % (value,))
    if minimum is not None and number < minimum:
        raise ValidationError(option, 'must be at least %s, got %s' % (minimum, value))
    if maximum is not None and number > maximum:
        raise ValidationError(option, 'must be at most %s, got %s' % (maximum, value))
    return number


def check_single_line(value, option, what='value'):
    """Refuse every line or record separator (``\\n``, ``\\r``, ``\\v``, ``\\f``, ``\\x1c-\\x1e``, ``\\x85``,
    U+2028, U+2029) and NUL in a value sent in a line-based wire format."""
    if isinstance(value, str) and _SEPARATOR_RE.search(value):
        char = _SEPARATOR_RE.search(value).group(0)
        raise ValidationError(option, '%s %r contains the line or record separator %r, which the service\'s '
                                      'text format cannot carry' % (what, value, char))
    return value


def check_header_value(value, option, secret=True):
    """A value sent in an HTTP header (credentials): Latin-1 only, no control characters, no surrounding spaces.

    A secret is never echoed: the message says what is wrong and where.
    """
    if value is None:
        return None
    value = str(value)
    for index, char in enumerate(value):
        if ord(char) > 0xff:
            raise ValidationError(option, 'contains a character HTTP headers cannot carry (%s at position %d)%s' % (
                'non-Latin-1 character' if secret else repr(char), index + 1,
                '; check for a pasted typographic quote or dash' if secret else ''))
        if _CONTROL_RE.match(char):
            raise ValidationError(option, 'contains a control character at position %d (a pasted newline or tab?)'
                                  % (index + 1))
    return value


def strip_secret(value, option):
    """A credential with surrounding whitespace stripped (a common paste error); inner whitespace is refused."""
    if value is None:
        return None
    value = str(value).strip()
    if any(char.isspace() for char in value):
        raise ValidationError(option, 'contains whitespace inside the value (the secret is not shown)')
    return check_header_value(value, option)


def check_url(value, option, schemes=('https', 'http'), example='https://api.example.com/'):
    """An absolute URL with one of ``schemes`` and a host; returns it stripped of surrounding whitespace."""
    text = str(value or '').strip()
    if not text:
        raise ValidationError(option, 'is empty; expected a URL such as %s' % example)
    check_single_line(text, option, 'URL')
    if _CONTROL_RE.search(text) or ' ' in text:
        raise ValidationError(option, 'URL %r contains spaces or control characters' % text)
    if '://' not in text:
        raise ValidationError(option, '%r has no scheme; expected a URL such as %s' % (text, example))
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(option, '%r is not a valid URL: %s' % (text, exc))
    if parts.scheme.lower() not in schemes:
        raise ValidationError(option, 'scheme %r is not supported (use %s), in %r' % (
            parts.scheme, ' or '.join('%s://' % s for s in schemes), text))
    if not parts.hostname:
        raise ValidationError(option, '%r has no host; expected a URL such as %s' % (text, example))
    if parts.username or parts.password:
        raise ValidationError(option, 'credentials in the URL are not accepted (use the credential options)')
    if port == 0:
        raise ValidationError(option, '%r has port 0' % text)
    return text


def check_file(path, option):
    """An existing, readable file (for CA bundles and the like)."""
    if path is None:
        return None
    if not os.path.exists(path):
        raise ValidationError(option, '%s does not exist' % path)
    if not os.path.isfile(path):
        raise ValidationError(option, '%s is not a file' % path)
    if not os.access(path, os.R_OK):
        raise ValidationError(option, '%s is not readable' % path)
    return path


def check_name(value, option, what='name', max_length=None):
    """A resource name: not empty, single line, no surrounding whitespace surprises."""
    if value is None:
        return None
    value = str(value)
    if not value.strip():
        raise ValidationError(option, '%s must not be empty' % what)
    check_single_line(value, option, what)
    if max_length and len(value) > max_length:
        raise ValidationError(option, '%s is longer than %d characters' % (what, max_length))
    return value


def check_known(values, known, option, what='value'):
    """Filter values checked against the values the collection knows.

    A value that is close to a known one but not it (``STANDBY`` for ``STAND_BY``) is an error: a filter that
    can never match would silently select nothing.  A value far from every known one is kept (the service
    may have values the seed does not list) and returned in the second list, for a warning.  Comparison is
    case-insensitive; values are returned upper-cased when ``known`` is.
    """
    out, unknown = [], []
    known_upper = dict((k.upper(), k) for k in known)
    for value in values or ():
        text = str(value).strip()
        if text.upper() in known_upper:
            out.append(known_upper[text.upper()])
            continue
        squashed = re.sub(r'[^A-Z0-9]', '', text.upper())
        close = [k for k in known if re.sub(r'[^A-Z0-9]', '', k.upper()) == squashed]
        close = close or difflib.get_close_matches(text.upper(), list(known_upper), n=1, cutoff=0.75)
        if close:
            suggestion = known_upper.get(close[0], close[0])
            raise ValidationError(option, '%r is not a %s the service reports (did you mean %r? known: %s)' % (
                text, what, suggestion, ', '.join(known)))
        out.append(text)
        unknown.append(text)
    return out, unknown
