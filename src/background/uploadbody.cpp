#include "uploadbody.h"

#include <QtCore/QRandomGenerator>

#include <algorithm>
#include <limits>

namespace Background {

UploadBody::UploadBody(const QString &filePath, QObject *parent)
    : QIODevice(parent)
    , m_file(filePath)
{
    m_refill.setSingleShot(true);
    connect(&m_refill, &QTimer::timeout, this, [this] {
        if (isOpen())
            Q_EMIT readyRead();
    });
}

UploadBody::~UploadBody() = default;

void UploadBody::appendBytes(const QByteArray &bytes)
{
    if (bytes.isEmpty())
        return;
    m_pieces.append({m_size, bytes.size(), bytes, -1});
    m_size += bytes.size();
}

void UploadBody::appendFileRange(qint64 offset, qint64 length)
{
    if (offset < 0) {
        m_invalid = true; // open() refuses the body
        return;
    }
    if (length <= 0)
        return;
    m_pieces.append({m_size, length, {}, offset});
    m_size += length;
}

void UploadBody::setMaximumRate(qint64 bytesPerSecond)
{
    m_rate = qMax<qint64>(0, bytesPerSecond);
}

bool UploadBody::open(OpenMode mode)
{
    // Unbuffered: Qt reads 16 KiB at a time, and once a multipart head shifts those reads off
    // QFile's buffer boundaries, the buffer only adds a copy.
    if ((mode & WriteOnly) || m_invalid || !m_file.open(QIODevice::ReadOnly | Unbuffered))
        return false;
    for (const Piece &piece : std::as_const(m_pieces)) {
        if (piece.fileOffset >= 0 && piece.fileOffset + piece.length > m_file.size()) {
            m_file.close();
            return false;
        }
    }
    m_pos = 0;
    m_spent = 0;
    m_started = false;
    m_rateClock.start();
    // Unbuffered: QIODevice must not read ahead of the rate limit.
    return QIODevice::open(ReadOnly | Unbuffered);
}

void UploadBody::close()
{
    m_refill.stop();
    m_file.close();
    QIODevice::close();
}

bool UploadBody::seek(qint64 pos)
{
    if (pos < 0 || pos > m_size || (!m_rewindable && m_started && pos < m_pos))
        return false;
    m_pos = pos;
    return QIODevice::seek(pos);
}

bool UploadBody::atEnd() const
{
    return m_pos >= m_size;
}

qint64 UploadBody::bytesAvailable() const
{
    return m_size - m_pos;
}

qint64 UploadBody::budget()
{
    if (m_rate <= 0)
        return std::numeric_limits<qint64>::max();
    // A small burst lets the first read go out at once; the long-run rate is still m_rate.
    const qint64 burst = qBound(qint64(1), m_rate / 10, qint64(64 * 1024));
    return m_rate * m_rateClock.elapsed() / 1000 + burst - m_spent;
}

qint64 UploadBody::readData(char *data, qint64 maxSize)
{
    if (m_pos >= m_size)
        return -1;
    const qint64 allowed = budget();
    if (allowed <= 0) {
        if (!m_refill.isActive()) {
            const qint64 waitMs
                    = qBound(qint64(5), (-allowed + 1) * 1000 / m_rate + 1, qint64(200));
            m_refill.start(int(waitMs));
        }
        return 0; // Qt waits for readyRead()
    }
    qint64 want = std::min({maxSize, allowed, m_size - m_pos});
    qint64 done = 0;
    for (const Piece &piece : std::as_const(m_pieces)) {
        if (done >= want)
            break;
        if (m_pos + done >= piece.start + piece.length)
            continue;
        const qint64 inPiece = m_pos + done - piece.start;
        const qint64 n = std::min(want - done, piece.length - inPiece);
        if (piece.fileOffset < 0) {
            std::copy_n(piece.bytes.constData() + inPiece, n, data + done);
        } else {
            // A seek is a system call even to where the file already is; only the first read of
            // each range needs one.
            const qint64 at = piece.fileOffset + inPiece;
            if (m_file.pos() != at && !m_file.seek(at))
                return done > 0 ? done : -1;
            const qint64 got = m_file.read(data + done, n);
            if (got <= 0) {
                setErrorString(m_file.errorString());
                return done > 0 ? done : -1; // the file shrank: the caller checks its fingerprint
            }
            done += got;
            if (got < n)
                break;
            continue;
        }
        done += n;
    }
    m_pos += done;
    m_spent += done;
    m_started = m_started || done > 0;
    return done;
}

namespace {

// Field names and file names are quoted strings; quotes and line breaks are percent-encoded
// the way browsers do it, so a name cannot end the header early.
QByteArray quoted(const QString &value)
{
    QByteArray out = value.toUtf8();
    out.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A");
    return '"' + out + '"';
}

} // namespace

MultipartForm MultipartForm::build(const QList<QPair<QString, QString>> &fields,
                                   const QString &fileField,
                                   const QString &fileName,
                                   const QByteArray &contentType,
                                   const QByteArray &boundary)
{
    MultipartForm form;
    form.boundary = boundary;
    if (form.boundary.isEmpty()) {
        // Random enough that it cannot turn up in the file by chance.
        form.boundary = "----BackgroundFormBoundary";
        for (int i = 0; i < 4; ++i)
            form.boundary += QByteArray::number(QRandomGenerator::global()->generate(), 16);
    }
    const QByteArray dash = "--" + form.boundary + "\r\n";
    for (const auto &field : fields) {
        form.head += dash;
        form.head += "Content-Disposition: form-data; name=" + quoted(field.first) + "\r\n\r\n";
        form.head += field.second.toUtf8() + "\r\n";
    }
    form.head += dash;
    form.head += "Content-Disposition: form-data; name=" + quoted(fileField)
                 + "; filename=" + quoted(fileName) + "\r\n";
    form.head += "Content-Type: "
                 + (contentType.isEmpty() ? QByteArrayLiteral("application/octet-stream")
                                          : contentType)
                 + "\r\n\r\n";
    form.tail = "\r\n--" + form.boundary + "--\r\n";
    return form;
}

QByteArray MultipartForm::contentType() const
{
    return "multipart/form-data; boundary=" + boundary;
}

} // namespace Background
