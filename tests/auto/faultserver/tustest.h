#pragma once

// Shared by tst_faultserver_tus and tst_faultserver_tus_faults: the upload fixture plus raw tus
// requests made with QNAM (not the library's client), and files of content bytes to send.

#include "uploadtest.h"

#include <QtCore/QCryptographicHash>

namespace TusTest {

using namespace UploadTest;
using Headers = QList<QPair<QByteArray, QByteArray>>;

inline const QByteArray Files = "/files";

inline QByteArray sha1Base64(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return QByteArray();
    QCryptographicHash hash(QCryptographicHash::Sha1);
    hash.addData(&f);
    return hash.result().toBase64();
}

// No slots of its own: QTest still finds UploadTest::Fixture's init() and cleanup().
class TusFixture : public UploadTest::Fixture
{
protected:
    // With Tus-Resumable: 1.0.0, then `headers`.
    Reply send(const QByteArray &verb, const QUrl &url, const Headers &headers = Headers());
    Reply create(qint64 length, const Headers &headers = Headers());
    QUrl uploadUrl(const Reply &created) const;
    // PATCH `body` (a file) at `offset` with the right headers, then `headers` on top.
    Reply patch(const QUrl &url,
                qint64 offset,
                const QString &body,
                const Headers &headers = {},
                int timeoutMs = 0);
    QString slice(quint32 seed, qint64 offset, qint64 length); // a file of content bytes
    TusUpload only() const; // the one upload at Files (a blank one if there are others)

    int slices = 0;
};

inline Reply TusFixture::send(const QByteArray &verb, const QUrl &url, const Headers &headers)
{
    QNetworkRequest req(url);
    req.setRawHeader("Tus-Resumable", "1.0.0");
    for (const auto &h : headers)
        req.setRawHeader(h.first, h.second);
    // A custom "HEAD" verb would make QNAM wait for a body.
    return wait(verb == "HEAD" ? nam->head(req) : nam->sendCustomRequest(req, verb));
}

inline Reply TusFixture::create(qint64 length, const Headers &headers)
{
    return send("POST",
                server->url(Files),
                Headers{{"Upload-Length", QByteArray::number(length)}} + headers);
}

inline QUrl TusFixture::uploadUrl(const Reply &created) const
{
    return server->url("/").resolved(QUrl::fromEncoded(created.headers.value("location")));
}

inline Reply TusFixture::patch(
        const QUrl &url, qint64 offset, const QString &body, const Headers &headers, int timeoutMs)
{
    QNetworkRequest req(url);
    req.setTransferTimeout(timeoutMs);
    req.setRawHeader("Tus-Resumable", "1.0.0");
    req.setRawHeader("Content-Type", "application/offset+octet-stream");
    req.setRawHeader("Upload-Offset", QByteArray::number(offset));
    for (const auto &h : headers)
        req.setRawHeader(h.first, h.second);
    return upload("PATCH", req, body);
}

inline QString TusFixture::slice(quint32 seed, qint64 offset, qint64 length)
{
    QFile file(tmp->filePath(QStringLiteral("slice%1").arg(++slices)));
    if (!file.open(QIODevice::WriteOnly))
        return QString();
    QByteArray buf;
    for (qint64 done = 0; done < length;) {
        buf.resize(std::min<qint64>(64 * 1024, length - done));
        FaultServer::fillContent(seed, offset + done, buf.data(), buf.size());
        file.write(buf);
        done += buf.size();
    }
    return file.fileName();
}

inline TusUpload TusFixture::only() const
{
    const QList<TusUpload> uploads = server->tusUploads(Files);
    return uploads.size() == 1 ? uploads.at(0) : TusUpload();
}

} // namespace TusTest
