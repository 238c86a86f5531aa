// The library's tus 1.0 client (Uploader with UploadOptions::Protocol::Tus) against
// FaultServer's tus route: creation and its metadata, the upload URL, chunks, resuming after a
// cut and after a restart, checksums, refused options, credentials, the rate limit and
// redirected creation. The faults the server can answer with are in tst_tusupload_faults.

#include "tusuploadtest.h"

#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

using namespace TusUploadTest;

namespace {
const QByteArray kAuth = "Bearer tus-secret-5f02aa";
const QByteArray kTrace = "trace-tus-77c1";
using Fields = QList<QPair<QString, QString>>;
} // namespace

Q_DECLARE_METATYPE(Background::UploadOptions)

class tst_TusUpload : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void creation_data();
    void creation();
    void uploadUrlStoredBeforePatch_data();
    void uploadUrlStoredBeforePatch();
    void emptyFileNeedsNoPatch();
    void chunks_data();
    void chunks();
    void resumesAfterInterruptedPatch();
    void resumesAfterRestart();
    void checksum_data();
    void checksum();
    void checksumMismatchResendsChunk();
    void refusedOptions_data();
    void refusedOptions();
    void sensitiveHeadersStayWithOrigin_data();
    void sensitiveHeadersStayWithOrigin();
    void rateLimit_data();
    void rateLimit();
    void creationRedirect_data();
    void creationRedirect();
};

void tst_TusUpload::creation_data()
{
    QTest::addColumn<QString>("sourceName");
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<Fields>("fields");
    QTest::addColumn<QString>("metadata"); // what the server decoded: "key=value;..."

    QTest::newRow("defaults") << QStringLiteral("notes.txt") << QString() << QByteArray()
                              << Fields()
                              << QStringLiteral("filename=notes.txt;filetype=text/plain");
    QTest::newRow("fileName overrides")
            << QStringLiteral("notes.txt") << QStringLiteral("Report 2026.pdf") << QByteArray()
            << Fields() << QStringLiteral("filename=Report 2026.pdf;filetype=text/plain");
    const QString utf8 = QStringLiteral("Grüße, 写真 ✓.txt");
    QTest::newRow("UTF-8 source name")
            << utf8 << QString() << QByteArray() << Fields()
            << QStringLiteral("filename=%1;filetype=text/plain").arg(utf8);
    QTest::newRow("UTF-8 fileName")
            << QStringLiteral("a.bin") << QStringLiteral("Ünïcødé ✓") << QByteArray() << Fields()
            << QStringLiteral("filename=Ünïcødé ✓;filetype=application/octet-stream");
    QTest::newRow("contentType") << QStringLiteral("a.bin") << QString() << QByteArray("image/png")
                                 << Fields() << QStringLiteral("filename=a.bin;filetype=image/png");
    QTest::newRow("fields") << QStringLiteral("a.bin") << QString() << QByteArray("x/y")
                            << Fields{{QStringLiteral("album"), QStringLiteral("Holiday")},
                                      {QStringLiteral("note"), QStringLiteral("two, words")},
                                      {QStringLiteral("empty"), QString()}}
                            << QStringLiteral("filename=a.bin;filetype=x/y;album=Holiday;"
                                              "note=two, words;empty=");
}

void tst_TusUpload::creation()
{
    QFETCH(QString, sourceName);
    QFETCH(QString, fileName);
    QFETCH(QByteArray, contentType);
    QFETCH(Fields, fields);
    QFETCH(QString, metadata);
    const qint64 size = 100 * kKiB + 7;
    const QString src = h->source(size, sourceName);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute(kFiles, tusRoute());
    UploadOptions options = tusOptions();
    options.fileName = fileName;
    options.contentType = contentType;
    options.fields = fields;
    Uploader up(h->config());
    auto f = up.networkResponse(h->request(kFiles), src, kId, options);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(f.result().httpStatus(), 204);
    QCOMPARE(f.result().bytes(), size);

    QCOMPARE(methods(h->server), QByteArray("POST PATCH"));
    const auto all = h->server.requests(kFiles);
    for (const auto &r : all)
        QCOMPARE(r.header("Tus-Resumable"), QByteArray("1.0.0"));
    QCOMPARE(all[0].header("Upload-Length"), QByteArray::number(size));
    QCOMPARE(all[1].header("Content-Type"), QByteArray("application/offset+octet-stream"));
    const QList<TusUpload> uploads = h->server.tusUploads(kFiles);
    QCOMPARE(uploads.size(), 1);
    QStringList decoded;
    for (const auto &pair : uploads[0].metadata)
        decoded.append(QString::fromUtf8(pair.first + '=' + pair.second));
    QCOMPARE(decoded.join(QLatin1Char(';')), metadata);
    QCOMPARE(uploads[0].length, size);
    QCOMPARE(uploads[0].sha256, fileSha256(src));
}

void tst_TusUpload::uploadUrlStoredBeforePatch_data()
{
    QTest::addColumn<bool>("relativeLocation");
    QTest::newRow("absolute Location") << false;
    QTest::newRow("relative Location") << true;
}

void tst_TusUpload::uploadUrlStoredBeforePatch()
{
    QFETCH(bool, relativeLocation);
    const qint64 size = 256 * kKiB + 3;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    TusRoute route = tusRoute({}, 256 * kKiB); // about a second per PATCH
    route.relativeLocation = relativeLocation;
    h->server.setTusRoute(kFiles, route);
    Uploader up(h->config());
    auto f = up.networkResponse(h->request(kFiles), src, kId, tusOptions());
    QTRY_VERIFY_WITH_TIMEOUT(storedOffset(h->server) > 0, kWaitMs);
    QVERIFY(storedOffset(h->server) < size); // the PATCH is still running
    QVERIFY(!f.isFinished());
    const QUrl expected = h->server.url(h->server.tusUploads(kFiles)[0].path);
    QCOMPARE(up.transfer(kId)->remoteUrl, expected);

    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(f.result().httpStatus(), 204);
    QCOMPARE(f.result().bytes(), size);
    QCOMPARE(up.transfer(kId)->remoteUrl, expected);
    QCOMPARE(methods(h->server), QByteArray("POST PATCH"));
    QCOMPARE(h->server.tusUploads(kFiles)[0].sha256, fileSha256(src));
}

void tst_TusUpload::emptyFileNeedsNoPatch()
{
    const QString src = h->source(0);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute(kFiles, tusRoute());
    Uploader up(h->config());
    auto f = up.networkResponse(h->request(kFiles), src, kId, tusOptions());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(f.result().httpStatus(), 201);
    QCOMPARE(f.result().bytes(), 0);
    QCOMPARE(methods(h->server), QByteArray("POST"));
    QCOMPARE(h->server.requests(kFiles)[0].header("Upload-Length"), QByteArray("0"));
    const QList<TusUpload> uploads = h->server.tusUploads(kFiles);
    QCOMPARE(uploads.size(), 1);
    QCOMPARE(uploads[0].length, 0);
    QCOMPARE(uploads[0].sha256, fileSha256(src));
    QCOMPARE(up.transfer(kId)->remoteUrl, h->server.url(uploads[0].path));
}

void tst_TusUpload::chunks_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<qint64>("chunkSize");
    QTest::addColumn<QByteArray>("offsets");
    QTest::addColumn<QByteArray>("lengths");
    const qint64 c = 100 * kKiB;
    QTest::newRow("default: one PATCH")
            << 3 * c + 5 << qint64(0) << QByteArray("0") << QByteArray::number(3 * c + 5);
    QTest::newRow("chunks and a tail") << 3 * c + 5 << c << QByteArray("0 102400 204800 307200")
                                       << QByteArray("102400 102400 102400 5");
    QTest::newRow("exact multiple")
            << 3 * c << c << QByteArray("0 102400 204800") << QByteArray("102400 102400 102400");
    QTest::newRow("chunk above the size")
            << 3 * c + 5 << 10 * c << QByteArray("0") << QByteArray::number(3 * c + 5);
}

void tst_TusUpload::chunks()
{
    QFETCH(qint64, size);
    QFETCH(qint64, chunkSize);
    QFETCH(QByteArray, offsets);
    QFETCH(QByteArray, lengths);
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute(kFiles, tusRoute());
    Uploader up(h->config());
    auto f = up.networkResponse(h->request(kFiles), src, kId, tusOptions(chunkSize));
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(f.result().httpStatus(), 204);
    QCOMPARE(f.result().bytes(), size);
    QCOMPARE(patchHeaders(h->server, "Upload-Offset"), offsets);
    QCOMPARE(patchHeaders(h->server, "Content-Length"), lengths);
    QCOMPARE(h->server.tusRequestCount(kFiles, "POST"), 1);
    for (const auto &r : requestsWith(h->server, "PATCH"))
        QCOMPARE(r.status, 204);
    QCOMPARE(h->server.tusBytesReceived(kFiles), size);
    QCOMPARE(h->server.tusUploads(kFiles)[0].sha256, fileSha256(src));
}

void tst_TusUpload::resumesAfterInterruptedPatch()
{
    const qint64 size = 300 * kKiB;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute(kFiles, tusRoute({{"PATCH", {dropAfter(100 * kKiB)}}}));
    Uploader up(h->config());
    auto f = up.networkResponse(h->request(kFiles), src, kId, tusOptions());
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QVERIFY2(r.isSuccess(), describe(r));
    QCOMPARE(r.attempts(), 2);
    QCOMPARE(r.resumedFrom(), 100 * kKiB);
    QCOMPARE(methods(h->server), QByteArray("POST PATCH HEAD PATCH"));
    QCOMPARE(patchHeaders(h->server, "Upload-Offset"), QByteArray("0 102400"));
    QCOMPARE(patchHeaders(h->server, "Content-Length"), QByteArray("307200 204800"));
    QCOMPARE(h->server.tusBytesReceived(kFiles), size); // nothing sent twice
    QCOMPARE(h->server.tusUploads(kFiles).size(), 1);
    QCOMPARE(h->server.tusUploads(kFiles)[0].sha256, fileSha256(src));
}

// A restart in-process: the first engine goes away while its PATCH is stalled (its lease is
// released; a killed process is tst_crash's matter), and a new one continues the same upload.
void tst_TusUpload::resumesAfterRestart()
{
    const qint64 size = 300 * kKiB;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute(kFiles, tusRoute({{"PATCH", {stallAfter(100 * kKiB)}}}));
    auto first = std::make_unique<Uploader>(h->config());
    auto f1 = first->networkResponse(h->request(kFiles), src, kId, tusOptions());
    QTRY_COMPARE_WITH_TIMEOUT(storedOffset(h->server), 100 * kKiB, kWaitMs);
    const QUrl uploadUrl = h->server.url(h->server.tusUploads(kFiles)[0].path);
    QCOMPARE(first->transfer(kId)->remoteUrl, uploadUrl);
    first.reset(); // the only client of its engine: the engine goes too
    QVERIFY(f1.isFinished());
    QCOMPARE(f1.result().error(), Error::Canceled);
    QCOMPARE(methods(h->server), QByteArray("POST PATCH"));

    Uploader second(h->config());
    QCOMPARE(second.transfer(kId)->remoteUrl, uploadUrl);
    auto f2 = second.networkResponse(h->request(kFiles), src, kId, tusOptions());
    BG_AWAIT(f2);
    QVERIFY2(f2.result().isSuccess(), describe(f2.result()));
    QCOMPARE(f2.result().resumedFrom(), 100 * kKiB);
    QCOMPARE(methods(h->server), QByteArray("POST PATCH HEAD PATCH"));
    QCOMPARE(h->server.requests(kFiles)[2].path, h->server.tusUploads(kFiles)[0].path);
    QCOMPARE(patchHeaders(h->server, "Upload-Offset"), QByteArray("0 102400"));
    QCOMPARE(h->server.tusBytesReceived(kFiles), size);
    QCOMPARE(h->server.tusUploads(kFiles).size(), 1);
    QCOMPARE(h->server.tusUploads(kFiles)[0].sha256, fileSha256(src));
}

void tst_TusUpload::checksum_data()
{
    QTest::addColumn<bool>("serverChecksum");
    QTest::addColumn<bool>("clientChecksum");
    QTest::addColumn<QByteArray>("expectedMethods");
    const QByteArray patches = "POST PATCH PATCH PATCH PATCH";
    QTest::newRow("both") << true << true << "OPTIONS " + patches;
    QTest::newRow("server without checksum") << false << true << "OPTIONS " + patches;
    QTest::newRow("tusChecksum off") << true << false << patches;
}

void tst_TusUpload::checksum()
{
    QFETCH(bool, serverChecksum);
    QFETCH(bool, clientChecksum);
    QFETCH(QByteArray, expectedMethods);
    const qint64 size = 200 * kKiB;
    const qint64 chunk = 64 * kKiB;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    TusRoute route = tusRoute();
    route.checksum = serverChecksum;
    h->server.setTusRoute(kFiles, route);
    UploadOptions options = tusOptions(chunk);
    options.tusChecksum = clientChecksum;
    Uploader up(h->config());
    auto f = up.networkResponse(h->request(kFiles), src, kId, options);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(methods(h->server), expectedMethods);
    const auto patches = requestsWith(h->server, "PATCH");
    for (int i = 0; i < patches.size(); ++i) {
        const QByteArray sent = patches[i].header("Upload-Checksum");
        if (serverChecksum && clientChecksum)
            QCOMPARE(sent, checksumOf(src, i * chunk, qMin(chunk, size - i * chunk)));
        else
            QCOMPARE(sent, QByteArray());
        QCOMPARE(patches[i].status, 204); // verified by the server when sent
    }
    QCOMPARE(h->server.tusUploads(kFiles)[0].sha256, fileSha256(src));
}

void tst_TusUpload::checksumMismatchResendsChunk()
{
    const qint64 size = 200 * kKiB;
    const qint64 chunk = 64 * kKiB;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    TusRoute route = tusRoute({{"PATCH", {Fault(), answer(460)}}});
    route.checksum = true;
    h->server.setTusRoute(kFiles, route);
    UploadOptions options = tusOptions(chunk);
    options.tusChecksum = true;
    Uploader up(h->config());
    auto f = up.networkResponse(h->request(kFiles), src, kId, options);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(methods(h->server), QByteArray("OPTIONS POST PATCH PATCH HEAD PATCH PATCH PATCH"));
    QCOMPARE(patchHeaders(h->server, "Upload-Offset"), QByteArray("0 65536 65536 131072 196608"));
    const auto patches = requestsWith(h->server, "PATCH");
    QCOMPARE(patches[1].status, 460);
    QCOMPARE(patches[2].header("Upload-Checksum"), checksumOf(src, chunk, chunk));
    QCOMPARE(patches[2].status, 204);
    QCOMPARE(h->server.tusUploads(kFiles)[0].sha256, fileSha256(src));
}

void tst_TusUpload::refusedOptions_data()
{
    QTest::addColumn<UploadOptions>("options");
    UploadOptions multipart = tusOptions();
    multipart.body = UploadOptions::Body::Multipart;
    QTest::newRow("multipart") << multipart;
    const auto withField = [](const QString &key) {
        UploadOptions o = tusOptions();
        o.fields = {{QStringLiteral("ok"), QStringLiteral("1")}, {key, QStringLiteral("v")}};
        return o;
    };
    QTest::newRow("key with a space") << withField(QStringLiteral("my key"));
    QTest::newRow("key with a comma") << withField(QStringLiteral("a,b"));
    QTest::newRow("empty key") << withField(QString());
    QTest::newRow("non-ASCII key") << withField(QStringLiteral("größe"));
    QTest::newRow("filename as a field") << withField(QStringLiteral("filename"));
    QTest::newRow("filetype as a field") << withField(QStringLiteral("filetype"));
    QTest::newRow("negative chunk size") << tusOptions(-1);
}

void tst_TusUpload::refusedOptions()
{
    QFETCH(UploadOptions, options);
    const QString src = h->source(8 * kKiB);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute(kFiles, tusRoute());
    Uploader up(h->config());
    auto f = up.networkResponse(h->request(kFiles), src, kId, options);
    QVERIFY(f.isFinished()); // at once
    QCOMPARE(f.result().outcome(), Outcome::Failed);
    QCOMPARE(f.result().error(), Error::InvalidRequest);
    QVERIFY(!up.transfer(kId));
    QVERIFY(staysFalse([&] { return !h->server.requests().isEmpty(); }, 100));
}

void tst_TusUpload::sensitiveHeadersStayWithOrigin_data()
{
    QTest::addColumn<bool>("otherOrigin");
    QTest::addColumn<bool>("relativeLocation");
    QTest::newRow("same origin") << false << false;
    QTest::newRow("same origin, relative Location") << false << true;
    QTest::newRow("upload URL on another origin") << true << false;
}

void tst_TusUpload::sensitiveHeadersStayWithOrigin()
{
    QFETCH(bool, otherOrigin);
    QFETCH(bool, relativeLocation);
    const qint64 size = 200 * kKiB;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    // The first PATCH is cut, so the upload URL also sees a HEAD.
    TusRoute route = tusRoute({{"PATCH", {dropAfter(64 * kKiB)}}});
    route.relativeLocation = relativeLocation;
    FaultServer other;
    QVERIFY(other.listen());
    other.setUploadDirectory(h->path(QStringLiteral("received")));
    FaultServer *holder = &h->server;
    if (otherOrigin) {
        // The upload lives on `other`; our creation endpoint points there.
        other.setTusRoute(kFiles, route);
        QNetworkAccessManager nam;
        QNetworkRequest create(other.url(kFiles));
        create.setRawHeader("Tus-Resumable", "1.0.0");
        create.setRawHeader("Upload-Length", QByteArray::number(size));
        std::unique_ptr<QNetworkReply> reply(nam.post(create, QByteArray()));
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), kWaitMs);
        QCOMPARE(other.tusUploads(kFiles).size(), 1);
        Fault created = answer(201);
        created.location = other.url(other.tusUploads(kFiles)[0].path).toEncoded();
        h->server.setTusRoute(kFiles, tusRoute({{"POST", {created}}}));
        holder = &other;
    } else {
        h->server.setTusRoute(kFiles, route);
    }
    Uploader up(h->config());
    QNetworkRequest req = h->request(kFiles);
    req.setRawHeader("Authorization", kAuth);
    req.setRawHeader("X-Trace", kTrace);
    auto f = up.networkResponse(req, src, kId, tusOptions());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));

    const auto creation = h->server.requests(kFiles)[0];
    QCOMPARE(creation.method, QByteArray("POST"));
    QCOMPARE(creation.header("Authorization"), kAuth);
    const TusUpload upload = holder->tusUploads(kFiles)[0];
    QCOMPARE(methods(*holder, upload.path), QByteArray("PATCH HEAD PATCH"));
    const auto onUpload = holder->requests(upload.path);
    for (const auto &r : onUpload) {
        QCOMPARE(r.header("Authorization"), otherOrigin ? QByteArray() : kAuth);
        QCOMPARE(r.header("X-Trace"), kTrace);
    }
    QCOMPARE(upload.sha256, fileSha256(src));
    QVERIFY(!h->storeFileBytes().contains(kAuth));
}

void tst_TusUpload::rateLimit_data()
{
    QTest::addColumn<qint64>("chunkSize");
    QTest::newRow("one PATCH") << qint64(0);
    QTest::newRow("chunks") << 64 * kKiB;
}

void tst_TusUpload::rateLimit()
{
    QFETCH(qint64, chunkSize);
    const qint64 size = 128 * kKiB;
    const qint64 rate = 128 * kKiB;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute(kFiles, tusRoute());
    Background::SessionConfiguration c = h->config();
    c.setMaximumRate(rate);
    // Every PATCH's body may start with a burst of a tenth of a second (uploadbody.cpp).
    const qint64 burst = qMin(rate / 10, 64 * kKiB);
    qint64 floorMs = 0;
    const qint64 step = chunkSize > 0 ? chunkSize : size;
    for (qint64 at = 0; at < size; at += step)
        floorMs += qMax<qint64>(0, qMin(size - at, step) - burst) * 1000 / rate;
    Uploader up(c);
    QElapsedTimer timer;
    timer.start();
    auto f = up.networkResponse(h->request(kFiles), src, kId, tusOptions(chunkSize));
    BG_AWAIT(f);
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QVERIFY2(elapsed >= floorMs,
             QByteArray::number(elapsed) + " ms < " + QByteArray::number(floorMs));
    QCOMPARE(h->server.tusUploads(kFiles)[0].sha256, fileSha256(src));
}

void tst_TusUpload::creationRedirect_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("followed");
    QTest::newRow("307") << 307 << true;
    QTest::newRow("308") << 308 << true;
    QTest::newRow("301") << 301 << false;
    QTest::newRow("302") << 302 << false;
    QTest::newRow("303") << 303 << false;
}

void tst_TusUpload::creationRedirect()
{
    QFETCH(int, status);
    QFETCH(bool, followed);
    const qint64 size = 64 * kKiB + 1;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute("/old", tusRoute({{"POST", {redirectFault(status, "/new")}}}));
    h->server.setTusRoute("/new", tusRoute());
    Uploader up(h->config());
    auto f = up.networkResponse(h->request("/old"), src, kId, tusOptions());
    BG_AWAIT(f);
    QCOMPARE(methods(h->server, "/old"), QByteArray("POST"));
    if (!followed) {
        QCOMPARE(f.result().outcome(), Outcome::Rejected);
        QCOMPARE(f.result().error(), Error::RedirectRejected);
        QCOMPARE(f.result().httpStatus(), status);
        QVERIFY(staysFalse([&] { return h->server.requests().size() > 1; }, 100));
        return;
    }
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(methods(h->server, "/new"), QByteArray("POST PATCH"));
    QCOMPARE(h->server.requests("/new")[0].header("Upload-Length"), QByteArray::number(size));
    const TusUpload upload = h->server.tusUploads("/new")[0];
    QCOMPARE(up.transfer(kId)->remoteUrl, h->server.url(upload.path));
    QCOMPARE(upload.sha256, fileSha256(src));
}

QTEST_GUILESS_MAIN(tst_TusUpload)
#include "tst_tusupload.moc"
