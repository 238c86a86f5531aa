#pragma once

// The body of an upload request as a random-access device over pieces of memory (multipart
// headers) and ranges of the source file, read on demand so the file is never held in memory.
// An optional rate limit makes reads return less (or nothing) until the budget refills;
// readyRead() then tells Qt to ask again.

#include "background_private_export.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QIODevice>
#include <QtCore/QList>
#include <QtCore/QTimer>

namespace Background {

class BACKGROUND_AUTOTEST_EXPORT UploadBody : public QIODevice
{
    Q_OBJECT
public:
    explicit UploadBody(const QString &filePath, QObject *parent = nullptr);
    ~UploadBody() override;

    // Build the body before open(): pieces are sent in the order they were added.
    void appendBytes(const QByteArray &bytes);
    void appendFileRange(qint64 offset, qint64 length);
    void setMaximumRate(qint64 bytesPerSecond); // 0: unlimited
    // Off: once a byte was read, seeking back fails, so Qt cannot quietly send the body again
    // after a dropped connection (a tus PATCH must not go out twice with a stale offset).
    void setRewindable(bool rewindable) { m_rewindable = rewindable; }

    // Opens the source file; fails if it is shorter than the ranges need.
    bool open(OpenMode mode) override;
    void close() override;
    bool isSequential() const override { return false; }
    qint64 size() const override { return m_size; }
    bool seek(qint64 pos) override;
    bool atEnd() const override;
    qint64 bytesAvailable() const override;

    QString fileErrorString() const { return m_file.errorString(); }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    struct Piece
    {
        qint64 start = 0; // position in the body
        qint64 length = 0;
        QByteArray bytes;       // when not a file range
        qint64 fileOffset = -1; // >= 0: a range of the file
    };
    qint64 budget();

    QFile m_file;
    QList<Piece> m_pieces;
    qint64 m_size = 0;
    qint64 m_pos = 0;
    qint64 m_rate = 0;
    bool m_rewindable = true;
    bool m_invalid = false; // a range with a negative offset was added
    bool m_started = false; // a byte was read
    qint64 m_spent = 0;
    QElapsedTimer m_rateClock;
    QTimer m_refill;
};

// A multipart/form-data body: text fields, then the file as part `fileField` of `fileName`.
struct BACKGROUND_AUTOTEST_EXPORT MultipartForm
{
    QByteArray boundary;
    QByteArray head; // everything before the file's bytes
    QByteArray tail; // everything after them

    static MultipartForm build(const QList<QPair<QString, QString>> &fields,
                               const QString &fileField,
                               const QString &fileName,
                               const QByteArray &contentType,
                               const QByteArray &boundary);
    QByteArray contentType() const; // multipart/form-data; boundary=...
};

} // namespace Background
