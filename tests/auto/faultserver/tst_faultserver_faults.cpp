// Exercises the faults FaultServer injects, with a real QNetworkAccessManager: error statuses,
// redirects, dropped, stalled, throttled and mislabelled bodies, gzip and extra headers. A fault
// that does not happen as described would let a library test pass without testing anything.

#include "faultservertest.h"

#include <QtCore/QtEndian>

using namespace FaultServerTest;

class tst_FaultServerFaults : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
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
};

void tst_FaultServerFaults::statusFault_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("retryAfter");
    QTest::newRow("503 seconds") << 503 << QByteArray("7");
    QTest::newRow("429 date") << 429 << QByteArray("Wed, 02 Sep 2026 10:00:00 GMT");
    QTest::newRow("500 plain") << 500 << QByteArray();
    QTest::newRow("403") << 403 << QByteArray();
}

void tst_FaultServerFaults::statusFault()
{
    QFETCH(int, status);
    QFETCH(QByteArray, retryAfter);
    Fault f;
    f.status = status;
    f.retryAfter = retryAfter;
    const Result r = serveAndGet("/s", makeEntity(1000), f);
    QCOMPARE(r.status, status);
    QVERIFY(r.error != QNetworkReply::NoError);
    QCOMPARE(r.body, f.errorBody); // QNAM still delivers the error body
    QCOMPARE(r.headers.value("retry-after"), retryAfter);
    QCOMPARE(r.headers.contains("retry-after"), !retryAfter.isEmpty());
    QVERIFY(!r.headers.contains("etag"));
    QVERIFY(!r.headers.contains("last-modified"));
    QCOMPARE(server->requests("/s").value(0).status, status);
}

void tst_FaultServerFaults::redirectLocation()
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

void tst_FaultServerFaults::dropWithContentLength()
{
    const Entity e = makeEntity(500000);
    Fault f;
    f.dropAfterBytes = 123457;
    const Result r = serveAndGet("/d", e, f);
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

void tst_FaultServerFaults::dropWithoutContentLength()
{
    const Entity e = makeEntity(500000);
    Fault f;
    f.dropAfterBytes = 123457;
    f.omitContentLength = true;
    const Result r = serveAndGet("/d", e, f);
    // Indistinguishable from a complete body for the client; that is the point of this fault.
    QCOMPARE(r.error, QNetworkReply::NoError);
    QVERIFY(!r.headers.contains("content-length"));
    QCOMPARE(r.body, content(e.seed, 0, f.dropAfterBytes));
}

void tst_FaultServerFaults::omitContentLength()
{
    const Entity e = makeEntity(300001);
    Fault f;
    f.omitContentLength = true;
    const Result r = serveAndGet("/n", e, f);
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 200);
    QVERIFY(!r.headers.contains("content-length"));
    QCOMPARE(r.body, content(e.seed, 0, e.size));
}

void tst_FaultServerFaults::stall()
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

void tst_FaultServerFaults::serverDestroyedWhileStalled()
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

void tst_FaultServerFaults::throttle_data()
{
    QTest::addColumn<QByteArray>("range");
    QTest::addColumn<qint64>("first");
    QTest::newRow("full") << QByteArray() << qint64(0);
    QTest::newRow("range") << QByteArray("bytes=40000-") << qint64(40000);
}

void tst_FaultServerFaults::throttle()
{
    QFETCH(QByteArray, range);
    QFETCH(qint64, first);
    const Entity e = makeEntity(150000);
    Fault f;
    f.throttle = 1000000;
    const Result r = serveAndGet("/t", e, f, range); // no Range header for "full"
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.body, content(e.seed, first, e.size - first));
}

void tst_FaultServerFaults::clientAbortsThrottledTransfer()
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

void tst_FaultServerFaults::ignoreRange()
{
    const Entity e = makeEntity(20000);
    Fault f;
    f.ignoreRange = true;
    const Result r = serveAndGet("/ig", e, f, "bytes=5000-");
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 200);
    QVERIFY(!r.headers.contains("content-range"));
    QCOMPARE(r.body, content(e.seed, 0, e.size));
}

void tst_FaultServerFaults::contentRangeShift_data()
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

void tst_FaultServerFaults::contentRangeShift()
{
    QFETCH(qint64, shift);
    QFETCH(QByteArray, range);
    QFETCH(qint64, first);
    QFETCH(qint64, last);
    const Entity e = makeEntity(50000);
    Fault f;
    f.contentRangeShift = shift;
    const Result r = serveAndGet("/cr", e, f, range);
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 206);
    QCOMPARE(r.headers.value("content-range"),
             "bytes " + QByteArray::number(first) + '-' + QByteArray::number(last) + "/50000");
    QCOMPARE(r.body, content(e.seed, first, last - first + 1));
}

void tst_FaultServerFaults::gzipWhenAsked()
{
    const Entity e = makeEntity(200000);
    Fault f;
    f.gzipWhenAsked = true;

    // QNAM adds its own Accept-Encoding and then decodes transparently.
    const Result r = serveAndGet("/gz", e, f);
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

void tst_FaultServerFaults::extraHeaders()
{
    Fault f;
    f.extraHeaders = {{"X-Fault", "yes"}, {"Cache-Control", "no-store"}};
    const Result r = serveAndGet("/x", makeEntity(10), f);
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.headers.value("x-fault"), QByteArray("yes"));
    QCOMPARE(r.headers.value("cache-control"), QByteArray("no-store"));
}

QTEST_GUILESS_MAIN(tst_FaultServerFaults)

#include "tst_faultserver_faults.moc"
