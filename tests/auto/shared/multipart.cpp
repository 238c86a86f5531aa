#include "multipart.h"
#include "sha256.h"

#include <QtCore/QFile>

#include <algorithm>

namespace FaultTest {

namespace {

constexpr qint64 ReadChunk = 64 * 1024;
constexpr qsizetype MaxHeaderBlock = 64 * 1024;
constexpr qsizetype MaxPadding = 1024; // spaces or tabs after a boundary

QByteArray lookup(const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &name)
{
    QByteArray result;
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        if (!result.isEmpty())
            result += ", ";
        result += h.second;
    }
    return result;
}

// Parameters follow the type: `type; key=token; key="quoted \"string\""`.
bool findParameter(const QByteArray &value, const QByteArray &name, QByteArray *out)
{
    qsizetype i = value.indexOf(';');
    if (i < 0)
        return false;
    const qsizetype n = value.size();
    const auto skipSpace = [&value, n](qsizetype k) {
        while (k < n && (value.at(k) == ' ' || value.at(k) == '\t'))
            ++k;
        return k;
    };
    while (i < n) {
        i = skipSpace(i + 1); // past ';'
        qsizetype j = i;
        while (j < n && value.at(j) != '=' && value.at(j) != ';')
            ++j;
        const QByteArray key = value.mid(i, j - i).trimmed();
        QByteArray v;
        i = j;
        if (i < n && value.at(i) == '=') {
            i = skipSpace(i + 1);
            if (i < n && value.at(i) == '"') {
                for (++i; i < n && value.at(i) != '"'; ++i) {
                    if (value.at(i) == '\\' && i + 1 < n)
                        ++i;
                    v += value.at(i);
                }
            } else {
                j = i;
                while (j < n && value.at(j) != ';')
                    ++j;
                v = value.mid(i, j - i).trimmed();
            }
            while (i < n && value.at(i) != ';') // past the value (and a closing quote)
                ++i;
        }
        if (key.compare(name, Qt::CaseInsensitive) == 0) {
            *out = v;
            return true;
        }
    }
    return false;
}

// Fed the body in arbitrary pieces. A CRLF is fed first, so that the first boundary (at the
// very start, or after a preamble) is found like every other delimiter, "CRLF--boundary".
class Parser
{
public:
    explicit Parser(const QByteArray &boundary)
        : m_delimiter("\r\n--" + boundary)
    {}

    bool feed(const char *data, qsizetype n);
    bool finish();

    QList<MultipartPart> parts;
    QString error;

private:
    enum class State { Preamble, AfterDelimiter, Headers, Body, AfterClose, Epilogue };

    bool step(bool atEnd, bool *progressed);
    bool fail(const QString &why)
    {
        error = why;
        return false;
    }
    bool parseHeaders(const QByteArray &block);
    void appendBody(const char *data, qsizetype n);
    bool endPart();
    // After a delimiter: optional padding, then CRLF (or the end, after the closing one).
    bool takeLineEnd(bool atEnd, bool *progressed, bool endAllowed, State next);

    QByteArray m_delimiter;
    QByteArray m_buf;
    State m_state = State::Preamble;
    MultipartPart m_part;
    Internal::Sha256 m_hash;
};

bool Parser::feed(const char *data, qsizetype n)
{
    m_buf.append(data, n);
    bool progressed = true;
    while (progressed) {
        progressed = false;
        if (!step(false, &progressed))
            return false;
    }
    return true;
}

bool Parser::finish()
{
    bool progressed = true;
    while (progressed) {
        progressed = false;
        if (!step(true, &progressed))
            return false;
    }
    switch (m_state) {
    case State::Preamble:
        return fail(QStringLiteral("no boundary line found"));
    case State::Headers:
        return fail(QStringLiteral("part %1: the headers are cut off").arg(parts.size() + 1));
    case State::Body:
    case State::AfterDelimiter:
        return fail(QStringLiteral("no closing boundary (\"--boundary--\")"));
    case State::AfterClose:
    case State::Epilogue:
        break;
    }
    if (parts.isEmpty())
        return fail(QStringLiteral("no parts"));
    return true;
}

bool Parser::step(bool atEnd, bool *progressed)
{
    switch (m_state) {
    case State::Preamble:
    case State::Body: {
        const qsizetype at = m_buf.indexOf(m_delimiter);
        // Without a delimiter, keep only what could be the start of one.
        const qsizetype take
                = at >= 0 ? at : std::max<qsizetype>(0, m_buf.size() - m_delimiter.size() + 1);
        if (m_state == State::Body)
            appendBody(m_buf.constData(), take);
        m_buf.remove(0, at >= 0 ? at + m_delimiter.size() : take);
        if (at < 0)
            return true; // more data needed (finish() reports what is missing)
        if (m_state == State::Body && !endPart())
            return false;
        m_state = State::AfterDelimiter;
        *progressed = true;
        return true;
    }
    case State::AfterDelimiter:
        if (m_buf.size() < 2 && !atEnd)
            return true;
        if (m_buf.startsWith("--")) {
            m_buf.remove(0, 2);
            m_state = State::AfterClose;
            *progressed = true;
            return true;
        }
        return takeLineEnd(atEnd, progressed, false, State::Headers);
    case State::AfterClose:
        return takeLineEnd(atEnd, progressed, true, State::Epilogue);
    case State::Headers: {
        if (m_buf.startsWith("\r\n")) { // no headers at all
            m_buf.remove(0, 2);
            if (!parseHeaders(QByteArray()))
                return false;
        } else {
            const qsizetype end = m_buf.indexOf("\r\n\r\n");
            if (end < 0) {
                if (m_buf.size() > MaxHeaderBlock) {
                    return fail(QStringLiteral("part %1: headers longer than %2 bytes")
                                        .arg(parts.size() + 1)
                                        .arg(MaxHeaderBlock));
                }
                return true;
            }
            const QByteArray block = m_buf.left(end);
            m_buf.remove(0, end + 4);
            if (!parseHeaders(block))
                return false;
        }
        m_state = State::Body;
        *progressed = true;
        return true;
    }
    case State::Epilogue:
        m_buf.clear();
        return true;
    }
    return true;
}

bool Parser::takeLineEnd(bool atEnd, bool *progressed, bool endAllowed, State next)
{
    qsizetype i = 0;
    while (i < m_buf.size() && (m_buf.at(i) == ' ' || m_buf.at(i) == '\t'))
        ++i;
    if (i > MaxPadding)
        return fail(QStringLiteral("endless padding after a boundary"));
    if (m_buf.size() - i < 2) {
        if (!atEnd)
            return true;
        if (endAllowed && i == m_buf.size()) { // the body ends right after "--boundary--"
            m_buf.clear();
            m_state = next;
            return true;
        }
    }
    if (m_buf.mid(i, 2) != "\r\n") {
        return fail(endAllowed ? QStringLiteral("the closing boundary is not followed by CRLF")
                               : QStringLiteral("part %1: the boundary line does not end in CRLF")
                                         .arg(parts.size() + 1));
    }
    m_buf.remove(0, i + 2);
    m_state = next;
    *progressed = true;
    return true;
}

bool Parser::parseHeaders(const QByteArray &block)
{
    m_part = MultipartPart();
    m_hash.reset();
    const QString where = QStringLiteral("part %1: ").arg(parts.size() + 1);
    const QList<QByteArray> lines = block.isEmpty() ? QList<QByteArray>() : block.split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        QByteArray line = lines.at(i);
        // split('\n') leaves each CR at the end of its line; the last line had its CRLF cut off
        // with the blank line that ends the block.
        if (i + 1 < lines.size()) {
            if (!line.endsWith('\r'))
                return fail(where + QStringLiteral("a header line ends in a bare LF"));
            line.chop(1);
        }
        if (line.contains('\r'))
            return fail(where + QStringLiteral("a bare CR in the headers"));
        if (line.startsWith(' ') || line.startsWith('\t'))
            return fail(where + QStringLiteral("folded header line"));
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return fail(where
                        + QStringLiteral("header line without a name: %1")
                                  .arg(QString::fromLatin1(line)));
        m_part.headers.append(qMakePair(line.left(colon).trimmed(), line.mid(colon + 1).trimmed()));
    }
    const QByteArray disposition = m_part.header("content-disposition");
    const QByteArray type = disposition.left(disposition.indexOf(';')).trimmed();
    if (type.compare("form-data", Qt::CaseInsensitive) != 0)
        return fail(where + QStringLiteral("no Content-Disposition: form-data"));
    if (!findParameter(disposition, "name", &m_part.name))
        return fail(where + QStringLiteral("Content-Disposition without a name"));
    m_part.fileName = headerParameter(disposition, "filename");
    if (m_part.fileName.isEmpty()) {
        // RFC 5987 form: charset'language'percent-encoded
        const QByteArray extended = headerParameter(disposition, "filename*");
        const qsizetype quotes = extended.indexOf("''");
        if (quotes >= 0)
            m_part.fileName = QByteArray::fromPercentEncoding(extended.mid(quotes + 2));
    }
    m_part.contentType = m_part.header("content-type");
    return true;
}

void Parser::appendBody(const char *data, qsizetype n)
{
    if (n <= 0)
        return;
    m_hash.addData(data, n);
    m_part.size += n;
    if (m_part.size <= MultipartSmallContentLimit)
        m_part.smallContent.append(data, n);
    else
        m_part.smallContent.clear();
}

bool Parser::endPart()
{
    m_part.sha256 = m_hash.hexResult();
    parts.append(m_part);
    m_part = MultipartPart();
    return true;
}

} // namespace

QByteArray MultipartPart::header(const QByteArray &name) const
{
    return lookup(headers, name);
}

std::optional<QList<MultipartPart>>
parseMultipartFile(const QString &path, const QByteArray &boundary, QString *error)
{
    QString ignored;
    QString &why = error ? *error : ignored;
    if (boundary.isEmpty() || boundary.size() > 70) {
        why = QStringLiteral("a boundary must have 1 to 70 characters");
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        why = QStringLiteral("cannot open %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    Parser parser(boundary);
    bool ok = parser.feed("\r\n", 2);
    QByteArray chunk(ReadChunk, Qt::Uninitialized);
    while (ok) {
        const qint64 n = file.read(chunk.data(), chunk.size());
        if (n < 0) {
            why = QStringLiteral("reading %1 failed: %2").arg(path, file.errorString());
            return std::nullopt;
        }
        if (n == 0)
            break;
        ok = parser.feed(chunk.constData(), n);
    }
    if (!ok || !parser.finish()) {
        why = parser.error;
        return std::nullopt;
    }
    return parser.parts;
}

QByteArray boundaryFromContentType(const QByteArray &contentType)
{
    const QByteArray type = contentType.left(contentType.indexOf(';')).trimmed().toLower();
    if (!type.startsWith("multipart/"))
        return QByteArray();
    return headerParameter(contentType, "boundary");
}

QByteArray headerParameter(const QByteArray &value, const QByteArray &name)
{
    QByteArray v;
    return findParameter(value, name, &v) ? v : QByteArray();
}

} // namespace FaultTest
