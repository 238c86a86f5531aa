// Exercises FaultServer with a real QNetworkAccessManager: if the server lies in a way we did
// not intend, every test built on it would be judging the library against a broken yardstick.

#include "faultserver.h"

#include <QtCore/QBuffer>
#include <QtCore/QCryptographicHash>
#include <QtCore/QtEndian>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace FaultTest;

namespace {

QByteArray content(quint32 seed, qint64 offset, qint64 length)
{
    QByteArray out(length, Qt::Uninitialized);
    FaultServer::fillContent(seed, offset, out.data(), length);
    return out;
}

Entity makeEntity(qint64 size, quint32 seed = 7)
{
    Entity e;
    e.size = size;
    e.seed = seed;
    return e;
}

Route plainRoute(const Entity &e, const Fault &then = Fault())
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

} // namespace

class tst_FaultServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void contentHelpers();
    void fullGet_data();
    void fullGet();
    void largeGetStreams();
    void head();
    void notFound();
    void range_data();
    void range();
    void ifRange_data();
    void ifRange();
    void rangeNotSatisfiable_data();
    void rangeNotSatisfiable();
    void statusFault_data();
    void statusFault();
    void redirectLocation();
    void dropWithContentLength();
    void dropWithoutContentLength();
    void omitContentLength();
    void stall();
    void serverDestroyedWhileStalled();
    void throttle_data();
    void throttle();
    void clientAbortsThrottledTransfer();
    void ignoreRange();
    void contentRangeShift_data();
    void contentRangeShift();
    void gzipWhenAsked();
    void extraHeaders();
    void scriptSequencing();
    void requestRecording();
    void setEntityKeepsScriptPosition();

private:
    Result fetch(QNetworkRequest request, const QByteArray &verb = "GET", int timeoutMs = 20000);

    std::unique_ptr<FaultServer> server;
    std::unique_ptr<QNetworkAccessManager> nam;
};

void tst_FaultServer::init()
{
    server = std::make_unique<FaultServer>();
    QVERIFY(server->listen());
    QVERIFY(server->port() != 0);
    nam = std::make_unique<QNetworkAccessManager>();
}

void tst_FaultServer::cleanup()
{
    nam.reset();
    server.reset();
}

Result tst_FaultServer::fetch(QNetworkRequest request, const QByteArray &verb, int timeoutMs)
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

void tst_FaultServer::contentHelpers()
{
    // Unaligned fills agree with the byte-at-a-time definition.
    for (qint64 offset :
         {qint64(0), qint64(1), qint64(7), qint64(8), qint64(13), qint64(1) << 33}) {
        for (qint64 length : {0, 1, 5, 8, 9, 31, 100}) {
            const QByteArray block = content(3, offset, length);
            for (qint64 i = 0; i < length; ++i)
                QCOMPARE(block.at(i), FaultServer::contentByte(3, offset + i));
        }
    }
    QVERIFY(content(1, 0, 64) != content(2, 0, 64));
    QVERIFY(content(1, 0, 64) != content(1, 64, 64));

    const Entity e = makeEntity(3 * 1024 * 1024 + 5, 11);
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QVERIFY(FaultServer::writeContent(&buffer, e));
    QCOMPARE(buffer.data().size(), e.size);
    QCOMPARE(buffer.data(), content(e.seed, 0, e.size));
    QCOMPARE(FaultServer::contentSha256(e),
             QCryptographicHash::hash(buffer.data(), QCryptographicHash::Sha256).toHex());
}

void tst_FaultServer::fullGet_data()
{
    QTest::addColumn<qint64>("size");
    QTest::newRow("empty") << qint64(0);
    QTest::newRow("one") << qint64(1);
    QTest::newRow("odd") << qint64(4095);
    QTest::newRow("1MiB+3") << qint64(1024 * 1024 + 3);
}

void tst_FaultServer::fullGet()
{
    QFETCH(qint64, size);
    const Entity e = makeEntity(size);
    server->setRoute("/f", plainRoute(e));
    const Result r = fetch(QNetworkRequest(server->url("/f")));
    QVERIFY(r.finished);
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body.size(), size);
    QCOMPARE(QCryptographicHash::hash(r.body, QCryptographicHash::Sha256).toHex(),
             FaultServer::contentSha256(e));
    QCOMPARE(r.headers.value("content-length"), QByteArray::number(size));
    QCOMPARE(r.headers.value("etag"), e.etag);
    QCOMPARE(r.headers.value("last-modified"), e.lastModified);
    QCOMPARE(r.headers.value("accept-ranges"), QByteArray("bytes"));
    QCOMPARE(r.headers.value("connection").toLower(), QByteArray("close"));
    QTRY_COMPARE(server->bodyBytesSent("/f"), size);
    QTRY_COMPARE(server->openConnections(), 0);
}

void tst_FaultServer::largeGetStreams()
{
    const Entity e = makeEntity(64 * 1024 * 1024, 99);
    server->setRoute("/big", plainRoute(e));
    QSignalSpy progress(server.get(), &FaultServer::bodyProgress);

    QNetworkReply *reply = nam->get(QNetworkRequest(server->url("/big")));
    QCryptographicHash hash(QCryptographicHash::Sha256);
    qint64 received = 0;
    connect(reply, &QNetworkReply::readyRead, reply, [&] {
        const QByteArray chunk = reply->readAll();
        received += chunk.size();
        hash.addData(chunk);
    });
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(60000));
    hash.addData(reply->readAll());
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(hash.result().toHex(), FaultServer::contentSha256(e));
    reply->deleteLater();

    QTRY_COMPARE(server->bodyBytesSent("/big"), e.size);
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.last().at(1).toLongLong(), e.size);
    // Throttled to every 64 KiB at most (plus the final one).
    QVERIFY(progress.size() <= e.size / (64 * 1024) + 1);
}

void tst_FaultServer::head()
{
    const Entity e = makeEntity(12345);
    server->setRoute("/h", plainRoute(e));
    const Result r = fetch(QNetworkRequest(server->url("/h")), "HEAD");
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.isEmpty());
    QCOMPARE(r.headers.value("content-length"), QByteArray("12345"));
    QCOMPARE(r.headers.value("etag"), e.etag);
    QCOMPARE(server->requests("/h").value(0).method, QByteArray("HEAD"));
    QCOMPARE(server->bodyBytesSent("/h"), 0);
}

void tst_FaultServer::notFound()
{
    const Result r = fetch(QNetworkRequest(server->url("/missing?x=1")));
    QCOMPARE(r.error, QNetworkReply::ContentNotFoundError);
    QCOMPARE(r.status, 404);
    QVERIFY(!r.body.isEmpty());
    QCOMPARE(server->requestCount("/missing"), 1);
    QCOMPARE(server->requests("/missing").value(0).status, 404);
}

void tst_FaultServer::range_data()
{
    QTest::addColumn<QByteArray>("range");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("last");
    const qint64 size = 300000;
    QTest::newRow("from 0") << QByteArray("bytes=0-") << qint64(0) << size - 1;
    QTest::newRow("open") << QByteArray("bytes=123-") << qint64(123) << size - 1;
    QTest::newRow("last byte") << QByteArray("bytes=299999-") << size - 1 << size - 1;
    QTest::newRow("closed") << QByteArray("bytes=1000-1999") << qint64(1000) << qint64(1999);
    QTest::newRow("closed past end")
            << QByteArray("bytes=299000-400000") << qint64(299000) << size - 1;
    QTest::newRow("suffix") << QByteArray("bytes=-100") << size - 100 << size - 1;
}

void tst_FaultServer::range()
{
    QFETCH(QByteArray, range);
    QFETCH(qint64, first);
    QFETCH(qint64, last);
    const Entity e = makeEntity(300000);
    server->setRoute("/r", plainRoute(e));
    QNetworkRequest req(server->url("/r"));
    req.setRawHeader("Range", range);
    const Result r = fetch(req);
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 206);
    QCOMPARE(r.headers.value("content-range"),
             "bytes " + QByteArray::number(first) + '-' + QByteArray::number(last) + "/300000");
    QCOMPARE(r.headers.value("content-length"), QByteArray::number(last - first + 1));
    QCOMPARE(r.body, content(e.seed, first, last - first + 1));
    QCOMPARE(server->requests("/r").value(0).header("range"), range);
}

void tst_FaultServer::ifRange_data()
{
    QTest::addColumn<QByteArray>("ifRange");
    QTest::addColumn<int>("status");
    const Entity e;
    QTest::newRow("etag match") << e.etag << 206;
    QTest::newRow("etag mismatch") << QByteArray("\"old\"") << 200;
    QTest::newRow("weak etag") << QByteArray("W/") + e.etag << 200;
    QTest::newRow("date match") << e.lastModified << 206;
    QTest::newRow("date mismatch") << QByteArray("Mon, 01 Jan 2024 00:00:00 GMT") << 200;
}

void tst_FaultServer::ifRange()
{
    QFETCH(QByteArray, ifRange);
    QFETCH(int, status);
    const Entity e = makeEntity(5000);
    server->setRoute("/ir", plainRoute(e));
    QNetworkRequest req(server->url("/ir"));
    req.setRawHeader("Range", "bytes=100-");
    req.setRawHeader("If-Range", ifRange);
    const Result r = fetch(req);
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, status);
    if (status == 200) {
        QVERIFY(!r.headers.contains("content-range"));
        QCOMPARE(r.body, content(e.seed, 0, e.size));
    } else {
        QCOMPARE(r.headers.value("content-range"), QByteArray("bytes 100-4999/5000"));
        QCOMPARE(r.body, content(e.seed, 100, e.size - 100));
    }
}

void tst_FaultServer::rangeNotSatisfiable_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<qint64>("start");
    QTest::newRow("at end") << qint64(1000) << qint64(1000);
    QTest::newRow("past end") << qint64(1000) << qint64(5000);
    QTest::newRow("empty entity") << qint64(0) << qint64(0);
}

void tst_FaultServer::rangeNotSatisfiable()
{
    QFETCH(qint64, size);
    QFETCH(qint64, start);
    server->setRoute("/416", plainRoute(makeEntity(size)));
    QNetworkRequest req(server->url("/416"));
    req.setRawHeader("Range", "bytes=" + QByteArray::number(start) + '-');
    const Result r = fetch(req);
    QCOMPARE(r.status, 416);
    QVERIFY(r.error != QNetworkReply::NoError);
    QCOMPARE(r.headers.value("content-range"), "bytes */" + QByteArray::number(size));
    QVERIFY(r.body.isEmpty());
}

void tst_FaultServer::statusFault_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("retryAfter");
    QTest::newRow("503 seconds") << 503 << QByteArray("7");
    QTest::newRow("429 date") << 429 << QByteArray("Wed, 02 Sep 2026 10:00:00 GMT");
    QTest::newRow("500 plain") << 500 << QByteArray();
    QTest::newRow("403") << 403 << QByteArray();
}

void tst_FaultServer::statusFault()
{
    QFETCH(int, status);
    QFETCH(QByteArray, retryAfter);
    Fault f;
    f.status = status;
    f.retryAfter = retryAfter;
    server->setRoute("/s", plainRoute(makeEntity(1000), f));
    const Result r = fetch(QNetworkRequest(server->url("/s")));
    QCOMPARE(r.status, status);
    QVERIFY(r.error != QNetworkReply::NoError);
    QCOMPARE(r.body, f.errorBody); // QNAM still delivers the error body
    QCOMPARE(r.headers.value("retry-after"), retryAfter);
    QCOMPARE(r.headers.contains("retry-after"), !retryAfter.isEmpty());
    QVERIFY(!r.headers.contains("etag"));
    QVERIFY(!r.headers.contains("last-modified"));
    QCOMPARE(server->requests("/s").value(0).status, status);
}

void tst_FaultServer::redirectLocation()
{
    const Entity target = makeEntity(777, 5);
    server->setRoute("/target", plainRoute(target));
    Fault redirect;
    redirect.status = 302;
    redirect.location = "/target";
    server->setRoute("/moved", plainRoute(makeEntity(10), redirect));

    QNetworkRequest manual(server->url("/moved"));
    manual.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                        QNetworkRequest::ManualRedirectPolicy);
    const Result r = fetch(manual);
    QCOMPARE(r.status, 302);
    QCOMPARE(r.headers.value("location"), QByteArray("/target"));

    // Qt 6 follows same-or-safer redirects by default, relative Location included.
    const Result followed = fetch(QNetworkRequest(server->url("/moved")));
    QCOMPARE(followed.error, QNetworkReply::NoError);
    QCOMPARE(followed.status, 200);
    QCOMPARE(followed.finalUrl, server->url("/target"));
    QCOMPARE(followed.body, content(target.seed, 0, target.size));
    QCOMPARE(server->requestCount("/moved"), 2);
    QCOMPARE(server->requestCount("/target"), 1);
}

void tst_FaultServer::dropWithContentLength()
{
    const Entity e = makeEntity(500000);
    Fault f;
    f.dropAfterBytes = 123457;
    server->setRoute("/d", plainRoute(e, f));
    const Result r = fetch(QNetworkRequest(server->url("/d")));
    QVERIFY(r.finished);
    // A short body with Content-Length must never look like success.
    QVERIFY(r.error != QNetworkReply::NoError || r.body.size() < e.size);
    QVERIFY(r.body.size() <= f.dropAfterBytes);
    QCOMPARE(r.body, content(e.seed, 0, r.body.size()));
    QCOMPARE(r.headers.value("content-length"), QByteArray::number(e.size));
    QTRY_COMPARE(server->bodyBytesSent("/d"), f.dropAfterBytes);
    QTRY_COMPARE(server->openConnections(), 0);
    qDebug() << "short body with Content-Length ->" << r.error << r.body.size();
}

void tst_FaultServer::dropWithoutContentLength()
{
    const Entity e = makeEntity(500000);
    Fault f;
    f.dropAfterBytes = 123457;
    f.omitContentLength = true;
    server->setRoute("/d", plainRoute(e, f));
    const Result r = fetch(QNetworkRequest(server->url("/d")));
    // Indistinguishable from a complete body for the client; that is the point of this fault.
    QCOMPARE(r.error, QNetworkReply::NoError);
    QVERIFY(!r.headers.contains("content-length"));
    QCOMPARE(r.body, content(e.seed, 0, f.dropAfterBytes));
}

void tst_FaultServer::omitContentLength()
{
    const Entity e = makeEntity(300001);
    Fault f;
    f.omitContentLength = true;
    server->setRoute("/n", plainRoute(e, f));
    const Result r = fetch(QNetworkRequest(server->url("/n")));
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 200);
    QVERIFY(!r.headers.contains("content-length"));
    QCOMPARE(r.body, content(e.seed, 0, e.size));
}

void tst_FaultServer::stall()
{
    const Entity e = makeEntity(400000);
    Fault f;
    f.stallAfterBytes = 50000;
    server->setRoute("/st", plainRoute(e, f));
    QNetworkRequest req(server->url("/st"));
    req.setTransferTimeout(500);
    QSignalSpy finishedResponses(server.get(), &FaultServer::responseFinished);
    const Result r = fetch(req);
    QVERIFY(r.finished);
    QCOMPARE(r.error, QNetworkReply::OperationCanceledError); // how QNAM reports the timeout
    QCOMPARE(r.body, content(e.seed, 0, f.stallAfterBytes));
    QCOMPARE(server->bodyBytesSent("/st"), f.stallAfterBytes);
    // Once the client gives up, the server notices and lets go of the connection.
    QTRY_COMPARE(server->openConnections(), 0);
    QCOMPARE(finishedResponses.size(), 1);
}

void tst_FaultServer::serverDestroyedWhileStalled()
{
    Fault f;
    f.stallAfterBytes = 10;
    server->setRoute("/st", plainRoute(makeEntity(1000), f));
    QNetworkReply *reply = nam->get(QNetworkRequest(server->url("/st")));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QTRY_COMPARE(server->bodyBytesSent("/st"), 10);
    QCOMPARE(server->openConnections(), 1);
    server.reset(); // must not crash, must release the client
    QVERIFY(finished.wait(10000));
    QVERIFY(reply->error() != QNetworkReply::NoError);
    delete reply;
}

void tst_FaultServer::throttle_data()
{
    QTest::addColumn<QByteArray>("range");
    QTest::addColumn<qint64>("first");
    QTest::newRow("full") << QByteArray() << qint64(0);
    QTest::newRow("range") << QByteArray("bytes=40000-") << qint64(40000);
}

void tst_FaultServer::throttle()
{
    QFETCH(QByteArray, range);
    QFETCH(qint64, first);
    const Entity e = makeEntity(150000);
    Fault f;
    f.throttle = 1000000;
    server->setRoute("/t", plainRoute(e, f));
    QNetworkRequest req(server->url("/t"));
    if (!range.isEmpty())
        req.setRawHeader("Range", range);
    const Result r = fetch(req);
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.body, content(e.seed, first, e.size - first));
}

void tst_FaultServer::clientAbortsThrottledTransfer()
{
    const Entity e = makeEntity(10 * 1024 * 1024);
    Fault f;
    f.throttle = 200000;
    server->setRoute("/t", plainRoute(e, f));
    QNetworkReply *reply = nam->get(QNetworkRequest(server->url("/t")));
    QTRY_VERIFY(server->bodyBytesSent("/t") > 20000);
    reply->abort();
    delete reply;
    QTRY_COMPARE(server->openConnections(), 0);
    QVERIFY(server->bodyBytesSent("/t") < e.size);
}

void tst_FaultServer::ignoreRange()
{
    const Entity e = makeEntity(20000);
    Fault f;
    f.ignoreRange = true;
    server->setRoute("/ig", plainRoute(e, f));
    QNetworkRequest req(server->url("/ig"));
    req.setRawHeader("Range", "bytes=5000-");
    const Result r = fetch(req);
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 200);
    QVERIFY(!r.headers.contains("content-range"));
    QCOMPARE(r.body, content(e.seed, 0, e.size));
}

void tst_FaultServer::contentRangeShift_data()
{
    QTest::addColumn<qint64>("shift");
    QTest::addColumn<QByteArray>("range");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("last");
    QTest::newRow("forward") << qint64(10) << QByteArray("bytes=10000-") << qint64(10010)
                             << qint64(49999);
    QTest::newRow("backward") << qint64(-4096) << QByteArray("bytes=10000-") << qint64(5904)
                              << qint64(49999);
    QTest::newRow("closed range") << qint64(-100) << QByteArray("bytes=10000-19999") << qint64(9900)
                                  << qint64(19999);
}

void tst_FaultServer::contentRangeShift()
{
    QFETCH(qint64, shift);
    QFETCH(QByteArray, range);
    QFETCH(qint64, first);
    QFETCH(qint64, last);
    const Entity e = makeEntity(50000);
    Fault f;
    f.contentRangeShift = shift;
    server->setRoute("/cr", plainRoute(e, f));
    QNetworkRequest req(server->url("/cr"));
    req.setRawHeader("Range", range);
    const Result r = fetch(req);
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 206);
    QCOMPARE(r.headers.value("content-range"),
             "bytes " + QByteArray::number(first) + '-' + QByteArray::number(last) + "/50000");
    QCOMPARE(r.body, content(e.seed, first, last - first + 1));
}

void tst_FaultServer::gzipWhenAsked()
{
    const Entity e = makeEntity(200000);
    Fault f;
    f.gzipWhenAsked = true;
    server->setRoute("/gz", plainRoute(e, f));

    // QNAM adds its own Accept-Encoding and then decodes transparently.
    const Result r = fetch(QNetworkRequest(server->url("/gz")));
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.headers.value("content-encoding"), QByteArray("gzip"));
    QCOMPARE(r.body, content(e.seed, 0, e.size));
    QVERIFY(server->requests("/gz").value(0).header("accept-encoding").contains("gzip"));

    // With an explicit Accept-Encoding QNAM leaves decoding to the caller: raw gzip arrives.
    QNetworkRequest raw(server->url("/gz"));
    raw.setRawHeader("Accept-Encoding", "gzip");
    const Result rr = fetch(raw);
    QCOMPARE(rr.error, QNetworkReply::NoError);
    QCOMPARE(rr.headers.value("content-encoding"), QByteArray("gzip"));
    QVERIFY(rr.body.startsWith("\x1f\x8b"));
    QCOMPARE(rr.headers.value("content-length"), QByteArray::number(rr.body.size()));
    QCOMPARE(qFromLittleEndian<quint32>(rr.body.constData() + rr.body.size() - 4),
             quint32(e.size)); // gzip ISIZE trailer

    QNetworkRequest identity(server->url("/gz"));
    identity.setRawHeader("Accept-Encoding", "identity");
    const Result ri = fetch(identity);
    QCOMPARE(ri.error, QNetworkReply::NoError);
    QVERIFY(!ri.headers.contains("content-encoding"));
    QCOMPARE(ri.body, content(e.seed, 0, e.size));
}

void tst_FaultServer::extraHeaders()
{
    Fault f;
    f.extraHeaders = {{"X-Fault", "yes"}, {"Cache-Control", "no-store"}};
    server->setRoute("/x", plainRoute(makeEntity(10), f));
    const Result r = fetch(QNetworkRequest(server->url("/x")));
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.headers.value("x-fault"), QByteArray("yes"));
    QCOMPARE(r.headers.value("cache-control"), QByteArray("no-store"));
}

void tst_FaultServer::scriptSequencing()
{
    const Entity e = makeEntity(100000);
    Route route = plainRoute(e);
    Fault unavailable;
    unavailable.status = 503;
    unavailable.retryAfter = "1";
    Fault drop;
    drop.dropAfterBytes = 1000;
    route.script = {unavailable, drop};
    server->setRoute("/seq", route);

    const Result first = fetch(QNetworkRequest(server->url("/seq")));
    QCOMPARE(first.status, 503);
    QCOMPARE(first.headers.value("retry-after"), QByteArray("1"));
    const Result second = fetch(QNetworkRequest(server->url("/seq")));
    QCOMPARE(second.status, 200);
    QVERIFY(second.body.size() <= 1000);
    for (int i = 0; i < 2; ++i) {
        const Result normal = fetch(QNetworkRequest(server->url("/seq")));
        QCOMPARE(normal.error, QNetworkReply::NoError);
        QCOMPARE(normal.body, content(e.seed, 0, e.size));
    }
    QCOMPARE(server->requestCount("/seq"), 4);
    const QList<RequestRecord> records = server->requests("/seq");
    QCOMPARE(records.at(0).status, 503);
    QCOMPARE(records.at(1).status, 200);
    QTRY_COMPARE(server->bodyBytesSent("/seq"), qint64(first.body.size()) + 1000 + 2 * e.size);
}

void tst_FaultServer::requestRecording()
{
    const Entity e = makeEntity(200000);
    server->setRoute("/rec", plainRoute(e));
    server->setRoute("/other", plainRoute(makeEntity(5)));
    QSignalSpy received(server.get(), &FaultServer::requestReceived);
    QSignalSpy progress(server.get(), &FaultServer::bodyProgress);
    QSignalSpy done(server.get(), &FaultServer::responseFinished);

    QNetworkRequest req(server->url("/rec?token=abc&x=1"));
    req.setRawHeader("X-Custom", "hello");
    req.setRawHeader("Range", "bytes=100-");
    QCOMPARE(fetch(req).status, 206);
    QCOMPARE(fetch(QNetworkRequest(server->url("/other"))).status, 200);
    QCOMPARE(fetch(QNetworkRequest(server->url("/rec"))).status, 200);

    QCOMPARE(server->requests().size(), 3);
    QCOMPARE(server->requestCount("/rec"), 2);
    QCOMPARE(server->requestCount("/other"), 1);
    QCOMPARE(server->requestCount("/nothing"), 0);
    const RequestRecord rec = server->requests("/rec").at(0);
    QCOMPARE(rec.method, QByteArray("GET"));
    QCOMPARE(rec.path, QByteArray("/rec"));
    QCOMPARE(rec.header("x-custom"), QByteArray("hello"));
    QCOMPARE(rec.header("X-CUSTOM"), QByteArray("hello"));
    QCOMPARE(rec.header("range"), QByteArray("bytes=100-"));
    QVERIFY(rec.header("host").startsWith("127.0.0.1:"));
    QVERIFY(rec.header("absent").isEmpty());
    QCOMPARE(rec.status, 206);
    QTRY_COMPARE(server->requests("/rec").at(0).bodyBytesSent, e.size - 100);
    QTRY_COMPARE(server->bodyBytesSent("/rec"), 2 * e.size - 100);

    QCOMPARE(received.size(), 3);
    QCOMPARE(received.at(0), (QList<QVariant>{QByteArray("/rec"), 0}));
    QCOMPARE(received.at(1), (QList<QVariant>{QByteArray("/other"), 0}));
    QCOMPARE(received.at(2), (QList<QVariant>{QByteArray("/rec"), 1}));
    QTRY_COMPARE(done.size(), 3);
    // Progress is a running total per route, ending at the route's total.
    qint64 lastRec = 0;
    for (const auto &args : std::as_const(progress)) {
        if (args.at(0).toByteArray() != "/rec")
            continue;
        QVERIFY(args.at(1).toLongLong() >= lastRec);
        lastRec = args.at(1).toLongLong();
    }
    QCOMPARE(lastRec, 2 * e.size - 100);
}

void tst_FaultServer::setEntityKeepsScriptPosition()
{
    Entity v1 = makeEntity(30000, 1);
    Route route = plainRoute(v1);
    Fault unavailable;
    unavailable.status = 503;
    route.script = {Fault(), unavailable};
    server->setRoute("/file", route);

    const Result first = fetch(QNetworkRequest(server->url("/file")));
    QCOMPARE(first.body, content(1, 0, v1.size));

    Entity v2 = makeEntity(40000, 2);
    v2.etag = "\"v2\"";
    server->setEntity("/file", v2);
    QCOMPARE(fetch(QNetworkRequest(server->url("/file"))).status, 503); // script went on

    // The file changed: a resume that names the old validator gets the whole new file.
    QNetworkRequest resume(server->url("/file"));
    resume.setRawHeader("Range", "bytes=1000-");
    resume.setRawHeader("If-Range", v1.etag);
    const Result changed = fetch(resume);
    QCOMPARE(changed.status, 200);
    QCOMPARE(changed.headers.value("etag"), QByteArray("\"v2\""));
    QCOMPARE(changed.body, content(2, 0, v2.size));
}

QTEST_GUILESS_MAIN(tst_FaultServer)

#include "tst_faultserver.moc"
