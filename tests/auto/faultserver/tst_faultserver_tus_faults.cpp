// FaultServer's tus route under scripted faults, judged with a real QNetworkAccessManager (and a
// raw socket where QNAM cannot hold a request open): cuts keep what arrived, stalls, takeovers,
// scripted answers, byte counts and the read rate.

#include "tustest.h"

#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtNetwork/QTcpSocket>

using namespace TusTest;

class tst_FaultServerTusFaults : public TusFixture
{
    Q_OBJECT

private Q_SLOTS:
    void dropKeepsBytes_data();
    void dropKeepsBytes();
    void creationAnswerLost();
    void stall();
    void quietClientIsTakenOver();
    void scripted_data();
    void scripted();
    void bytesReceived();
    void routeThrottle();
};

void tst_FaultServerTusFaults::dropKeepsBytes_data()
{
    QTest::addColumn<bool>("withChecksum");
    QTest::addColumn<qint64>("dropAfter");
    QTest::addColumn<qint64>("kept");
    const qint64 size = 300000;
    QTest::newRow("midway") << false << qint64(100003) << qint64(100003);
    QTest::newRow("at once") << false << qint64(0) << qint64(0);
    QTest::newRow("answer lost") << false << size << size;
    // A partial chunk cannot be verified; a whole one is stored though its answer is lost.
    QTest::newRow("checksum midway") << true << qint64(100003) << qint64(0);
    QTest::newRow("checksum, answer lost") << true << size << size;
}

void tst_FaultServerTusFaults::dropKeepsBytes()
{
    QFETCH(bool, withChecksum);
    QFETCH(qint64, dropAfter);
    QFETCH(qint64, kept);
    const qint64 size = 300000;
    TusRoute route;
    route.checksum = withChecksum;
    Fault drop;
    drop.dropAfterBytes = dropAfter;
    // Twice: QNAM resends once by itself when the connection closes before any answer.
    route.script.insert("PATCH", {drop, drop});
    server->setTusRoute(Files, route);
    QSignalSpy finished(server.get(), &FaultServer::tusRequestFinished);
    const QUrl url = uploadUrl(create(size));
    const QString body = slice(8, 0, size);
    const Headers headers
            = withChecksum ? Headers{{"Upload-Checksum", "sha1 " + sha1Base64(body)}} : Headers();
    const Reply r = patch(url, 0, body, headers);
    QVERIFY(r.error != QNetworkReply::NoError);
    QCOMPARE(r.status, 0);
    const int patches = server->tusRequestCount(Files, "PATCH");
    QVERIFY2(patches == 1 || patches == 2, QByteArray::number(patches));
    QTRY_COMPARE(finished.size(), 1 + patches);
    for (int i = 1; i <= patches; ++i) {
        QCOMPARE(finished.at(i).at(1).toByteArray(), QByteArray("PATCH"));
        QCOMPARE(finished.at(i).at(2).toInt(), 0); // no answer
    }
    QCOMPARE(server->uploads(Files).value(0).bytesReceived, dropAfter);
    route.script.clear();
    server->setTusRoute(Files, route); // the uploads stay

    QCOMPARE(send("HEAD", url).headers.value("upload-offset"), QByteArray::number(kept));
    QCOMPARE(only().offset, kept);
    QCOMPARE(QFileInfo(only().file).size(), kept);
    if (kept < size)
        QCOMPARE(patch(url, kept, slice(8, kept, size - kept)).status, 204);
    QCOMPARE(only().sha256, prefixSha(8, size));
    QCOMPARE(QDir(server->uploadDirectory()).entryList(QDir::Files).size(), 1);
}

void tst_FaultServerTusFaults::creationAnswerLost()
{
    TusRoute route;
    Fault drop;
    drop.dropAfterBytes = 0;
    route.script.insert("POST", {drop, drop});
    server->setTusRoute(Files, route);
    QSignalSpy finished(server.get(), &FaultServer::tusRequestFinished);
    const Reply r = create(100);
    QVERIFY(r.error != QNetworkReply::NoError);
    QCOMPARE(r.status, 0);
    // Each attempt (QNAM may resend once) created an upload the client never heard of.
    const int posts = server->tusRequestCount(Files, "POST");
    QVERIFY(posts == 1 || posts == 2);
    QCOMPARE(server->tusUploads(Files).size(), posts);
    QTRY_COMPARE(finished.size(), posts);
    for (const auto &args : finished)
        QCOMPARE(args.at(2).toInt(), 0);
}

void tst_FaultServerTusFaults::stall()
{
    TusRoute route;
    Fault stall;
    stall.stallAfterBytes = 100000;
    route.script.insert("PATCH", {stall});
    server->setTusRoute(Files, route);
    QSignalSpy finished(server.get(), &FaultServer::tusRequestFinished);
    const qint64 size = 300000;
    const QUrl url = uploadUrl(create(size));
    const Reply r = patch(url, 0, slice(13, 0, size), {}, 500);
    QCOMPARE(r.error, QNetworkReply::OperationCanceledError); // QNAM's transfer timeout
    // What arrived before the stall is stored and shown; the rest never is.
    QCOMPARE(only().offset, 100000);
    QCOMPARE(send("HEAD", url).headers.value("upload-offset"), QByteArray("100000"));
    // Resuming works whether or not the server noticed the client leave (a takeover if not).
    QCOMPARE(patch(url, 100000, slice(13, 100000, size - 100000)).status, 204);
    QCOMPARE(only().sha256, prefixSha(13, size));
    QTRY_COMPARE(finished.size(), 4);
    QList<int> patchStatuses; // the stalled one ends when its client leaves, or at the takeover
    for (const auto &args : finished) {
        if (args.at(1).toByteArray() == "PATCH")
            patchStatuses.append(args.at(2).toInt());
    }
    QCOMPARE(patchStatuses, QList<int>({0, 204}));
}

void tst_FaultServerTusFaults::quietClientIsTakenOver()
{
    server->setTusRoute(Files, TusRoute());
    QSignalSpy finished(server.get(), &FaultServer::tusRequestFinished);
    const qint64 size = 5000;
    const QUrl url = uploadUrl(create(size));
    // A client that sends part of its body and then goes quiet, its connection still open.
    QTcpSocket socket;
    socket.connectToHost(url.host(), quint16(url.port()));
    QVERIFY(socket.waitForConnected(5000));
    socket.write("PATCH " + url.path().toLatin1()
                 + " HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                   "Content-Type: application/offset+octet-stream\r\nContent-Length: 5000\r\n\r\n");
    socket.write(BackgroundTest::readFile(slice(9, 0, 1000)));
    QTRY_COMPARE(only().offset, 1000);
    QCOMPARE(send("HEAD", url).headers.value("upload-offset"), QByteArray("1000"));
    QCOMPARE(finished.size(), 2); // POST, HEAD; the PATCH is still going

    // The resumed upload takes over: the quiet one is cut, keeping what it stored.
    const Reply r = patch(url, 1000, slice(9, 1000, size - 1000));
    QCOMPARE(r.status, 204);
    QTRY_COMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(finished.size(), 4);
    QCOMPARE(finished.at(2).at(2).toInt(), 0);   // the cut PATCH
    QCOMPARE(finished.at(3).at(2).toInt(), 204); // the one that took over
    QCOMPARE(only().sha256, prefixSha(9, size));
    QCOMPARE(server->openConnections(), 0);
}

void tst_FaultServerTusFaults::scripted_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<int>("status"); // 0: only extra headers on the normal answer
    QTest::addColumn<QByteArray>("retryAfter");
    QTest::newRow("PATCH 423") << QByteArray("PATCH") << 423 << QByteArray("3");
    QTest::newRow("POST 503") << QByteArray("POST") << 503 << QByteArray("7");
    QTest::newRow("HEAD 500") << QByteArray("HEAD") << 500 << QByteArray();
    QTest::newRow("DELETE 429") << QByteArray("DELETE") << 429 << QByteArray("1");
    QTest::newRow("PATCH headers only") << QByteArray("PATCH") << 0 << QByteArray();
    QTest::newRow("POST headers only") << QByteArray("POST") << 0 << QByteArray();
}

void tst_FaultServerTusFaults::scripted()
{
    QFETCH(QByteArray, method);
    QFETCH(int, status);
    QFETCH(QByteArray, retryAfter);
    TusRoute route;
    Fault fault;
    fault.status = status;
    fault.retryAfter = retryAfter;
    fault.extraHeaders = {{"X-Fault", "yes"}};
    route.script.insert(method, {fault});
    server->setTusRoute(Files, route);
    const qint64 size = 2000;
    const QString body = slice(10, 0, size);
    Reply created = create(size); // the scripted request when method is POST
    Reply r = created;
    if (method == "POST" && status != 0) {
        QVERIFY(server->tusUploads(Files).isEmpty());
        created = create(size);
    }
    QCOMPARE(created.status, 201);
    const QUrl url = uploadUrl(created);
    if (method == "PATCH")
        r = patch(url, 0, body);
    else if (method != "POST")
        r = send(method, url);
    QCOMPARE(r.headers.value("x-fault"), QByteArray("yes"));
    QCOMPARE(r.headers.value("tus-resumable"), QByteArray("1.0.0"));
    if (status == 0) {
        QCOMPARE(r.status, method == "POST" ? 201 : 204);
        return;
    }
    QCOMPARE(r.status, status);
    QCOMPARE(r.headers.value("retry-after"), retryAfter);
    if (method != "HEAD")
        QCOMPARE(r.body, Fault().errorBody);
    // The normal handling did not happen.
    QCOMPARE(only().offset, 0);
    QVERIFY(!only().terminated);
    QCOMPARE(server->tusBytesReceived(Files), method == "PATCH" ? size : 0);
    // The next request with that method behaves.
    if (method == "PATCH")
        QCOMPARE(patch(url, 0, body).status, 204);
    else if (method != "POST")
        QCOMPARE(send(method, url).status, method == "HEAD" ? 200 : 204);
    QVERIFY(!send("HEAD", url).headers.contains("x-fault"));
}

void tst_FaultServerTusFaults::bytesReceived()
{
    TusRoute route;
    route.checksum = true;
    Fault busy;
    busy.status = 503;
    route.script.insert("PATCH", {Fault(), busy});
    server->setTusRoute(Files, route);
    server->setTusRoute("/other", TusRoute());
    const QUrl url = uploadUrl(create(100000));
    // Stored, thrown away (409, 503, 460): every body byte read counts.
    QCOMPARE(patch(url, 0, slice(11, 0, 1000)).status, 204);
    QCOMPARE(patch(url, 1000, slice(11, 1000, 2000)).status, 503);
    QCOMPARE(patch(url, 0, slice(11, 0, 3000)).status, 409);
    const Headers wrongDigest = {{"Upload-Checksum", "sha1 " + sha1Base64(slice(99, 0, 10))}};
    QCOMPARE(patch(url, 1000, slice(11, 1000, 4000), wrongDigest).status, 460);
    QCOMPARE(patch(url, 1000, slice(11, 1000, 5000)).status, 204);
    QCOMPARE(server->tusBytesReceived(Files), 1000 + 2000 + 3000 + 4000 + 5000);
    QCOMPARE(server->bodyBytesReceived(Files), server->tusBytesReceived(Files));
    QCOMPARE(only().offset, 6000);
    QCOMPARE(server->tusBytesReceived("/other"), 0);
    QCOMPARE(server->tusRequestCount(Files, "PATCH"), 5);
}

void tst_FaultServerTusFaults::routeThrottle()
{
    TusRoute route;
    route.throttle = 256 * 1024;
    server->setTusRoute(Files, route);
    const qint64 size = 128 * 1024;
    const QUrl url = uploadUrl(create(size));
    QElapsedTimer clock;
    clock.start();
    QCOMPARE(patch(url, 0, slice(12, 0, size)).status, 204);
    // A lower bound only: half a second's worth, less the bucket's first 100 ms.
    QVERIFY2(clock.elapsed() >= 350, QByteArray::number(clock.elapsed()));
    QCOMPARE(only().sha256, prefixSha(12, size));
}

QTEST_GUILESS_MAIN(tst_FaultServerTusFaults)
#include "tst_faultserver_tus_faults.moc"
