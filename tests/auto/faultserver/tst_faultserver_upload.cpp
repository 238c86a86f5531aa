// FaultServer's upload routes judged with a real QNetworkAccessManager (and, where QNAM hides
// the protocol, a raw socket): bodies stored and hashed as sent, faults applied to the reading,
// scripted answers, and memory that stays flat however large the body. Multipart bodies:
// tst_faultserver_multipart.cpp.

#include "uploadtest.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtNetwork/QTcpSocket>

using namespace UploadTest;

namespace {

#if defined(Q_OS_LINUX)
qint64 peakRssKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}
#endif

} // namespace

class tst_FaultServerUpload : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void methods_data();
    void methods();
    void expectContinueWithQnam();
    void expectContinueRaw_data();
    void expectContinueRaw();
    void chunkedIsRefused();
    void statusAfterBody_data();
    void statusAfterBody();
    void statusBeforeBody_data();
    void statusBeforeBody();
    void redirect_data();
    void redirect();
    void drop_data();
    void drop();
    void stall_data();
    void stall();
    void throttle();
    void clientAbortsThrottledUpload();
    void generatedResponseBody();
    void methodNotAllowed_data();
    void methodNotAllowed();
    void scriptAndTotals();
    void storage();
    void memoryStaysFlat();
};

void tst_FaultServerUpload::methods_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<qint64>("size");
    for (const char *verb : {"PUT", "POST", "PATCH"}) {
        QTest::addRow("%s empty", verb) << QByteArray(verb) << qint64(0);
        QTest::addRow("%s one", verb) << QByteArray(verb) << qint64(1);
        QTest::addRow("%s 3MiB+17", verb) << QByteArray(verb) << qint64(3 * 1024 * 1024 + 17);
    }
}

void tst_FaultServerUpload::methods()
{
    QFETCH(QByteArray, verb);
    QFETCH(qint64, size);
    server->setUploadRoute("/up", UploadRoute());
    const QString source = writeSource(QStringLiteral("src"), size, 3);
    QSignalSpy progress(server.get(), &FaultServer::uploadProgress);
    QSignalSpy finished(server.get(), &FaultServer::uploadFinished);

    const Reply r = upload(verb, request("/up"), source);
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 201);
    QCOMPARE(r.body, QByteArray("stored"));
    QCOMPARE(r.headers.value("connection"), QByteArray("close"));

    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(finished.at(0).at(0).toByteArray(), QByteArray("/up"));
    QCOMPARE(finished.at(0).at(1).toInt(), 0);
    const QList<ReceivedUpload> uploads = server->uploads("/up");
    QCOMPARE(uploads.size(), 1);
    const ReceivedUpload &u = uploads.at(0);
    QCOMPARE(u.method, verb);
    QCOMPARE(u.path, QByteArray("/up"));
    QCOMPARE(u.header("content-length"), QByteArray::number(size));
    QCOMPARE(u.status, 201);
    verifyStored(u, size, 3);
    QCOMPARE(server->bodyBytesReceived("/up"), size);
    if (size > 0)
        QCOMPARE(progress.last().at(1).toLongLong(), size);
    for (const auto &args : progress) // steps of 64 KiB, but never more than what arrived
        QVERIFY(args.at(1).toLongLong() <= size);
    QCOMPARE(server->requests("/up").size(), 1);
    QCOMPARE(server->requests("/up").value(0).status, 201);
    QCOMPARE(server->openConnections(), 0);
}

void tst_FaultServerUpload::expectContinueWithQnam()
{
    // QNAM sends the body without waiting; the interim 100 must not confuse it.
    server->setUploadRoute("/up", UploadRoute());
    const qint64 size = 1024 * 1024;
    QNetworkRequest req = request("/up");
    req.setRawHeader("Expect", "100-continue");
    const Reply r = upload("PUT", req, writeSource(QStringLiteral("src"), size, 4));
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 201);
    QCOMPARE(server->uploads("/up").value(0).header("expect"), QByteArray("100-continue"));
    verifyStored(server->uploads("/up").value(0), size, 4);
}

void tst_FaultServerUpload::expectContinueRaw_data()
{
    QTest::addColumn<int>("faultStatus"); // answered before the body; 0: none
    QTest::newRow("continue") << 0;
    QTest::newRow("refused at once") << 413;
}

void tst_FaultServerUpload::expectContinueRaw()
{
    // A client that waits for "100 Continue" before the body, as curl does.
    QFETCH(int, faultStatus);
    UploadRoute route;
    route.then.status = faultStatus;
    route.then.answerBeforeBody = true;
    server->setUploadRoute("/up", route);

    QTcpSocket socket;
    QByteArray in;
    connect(&socket, &QTcpSocket::readyRead, &socket, [&] { in += socket.readAll(); });
    socket.connectToHost(server->url("/").host(), server->port());
    QTRY_COMPARE(socket.state(), QAbstractSocket::ConnectedState);
    socket.write("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                 "Expect: 100-continue\r\n\r\n");
    QTRY_VERIFY(in.contains("\r\n\r\n"));
    if (faultStatus != 0) {
        QVERIFY2(in.startsWith("HTTP/1.1 413 "), in.constData());
        QTRY_COMPARE(server->uploads("/up").size(), 1);
        QCOMPARE(server->uploads("/up").value(0).status, 413);
        socket.write(QByteArray(1000, 'x')); // sent anyway; thrown away
        socket.disconnectFromHost();
        QTRY_COMPARE(server->openConnections(), 0);
        const ReceivedUpload u = server->uploads("/up").value(0);
        QCOMPARE(u.bytesReceived, 0);
        QVERIFY(!u.complete);
        QVERIFY(u.bodyFile.isEmpty());
        return;
    }
    QCOMPARE(in, QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
    QCOMPARE(server->bodyBytesReceived("/up"), 0);
    in.clear();
    socket.write(QByteArray(1000, 'x'));
    QTRY_COMPARE(socket.state(), QAbstractSocket::UnconnectedState); // Connection: close
    QVERIFY2(in.startsWith("HTTP/1.1 201 "), in.constData());
    QVERIFY(in.endsWith("\r\n\r\nstored"));
    const ReceivedUpload u = server->uploads("/up").value(0);
    QVERIFY(u.complete);
    QCOMPARE(u.sha256,
             QCryptographicHash::hash(QByteArray(1000, 'x'), QCryptographicHash::Sha256).toHex());
}

void tst_FaultServerUpload::chunkedIsRefused()
{
    server->setUploadRoute("/up", UploadRoute());
    QTcpSocket socket;
    QByteArray in;
    connect(&socket, &QTcpSocket::readyRead, &socket, [&] { in += socket.readAll(); });
    socket.connectToHost(server->url("/").host(), server->port());
    QTRY_COMPARE(socket.state(), QAbstractSocket::ConnectedState);
    socket.write("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5\r\nhello\r\n0\r\n\r\n");
    QTRY_VERIFY(in.contains("\r\n\r\n"));
    QVERIFY2(in.startsWith("HTTP/1.1 411 "), in.constData());
    socket.disconnectFromHost();
    QTRY_COMPARE(server->openConnections(), 0);
    const ReceivedUpload u = server->uploads("/up").value(0);
    QCOMPARE(u.status, 411);
    QCOMPARE(u.declaredLength, -1);
    QVERIFY(!u.complete);
}

void tst_FaultServerUpload::statusAfterBody_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("retryAfter");
    QTest::newRow("503 retry after") << 503 << QByteArray("7");
    QTest::newRow("429 date") << 429 << QByteArray("Wed, 02 Sep 2026 10:00:00 GMT");
    QTest::newRow("500") << 500 << QByteArray();
    QTest::newRow("413") << 413 << QByteArray();
}

void tst_FaultServerUpload::statusAfterBody()
{
    QFETCH(int, status);
    QFETCH(QByteArray, retryAfter);
    UploadRoute route;
    route.then.status = status;
    route.then.retryAfter = retryAfter;
    server->setUploadRoute("/up", route);
    const qint64 size = 2 * 1024 * 1024;
    const Reply r = upload("PUT", request("/up"), writeSource(QStringLiteral("src"), size, 5));
    QCOMPARE(r.status, status);
    QVERIFY(r.error != QNetworkReply::NoError);
    QCOMPARE(r.body, route.then.errorBody);
    QCOMPARE(r.headers.value("retry-after"), retryAfter);
    QCOMPARE(r.headers.contains("retry-after"), !retryAfter.isEmpty());
    // Like a server that processed the body and then failed: all of it arrived.
    const ReceivedUpload u = server->uploads("/up").value(0);
    QCOMPARE(u.status, status);
    verifyStored(u, size, 5);
}

void tst_FaultServerUpload::statusBeforeBody_data()
{
    QTest::addColumn<qint64>("size");
    QTest::newRow("small") << qint64(10000);
    QTest::newRow("8MiB") << qint64(8 * 1024 * 1024); // far more than socket buffers hold
}

void tst_FaultServerUpload::statusBeforeBody()
{
    QFETCH(qint64, size);
    UploadRoute route;
    route.then.status = 413;
    route.then.answerBeforeBody = true;
    server->setUploadRoute("/up", route);
    QSignalSpy finished(server.get(), &FaultServer::uploadFinished);
    const Reply r = upload("PUT", request("/up"), writeSource(QStringLiteral("src"), size, 6));
    QCOMPARE(r.status, 413);
    QCOMPARE(r.body, route.then.errorBody);
    QTRY_COMPARE(finished.size(), 1);
    const ReceivedUpload u = server->uploads("/up").value(0);
    QCOMPARE(u.status, 413);
    QCOMPARE(u.bytesReceived, 0);
    QCOMPARE(u.declaredLength, size);
    QVERIFY(!u.complete);
    QVERIFY(u.bodyFile.isEmpty());
    QVERIFY(u.bytesDiscarded <= size);
    QCOMPARE(server->openConnections(), 0);
}

void tst_FaultServerUpload::redirect_data()
{
    QTest::addColumn<int>("status");
    QTest::newRow("307") << 307;
    QTest::newRow("308") << 308;
}

void tst_FaultServerUpload::redirect()
{
    QFETCH(int, status);
    UploadRoute moved;
    moved.then.status = status;
    moved.then.location = "/target";
    server->setUploadRoute("/moved", moved);
    server->setUploadRoute("/target", UploadRoute());
    const qint64 size = 300000;
    const QString source = writeSource(QStringLiteral("src"), size, 8);

    QNetworkRequest manual = request("/moved");
    manual.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                        QNetworkRequest::ManualRedirectPolicy);
    const Reply r = upload("PUT", manual, source);
    QCOMPARE(r.status, status);
    QCOMPARE(r.headers.value("location"), QByteArray("/target"));
    verifyStored(server->uploads("/moved").value(0), size, 8);
    QCOMPARE(server->uploads("/target").size(), 0);

    // 307 and 308 keep the method and the body; QNAM sends the file again.
    const Reply followed = upload("PUT", request("/moved"), source);
    QCOMPARE(followed.error, QNetworkReply::NoError);
    QCOMPARE(followed.status, 201);
    QCOMPARE(followed.finalUrl, server->url("/target"));
    QCOMPARE(server->uploads("/moved").size(), 2);
    QCOMPARE(server->uploads("/target").size(), 1);
    QCOMPARE(server->uploads("/target").value(0).method, QByteArray("PUT"));
    verifyStored(server->uploads("/target").value(0), size, 8);
}

void tst_FaultServerUpload::drop_data()
{
    QTest::addColumn<qint64>("dropAfter");
    QTest::newRow("at once") << qint64(0);
    QTest::newRow("midway") << qint64(100003);
    QTest::newRow("answer lost") << qint64(1024 * 1024); // everything stored, never answered
}

void tst_FaultServerUpload::drop()
{
    QFETCH(qint64, dropAfter);
    const qint64 size = 1024 * 1024;
    UploadRoute route;
    route.then.dropAfterBytes = dropAfter;
    server->setUploadRoute("/up", route);
    QSignalSpy finished(server.get(), &FaultServer::uploadFinished);
    const Reply r = upload("PUT", request("/up"), writeSource(QStringLiteral("src"), size, 9));
    QVERIFY(r.finished);
    QVERIFY(r.error != QNetworkReply::NoError);
    QCOMPARE(r.status, 0);
    QTRY_COMPARE(server->openConnections(), 0);
    // QNAM resends once by itself when a connection closes before any answer (depending on
    // whether it saw a FIN or a reset); every attempt meets the same fault.
    const QList<ReceivedUpload> uploads = server->uploads("/up");
    QVERIFY2(uploads.size() == 1 || uploads.size() == 2, QByteArray::number(uploads.size()));
    QCOMPARE(finished.size(), uploads.size());
    for (const ReceivedUpload &u : uploads) {
        QCOMPARE(u.bytesReceived, dropAfter);
        QCOMPARE(u.complete, dropAfter == size);
        QCOMPARE(u.status, 0);
        QCOMPARE(u.sha256, prefixSha(9, dropAfter));
        QCOMPARE(QFileInfo(u.bodyFile).size(), dropAfter);
    }
}

void tst_FaultServerUpload::stall_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<qint64>("stallAfter");
    QTest::addColumn<bool>("leavingSeen");
    // The rest fits in the socket buffers, so the client's FIN reaches the server.
    QTest::newRow("rest buffered") << qint64(200000) << qint64(100000) << true;
    // Far more than the buffers take: the FIN queues behind unread bytes.
    QTest::newRow("window closed") << qint64(16 * 1024 * 1024) << qint64(100000) << false;
    QTest::newRow("never answered") << qint64(100000) << qint64(100000) << true;
}

void tst_FaultServerUpload::stall()
{
    QFETCH(qint64, size);
    QFETCH(qint64, stallAfter);
    QFETCH(bool, leavingSeen);
    UploadRoute route;
    route.then.stallAfterBytes = stallAfter;
    server->setUploadRoute("/up", route);
    QSignalSpy finished(server.get(), &FaultServer::uploadFinished);
    QNetworkRequest req = request("/up");
    req.setTransferTimeout(500);
    const Reply r = upload("PUT", req, writeSource(QStringLiteral("src"), size, 10));
    QVERIFY(r.finished);
    QCOMPARE(r.error, QNetworkReply::OperationCanceledError); // how QNAM reports the timeout
    // Reported final as soon as reading stopped.
    QCOMPARE(finished.size(), 1);
    QCOMPARE(server->bodyBytesReceived("/up"), stallAfter);
    const ReceivedUpload u = server->uploads("/up").value(0);
    QCOMPARE(u.bytesReceived, stallAfter);
    QCOMPARE(u.complete, stallAfter == size);
    QCOMPARE(u.status, 0);
    QCOMPARE(u.sha256, prefixSha(10, stallAfter));
    if (leavingSeen) // though the server reads nothing more
        QTRY_COMPARE(server->openConnections(), 0);
    QCOMPARE(finished.size(), 1);
}

void tst_FaultServerUpload::throttle()
{
    const qint64 size = 300001;
    UploadRoute route;
    route.then.throttle = 2 * 1024 * 1024;
    server->setUploadRoute("/up", route);
    const Reply r = upload("POST", request("/up"), writeSource(QStringLiteral("src"), size, 11));
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 201);
    verifyStored(server->uploads("/up").value(0), size, 11);
}

void tst_FaultServerUpload::clientAbortsThrottledUpload()
{
    const qint64 size = 32 * 1024 * 1024;
    UploadRoute route;
    route.then.throttle = 4 * 1024 * 1024; // the client kernel's send buffer drains at this rate
    server->setUploadRoute("/up", route);
    QSignalSpy finished(server.get(), &FaultServer::uploadFinished);
    QFile file(writeSource(QStringLiteral("src"), size, 12));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QNetworkReply *reply = nam->put(request("/up"), &file);
    QTRY_VERIFY(server->bodyBytesReceived("/up") > 50000);
    const qint64 atAbort = server->bodyBytesReceived("/up");
    reply->abort();
    delete reply;
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(server->openConnections(), 0);
    // What had arrived is kept, intact: a prefix of the source.
    const ReceivedUpload u = server->uploads("/up").value(0);
    QVERIFY(!u.complete);
    QVERIFY(u.bytesReceived < size);
    QCOMPARE(u.sha256, prefixSha(12, u.bytesReceived));
    qDebug() << "in flight at abort" << u.bytesReceived - atAbort;
}

void tst_FaultServerUpload::generatedResponseBody()
{
    UploadRoute route;
    route.successStatus = 200;
    route.generatedResponseBytes = 3 * 1024 * 1024 + 5;
    route.responseHeaders = {{"X-Upload", "yes"}};
    server->setUploadRoute("/up", route);
    const Reply r = upload("PUT", request("/up"), writeSource(QStringLiteral("src"), 1000, 14));
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.headers.value("x-upload"), QByteArray("yes"));
    QCOMPARE(r.body.size(), route.generatedResponseBytes);
    QCOMPARE(QCryptographicHash::hash(r.body, QCryptographicHash::Sha256).toHex(),
             prefixSha(99, route.generatedResponseBytes));
    QCOMPARE(server->requests("/up").value(0).bodyBytesSent, route.generatedResponseBytes);
}

void tst_FaultServerUpload::methodNotAllowed_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::newRow("GET") << QByteArray("GET");
    QTest::newRow("DELETE") << QByteArray("DELETE");
}

void tst_FaultServerUpload::methodNotAllowed()
{
    QFETCH(QByteArray, verb);
    server->setUploadRoute("/up", UploadRoute());
    const Reply r = wait(nam->sendCustomRequest(request("/up"), verb));
    QCOMPARE(r.status, 405);
    QCOMPARE(r.headers.value("allow"), QByteArray("PUT, POST, PATCH"));
    QCOMPARE(server->requests("/up").value(0).status, 405);
    QVERIFY(server->uploads().isEmpty());
}

void tst_FaultServerUpload::scriptAndTotals()
{
    UploadRoute route;
    Fault busy;
    busy.status = 503;
    route.script = {busy};
    server->setUploadRoute("/up", route);
    const qint64 size = 200000;
    const QString source = writeSource(QStringLiteral("src"), size, 15);
    QCOMPARE(upload("PUT", request("/up"), source).status, 503);
    QCOMPARE(upload("PUT", request("/up"), source).status, 201);
    const QList<ReceivedUpload> uploads = server->uploads("/up");
    QCOMPARE(uploads.size(), 2);
    QCOMPARE(uploads.at(0).status, 503);
    QCOMPARE(uploads.at(1).status, 201);
    QVERIFY(uploads.at(0).bodyFile != uploads.at(1).bodyFile);
    QCOMPARE(server->bodyBytesReceived("/up"), 2 * size); // re-sent bytes count again
    QCOMPARE(server->requestCount("/up"), 2);

    // A path is one kind of route: a download route replaces the upload route.
    Entity e;
    e.size = 10;
    Route download;
    download.entity = e;
    server->setRoute("/up", download);
    QCOMPARE(wait(nam->get(request("/up"))).status, 200);
    QCOMPARE(upload("PUT", request("/up"), source).status, 405);
    QCOMPARE(server->uploads("/up").size(), 2);
}

void tst_FaultServerUpload::storage()
{
    const QString dir = tmp->filePath(QStringLiteral("received"));
    server->setUploadDirectory(dir);
    QCOMPARE(server->uploadDirectory(), dir);
    server->setUploadRoute("/kept", UploadRoute());
    UploadRoute discard;
    discard.storeBody = false;
    server->setUploadRoute("/hashed", discard);
    const QString source = writeSource(QStringLiteral("src"), 70000, 16);
    QCOMPARE(upload("PUT", request("/kept"), source).status, 201);
    QCOMPARE(upload("PUT", request("/hashed"), source).status, 201);
    const ReceivedUpload kept = server->uploads("/kept").value(0);
    QCOMPARE(QFileInfo(kept.bodyFile).absolutePath(), QDir(dir).absolutePath());
    verifyStored(kept, 70000, 16);
    const ReceivedUpload hashed = server->uploads("/hashed").value(0);
    QVERIFY(hashed.bodyFile.isEmpty());
    QCOMPARE(hashed.sha256, prefixSha(16, 70000));
    QVERIFY(hashed.complete);
    QCOMPARE(QDir(dir).entryList(QDir::Files).size(), 1);
}

void tst_FaultServerUpload::memoryStaysFlat()
{
#if !defined(Q_OS_LINUX)
    QSKIP("needs /proc/self/status");
#else
    const qint64 size = 256 * 1024 * 1024;
    server->setUploadRoute("/big", UploadRoute());
    const QString source = writeSource(QStringLiteral("big"), size, 17);
    QVERIFY(!source.isEmpty());
    // Start the peak from here (Linux >= 4.0; without it the peak of earlier tests may only
    // hide growth, never invent it).
    QFile clear(QStringLiteral("/proc/self/clear_refs"));
    if (clear.open(QIODevice::WriteOnly))
        clear.write("5");
    clear.close();
    const qint64 before = peakRssKiB();
    QVERIFY(before > 0);
    const Reply r = upload("PUT", request("/big"), source);
    const qint64 after = peakRssKiB();
    QCOMPARE(r.error, QNetworkReply::NoError);
    qDebug("peak RSS grew by %lld KiB during a %lld MiB upload", after - before, size >> 20);
    QVERIFY2(after - before < 64 * 1024,
             qPrintable(QStringLiteral("peak RSS grew by %1 KiB").arg(after - before)));
    const ReceivedUpload u = server->uploads("/big").value(0);
    QVERIFY(u.complete);
    QCOMPARE(u.bytesReceived, size);
    QCOMPARE(u.sha256, prefixSha(17, size));
#endif
}

QTEST_GUILESS_MAIN(tst_FaultServerUpload)

#include "tst_faultserver_upload.moc"
