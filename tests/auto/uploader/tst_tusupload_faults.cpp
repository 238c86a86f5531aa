// The tus client when FaultServer's tus route answers badly or unluckily: 409, 404/410, 423,
// protocol errors, 5xx and 4xx, a source that changes mid-upload, and cancel() with its DELETE.
// What the server saw is checked as closely as the outcome.

#include "tusuploadtest.h"

#include "clock.h"
#include "transferengine.h"

using namespace TusUploadTest;

class tst_TusUploadFaults : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void conflict_data();
    void conflict();
    void goneUploadIsCreatedAgain_data();
    void goneUploadIsCreatedAgain();
    void lockedWaitsForRetryAfter_data();
    void lockedWaitsForRetryAfter();
    void cancelTerminates_data();
    void cancelTerminates();
    void cancelBeforeCreationSendsNoDelete();
    void sourceChangedMidUpload_data();
    void sourceChangedMidUpload();
    void protocolErrors_data();
    void protocolErrors();
    void statusOutcomes_data();
    void statusOutcomes();
};

// 409 means "ask with HEAD and go on"; rounds that move nothing end the attempt (transient, so
// with no retries allowed the result is Retry).
void tst_TusUploadFaults::conflict_data()
{
    QTest::addColumn<Script>("script");
    QTest::addColumn<qint64>("chunkSize");
    QTest::addColumn<bool>("succeeds");
    QTest::addColumn<QByteArray>("expectedMethods"); // empty: the PATCHes are only bounded
    QTest::addColumn<QByteArray>("offsets");
    const qint64 c = 64 * kKiB;
    const Fault ok;
    QTest::newRow("409, then on") << Script{{"PATCH", {ok, answer(409)}}} << c << true
                                  << QByteArray("POST PATCH PATCH HEAD PATCH PATCH PATCH")
                                  << QByteArray("0 65536 65536 131072 196608");
    QTest::newRow("three 409s") << Script{{"PATCH", repeated(answer(409), 3)}} << qint64(0) << false
                                << QByteArray("POST PATCH HEAD PATCH HEAD PATCH")
                                << QByteArray("0 0 0");
    QTest::newRow("four 409s") << Script{{"PATCH", repeated(answer(409), 4)}} << qint64(0) << false
                               << QByteArray() << QByteArray();
    QTest::newRow("409s after progress")
            << Script{{"PATCH", QList<Fault>{ok} + repeated(answer(409), 8)}} << c << false
            << QByteArray() << QByteArray();
    const Fault stuckAtStart = answer(204, {{"Upload-Offset", "0"}});
    QTest::newRow("204s without progress") << Script{{"PATCH", repeated(stuckAtStart, 8)}} << c
                                           << false << QByteArray() << QByteArray();
    const Fault stuck = answer(204, {{"Upload-Offset", QByteArray::number(c)}});
    QTest::newRow("204s without progress, after progress")
            << Script{{"PATCH", QList<Fault>{ok} + repeated(stuck, 8)}} << c << false
            << QByteArray() << QByteArray();
}

void tst_TusUploadFaults::conflict()
{
    QFETCH(Script, script);
    QFETCH(qint64, chunkSize);
    QFETCH(bool, succeeds);
    QFETCH(QByteArray, expectedMethods);
    QFETCH(QByteArray, offsets);
    const qint64 size = 200 * kKiB;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute(kFiles, tusRoute(script));
    Uploader up(h->config(0));
    auto f = up.networkResponse(h->request(kFiles), src, kId, tusOptions(chunkSize));
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    if (succeeds) {
        QVERIFY2(r.isSuccess(), describe(r));
        QCOMPARE(h->server.tusUploads(kFiles)[0].sha256, fileSha256(src));
    } else {
        QCOMPARE(r.outcome(), Outcome::Retry);
        QCOMPARE(r.error(), Error::HttpError);
        QVERIFY2(h->server.tusRequestCount(kFiles, "PATCH") <= 1 + 4, methods(h->server));
        QVERIFY(storedOffset(h->server) < size);
    }
    if (!expectedMethods.isEmpty()) {
        QCOMPARE(methods(h->server), expectedMethods);
        QCOMPARE(patchHeaders(h->server, "Upload-Offset"), offsets);
    }
    QCOMPARE(h->server.tusRequestCount(kFiles, "POST"), 1);
}

void tst_TusUploadFaults::goneUploadIsCreatedAgain_data()
{
    QTest::addColumn<Script>("script");
    QTest::addColumn<int>("goneStatus");
    QTest::addColumn<bool>("expireOnCut"); // expire every upload when the first PATCH is cut
    QTest::addColumn<QByteArray>("expectedMethods");
    const Script cut{{"PATCH", {dropAfter(64 * kKiB)}}};
    QTest::newRow("404 to HEAD") << cut << 404 << true << QByteArray("POST PATCH HEAD POST PATCH");
    QTest::newRow("410 to HEAD") << cut << 410 << true << QByteArray("POST PATCH HEAD POST PATCH");
    QTest::newRow("404 to PATCH") << Script{{"PATCH", {answer(404)}}} << 404 << false
                                  << QByteArray("POST PATCH POST PATCH");
    QTest::newRow("410 to PATCH") << Script{{"PATCH", {answer(410)}}} << 404 << false
                                  << QByteArray("POST PATCH POST PATCH");
    const Fault otherLength = answer(200, {{"Upload-Offset", "0"}, {"Upload-Length", "1"}});
    QTest::newRow("HEAD with another Upload-Length")
            << Script{{"PATCH", {answer(409)}}, {"HEAD", {otherLength}}} << 404 << false
            << QByteArray("POST PATCH HEAD POST PATCH");
}

void tst_TusUploadFaults::goneUploadIsCreatedAgain()
{
    QFETCH(Script, script);
    QFETCH(int, goneStatus);
    QFETCH(bool, expireOnCut);
    QFETCH(QByteArray, expectedMethods);
    const qint64 size = 200 * kKiB;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    TusRoute route = tusRoute(script);
    route.goneStatus = goneStatus;
    h->server.setTusRoute(kFiles, route);
    // Emitted as the server cuts the connection, before the client can even notice.
    connect(&h->server,
            &FaultServer::tusRequestFinished,
            this,
            [this, expireOnCut](const QByteArray &path, const QByteArray &method, int status) {
                if (expireOnCut && method == "PATCH" && status == 0)
                    h->server.expireTusUploads(path);
            });
    Uploader up(h->config());
    auto f = up.networkResponse(h->request(kFiles), src, kId, tusOptions());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(f.result().httpStatus(), 204);
    QCOMPARE(methods(h->server), expectedMethods);
    QCOMPARE(patchHeaders(h->server, "Upload-Offset"), QByteArray("0 0"));
    const auto posts = requestsWith(h->server, "POST");
    QCOMPARE(posts[1].header("Upload-Length"), QByteArray::number(size));
    QCOMPARE(posts[1].header("Upload-Metadata"), posts[0].header("Upload-Metadata"));
    const QList<TusUpload> uploads = h->server.tusUploads(kFiles);
    QCOMPARE(uploads.size(), 2);
    QCOMPARE(uploads[1].sha256, fileSha256(src));
    QCOMPARE(up.transfer(kId)->remoteUrl, h->server.url(uploads[1].path));
    QVERIFY(uploads[1].path != uploads[0].path);
}

// 423 is transient: nothing is sent before the (manual) clock passes Retry-After.
void tst_TusUploadFaults::lockedWaitsForRetryAfter_data()
{
    QTest::addColumn<Script>("script");
    QTest::addColumn<QByteArray>("beforeWait");
    QTest::addColumn<QByteArray>("afterWait");
    const Fault locked = retryAfterFault(423, "30");
    QTest::newRow("423 to HEAD") << Script{{"PATCH", {answer(409)}}, {"HEAD", {locked}}}
                                 << QByteArray("POST PATCH HEAD") << QByteArray(" HEAD PATCH");
    QTest::newRow("423 to PATCH") << Script{{"PATCH", {locked}}} << QByteArray("POST PATCH")
                                  << QByteArray(" HEAD PATCH");
}

void tst_TusUploadFaults::lockedWaitsForRetryAfter()
{
    QFETCH(Script, script);
    QFETCH(QByteArray, beforeWait);
    QFETCH(QByteArray, afterWait);
    const qint64 start = QDateTime::currentMSecsSinceEpoch();
    Background::ManualClock clock(start);
    const Background::SessionConfiguration c = h->config();
    const auto engine = Background::TransferEngine::forConfiguration(c);
    engine->setClock(&clock); // the Uploader below shares this engine
    const QString src = h->source(100 * kKiB);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute(kFiles, tusRoute(script));
    Uploader up(c);
    auto f = up.networkResponse(h->request(kFiles), src, kId, tusOptions());
    QTRY_COMPARE_WITH_TIMEOUT(
            up.transfer(kId)->state, Background::TransferInfo::State::Waiting, kWaitMs);
    QCOMPARE(up.transfer(kId)->nextAttemptAt.toMSecsSinceEpoch(), start + 30000);
    const int seen = h->server.requests().size();
    QCOMPARE(methods(h->server), beforeWait);
    QVERIFY(staysFalse([&] { return h->server.requests().size() > seen; }, 300));
    clock.advance(29999);
    QVERIFY(staysFalse([&] { return h->server.requests().size() > seen; }, 200));
    QVERIFY(!f.isFinished());
    clock.advance(1);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(methods(h->server), beforeWait + afterWait);
    QCOMPARE(h->server.tusUploads(kFiles)[0].sha256, fileSha256(src));
}

void tst_TusUploadFaults::cancelTerminates_data()
{
    QTest::addColumn<QList<Fault>>("deleteScript");
    QTest::addColumn<bool>("acknowledged");
    QTest::addColumn<bool>("terminatedOnServer");
    QTest::newRow("204") << QList<Fault>() << true << true;
    QTest::newRow("404: already gone") << QList<Fault>{answer(404)} << true << false;
    QTest::newRow("500") << QList<Fault>{answer(500)} << false << false;
}

void tst_TusUploadFaults::cancelTerminates()
{
    QFETCH(QList<Fault>, deleteScript);
    QFETCH(bool, acknowledged);
    QFETCH(bool, terminatedOnServer);
    const QByteArray auth = "Bearer cancel-secret";
    const QString src = h->source(512 * kKiB);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute(kFiles, tusRoute({{"DELETE", deleteScript}}, 128 * kKiB));
    Uploader up(h->config());
    QSignalSpy terminated(&up, &Uploader::terminated);
    QNetworkRequest req = h->request(kFiles);
    req.setRawHeader("Authorization", auth);
    auto f = up.networkResponse(req, src, kId, tusOptions());
    QTRY_VERIFY_WITH_TIMEOUT(storedOffset(h->server) > 0, kWaitMs);
    QVERIFY(up.cancel(kId));
    BG_AWAIT(f);
    QCOMPARE(f.result().outcome(), Outcome::Failed);
    QCOMPARE(f.result().error(), Error::Canceled);
    QTRY_COMPARE_WITH_TIMEOUT(terminated.size(), 1, kWaitMs);
    QCOMPARE(terminated[0][0].toString(), kId);
    QCOMPARE(terminated[0][1].toBool(), acknowledged);

    const TusUpload upload = h->server.tusUploads(kFiles)[0];
    QCOMPARE(methods(h->server), QByteArray("POST PATCH DELETE"));
    const auto del = requestsWith(h->server, "DELETE")[0];
    QCOMPARE(del.path, upload.path);
    QCOMPARE(del.header("Tus-Resumable"), QByteArray("1.0.0"));
    QCOMPARE(del.header("Authorization"), auth); // the upload URL has the same origin
    QCOMPARE(upload.terminated, terminatedOnServer);
    QVERIFY(!up.transfer(kId));
    QVERIFY(up.pendingIdentifiers().isEmpty());
    QVERIFY(staysFalse([&] { return h->server.requests().size() > 3; }, 200));
}

void tst_TusUploadFaults::cancelBeforeCreationSendsNoDelete()
{
    const QString src = h->source(64 * kKiB);
    QVERIFY(!src.isEmpty());
    // The server creates the upload but never answers the POST.
    h->server.setTusRoute(kFiles, tusRoute({{"POST", {stallAfter(0)}}}));
    Uploader up(h->config());
    QSignalSpy terminated(&up, &Uploader::terminated);
    auto f = up.networkResponse(h->request(kFiles), src, kId, tusOptions());
    QTRY_COMPARE_WITH_TIMEOUT(h->server.tusUploads(kFiles).size(), 1, kWaitMs);
    QVERIFY(up.cancel(kId));
    BG_AWAIT(f);
    QCOMPARE(f.result().error(), Error::Canceled);
    QVERIFY(staysFalse([&] { return h->server.requests().size() > 1 || !terminated.isEmpty(); },
                       300));
    QCOMPARE(methods(h->server), QByteArray("POST"));
}

void tst_TusUploadFaults::sourceChangedMidUpload_data()
{
    QTest::addColumn<bool>("append"); // else rewritten in place with other bytes
    QTest::newRow("appended") << true;
    QTest::newRow("rewritten, same size") << false;
}

void tst_TusUploadFaults::sourceChangedMidUpload()
{
    QFETCH(bool, append);
    const qint64 size = 256 * kKiB;
    const QString src = h->source(size);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute(kFiles, tusRoute({}, 256 * kKiB));
    Uploader up(h->config());
    QSignalSpy finished(&up, &Uploader::finished);
    auto f = up.networkResponse(h->request(kFiles), src, kId, tusOptions());
    QTRY_VERIFY_WITH_TIMEOUT(storedOffset(h->server) > 0, kWaitMs);
    QVERIFY(storedOffset(h->server) < size); // the PATCH is still running
    if (append) {
        QFile file(src);
        QVERIFY(file.open(QIODevice::Append));
        QCOMPARE(file.write("x", 1), 1);
    } else {
        QFile file(src); // an edit in place: other bytes where the upload began
        QVERIFY(file.open(QIODevice::ReadWrite));
        QCOMPARE(file.write(generated(77, 0, 64 * kKiB)), 64 * kKiB);
    }
    BG_AWAIT(f);
    QCOMPARE(f.result().outcome(), Outcome::Failed);
    QCOMPARE(f.result().error(), Error::SourceChanged);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished[0][1].value<NetworkResponse>().outcome(), Outcome::Failed);
    QCOMPARE(up.transfer(kId)->result->error(), Error::SourceChanged);
    QCOMPARE(h->server.tusRequestCount(kFiles, "POST"), 1);
}

// Answers a tus client must not take: the upload ends as Failed/ProtocolError at once.
void tst_TusUploadFaults::protocolErrors_data()
{
    QTest::addColumn<Script>("script");
    QTest::addColumn<qint64>("chunkSize");
    QTest::addColumn<QByteArray>("expectedMethods");
    const qint64 c = 64 * kKiB;
    const auto patchAnswer = [](const QByteArray &offset) {
        return offset.isNull() ? answer(204) : answer(204, {{"Upload-Offset", offset}});
    };
    QTest::newRow("201 without Location")
            << Script{{"POST", {answer(201)}}} << qint64(0) << QByteArray("POST");
    Fault ftp = answer(201);
    ftp.location = "ftp://127.0.0.1/files/1";
    QTest::newRow("201 with an ftp Location")
            << Script{{"POST", {ftp}}} << qint64(0) << QByteArray("POST");
    QTest::newRow("PATCH: no Upload-Offset") << Script{{"PATCH", {patchAnswer(QByteArray())}}}
                                             << qint64(0) << QByteArray("POST PATCH");
    QTest::newRow("PATCH: Upload-Offset not a number")
            << Script{{"PATCH", {patchAnswer("12ab")}}} << qint64(0) << QByteArray("POST PATCH");
    QTest::newRow("PATCH: Upload-Offset beyond the size")
            << Script{{"PATCH", {patchAnswer(QByteArray::number(200 * kKiB + 1))}}} << qint64(0)
            << QByteArray("POST PATCH");
    QTest::newRow("PATCH: Upload-Offset backwards")
            << Script{{"PATCH", {Fault(), patchAnswer("1000")}}} << c
            << QByteArray("POST PATCH PATCH");
    QTest::newRow("PATCH: Upload-Offset beyond the bytes sent")
            << Script{{"PATCH", {patchAnswer(QByteArray::number(c + 1))}}} << c
            << QByteArray("POST PATCH");
    QTest::newRow("HEAD: Upload-Offset not a number")
            << Script{{"PATCH", {answer(409)}}, {"HEAD", {answer(200, {{"Upload-Offset", "x"}})}}}
            << qint64(0) << QByteArray("POST PATCH HEAD");
}

void tst_TusUploadFaults::protocolErrors()
{
    QFETCH(Script, script);
    QFETCH(qint64, chunkSize);
    QFETCH(QByteArray, expectedMethods);
    const QString src = h->source(200 * kKiB);
    QVERIFY(!src.isEmpty());
    h->server.setTusRoute(kFiles, tusRoute(script));
    Uploader up(h->config());
    auto f = up.networkResponse(h->request(kFiles), src, kId, tusOptions(chunkSize));
    BG_AWAIT(f);
    QCOMPARE(f.result().outcome(), Outcome::Failed);
    QCOMPARE(f.result().error(), Error::ProtocolError);
    QCOMPARE(methods(h->server), expectedMethods);
}

// Statuses outside the tus conversation go by the outcome table: 5xx are retried per the
// RetryPolicy, other 4xx are Rejected.
void tst_TusUploadFaults::statusOutcomes_data()
{
    QTest::addColumn<Script>("script");
    QTest::addColumn<qint64>("maxSize");
    QTest::addColumn<int>("maxRetries");
    QTest::addColumn<Outcome>("outcome");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("expectedMethods");
    QTest::newRow("503 to POST") << Script{{"POST", {answer(503)}}} << qint64(0) << 3
                                 << Outcome::Success << 204 << QByteArray("POST POST PATCH");
    QTest::newRow("500 to HEAD") << Script{{"PATCH", {dropAfter(64 * kKiB)}},
                                           {"HEAD", {answer(500)}}}
                                 << qint64(0) << 3 << Outcome::Success << 204
                                 << QByteArray("POST PATCH HEAD HEAD PATCH");
    QTest::newRow("503 to POST, retries used up")
            << Script{{"POST", repeated(answer(503), 5)}} << qint64(0) << 2 << Outcome::Retry << 503
            << QByteArray("POST POST POST");
    QTest::newRow("403 to POST") << Script{{"POST", {answer(403)}}} << qint64(0) << 3
                                 << Outcome::Rejected << 403 << QByteArray("POST");
    QTest::newRow("413: above Tus-Max-Size")
            << Script() << 100 * kKiB << 3 << Outcome::Rejected << 413 << QByteArray("POST");
}

void tst_TusUploadFaults::statusOutcomes()
{
    QFETCH(Script, script);
    QFETCH(qint64, maxSize);
    QFETCH(int, maxRetries);
    QFETCH(Outcome, outcome);
    QFETCH(int, status);
    QFETCH(QByteArray, expectedMethods);
    const QString src = h->source(200 * kKiB);
    QVERIFY(!src.isEmpty());
    TusRoute route = tusRoute(script);
    route.maxSize = maxSize;
    h->server.setTusRoute(kFiles, route);
    Uploader up(h->config(maxRetries));
    auto f = up.networkResponse(h->request(kFiles), src, kId, tusOptions());
    BG_AWAIT(f);
    QVERIFY2(f.result().outcome() == outcome, describe(f.result()));
    QCOMPARE(f.result().httpStatus(), status);
    QCOMPARE(methods(h->server), expectedMethods);
    if (outcome == Outcome::Success)
        QCOMPARE(h->server.tusUploads(kFiles).constLast().sha256, fileSha256(src));
    else
        QCOMPARE(f.result().error(), Error::HttpError);
}

QTEST_GUILESS_MAIN(tst_TusUploadFaults)
#include "tst_tusupload_faults.moc"
