// Uploader semantics over real HTTP on loopback: bodies, kept results, fingerprints, redirects,
// retries, response bodies, secrets in the store, invalid input and the shared store.

#include "uploadertest.h"

#include <QtNetwork/QTcpServer>

using namespace UploaderTest;
using Background::Downloader;
using Background::Uploader;
using FaultTest::FaultServer;

namespace {
const QString kId = QStringLiteral("up-1");
const QByteArray kAuth = "Bearer secret-upload-auth-7e31c9";
const QByteArray kTrace = "trace-upload-42ab";
} // namespace

class tst_Uploader : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void rawUpload_data();
    void rawUpload();
    void multipartUpload();
    void joinsAndKeepsResult();
    void keptResultOutlivesSource();
    void resumeWithSourceGoneKeepsResult();
    void sourceChangedBetweenAttempts_data();
    void sourceChangedBetweenAttempts();
    void followsSameOriginRedirect_data();
    void followsSameOriginRedirect();
    void crossOriginRedirectDropsCredentials();
    void rejectsMethodChangingRedirect_data();
    void rejectsMethodChangingRedirect();
    void retryAfterThenSuccess();
    void retryReportedWithoutRetries();
    void clientErrorKeepsBody();
    void connectionRefusedFails();
    void largeResponseBodyGoesToFile();
    void interruptedUploadRestartsFromZero();
    void sensitiveHeadersNotStored();
    void invalidInput();
    void identifierUsedByDownload();
    void stallTimesOut();
    void pendingIdentifiersPerKind();
};

void tst_Uploader::rawUpload_data()
{
    QTest::addColumn<UploadOptions::Method>("method");
    QTest::addColumn<QByteArray>("methodName");
    QTest::newRow("PUT") << UploadOptions::Method::Put << QByteArray("PUT");
    QTest::newRow("POST") << UploadOptions::Method::Post << QByteArray("POST");
    QTest::newRow("PATCH") << UploadOptions::Method::Patch << QByteArray("PATCH");
}

void tst_Uploader::rawUpload()
{
    QFETCH(UploadOptions::Method, method);
    QFETCH(QByteArray, methodName);
    const QString src = h->source(300 * kKiB + 17);
    QVERIFY(!src.isEmpty());
    h->server.setUploadRoute("/u", uploadRoute());
    Uploader up(h->config());
    UploadOptions options;
    options.method = method;
    auto f = up.networkResponse(h->request("/u"), src, kId, options);
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QVERIFY2(r.isSuccess(), describe(r));
    QCOMPARE(r.httpStatus(), 201);
    QCOMPARE(r.body(), QByteArray("stored"));
    QVERIFY(r.bodyFilePath().isEmpty());
    QCOMPARE(r.bytes(), QFileInfo(src).size());

    const auto got = h->server.uploads("/u");
    QCOMPARE(got.size(), 1);
    QCOMPARE(got[0].method, methodName);
    QVERIFY(got[0].complete);
    QCOMPARE(got[0].bytesReceived, QFileInfo(src).size());
    QCOMPARE(got[0].sha256, fileSha256(src));
    QCOMPARE(fileSha256(got[0].bodyFile), fileSha256(src));
    QCOMPARE(got[0].header("Content-Type"), QByteArray("application/octet-stream"));
}

void tst_Uploader::multipartUpload()
{
    const QString src = h->source(200 * kKiB + 3, QStringLiteral("photo.bin"));
    QVERIFY(!src.isEmpty());
    h->server.setUploadRoute("/form", uploadRoute());
    UploadOptions options;
    options.method = UploadOptions::Method::Post;
    options.body = UploadOptions::Body::Multipart;
    options.fileField = QStringLiteral("upload");
    options.fields = {{QStringLiteral("title"), QStringLiteral("Holiday")},
                      {QStringLiteral("note"), QStringLiteral("two words")}};
    Uploader up(h->config());
    auto f = up.networkResponse(h->request("/form"), src, kId, options);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));

    const auto got = h->server.uploads("/form");
    QCOMPARE(got.size(), 1);
    QCOMPARE(f.result().bytes(), got[0].declaredLength);
    QCOMPARE(got[0].method, QByteArray("POST"));
    QVERIFY(got[0].complete);
    const QByteArray boundary = FaultTest::boundaryFromContentType(got[0].header("Content-Type"));
    QVERIFY2(!boundary.isEmpty(), got[0].header("Content-Type"));
    QString error;
    const auto parts = FaultTest::parseMultipartFile(got[0].bodyFile, boundary, &error);
    QVERIFY2(parts, qPrintable(error));
    QCOMPARE(parts->size(), 3);
    QCOMPARE(parts->at(0).name, QByteArray("title"));
    QCOMPARE(parts->at(0).smallContent, QByteArray("Holiday"));
    QCOMPARE(parts->at(1).name, QByteArray("note"));
    QCOMPARE(parts->at(1).smallContent, QByteArray("two words"));
    QCOMPARE(parts->at(2).name, QByteArray("upload"));
    QCOMPARE(parts->at(2).fileName, QByteArray("photo.bin"));
    QCOMPARE(parts->at(2).size, QFileInfo(src).size());
    QCOMPARE(parts->at(2).sha256, fileSha256(src));
}

void tst_Uploader::joinsAndKeepsResult()
{
    const QString src = h->source(128 * kKiB);
    QVERIFY(!src.isEmpty());
    h->server.setUploadRoute("/u", throttledRoute(160 * kKiB)); // still running at the 2nd call
    Uploader up(h->config());
    auto first = up.networkResponse(h->request("/u"), src, kId);
    QTRY_COMPARE_WITH_TIMEOUT(h->server.uploads("/u").size(), 1, kWaitMs);
    QVERIFY(!first.isFinished());
    auto second = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(first);
    BG_AWAIT(second);
    QVERIFY2(first.result().isSuccess(), describe(first.result()));
    QVERIFY2(second.result().isSuccess(), describe(second.result()));
    QCOMPARE(second.result().httpStatus(), first.result().httpStatus());
    QCOMPARE(second.result().body(), first.result().body());
    QCOMPARE(second.result().attempts(), first.result().attempts());
    QCOMPARE(h->server.uploads("/u").size(), 1);

    // Finished: the kept result, at once and without a request.
    auto kept = up.networkResponse(h->request("/u"), src, kId);
    QVERIFY(kept.isFinished());
    QVERIFY2(kept.result().isSuccess(), describe(kept.result()));
    QCOMPARE(kept.result().body(), QByteArray("stored"));
    QCOMPARE(kept.result().httpStatus(), 201);
    QVERIFY(staysFalse([&] { return h->server.requests().size() > 1; }, 200));

    QVERIFY(up.forget(kId));
    auto again = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(again);
    QVERIFY2(again.result().isSuccess(), describe(again.result()));
    QCOMPARE(h->server.uploads("/u").size(), 2);
}

// The app may delete its file once the server has it; asking again still gets the result.
void tst_Uploader::keptResultOutlivesSource()
{
    const QString src = h->source(40 * kKiB);
    QVERIFY(!src.isEmpty());
    h->server.setUploadRoute("/u", uploadRoute());
    Uploader up(h->config());
    auto first = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(first);
    QVERIFY2(first.result().isSuccess(), describe(first.result()));
    QVERIFY(QFile::remove(src));

    auto kept = up.networkResponse(h->request("/u"), src, kId);
    QVERIFY(kept.isFinished());
    QVERIFY2(kept.result().isSuccess(), describe(kept.result()));
    QCOMPARE(kept.result().body(), first.result().body());
    QCOMPARE(h->server.uploads("/u").size(), 1);

    // Another identifier or URL for the vanished file is still refused as bad input.
    auto other = up.networkResponse(h->request("/u"), src, QStringLiteral("other"));
    QVERIFY(other.isFinished());
    QCOMPARE(other.result().error(), Error::InvalidRequest);
    auto otherUrl = up.networkResponse(h->request("/v"), src, kId);
    QVERIFY(otherUrl.isFinished());
    QCOMPARE(otherUrl.result().error(), Error::InvalidRequest);
}

// resume() of a kept Retry whose file is gone answers SourceChanged and keeps the result,
// instead of reopening a transfer that can only fail later.
void tst_Uploader::resumeWithSourceGoneKeepsResult()
{
    const QString src = h->source(40 * kKiB);
    QVERIFY(!src.isEmpty());
    h->server.setUploadRoute("/u", uploadRoute({}, statusFault(503)));
    Uploader up(h->config(0));
    auto first = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(first);
    QCOMPARE(first.result().outcome(), Outcome::Retry);
    QVERIFY(QFile::remove(src));

    auto resumed = up.resume(kId);
    QVERIFY(resumed.isFinished());
    QCOMPARE(resumed.result().outcome(), Outcome::Failed);
    QCOMPARE(resumed.result().error(), Error::SourceChanged);
    const std::optional<Background::TransferInfo> info = up.transfer(kId);
    QVERIFY(info.has_value());
    QCOMPARE(info->state, Background::TransferInfo::State::Finished);
    QVERIFY(info->result.has_value());
    QCOMPARE(info->result->outcome(), Outcome::Retry);
    QVERIFY(up.pendingIdentifiers().isEmpty());
    QCOMPARE(h->server.uploads("/u").size(), 1);
}

void tst_Uploader::sourceChangedBetweenAttempts_data()
{
    QTest::addColumn<QString>("change");
    QTest::newRow("append") << QStringLiteral("append");
    QTest::newRow("same-size-rewrite") << QStringLiteral("rewrite");
    QTest::newRow("delete") << QStringLiteral("delete");
}

void tst_Uploader::sourceChangedBetweenAttempts()
{
    QFETCH(QString, change);
    const qint64 size = 96 * kKiB;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    // Retry-After 1 s keeps the second attempt after the change, whatever the event order.
    h->server.setUploadRoute("/u", uploadRoute({statusFault(503, "1")}));
    bool changed = false;
    connect(&h->server, &FaultServer::uploadFinished, this, [&](const QByteArray &, int index) {
        if (index != 0 || changed)
            return;
        changed = true;
        if (change == QLatin1String("append")) {
            QFile f(src);
            QVERIFY(f.open(QIODevice::Append));
            QCOMPARE(f.write("x", 1), 1);
        } else if (change == QLatin1String("rewrite")) {
            const QDateTime mtime = QFileInfo(src).lastModified();
            QVERIFY(writeSource(src, size, 77));
            QFile f(src);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.setFileTime(mtime.addSecs(-30), QFileDevice::FileModificationTime));
        } else {
            QVERIFY(QFile::remove(src));
        }
    });
    Uploader up(h->config(1));
    auto f = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QVERIFY(changed);
    QCOMPARE(r.outcome(), Outcome::Failed);
    QCOMPARE(r.error(), Error::SourceChanged);
    QVERIFY2(r.errorString().contains(QFileInfo(src).absoluteFilePath()), describe(r));
    QCOMPARE(h->server.uploads("/u").size(), 1); // the changed file was not sent
}

void tst_Uploader::followsSameOriginRedirect_data()
{
    QTest::addColumn<int>("status");
    QTest::newRow("307") << 307;
    QTest::newRow("308") << 308;
}

void tst_Uploader::followsSameOriginRedirect()
{
    QFETCH(int, status);
    const QString src = h->source(150 * kKiB);
    QVERIFY(!src.isEmpty());
    h->server.setUploadRoute("/r", uploadRoute({}, redirectFault(status, "/u")));
    h->server.setUploadRoute("/u", uploadRoute());
    Uploader up(h->config());
    auto f = up.networkResponse(h->request("/r"), src, kId);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(f.result().body(), QByteArray("stored"));
    QCOMPARE(h->server.uploads("/r").size(), 1);
    const auto got = h->server.uploads("/u");
    QCOMPARE(got.size(), 1);
    QCOMPARE(got[0].method, QByteArray("PUT"));
    QVERIFY(got[0].complete);
    QCOMPARE(got[0].bytesReceived, QFileInfo(src).size());
    QCOMPARE(got[0].sha256, fileSha256(src));
}

void tst_Uploader::crossOriginRedirectDropsCredentials()
{
    FaultServer other;
    QVERIFY(other.listen());
    other.setUploadDirectory(h->path(QStringLiteral("received")));
    other.setUploadRoute("/there", uploadRoute());
    const QString src = h->source(64 * kKiB);
    QVERIFY(!src.isEmpty());
    h->server.setUploadRoute("/r",
                             uploadRoute({}, redirectFault(307, other.url("/there").toEncoded())));
    Uploader up(h->config());
    QNetworkRequest req = h->request("/r");
    req.setRawHeader("Authorization", kAuth);
    req.setRawHeader("X-Trace", kTrace);
    auto f = up.networkResponse(req, src, kId);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(h->server.uploads("/r").constFirst().header("Authorization"), kAuth);
    const auto there = other.uploads("/there");
    QCOMPARE(there.size(), 1);
    QCOMPARE(there[0].header("Authorization"), QByteArray());
    QCOMPARE(there[0].header("X-Trace"), kTrace);
    QCOMPARE(there[0].sha256, fileSha256(src));
}

void tst_Uploader::rejectsMethodChangingRedirect_data()
{
    QTest::addColumn<int>("status");
    QTest::newRow("301") << 301;
    QTest::newRow("302") << 302;
    QTest::newRow("303") << 303;
}

void tst_Uploader::rejectsMethodChangingRedirect()
{
    QFETCH(int, status);
    const QString src = h->source(20 * kKiB);
    QVERIFY(!src.isEmpty());
    h->server.setUploadRoute("/r", uploadRoute({}, redirectFault(status, "/u")));
    h->server.setUploadRoute("/u", uploadRoute());
    Uploader up(h->config());
    auto f = up.networkResponse(h->request("/r"), src, kId);
    BG_AWAIT(f);
    QCOMPARE(f.result().outcome(), Outcome::Rejected);
    QCOMPARE(f.result().error(), Error::RedirectRejected);
    QCOMPARE(f.result().httpStatus(), status);
    QCOMPARE(h->server.requests().size(), 1);
    QCOMPARE(h->server.uploads("/u").size(), 0);
}

void tst_Uploader::retryAfterThenSuccess()
{
    const QString src = h->source(40 * kKiB);
    QVERIFY(!src.isEmpty());
    h->server.setUploadRoute("/u", uploadRoute({statusFault(503, "1")}));
    Uploader up(h->config(2));
    auto f = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(f.result().attempts(), 2);
    const auto got = h->server.uploads("/u");
    QCOMPARE(got.size(), 2);
    QCOMPARE(got[1].sha256, fileSha256(src));
}

void tst_Uploader::retryReportedWithoutRetries()
{
    const QString src = h->source(40 * kKiB);
    QVERIFY(!src.isEmpty());
    h->server.setUploadRoute("/u", uploadRoute({}, statusFault(503, "7")));
    Uploader up(h->config(0));
    auto f = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QCOMPARE(r.outcome(), Outcome::Retry);
    QCOMPARE(r.httpStatus(), 503);
    QVERIFY(r.retryAfter().has_value());
    QCOMPARE(r.retryAfter()->count(), 7);
    QCOMPARE(h->server.uploads("/u").size(), 1);
}

void tst_Uploader::clientErrorKeepsBody()
{
    const QString src = h->source(40 * kKiB);
    QVERIFY(!src.isEmpty());
    FaultTest::Fault bad = statusFault(400);
    bad.errorBody = "field 'name' is required";
    h->server.setUploadRoute("/u", uploadRoute({}, bad));
    Uploader up(h->config());
    auto f = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(f);
    QCOMPARE(f.result().outcome(), Outcome::Rejected);
    QCOMPARE(f.result().httpStatus(), 400);
    QCOMPARE(f.result().error(), Error::HttpError);
    QCOMPARE(f.result().body(), bad.errorBody);
    QCOMPARE(h->server.uploads("/u").size(), 1);
}

void tst_Uploader::connectionRefusedFails()
{
    const QString src = h->source(8 * kKiB);
    QVERIFY(!src.isEmpty());
    QUrl url;
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        url = QUrl(QStringLiteral("http://127.0.0.1:%1/u").arg(closed.serverPort()));
    }
    Uploader up(h->config());
    auto f = up.networkResponse(QNetworkRequest(url), src, kId);
    BG_AWAIT(f);
    QCOMPARE(f.result().outcome(), Outcome::Failed);
    QCOMPARE(f.result().error(), Error::ConnectionRefused);
}

void tst_Uploader::largeResponseBodyGoesToFile()
{
    const QString src = h->source(16 * kKiB);
    QVERIFY(!src.isEmpty());
    FaultTest::UploadRoute route = uploadRoute();
    route.generatedResponseBytes = 3 * kMiB;
    h->server.setUploadRoute("/u", route);
    Uploader up(h->config());
    auto f = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QVERIFY2(r.isSuccess(), describe(r));
    QCOMPARE(r.body().size(), kMiB);
    QVERIFY(r.body() == generated(99, 0, kMiB)); // QCOMPARE would print 1 MiB
    QVERIFY2(!r.bodyFilePath().isEmpty(), describe(r));
    QCOMPARE(QFileInfo(r.bodyFilePath()).size(), 3 * kMiB);
    FaultTest::Entity e;
    e.size = 3 * kMiB;
    e.seed = 99;
    QCOMPARE(fileSha256(r.bodyFilePath()), FaultServer::contentSha256(e));

    // The kept result names the same file.
    auto kept = up.networkResponse(h->request("/u"), src, kId);
    QVERIFY(kept.isFinished());
    QCOMPARE(kept.result().bodyFilePath(), r.bodyFilePath());
    QCOMPARE(kept.result().body().size(), kMiB);
}

void tst_Uploader::interruptedUploadRestartsFromZero()
{
    const qint64 size = 512 * kKiB;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    FaultTest::Fault drop;
    drop.dropAfterBytes = 200 * kKiB;
    h->server.setUploadRoute("/u", uploadRoute({drop}));
    Uploader up(h->config(2));
    auto f = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    const auto got = h->server.uploads("/u");
    QCOMPARE(got.size(), 2);
    QVERIFY(!got[0].complete);
    QCOMPARE(got[0].bytesReceived, 200 * kKiB);
    QVERIFY(got[1].complete);
    QCOMPARE(got[1].declaredLength, size);
    QCOMPARE(got[1].bytesReceived, size);
    QCOMPARE(got[1].sha256, fileSha256(src));
}

void tst_Uploader::sensitiveHeadersNotStored()
{
    const QString src = h->source(40 * kKiB);
    QVERIFY(!src.isEmpty());
    // The 503 makes the engine write the row several times before the result.
    h->server.setUploadRoute("/u", uploadRoute({statusFault(503)}));
    auto up = std::make_unique<Uploader>(h->config());
    QNetworkRequest req = h->request("/u");
    req.setRawHeader("Authorization", kAuth);
    req.setRawHeader("X-Trace", kTrace);
    auto f = up->networkResponse(req, src, kId);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(h->server.uploads("/u").constLast().header("Authorization"), kAuth);

    // While the store is open (WAL in use), then after it was closed and checkpointed.
    for (int pass = 0; pass < 2; ++pass) {
        const QByteArray bytes = h->storeFileBytes();
        QVERIFY(bytes.contains(kTrace));
        QVERIFY(!bytes.contains(kAuth));
        up.reset();
    }
}

void tst_Uploader::invalidInput()
{
    h->server.setUploadRoute("/u", uploadRoute());
    Uploader up(h->config());
    const QString missing = h->path(QStringLiteral("missing.bin"));
    auto f = up.networkResponse(h->request("/u"), missing, kId);
    QVERIFY(f.isFinished()); // at once, never reaching the network
    QCOMPARE(f.result().outcome(), Outcome::Failed);
    QCOMPARE(f.result().error(), Error::InvalidRequest);
    QVERIFY2(f.result().errorString().contains(missing), describe(f.result()));

    const QString src = h->source(4 * kKiB);
    QVERIFY(!src.isEmpty());
    auto g = up.networkResponse(QNetworkRequest(QUrl(QStringLiteral("ftp://127.0.0.1/u"))),
                                src,
                                QStringLiteral("up-ftp"));
    QVERIFY(g.isFinished());
    QCOMPARE(g.result().outcome(), Outcome::Failed);
    QCOMPARE(g.result().error(), Error::InvalidRequest);
    QVERIFY(staysFalse([&] { return !h->server.requests().isEmpty(); }, 100));
    QVERIFY(up.pendingIdentifiers().isEmpty());
}

void tst_Uploader::identifierUsedByDownload()
{
    FaultTest::Entity e;
    e.size = 256 * kKiB;
    FaultTest::Route slow;
    slow.entity = e;
    slow.then.throttle = 256 * kKiB;
    h->server.setRoute("/d", slow);
    h->server.setUploadRoute("/u", uploadRoute());
    const QString src = h->source(4 * kKiB);
    QVERIFY(!src.isEmpty());
    Downloader dl(h->config());
    Uploader up(h->config());
    auto d = dl.networkResponse(h->request("/d"), kId, h->path(QStringLiteral("dl.bin")));
    // While the download runs...
    auto u = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(u);
    QCOMPARE(u.result().outcome(), Outcome::Failed);
    QCOMPARE(u.result().error(), Error::IdentifierConflict);
    BG_AWAIT(d);
    QVERIFY2(d.result().isSuccess(), describe(d.result()));
    // ...and once it is kept.
    auto again = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(again);
    QCOMPARE(again.result().error(), Error::IdentifierConflict);
    QCOMPARE(h->server.uploads("/u").size(), 0);
}

void tst_Uploader::stallTimesOut()
{
    const QString src = h->source(1 * kMiB);
    QVERIFY(!src.isEmpty());
    FaultTest::Fault stall;
    stall.stallAfterBytes = 64 * kKiB;
    h->server.setUploadRoute("/u", uploadRoute({}, stall));
    Background::SessionConfiguration c = h->config(0);
    c.setStallTimeout(300ms);
    Uploader up(c);
    auto f = up.networkResponse(h->request("/u"), src, kId);
    BG_AWAIT(f);
    QCOMPARE(f.result().outcome(), Outcome::Retry);
    QCOMPARE(f.result().error(), Error::StallTimeout);
}

void tst_Uploader::pendingIdentifiersPerKind()
{
    FaultTest::Entity e;
    e.size = 192 * kKiB;
    FaultTest::Route slow;
    slow.entity = e;
    slow.then.throttle = 256 * kKiB;
    h->server.setRoute("/d", slow);
    h->server.setUploadRoute("/u", throttledRoute(256 * kKiB));
    const QString src = h->source(192 * kKiB);
    QVERIFY(!src.isEmpty());
    Downloader dl(h->config());
    Uploader up(h->config());
    const QString upId = QStringLiteral("the-upload");
    const QString dlId = QStringLiteral("the-download");
    auto u = up.networkResponse(h->request("/u"), src, upId);
    auto d = dl.networkResponse(h->request("/d"), dlId, h->path(QStringLiteral("dl.bin")));
    QCOMPARE(up.pendingIdentifiers(), QStringList{upId});
    QCOMPARE(dl.pendingIdentifiers(), QStringList{dlId});
    BG_AWAIT(u);
    BG_AWAIT(d);
    QVERIFY2(u.result().isSuccess(), describe(u.result()));
    QVERIFY2(d.result().isSuccess(), describe(d.result()));
    QVERIFY(up.pendingIdentifiers().isEmpty());
    QVERIFY(dl.pendingIdentifiers().isEmpty());
}

QTEST_GUILESS_MAIN(tst_Uploader)
#include "tst_uploader.moc"
