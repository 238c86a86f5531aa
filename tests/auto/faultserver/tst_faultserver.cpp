// Exercises FaultServer with a real QNetworkAccessManager: if the server lies in a way we did
// not intend, every test built on it would be judging the library against a broken yardstick.
// Here: serving an entity, ranges and validators, scripts and what is recorded. The faults it
// injects: tst_faultserver_faults.cpp.

#include "faultservertest.h"

#include <QtCore/QBuffer>
#include <QtCore/QCryptographicHash>

using namespace FaultServerTest;

class tst_FaultServer : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
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
    void scriptSequencing();
    void requestRecording();
    void setEntityKeepsScriptPosition();
};

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
    const Result r = serveAndGet("/f", e);
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
    const Result r = serveAndGet("/r", e, Fault(), range);
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
    const QByteArray range = "bytes=" + QByteArray::number(start) + '-';
    const Result r = serveAndGet("/416", makeEntity(size), Fault(), range);
    QCOMPARE(r.status, 416);
    QVERIFY(r.error != QNetworkReply::NoError);
    QCOMPARE(r.headers.value("content-range"), "bytes */" + QByteArray::number(size));
    QVERIFY(r.body.isEmpty());
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
