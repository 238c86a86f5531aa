// FaultServer's tus 1.0 route judged with a real QNetworkAccessManager: the protocol rules the
// server enforces and the bytes it stores. Scripted faults: tst_faultserver_tus_faults.cpp.

#include "tustest.h"

#include <QtCore/QDir>

using namespace TusTest;

class tst_FaultServerTus : public TusFixture
{
    Q_OBJECT

private Q_SLOTS:
    void options_data();
    void options();
    void lifecycle_data();
    void lifecycle();
    void creation_data();
    void creation();
    void metadata_data();
    void metadata();
    void tusResumableRequired_data();
    void tusResumableRequired();
    void patchErrors_data();
    void patchErrors();
    void checksum_data();
    void checksum();
    void gone_data();
    void gone();
};

void tst_FaultServerTus::options_data()
{
    QTest::addColumn<bool>("checksum");
    QTest::addColumn<qint64>("maxSize");
    QTest::newRow("plain") << false << qint64(0);
    QTest::newRow("checksum and max size") << true << qint64(1000000);
}

void tst_FaultServerTus::options()
{
    QFETCH(bool, checksum);
    QFETCH(qint64, maxSize);
    TusRoute route;
    route.checksum = checksum;
    route.maxSize = maxSize;
    server->setTusRoute(Files, route);
    QNetworkRequest req(server->url(Files)); // no Tus-Resumable: OPTIONS needs none
    const Reply r = wait(nam->sendCustomRequest(req, "OPTIONS"));
    QCOMPARE(r.status, 204);
    QCOMPARE(r.headers.value("tus-resumable"), QByteArray("1.0.0"));
    QCOMPARE(r.headers.value("tus-version"), QByteArray("1.0.0"));
    QCOMPARE(r.headers.value("tus-extension"),
             checksum ? QByteArray("creation,termination,checksum")
                      : QByteArray("creation,termination"));
    QCOMPARE(r.headers.value("tus-checksum-algorithm"), checksum ? QByteArray("sha1") : "");
    QCOMPARE(r.headers.value("tus-max-size"),
             maxSize > 0 ? QByteArray::number(maxSize) : QByteArray());
    QCOMPARE(server->tusRequestCount(Files, "OPTIONS"), 1);
}

void tst_FaultServerTus::lifecycle_data()
{
    QTest::addColumn<qint64>("total");
    QTest::addColumn<qint64>("split"); // first PATCH: [0, split), second: [split, total)
    QTest::addColumn<bool>("relative");
    QTest::newRow("two chunks") << qint64(300001) << qint64(100000) << false;
    QTest::newRow("relative Location") << qint64(300001) << qint64(150000) << true;
    QTest::newRow("empty first chunk") << qint64(1000) << qint64(0) << false;
    QTest::newRow("empty upload") << qint64(0) << qint64(0) << false;
}

void tst_FaultServerTus::lifecycle()
{
    QFETCH(qint64, total);
    QFETCH(qint64, split);
    QFETCH(bool, relative);
    TusRoute route;
    route.relativeLocation = relative;
    server->setTusRoute(Files, route);
    QSignalSpy progress(server.get(), &FaultServer::uploadProgress);
    QSignalSpy finished(server.get(), &FaultServer::tusRequestFinished);

    const Reply created = create(total);
    QCOMPARE(created.status, 201);
    QCOMPARE(created.headers.value("tus-resumable"), QByteArray("1.0.0"));
    const QByteArray location = created.headers.value("location");
    QCOMPARE(location.startsWith("http://127.0.0.1:"), !relative);
    QVERIFY2(location.contains("/files/"), location.constData());
    const QUrl url = uploadUrl(created);
    TusUpload u = only();
    QCOMPARE(url.path().toLatin1(), u.path);
    QCOMPARE(u.path, "/files/" + u.id);
    QCOMPARE(u.length, total);
    QCOMPARE(u.offset, 0);
    QCOMPARE(u.sha256.isEmpty(), total > 0); // an empty upload is complete at once
    QVERIFY(QFileInfo::exists(u.file));

    Reply head = send("HEAD", url);
    QCOMPARE(head.status, 200);
    QCOMPARE(head.headers.value("upload-offset"), QByteArray("0"));
    QCOMPARE(head.headers.value("upload-length"), QByteArray::number(total));
    QCOMPARE(head.headers.value("cache-control"), QByteArray("no-store"));
    QVERIFY(!head.headers.contains("upload-metadata"));

    Reply r = patch(url, 0, slice(5, 0, split));
    QCOMPARE(r.status, 204);
    QCOMPARE(r.headers.value("upload-offset"), QByteArray::number(split));
    QCOMPARE(r.headers.value("tus-resumable"), QByteArray("1.0.0"));
    QCOMPARE(only().offset, split);
    QCOMPARE(only().sha256.isEmpty(), split < total);
    const QString second = slice(5, split, total - split);
    r = patch(url, split, second);
    QCOMPARE(r.status, 204);
    QCOMPARE(r.headers.value("upload-offset"), QByteArray::number(total));
    head = send("HEAD", url);
    QCOMPARE(head.headers.value("upload-offset"), QByteArray::number(total));

    u = only();
    QCOMPARE(u.offset, total);
    QCOMPARE(u.sha256, prefixSha(5, total));
    QCOMPARE(BackgroundTest::fileSha256(u.file), u.sha256);
    QVERIFY(!u.terminated);
    QVERIFY(!u.expired);

    // Everything is recorded under the creation path, with each request's own path.
    const QList<RequestRecord> records = server->requests(Files);
    QCOMPARE(records.size(), 5);
    const QList<QByteArray> methods = {"POST", "HEAD", "PATCH", "PATCH", "HEAD"};
    const QList<int> statuses = {201, 200, 204, 204, 200};
    for (int i = 0; i < records.size(); ++i) {
        QCOMPARE(records.at(i).method, methods.at(i));
        QCOMPARE(records.at(i).status, statuses.at(i));
        QCOMPARE(records.at(i).route, Files);
        QCOMPARE(records.at(i).path, i == 0 ? Files : u.path);
    }
    QCOMPARE(server->requests(u.path).size(), 4);
    QCOMPARE(server->tusRequestCount(Files, "PATCH"), 2);
    QCOMPARE(server->uploads(Files).size(), 2);
    QCOMPARE(server->uploads(Files).value(1).bytesReceived, total - split);
    QCOMPARE(server->uploads(Files).value(1).sha256, BackgroundTest::fileSha256(second));
    QCOMPARE(server->tusBytesReceived(Files), total);
    if (total > 0)
        QCOMPARE(progress.last().at(1).toLongLong(), total);
    for (const auto &args : progress)
        QCOMPARE(args.at(0).toByteArray(), Files);
    QTRY_COMPARE(finished.size(), 5);
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(finished.at(i).at(0).toByteArray(), Files);
        QCOMPARE(finished.at(i).at(1).toByteArray(), methods.at(i));
        QCOMPARE(finished.at(i).at(2).toInt(), statuses.at(i));
    }
}

void tst_FaultServerTus::creation_data()
{
    QTest::addColumn<QByteArray>("length"); // Upload-Length; null: none
    QTest::addColumn<QByteArray>("metadata");
    QTest::addColumn<int>("status");
    QTest::newRow("ok") << QByteArray("1000") << QByteArray() << 201;
    QTest::newRow("max size") << QByteArray("5000") << QByteArray() << 201;
    QTest::newRow("above max size") << QByteArray("5001") << QByteArray() << 413;
    QTest::newRow("no length") << QByteArray() << QByteArray() << 400;
    QTest::newRow("negative") << QByteArray("-1") << QByteArray() << 400;
    QTest::newRow("not a number") << QByteArray("ten") << QByteArray() << 400;
    QTest::newRow("bad base64") << QByteArray("10") << QByteArray("name a!!b") << 400;
    QTest::newRow("empty key") << QByteArray("10") << QByteArray("name eA==,,x") << 400;
    QTest::newRow("bare key, a body") << QByteArray("10") << QByteArray("x") << 201;
    QTest::newRow("duplicate key") << QByteArray("10") << QByteArray("a eA==,a eQ==") << 400;
}

void tst_FaultServerTus::creation()
{
    QFETCH(QByteArray, length);
    QFETCH(QByteArray, metadata);
    QFETCH(int, status);
    TusRoute route;
    route.maxSize = 5000;
    server->setTusRoute(Files, route);
    QNetworkRequest req(server->url(Files));
    req.setRawHeader("Tus-Resumable", "1.0.0");
    if (!length.isNull())
        req.setRawHeader("Upload-Length", length);
    if (!metadata.isNull())
        req.setRawHeader("Upload-Metadata", metadata);
    // A small body, which the server must read past (creation-with-upload is not offered).
    const Reply r = wait(nam->sendCustomRequest(req, "POST", QByteArray("ignored")));
    QCOMPARE(r.status, status);
    QCOMPARE(r.headers.value("tus-resumable"), QByteArray("1.0.0"));
    QCOMPARE(r.headers.contains("location"), status == 201);
    QCOMPARE(server->tusUploads(Files).size(), status == 201 ? 1 : 0);
    if (status == 201) {
        QCOMPARE(only().length, length.toLongLong());
        QCOMPARE(only().offset, 0);
    }
    QCOMPARE(server->tusBytesReceived(Files), 0);
}

void tst_FaultServerTus::metadata_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<Headers>("decoded");
    QTest::newRow("pair and bare key")
            << QByteArray("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential")
            << Headers{{"filename", "world_domination_plan.pdf"}, {"is_confidential", ""}};
    QTest::newRow("utf-8, spaces")
            << QByteArray(" name w6TDtsO8 , type dGV4dC9wbGFpbg== ")
            << Headers{{"name", "\xc3\xa4\xc3\xb6\xc3\xbc"}, {"type", "text/plain"}};
}

void tst_FaultServerTus::metadata()
{
    QFETCH(QByteArray, raw);
    QFETCH(Headers, decoded);
    server->setTusRoute(Files, TusRoute());
    const Reply created = create(10, {{"Upload-Metadata", raw}});
    QCOMPARE(created.status, 201);
    QCOMPARE(only().metadataRaw, raw.trimmed());
    QCOMPARE(only().metadata, decoded);
    const Reply head = send("HEAD", uploadUrl(created));
    QCOMPARE(head.headers.value("upload-metadata"), raw.trimmed());
}

void tst_FaultServerTus::tusResumableRequired_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("version"); // empty: no header
    for (const char *method : {"POST", "HEAD", "PATCH", "DELETE"}) {
        QTest::addRow("%s without", method) << QByteArray(method) << QByteArray();
        QTest::addRow("%s 0.2.2", method) << QByteArray(method) << QByteArray("0.2.2");
    }
}

void tst_FaultServerTus::tusResumableRequired()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, version);
    server->setTusRoute(Files, TusRoute());
    const QUrl url = uploadUrl(create(100));
    QNetworkRequest req(method == "POST" ? server->url(Files) : url);
    if (!version.isEmpty())
        req.setRawHeader("Tus-Resumable", version);
    req.setRawHeader("Upload-Length", "100");
    req.setRawHeader("Upload-Offset", "0");
    req.setRawHeader("Content-Type", "application/offset+octet-stream");
    const Reply r = method == "PATCH"
                            ? upload(method, req, slice(1, 0, 100))
                            : wait(method == "HEAD" ? nam->head(req)
                                                    : nam->sendCustomRequest(req, method));
    QCOMPARE(r.status, 412);
    QCOMPARE(r.headers.value("tus-version"), QByteArray("1.0.0"));
    QCOMPARE(r.headers.value("tus-resumable"), QByteArray("1.0.0"));
    // Nothing happened.
    QCOMPARE(server->tusUploads(Files).size(), 1);
    QCOMPARE(only().offset, 0);
    QVERIFY(!only().terminated);
}

void tst_FaultServerTus::patchErrors_data()
{
    QTest::addColumn<QByteArray>("target"); // "upload", "route" or "unknown"
    QTest::addColumn<Headers>("headers");
    QTest::addColumn<qint64>("bodySize");
    QTest::addColumn<int>("status");
    const QByteArray upload = "upload";
    QTest::newRow("offset ahead") << upload << Headers{{"Upload-Offset", "5"}} << qint64(100)
                                  << 409;
    QTest::newRow("offset not a number")
            << upload << Headers{{"Upload-Offset", "x"}} << qint64(100) << 400;
    QTest::newRow("octet-stream") << upload << Headers{{"Content-Type", "application/octet-stream"}}
                                  << qint64(100) << 415;
    QTest::newRow("beyond Upload-Length") << upload << Headers() << qint64(1001) << 400;
    QTest::newRow("to the creation path") << QByteArray("route") << Headers() << qint64(100) << 405;
    QTest::newRow("unknown upload") << QByteArray("unknown") << Headers() << qint64(100) << 404;
}

void tst_FaultServerTus::patchErrors()
{
    QFETCH(QByteArray, target);
    QFETCH(Headers, headers);
    QFETCH(qint64, bodySize);
    QFETCH(int, status);
    server->setTusRoute(Files, TusRoute());
    QUrl url = uploadUrl(create(1000));
    if (target == "route")
        url = server->url(Files);
    else if (target == "unknown")
        url = server->url("/files/no-such-id");
    const Reply r = patch(url, 0, slice(2, 0, bodySize), headers);
    QCOMPARE(r.status, status);
    QCOMPARE(r.headers.value("tus-resumable"), QByteArray("1.0.0"));
    QVERIFY(!r.headers.contains("upload-offset"));
    // The body was read and thrown away; nothing was stored.
    QCOMPARE(server->tusBytesReceived(Files), bodySize);
    QCOMPARE(only().offset, 0);
    QCOMPARE(QFileInfo(only().file).size(), 0);
    QCOMPARE(server->uploads(Files).value(0).status, status);
}

void tst_FaultServerTus::checksum_data()
{
    QTest::addColumn<bool>("offered");
    QTest::addColumn<QByteArray>("algorithm");
    QTest::addColumn<bool>("rightDigest");
    QTest::addColumn<int>("status");
    QTest::newRow("match") << true << QByteArray("sha1") << true << 204;
    QTest::newRow("mismatch") << true << QByteArray("sha1") << false << 460;
    QTest::newRow("md5") << true << QByteArray("md5") << true << 400;
    QTest::newRow("not offered: ignored") << false << QByteArray("sha1") << false << 204;
}

void tst_FaultServerTus::checksum()
{
    QFETCH(bool, offered);
    QFETCH(QByteArray, algorithm);
    QFETCH(bool, rightDigest);
    QFETCH(int, status);
    TusRoute route;
    route.checksum = offered;
    server->setTusRoute(Files, route);
    const qint64 total = 200000;
    const QUrl url = uploadUrl(create(total));
    QVERIFY(patch(url, 0, slice(3, 0, 1000)).status == 204);
    const QString body = slice(3, 1000, total - 1000);
    const QByteArray digest = sha1Base64(rightDigest ? body : slice(4, 1000, total - 1000));
    const Reply r = patch(url, 1000, body, {{"Upload-Checksum", algorithm + ' ' + digest}});
    QCOMPARE(r.status, status);
    const qint64 offset = status == 204 ? total : 1000;
    QCOMPARE(r.headers.value("upload-offset"), status == 204 ? QByteArray::number(offset) : "");
    QCOMPARE(send("HEAD", url).headers.value("upload-offset"), QByteArray::number(offset));
    QCOMPARE(only().offset, offset);
    QCOMPARE(QFileInfo(only().file).size(), offset);
    QCOMPARE(BackgroundTest::fileSha256(only().file), prefixSha(3, offset));
    // No side file is left behind.
    QCOMPARE(QDir(server->uploadDirectory()).entryList(QDir::Files).size(), 1);
}

void tst_FaultServerTus::gone_data()
{
    QTest::addColumn<bool>("expire"); // else DELETE
    QTest::addColumn<int>("goneStatus");
    QTest::newRow("deleted, 404") << false << 404;
    QTest::newRow("deleted, 410") << false << 410;
    QTest::newRow("expired, 410") << true << 410;
}

void tst_FaultServerTus::gone()
{
    QFETCH(bool, expire);
    QFETCH(int, goneStatus);
    TusRoute route;
    route.goneStatus = goneStatus;
    server->setTusRoute(Files, route);
    const QUrl url = uploadUrl(create(1000));
    QCOMPARE(patch(url, 0, slice(6, 0, 400)).status, 204);
    const QString file = only().file;
    if (expire)
        server->expireTusUploads(Files);
    else
        QCOMPARE(send("DELETE", url).status, 204);
    QCOMPARE(only().expired, expire);
    QCOMPARE(only().terminated, !expire);
    QCOMPARE(QFileInfo::exists(file), expire); // an expired one is kept for inspection
    QCOMPARE(only().offset, 400);

    QCOMPARE(send("HEAD", url).status, goneStatus);
    QCOMPARE(patch(url, 400, slice(6, 400, 600)).status, goneStatus);
    QCOMPARE(send("DELETE", url).status, goneStatus);
    QCOMPARE(send("HEAD", server->url("/files/unknown")).status, goneStatus);
    QCOMPARE(only().offset, 400);
    // Uploads created later are not affected.
    QCOMPARE(send("HEAD", uploadUrl(create(10))).status, 200);
}

QTEST_GUILESS_MAIN(tst_FaultServerTus)
#include "tst_faultserver_tus.moc"
