#pragma once

// A streaming multipart/form-data parser (RFC 7578 parts in RFC 2046 framing) for tests that
// judge what a client uploaded. The body file is read in chunks, never whole, so multi-GiB
// uploads can be checked part by part through their size and SHA-256.

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>

#include <optional>

namespace FaultTest {

struct MultipartPart
{
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray header(const QByteArray &name) const; // case-insensitive; empty if absent
    QByteArray name;        // Content-Disposition name
    QByteArray fileName;    // Content-Disposition filename (or decoded filename*); may be empty
    QByteArray contentType; // the part's Content-Type; empty if it has none
    qint64 size = 0;
    QByteArray sha256;       // hex, lowercase
    QByteArray smallContent; // the bytes when size <= MultipartSmallContentLimit, else empty
};

constexpr qint64 MultipartSmallContentLimit = 64 * 1024;

// Parses the multipart body stored at `path`. Strict about the framing: every delimiter line
// and header line ends in CRLF (trailing spaces or tabs after a boundary are allowed, as the
// RFC allows), there is a closing "--boundary--", every part has a
// "Content-Disposition: form-data" with a name. A preamble before the first boundary and an
// epilogue after the closing one's CRLF are ignored. On failure: nullopt and *error says why.
std::optional<QList<MultipartPart>>
parseMultipartFile(const QString &path, const QByteArray &boundary, QString *error);

// The boundary parameter of a multipart/* Content-Type (unquoted); empty if there is none or
// the type is not multipart.
QByteArray boundaryFromContentType(const QByteArray &contentType);

// Parameter `name` (case-insensitive) of a header value such as
// `form-data; name="a"; filename="b.txt"`: quoted strings are unescaped. Empty if absent.
QByteArray headerParameter(const QByteArray &value, const QByteArray &name);

} // namespace FaultTest
