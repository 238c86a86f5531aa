#pragma once

// Shared by tst_faultserver_upload and tst_faultserver_multipart: a fresh FaultServer, a real
// QNetworkAccessManager and a temporary directory per test, with a watchdog, and what one
// upload brought back.

#include "faultserver.h"
#include "testsupport.h"

#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QHash>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <chrono>
#include <memory>

namespace UploadTest {

using namespace FaultTest;

struct Reply
{
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    int status = 0;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QUrl finalUrl;
    bool finished = false;
};

// Hex SHA-256 of the first `length` bytes of the content sources are made of.
inline QByteArray prefixSha(quint32 seed, qint64 length)
{
    Entity e;
    e.size = length;
    e.seed = seed;
    return FaultServer::contentSha256(e);
}

// Base of both test classes; QTest finds the inherited init() and cleanup().
class Fixture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

protected:
    QString writeSource(const QString &name, qint64 size, quint32 seed);
    QNetworkRequest request(const QByteArray &path) const
    {
        return QNetworkRequest(server->url(path));
    }
    Reply wait(QNetworkReply *reply, int timeoutMs = 15000);
    // Sends `verb` to `path` with the source file as body.
    Reply upload(const QByteArray &verb, QNetworkRequest req, const QString &source);
    void verifyStored(const ReceivedUpload &u, qint64 size, quint32 seed);

    BackgroundTest::Watchdog watchdog{std::chrono::seconds(20)};
    std::unique_ptr<QTemporaryDir> tmp;
    std::unique_ptr<FaultServer> server;
    std::unique_ptr<QNetworkAccessManager> nam;
};

inline void Fixture::init()
{
    watchdog.start();
    tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(tmp->isValid());
    server = std::make_unique<FaultServer>();
    QVERIFY(server->listen());
    nam = std::make_unique<QNetworkAccessManager>();
}

inline void Fixture::cleanup()
{
    nam.reset();
    server.reset();
    tmp.reset();
    watchdog.stop();
}

inline QString Fixture::writeSource(const QString &name, qint64 size, quint32 seed)
{
    Entity e;
    e.size = size;
    e.seed = seed;
    QFile file(tmp->filePath(name));
    if (!file.open(QIODevice::WriteOnly) || !FaultServer::writeContent(&file, e))
        return QString();
    return file.fileName();
}

inline Reply Fixture::wait(QNetworkReply *reply, int timeoutMs)
{
    Reply result;
    QObject::connect(reply, &QNetworkReply::readyRead, reply, [reply, &result] {
        result.body += reply->readAll();
    });
    QSignalSpy finished(reply, &QNetworkReply::finished);
    result.finished = reply->isFinished() || finished.wait(timeoutMs);
    if (reply->isOpen())
        result.body += reply->readAll();
    result.error = reply->error();
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    for (const auto &pair : reply->rawHeaderPairs())
        result.headers.insert(pair.first.toLower(), pair.second);
    result.finalUrl = reply->url();
    reply->deleteLater();
    return result;
}

inline Reply Fixture::upload(const QByteArray &verb, QNetworkRequest req, const QString &source)
{
    auto *file = new QFile(source);
    if (!file->open(QIODevice::ReadOnly)) {
        delete file;
        return Reply();
    }
    QNetworkReply *reply = nam->sendCustomRequest(req, verb, file);
    file->setParent(reply);
    return wait(reply);
}

inline void Fixture::verifyStored(const ReceivedUpload &u, qint64 size, quint32 seed)
{
    QCOMPARE(u.bytesReceived, size);
    QCOMPARE(u.declaredLength, size);
    QVERIFY(u.complete);
    QCOMPARE(u.sha256, prefixSha(seed, size));
    QCOMPARE(QFileInfo(u.bodyFile).size(), size);
    QCOMPARE(BackgroundTest::fileSha256(u.bodyFile), u.sha256);
}

} // namespace UploadTest
