"""Places and networks of client addresses: MaxMind DB files (GeoLite2, DB-IP:
country, city, ASN) read with ``maxminddb``, and the geo panels."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from httplog.enrich.tables import _check_column, _cut, _rollup
from httplog.errors import InputError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    import maxminddb.reader

#: The columns :func:`geo` may add, in order; which ones depends on the databases.
GEO_COLUMNS: tuple[str, ...] = (
    "ip_version",
    "country_code",
    "country",
    "continent_code",
    "continent",
    "city",
    "asn",
    "as_org",
)


def _open(path: str | Path) -> maxminddb.reader.Reader:
    """One database, opened; a missing or broken file is an :class:`InputError`."""
    import maxminddb

    shown = str(path)
    try:
        return maxminddb.open_database(shown, mode=maxminddb.MODE_AUTO)
    except FileNotFoundError:
        raise InputError(f"GeoIP database {shown}: no such file", path=shown) from None
    except maxminddb.InvalidDatabaseError:
        msg = f"GeoIP database {shown}: not a MaxMind DB (.mmdb) file"
        raise InputError(msg, path=shown) from None
    except OSError as e:
        raise InputError(f"GeoIP database {shown}: {e.strerror or e}", path=shown) from None


def check_db(db: str | Path | Sequence[str | Path]) -> tuple[str, ...]:
    """What each database holds (``country``, ``city`` or ``asn``), once opened and closed:
    a missing, unreadable or broken file is an :class:`InputError` now, not
    after a whole log was read.

    >>> check_db("/no/such.mmdb")
    Traceback (most recent call last):
    ...
    httplog.errors.InputError: GeoIP database /no/such.mmdb: no such file
    """
    paths = [db] if isinstance(db, str | Path) else list(db)
    if not paths:
        raise UsageError("geo: no GeoIP database given", option="db")
    kinds = []
    for p in paths:
        reader = _open(p)
        try:
            kinds.append(_kind(reader))
        finally:
            reader.close()
    return tuple(kinds)


def _address(text: str) -> str | None:
    """The address to look up: IPv4-mapped IPv6 as IPv4, brackets off; None if not one."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def _name(record: dict[str, Any], key: str) -> str | None:
    place = record.get(key)
    if not isinstance(place, dict):
        return None
    names = place.get("names")
    name = names.get("en") if isinstance(names, dict) else None
    return _cut(name) if isinstance(name, str) else None


def _code(record: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        place = record.get(key)
        code = place.get("iso_code") if isinstance(place, dict) else None
        if isinstance(code, str):
            return _cut(code)
    flat = record.get("country_code")  # the flat layout of ip-location-db builds
    return _cut(flat) if isinstance(flat, str) else None


def geo(
    frame: pl.DataFrame,
    column: str = "remote_addr",
    *,
    db: str | Path | Sequence[str | Path],
) -> pl.DataFrame:
    """Add country, continent, city and network columns to a table of client addresses.

    Parameters
    ----------
    frame:
        Any frame with a String column of client addresses (a per-client
        table); each distinct address is looked up once (about 10 µs).
    column:
        The address column: IPv4, IPv6, IPv4-mapped IPv6 (``::ffff:192.0.2.7``,
        as dual-stack servers log them, looked up as ``192.0.2.7``), or
        ``[IPv6]``.
    db:
        One or more MaxMind DB files (the ``--geoip-db`` flag): a country or
        city database (GeoLite2-Country/City, DB-IP Country/City Lite) and/or
        an ASN database. For each field the first database that has it wins.

    Returns
    -------
    pl.DataFrame
        ``frame`` with, of :data:`GEO_COLUMNS`, those its databases can fill:

        - ``ip_version`` (UInt8): 4 or 6; null for text that isn't an address
          (a host name in ``%h``, garbage);
        - with a country or city database: ``country_code`` (ISO 3166, null
          when unknown), ``country`` (English name, else the code; "Unknown" for an address
          the database doesn't have, a private one, or no address at all),
          ``continent_code`` and ``continent`` (likewise);
        - with a city database: ``city`` (null when unknown);
        - with an ASN database: ``asn`` (UInt32) and ``as_org``.

    Raises
    ------
    InputError
        A database is missing, unreadable or not a MaxMind DB file.

    Examples
    --------
    A tiny database written on the spot (with ``mmdb-writer``, a test dependency):

    >>> import tempfile
    >>> from mmdb_writer import MMDBWriter
    >>> from netaddr import IPSet
    >>> w = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    >>> w.insert_network(
    ...     IPSet(["192.0.2.0/24"]), {"country": {"iso_code": "FR", "names": {"en": "France"}}}
    ... )
    >>> path = Path(tempfile.mkdtemp()) / "country.mmdb"
    >>> w.to_db_file(str(path))
    >>> clients = pl.DataFrame({"remote_addr": ["192.0.2.7", "::ffff:192.0.2.8", "10.0.0.1", "-"]})
    >>> geo(clients, db=path).select("remote_addr", "ip_version", "country_code", "country").rows()
    [('192.0.2.7', 4, 'FR', 'France'), ('::ffff:192.0.2.8', 4, 'FR', 'France'), ('10.0.0.1', 4, None, 'Unknown'), ('-', None, None, 'Unknown')]
    """
    _check_column(frame, column)
    paths = [db] if isinstance(db, str | Path) else list(db)
    if not paths:
        raise UsageError("geo: no GeoIP database given", option="db")
    readers = [_open(p) for p in paths]
    try:
        kinds = [_kind(r) for r in readers]
        columns = ["ip_version"]
        if any(k != "asn" for k in kinds):
            columns += ["country_code", "country", "continent_code", "continent"]
        if "city" in kinds:
            columns.append("city")
        if "asn" in kinds:
            columns += ["asn", "as_org"]
        clash = [c for c in columns if c in frame.columns]
        if clash:
            raise UsageError(f"geo: the frame already has {', '.join(clash)}")
        keys = frame.select(pl.col(column).cast(pl.String).drop_nulls().unique()).to_series()
        rows = [(k, *_lookup(k, readers, paths)) for k in keys]
    finally:
        for r in readers:
            r.close()
    looked = pl.DataFrame(
        rows,
        schema={
            "_key": pl.String,
            "ip_version": pl.UInt8,
            **dict.fromkeys(GEO_COLUMNS[1:6], pl.String),
            "asn": pl.UInt32,
            "as_org": pl.String,
        },
        orient="row",
    ).select("_key", *columns)
    out = frame.with_columns(_key=pl.col(column).cast(pl.String)).join(
        looked, on="_key", how="left", maintain_order="left"
    )
    fills = [pl.col(c).fill_null("Unknown") for c in ("country", "continent") if c in columns]
    return out.with_columns(fills).drop("_key").select(*frame.columns, *columns)


def _kind(reader: maxminddb.reader.Reader) -> str:
    """``asn``, ``city`` or ``country``: what a database holds, from its type."""
    kind = reader.metadata().database_type.lower()
    return "asn" if "asn" in kind else "city" if "city" in kind else "country"


def _lookup(
    text: str, readers: Iterable[maxminddb.reader.Reader], paths: Sequence[str | Path]
) -> tuple[Any, ...]:
    """(ip_version, country_code, country, continent_code, continent, city, asn, as_org)."""
    import maxminddb

    address = _address(text)
    if address is None:
        return (None,) * 8
    found: dict[str, Any] = {}
    for reader, path in zip(readers, paths, strict=True):
        try:
            record = reader.get(address)
        except ValueError:  # an IPv6 address in an IPv4-only database
            continue
        except maxminddb.InvalidDatabaseError:
            shown = str(path)
            msg = f"GeoIP database {shown}: corrupt (a lookup failed)"
            raise InputError(msg, path=shown) from None
        if not isinstance(record, dict):
            continue
        values = {
            "country_code": _code(record, "country", "registered_country"),
            "country": _name(record, "country")
            or _name(record, "registered_country")
            or _code(record, "country", "registered_country"),
            "continent_code": _code(record, "continent") or _cut(_get(record, "continent", "code")),
            "continent": _name(record, "continent"),
            "city": _name(record, "city"),
            "asn": _int(record.get("autonomous_system_number")),
            "as_org": _text(record.get("autonomous_system_organization")),
        }
        for key, value in values.items():
            if value is not None:
                found.setdefault(key, value)
    version = 6 if ":" in address else 4
    return (
        version,
        *(found.get(k) for k in ("country_code", "country", "continent_code", "continent")),
        found.get("city"),
        found.get("asn"),
        found.get("as_org"),
    )


def _get(record: dict[str, Any], key: str, field: str) -> str | None:
    place = record.get(key)
    value = place.get(field) if isinstance(place, dict) else None
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and 0 <= value < 2**32 else None


def _text(value: object) -> str | None:
    return _cut(value) if isinstance(value, str) else None


def countries(enriched: pl.DataFrame, *, counts: Sequence[str] | None = None) -> pl.DataFrame:
    """The geo-location panel: counts summed by continent and country (GoAccess nests them).

    Keys ``continent``, ``country_code``, ``country`` (an unknown place is
    one row, "Unknown"); ``counts`` as in :func:`browsers`.

    Examples
    --------
    >>> enriched = pl.DataFrame(
    ...     {
    ...         "continent": ["Europe", "Europe", "Unknown"],
    ...         "country_code": ["FR", "FR", None],
    ...         "country": ["France", "France", "Unknown"],
    ...         "requests": [1, 2, 5],
    ...     }
    ... )
    >>> countries(enriched).rows()
    [('Unknown', None, 'Unknown', 5), ('Europe', 'FR', 'France', 3)]
    """
    return _rollup(enriched, ["continent", "country_code", "country"], counts, GEO_COLUMNS)


def networks(enriched: pl.DataFrame, *, counts: Sequence[str] | None = None) -> pl.DataFrame:
    """The ASN panel: counts summed by autonomous system (``asn``, ``as_org``).

    Examples
    --------
    >>> enriched = pl.DataFrame(
    ...     {
    ...         "asn": [64496, 64496, None],
    ...         "as_org": ["Example", "Example", None],
    ...         "requests": [1, 2, 3],
    ...     }
    ... )
    >>> networks(enriched).rows()
    [(64496, 'Example', 3), (None, None, 3)]
    """
    return _rollup(enriched, ["asn", "as_org"], counts, GEO_COLUMNS)
