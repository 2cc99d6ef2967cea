"""Is an uploaded file what its name says, in an encoding we read? Checked from its first bytes and, for
a workbook, its zip directory, before anything is stored: a file that cannot be read is refused at once
rather than accepted and failed later by the worker, and text that is neither UTF-8 nor plausible GBK
is refused rather than stored as mojibake.
"""

import codecs
import zipfile
from typing import IO, cast
from xml.parsers import expat

from django.core.files import File
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .schema import IngestError

SAMPLE_BYTES = 1 << 20  # the head of a text file whose encoding is judged
# Chinese government files are often GBK; GB18030 is its superset and decodes every GBK file.
FALLBACK_ENCODING = "gb18030"
# Of the characters beyond ASCII that a GB18030 reading gives, at least this share must be common
# Chinese (GB2312's hanzi and punctuation). Simplified Chinese text scores above 0.9; Big5 text, which
# decodes as GBK without an error, reads as rare characters and kana and scores well under half.
PLAUSIBLE_GB_SHARE = 0.75

# Workbooks: limits checked on the zip directory before a part is read (a zip bomb is refused unread),
# and on the shared strings, which openpyxl holds in memory whole, before the workbook is loaded.
MAX_XLSX_PART_BYTES = 2 << 30
MAX_XLSX_RATIO = 100  # uncompressed / compressed, for parts over 1 MB; real sheets compress 5–30 times
MAX_XLSX_SHARED_STRINGS = 1_000_000
WORKBOOK_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
_SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 (.xls), or an encrypted workbook
_BINARY = (_OLE, b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")


def sniff_kind(head: bytes) -> str:
    """ "zip", "text" or "binary", from a file's first bytes."""
    if head.startswith(_ZIP):
        return "zip"
    if head.startswith(_BINARY) or b"\x00" in head[:8192]:  # UTF-16 text has NULs too: not read
        return "binary"
    return "text"


def check_upload(file: IO[bytes], suffix: str) -> None:
    """Refuse a file that is not what its extension (already checked) says, or cannot be read."""
    while isinstance(file, File):  # an uploaded file: its own file object seeks as zipfile needs
        file = cast(IO[bytes], file.file)
    file.seek(0)
    head = file.read(SAMPLE_BYTES)
    file.seek(0)
    kind = sniff_kind(head)
    if suffix == ".xlsx":
        if kind != "zip":
            raise IngestError(
                _(
                    "The file is named .xlsx but is not an Excel workbook (an old .xls file?); save it as .xlsx."
                )
            )
        check_xlsx_container(file)
        return
    if kind != "text":
        raise IngestError(
            _("The file is named %(suffix)s but is not a text file; save it as UTF-8 %(format)s.")
            % {"suffix": suffix, "format": suffix[1:].upper()}
        )
    encoding = text_encoding(head, final=len(head) < SAMPLE_BYTES)
    start = codecs.getincrementaldecoder(encoding)().decode(head[:64]).lstrip()
    if suffix == ".json" and not start.startswith(("[", "{")):
        raise IngestError(_('The file is not JSON: it must start with [ or {, as [{"item": value, …}, …].'))


def text_encoding(data: bytes, *, final: bool) -> str:
    """UTF-8 (with or without a byte order mark), else GB18030 if the bytes decode strictly and read as
    Chinese; anything else is refused, naming the fix. ``final``: ``data`` is the whole file."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return chinese_encoding(data, final=final)


def chinese_encoding(data: bytes, *, final: bool = False) -> str:
    """GB18030, if ``data`` (text that is not UTF-8, from the start of a line) decodes strictly and reads
    as Chinese; else refused, naming the fix."""
    try:
        text = codecs.getincrementaldecoder(FALLBACK_ENCODING)().decode(data, final=final)
    except UnicodeDecodeError:
        raise IngestError(
            _("The file is neither UTF-8 nor GBK/GB18030 text; save the file as UTF-8.")
        ) from None
    if not plausible_gb(text):
        raise IngestError(
            _(
                "The file is not UTF-8, and read as GBK it is not Chinese text (it may be Big5 or "
                "another encoding); save the file as UTF-8."
            )
        )
    return FALLBACK_ENCODING


def plausible_gb(text: str) -> bool:
    beyond_ascii = [character for character in text if not character.isascii()]
    if not beyond_ascii:
        return True
    common = sum(map(_is_common_chinese, beyond_ascii))
    return common >= PLAUSIBLE_GB_SHARE * len(beyond_ascii)


def _is_common_chinese(character: str) -> bool:
    try:
        lead = character.encode("gb2312")[0]
    except UnicodeEncodeError:
        return False
    # Rows 1–3: punctuation, numbers, full-width forms; from 0xB0: the 6,763 hanzi.
    return lead >= 0xB0 or lead in (0xA1, 0xA2, 0xA3)


def check_xlsx_container(file: IO[bytes]) -> None:
    """A zip with the workbook's parts, none of them a bomb: from the zip's directory, nothing inflated."""
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(_("The file is not a readable XLSX workbook.")) from exc
    finally:
        file.seek(0)
    names = {info.filename for info in infos}
    if not all(part in names for part in WORKBOOK_PARTS):
        raise IngestError(_("The file is not a readable XLSX workbook."))
    for info in infos:
        big = info.file_size > 1 << 20
        if info.file_size > MAX_XLSX_PART_BYTES or (
            big and info.file_size > MAX_XLSX_RATIO * max(info.compress_size, 1)
        ):
            raise IngestError(
                _("The workbook unpacks to far more than its size (a zip bomb?); save the data as CSV.")
            )


def check_shared_strings(archive: zipfile.ZipFile) -> None:
    """Count the workbook's shared strings, streaming, before openpyxl loads them all into memory."""
    part = _shared_strings_part(archive)
    if part is None:
        return
    count = 0

    def start(name: str, attributes: dict) -> None:
        nonlocal count
        if name == "si" or name.endswith(":si"):
            count += 1
            if count > MAX_XLSX_SHARED_STRINGS:
                raise _TooMany

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        with archive.open(part) as stream:
            while block := stream.read(1 << 16):
                parser.Parse(block, False)
            parser.Parse(b"", True)
    except _TooMany:
        raise IngestError(
            _("The workbook holds more than %(max)s different texts; save the data as CSV.")
            % {"max": number_format(MAX_XLSX_SHARED_STRINGS, force_grouping=True)}
        ) from None
    except expat.ExpatError as exc:
        raise IngestError(_("The file is not a readable XLSX workbook.")) from exc


class _TooMany(Exception):
    pass


def _shared_strings_part(archive: zipfile.ZipFile) -> str | None:
    """Where the shared strings are: the content types name the part (openpyxl looks there too)."""
    found: list[str] = []

    def start(name: str, attributes: dict) -> None:
        if name.endswith("Override") and attributes.get("ContentType") == _SHARED_STRINGS_TYPE:
            found.append(attributes.get("PartName", "").lstrip("/"))

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        with archive.open("[Content_Types].xml") as stream:
            parser.Parse(stream.read(1 << 20), True)  # a few hundred bytes in any real workbook
    except (KeyError, expat.ExpatError) as exc:
        raise IngestError(_("The file is not a readable XLSX workbook.")) from exc
    return found[0] if found and found[0] in archive.namelist() else None
