#pragma once

// Shared by tst_faultserver and tst_faultserver_faults: a fresh FaultServer and a real
// QNetworkAccessManager per test, and what one request brought back.

#include "faultserver.h"

#include <QtCore/QHash>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

namespace FaultServerTest {

using namespace FaultTest;

inline QByteArray content(quint32 seed, qint64 offset, qint64 length)
{
    QByteArray out(length, Qt::Uninitialized);
    FaultServer::fillContent(seed, offset, out.data(), length);
    return out;
}

inline Entity makeEntity(qint64 size, quint32 seed = 7)
{
    Entity e;
    e.size = size;
    e.seed = seed;
    return e;
}

inline Route plainRoute(const Entity &e, const Fault &then = Fault())
{
    Route r;
    r.entity = e;
    r.then = then;
    return r;
}

struct Result
{
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    int status = 0;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QUrl finalUrl;
    bool finished = false;
};

// Base of both test classes. QTest finds these inherited slots; the test classes add only test
// functions.
class Fixture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        server = std::make_unique<FaultServer>();
        QVERIFY(server->listen());
        QVERIFY(server->port() != 0);
        nam = std::make_unique<QNetworkAccessManager>();
    }
    void cleanup()
    {
        nam.reset();
        server.reset();
    }

protected:
    Result fetch(QNetworkRequest request, const QByteArray &verb = "GET", int timeoutMs = 20000);
    // Serves `e` at `path` with `then` for every request, and GETs it (with a Range header
    // unless `range` is empty).
    Result serveAndGet(const QByteArray &path,
                       const Entity &e,
                       const Fault &then = Fault(),
                       const QByteArray &range = QByteArray());

    std::unique_ptr<FaultServer> server;
    std::unique_ptr<QNetworkAccessManager> nam;
};

inline Result Fixture::fetch(QNetworkRequest request, const QByteArray &verb, int timeoutMs)
{
    Result result;
    // A custom "HEAD" verb would make QNAM wait for a Content-Length body; use head().
    QNetworkReply *reply
            = verb == "HEAD" ? nam->head(request) : nam->sendCustomRequest(request, verb);
    QObject::connect(reply, &QNetworkReply::readyRead, reply, [reply, &result] {
        result.body += reply->readAll();
    });
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        result.finished = finished.wait(timeoutMs);
    else
        result.finished = true;
    if (reply->isOpen()) // a transfer timeout closes the reply
        result.body += reply->readAll();
    result.error = reply->error();
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    for (const auto &pair : reply->rawHeaderPairs())
        result.headers.insert(pair.first.toLower(), pair.second);
    result.finalUrl = reply->url();
    reply->deleteLater();
    return result;
}

inline Result Fixture::serveAndGet(const QByteArray &path,
                                   const Entity &e,
                                   const Fault &then,
                                   const QByteArray &range)
{
    server->setRoute(path, plainRoute(e, then));
    QNetworkRequest request(server->url(path));
    if (!range.isEmpty())
        request.setRawHeader("Range", range);
    return fetch(request);
}

} // namespace FaultServerTest
