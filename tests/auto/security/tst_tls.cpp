// HTTPS against a FaultServer speaking TLS with certificates made for the test: a server whose
// CA nobody trusts, or whose certificate names another host, ends Failed/TlsError at once
// (no retry, no request served, nothing on disk); the CA configured in SessionConfiguration
// makes downloads, plain uploads and tus uploads (with the DELETE of a cancel) succeed. The CA
// belongs to the session that configured it: another client in the process, on another store
// or the same one, still refuses the server. bgtransfer --ca-file does the same from the
// command line. Without a TLS backend or the openssl command the test skips, or fails when
// BACKGROUND_REQUIRE_INTEGRATION=1.

#include "downloadertest.h"
#include "testpki.h"

#include "uploader.h"

#include <QtTest/QSignalSpy>

using namespace DownloaderTest;
using Background::Downloader;
using Background::SessionConfiguration;
using Background::Uploader;
using Background::UploadOptions;

namespace {

constexpr qint64 kMiB = 1024 * 1024;
const QByteArray kFile = "/tls/file.bin";
const QByteArray kPut = "/tls/put";
const QByteArray kTus = "/files";

// What Qt says of the certificate when the handshake fails, by cause.
const QString kUnknownIssuer = QStringLiteral("issuer certificate");
const QString kWrongHost = QStringLiteral("host name did not match");

bool integrationRequired()
{
    return qEnvironmentVariable("BACKGROUND_REQUIRE_INTEGRATION") == QLatin1String("1");
}

FaultTest::Entity bigEntity()
{
    return entity(3 * kMiB + 17, 41);
}

UploadOptions tusOptions()
{
    UploadOptions o;
    o.protocol = UploadOptions::Protocol::Tus;
    return o;
}

} // namespace

class tst_Tls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup() { h.reset(); }
    void download_data();
    void download();
    void caIsPerSession_data();
    void caIsPerSession();
    void upload_data();
    void upload();
    void tus_data();
    void tus();
    void tusCancelTerminates_data();
    void tusCancelTerminates();
    void caFromFile();
    void cli_data();
    void cli();
    void cliBadCaFile_data();
    void cliBadCaFile();
    void redirectFromHttps_data();
    void redirectFromHttps();

private:
    // A fresh directory, store and HTTPS FaultServer presenting the certificate for 127.0.0.1
    // (or the one for another name).
    bool startServer(bool rightName = true);
    SessionConfiguration config(bool trustCa) const;
    void verifyRefused(const NetworkResponse &r, const QString &problem) const;

    TlsTest::TestPki m_pki;
    std::unique_ptr<TransferHarness> h;
};

void tst_Tls::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("background.*.info=false"));
    QString why = TlsTest::tlsUnavailable();
    if (why.isEmpty())
        why = m_pki.create();
    if (!why.isEmpty()) {
        if (integrationRequired())
            QFAIL(qPrintable(why + QStringLiteral(" (BACKGROUND_REQUIRE_INTEGRATION=1)")));
        QSKIP(qPrintable(why));
    }
}

bool tst_Tls::startServer(bool rightName)
{
    h = std::make_unique<TransferHarness>();
    h->server.setSslConfiguration(m_pki.serverConfiguration(rightName));
    if (!h->setUp() || h->server.url("/").scheme() != QLatin1String("https"))
        return false;
    h->server.setRoute(kFile, route(bigEntity()));
    h->server.setUploadRoute(kPut, FaultTest::UploadRoute());
    h->server.setTusRoute(kTus, FaultTest::TusRoute());
    return true;
}

SessionConfiguration tst_Tls::config(bool trustCa) const
{
    SessionConfiguration c = h->config(3); // retries allowed: a TLS failure must not use them
    if (trustCa)
        c.setCaCertificates(QSslCertificate::fromPath(m_pki.caFile()));
    return c;
}

// Refused before any request: final at the first attempt, and the server saw nothing.
void tst_Tls::verifyRefused(const NetworkResponse &r, const QString &problem) const
{
    QVERIFY2(r.outcome() == Outcome::Failed, describe(r));
    QCOMPARE(r.error(), Error::TlsError);
    QVERIFY2(r.errorString().contains(problem, Qt::CaseInsensitive), describe(r));
    QCOMPARE(r.attempts(), 1);
    QCOMPARE(r.httpStatus(), 0);
    QCOMPARE(h->server.requests().size(), 0);
}

void tst_Tls::download_data()
{
    QTest::addColumn<bool>("trustCa");
    QTest::addColumn<bool>("rightName");
    QTest::addColumn<QString>("problem"); // empty: success
    QTest::newRow("CA not trusted") << false << true << kUnknownIssuer;
    QTest::newRow("CA trusted") << true << true << QString();
    QTest::newRow("CA trusted, other name") << true << false << kWrongHost;
    // Qt names one problem: the host name, checked first.
    QTest::newRow("CA not trusted, other name") << false << false << kWrongHost;
}

void tst_Tls::download()
{
    QFETCH(bool, trustCa);
    QFETCH(bool, rightName);
    QFETCH(QString, problem);
    QVERIFY(startServer(rightName));
    Downloader dl(config(trustCa));
    const QString dest = h->dest();
    auto f = dl.networkResponse(h->request(kFile), QStringLiteral("dl"), dest);
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    if (problem.isEmpty()) {
        QVERIFY2(r.isSuccess(), describe(r));
        QCOMPARE(r.bytes(), bigEntity().size);
        QCOMPARE(fileSha256(dest), FaultTest::FaultServer::contentSha256(bigEntity()));
        QCOMPARE(h->server.requestCount(kFile), 1);
        return;
    }
    verifyRefused(r, problem);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(!QFileInfo::exists(dest));
    QCOMPARE(partialFiles(dest), QStringList());
    QCOMPARE(dl.transfer(QStringLiteral("dl"))->state, Background::TransferInfo::State::Finished);
}

// Two clients in one process, the first trusting the CA: the second, without it, is refused
// whether it has a store (and engine) of its own or shares the first one's; and its refused
// connection does not spoil the first client's next download.
void tst_Tls::caIsPerSession_data()
{
    QTest::addColumn<bool>("sameStore");
    QTest::newRow("own store") << false;
    QTest::newRow("same store") << true;
}

void tst_Tls::caIsPerSession()
{
    QFETCH(bool, sameStore);
    QVERIFY(startServer());
    Downloader trusting(config(true));
    SessionConfiguration plain = config(false);
    if (!sameStore)
        plain.setStorePath(h->path(QStringLiteral("other.sqlite")));
    Downloader other(plain);
    const QByteArray sha = FaultTest::FaultServer::contentSha256(bigEntity());

    auto first = trusting.networkResponse(
            h->request(kFile), QStringLiteral("a"), h->dest(QStringLiteral("a.bin")));
    BG_AWAIT(first);
    QVERIFY2(first.result().isSuccess(), describe(first.result()));
    QCOMPARE(fileSha256(h->dest(QStringLiteral("a.bin"))), sha);

    auto refused = other.networkResponse(
            h->request(kFile), QStringLiteral("b"), h->dest(QStringLiteral("b.bin")));
    BG_AWAIT(refused);
    QVERIFY2(refused.result().outcome() == Outcome::Failed, describe(refused.result()));
    QCOMPARE(refused.result().error(), Error::TlsError);
    QVERIFY(!QFileInfo::exists(h->dest(QStringLiteral("b.bin"))));

    auto again = trusting.networkResponse(
            h->request(kFile), QStringLiteral("c"), h->dest(QStringLiteral("c.bin")));
    BG_AWAIT(again);
    QVERIFY2(again.result().isSuccess(), describe(again.result()));
    QCOMPARE(fileSha256(h->dest(QStringLiteral("c.bin"))), sha);
    QCOMPARE(h->server.requestCount(kFile), 2);
}

void tst_Tls::upload_data()
{
    QTest::addColumn<bool>("trustCa");
    QTest::newRow("CA trusted") << true;
    QTest::newRow("CA not trusted") << false;
}

void tst_Tls::upload()
{
    QFETCH(bool, trustCa);
    QVERIFY(startServer());
    const QString src = h->source(2 * kMiB + 5);
    QVERIFY(!src.isEmpty());
    Uploader up(config(trustCa));
    auto f = up.networkResponse(h->request(kPut), src, QStringLiteral("put"), UploadOptions());
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    if (!trustCa) {
        verifyRefused(r, kUnknownIssuer);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(h->server.uploads().size(), 0);
        return;
    }
    QVERIFY2(r.isSuccess(), describe(r));
    QCOMPARE(r.httpStatus(), 201);
    const QList<FaultTest::ReceivedUpload> got = h->server.uploads(kPut);
    QCOMPARE(got.size(), 1);
    QCOMPARE(got.first().method, QByteArray("PUT"));
    QVERIFY(got.first().complete);
    QCOMPARE(got.first().sha256, fileSha256(src));
}

void tst_Tls::tus_data()
{
    QTest::addColumn<bool>("trustCa");
    QTest::addColumn<qint64>("chunkSize");
    QTest::newRow("CA trusted, one PATCH") << true << qint64(0);
    QTest::newRow("CA trusted, 512 KiB chunks") << true << qint64(512 * 1024);
    QTest::newRow("CA not trusted") << false << qint64(0);
}

void tst_Tls::tus()
{
    QFETCH(bool, trustCa);
    QFETCH(qint64, chunkSize);
    QVERIFY(startServer());
    const QString src = h->source(2 * kMiB + 9);
    QVERIFY(!src.isEmpty());
    Uploader up(config(trustCa));
    UploadOptions o = tusOptions();
    o.chunkSize = chunkSize;
    auto f = up.networkResponse(h->request(kTus), src, QStringLiteral("tus"), o);
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    if (!trustCa) {
        verifyRefused(r, kUnknownIssuer);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(h->server.tusUploads(kTus).size(), 0);
        return;
    }
    QVERIFY2(r.isSuccess(), describe(r));
    const QList<FaultTest::TusUpload> uploads = h->server.tusUploads(kTus);
    QCOMPARE(uploads.size(), 1);
    QCOMPARE(uploads.first().sha256, fileSha256(src));
    QCOMPARE(h->server.tusRequestCount(kTus, "PATCH"), chunkSize ? 5 : 1);
}

// cancel() sends the tus DELETE over TLS too: from the running job's request, or, for an upload
// paused in an earlier session (no job, no connection left to reuse), from the request the
// store remembers, with the new session's trust.
void tst_Tls::tusCancelTerminates_data()
{
    QTest::addColumn<bool>("pausedEarlier");
    QTest::newRow("running") << false;
    QTest::newRow("paused in an earlier session") << true;
}

void tst_Tls::tusCancelTerminates()
{
    QFETCH(bool, pausedEarlier);
    const QString id = QStringLiteral("tus");
    QVERIFY(startServer());
    FaultTest::TusRoute slow;
    slow.throttle = 256 * 1024;
    h->server.setTusRoute(kTus, slow);
    const QString src = h->source(4 * kMiB);
    QVERIFY(!src.isEmpty());
    auto up = std::make_unique<Uploader>(config(true));
    auto f = up->networkResponse(h->request(kTus), src, id, tusOptions());
    QTRY_VERIFY_WITH_TIMEOUT(!h->server.tusUploads(kTus).isEmpty()
                                     && h->server.tusUploads(kTus).first().offset > 0,
                             kWaitMs);
    if (pausedEarlier) {
        QVERIFY(up->pause(id));
        QTRY_COMPARE_WITH_TIMEOUT(
                up->transfer(id)->state, Background::TransferInfo::State::Paused, kWaitMs);
        up.reset(); // the engine and its network manager go with their last client
        up = std::make_unique<Uploader>(config(true));
    }
    QSignalSpy terminated(up.get(), &Uploader::terminated);
    QVERIFY(up->cancel(id));
    if (!pausedEarlier) {
        BG_AWAIT(f);
        QCOMPARE(f.result().error(), Error::Canceled);
    }
    QTRY_COMPARE_WITH_TIMEOUT(terminated.size(), 1, kWaitMs);
    QCOMPARE(terminated.first().at(1).toBool(), true);
    QVERIFY(h->server.tusUploads(kTus).first().terminated);
}

void tst_Tls::caFromFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString text = dir.filePath(QStringLiteral("notes.txt"));
    QVERIFY(writeFile(text, "not a certificate\n"));

    SessionConfiguration c;
    QVERIFY(c.caCertificates().isEmpty());
    QVERIFY(!c.addCaCertificatesFromFile(dir.filePath(QStringLiteral("missing.pem"))));
    QVERIFY(!c.addCaCertificatesFromFile(text));
    QVERIFY(!c.addCaCertificatesFromFile(m_pki.caKeyFile())); // a key is no certificate
    QVERIFY(c.caCertificates().isEmpty());
    QVERIFY(c.addCaCertificatesFromFile(m_pki.caFile()));
    QCOMPARE(c.caCertificates(), QSslCertificate::fromPath(m_pki.caFile()));
    QVERIFY(c.addCaCertificatesFromFile(m_pki.serverCertFile()));
    QVERIFY(c.addCaCertificatesFromFile(m_pki.caFile())); // added once
    QCOMPARE(c.caCertificates().size(), 2);

    const SessionConfiguration copy = c; // a value: the copy keeps them, the original changes
    c.setCaCertificates({});
    QVERIFY(c.caCertificates().isEmpty());
    QCOMPARE(copy.caCertificates().size(), 2);
    QVERIFY(SessionConfiguration().caCertificates().isEmpty()); // never a process-wide setting
}

// bgtransfer against the HTTPS server: --ca-file makes a download and an upload succeed;
// without it they fail (exit 4) with the certificate problem on stderr.
void tst_Tls::cli_data()
{
    QTest::addColumn<bool>("upload");
    QTest::addColumn<bool>("trustCa");
    QTest::newRow("download, --ca-file") << false << true;
    QTest::newRow("download, no --ca-file") << false << false;
    QTest::newRow("upload, --ca-file") << true << true;
    QTest::newRow("upload, no --ca-file") << true << false;
}

namespace {

struct CliRun
{
    int exitCode = -1;
    QByteArray err;
};

CliRun runCli(const QString &dir, const QStringList &arguments)
{
    ChildProcesses children(dir);
    QProcess *p
            = children.start(QStringLiteral(BGTRANSFER_PATH), arguments, "TST_TLS_CHILD_LOGGING");
    QSignalSpy done(p, &QProcess::finished); // the server runs on this thread's event loop
    if (!done.wait(30000) && done.isEmpty())
        return {-1, QByteArrayLiteral("bgtransfer did not finish")};
    return {p->exitStatus() == QProcess::NormalExit ? p->exitCode() : -1,
            p->readAllStandardError()};
}

} // namespace

void tst_Tls::cli()
{
    if (QLatin1String(BGTRANSFER_PATH).isEmpty())
        QSKIP("bgtransfer is not built (BACKGROUND_BUILD_EXAMPLES=OFF)");
    QFETCH(bool, upload);
    QFETCH(bool, trustCa);
    QVERIFY(startServer());
    const QString out = h->dest();
    const QString src = h->source(kMiB + 3);
    QVERIFY(!src.isEmpty());
    QStringList args = {QStringLiteral("--store"), h->storePath()};
    if (upload)
        args << QStringLiteral("upload") << src << h->server.url(kPut).toString();
    else
        args << QStringLiteral("download") << h->server.url(kFile).toString()
             << QStringLiteral("-o") << out;
    args << QStringLiteral("--id") << QStringLiteral("x");
    if (trustCa)
        args << QStringLiteral("--ca-file") << m_pki.caFile();
    const CliRun run = runCli(h->dir.path(), args);
    if (!trustCa) {
        QVERIFY2(run.exitCode == 4, run.err.constData());
        QVERIFY2(QString::fromLocal8Bit(run.err).contains(kUnknownIssuer), run.err.constData());
        QCOMPARE(h->server.requests().size(), 0);
        QVERIFY(!QFileInfo::exists(out));
        return;
    }
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY2(run.err.isEmpty(), run.err.constData());
    if (upload)
        QCOMPARE(h->server.uploads(kPut).value(0).sha256, fileSha256(src));
    else
        QCOMPARE(fileSha256(out), FaultTest::FaultServer::contentSha256(bigEntity()));
}

// A --ca-file that cannot be read or holds no certificate is a usage error, found before
// anything is sent.
void tst_Tls::cliBadCaFile_data()
{
    QTest::addColumn<QString>("file"); // in the test's directory; "" for the CA's key
    QTest::addColumn<QString>("message");
    QTest::newRow("missing") << QStringLiteral("missing.pem") << QStringLiteral("cannot read");
    QTest::newRow("text") << QStringLiteral("notes.txt") << QStringLiteral("no PEM certificate");
    QTest::newRow("key") << QString() << QStringLiteral("no PEM certificate");
}

void tst_Tls::cliBadCaFile()
{
    if (QLatin1String(BGTRANSFER_PATH).isEmpty())
        QSKIP("bgtransfer is not built (BACKGROUND_BUILD_EXAMPLES=OFF)");
    QFETCH(QString, file);
    QFETCH(QString, message);
    QVERIFY(startServer());
    QVERIFY(writeFile(h->path(QStringLiteral("notes.txt")), "hello\n"));
    const QString caFile = file.isEmpty() ? m_pki.caKeyFile() : h->path(file);
    const QString src = h->source(1000);
    QVERIFY(!src.isEmpty());
    const QList<QStringList> commands = {
            {QStringLiteral("download"),
             h->server.url(kFile).toString(),
             QStringLiteral("-o"),
             h->dest()},
            {QStringLiteral("upload"), src, h->server.url(kPut).toString()},
    };
    for (const QStringList &command : commands) {
        const CliRun run = runCli(h->dir.path(),
                                  QStringList{QStringLiteral("--store"), h->storePath()} + command
                                          + QStringList{QStringLiteral("--id"),
                                                        QStringLiteral("x"),
                                                        QStringLiteral("--ca-file"),
                                                        caFile});
        QVERIFY2(run.exitCode == 64, run.err.constData());
        const QString err = QString::fromLocal8Bit(run.err);
        QVERIFY2(err.startsWith(QLatin1String("bgtransfer: ")) && err.contains(message)
                         && err.contains(caFile),
                 run.err.constData());
    }
    QCOMPARE(h->server.requests().size(), 0);
}

// A redirect from https to plain http is refused end to end, with no request to the http
// server; the same redirect to https is followed, so the refusal is the downgrade's.
void tst_Tls::redirectFromHttps_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("toHttps");
    QTest::newRow("302 to http") << 302 << false;
    QTest::newRow("307 to http") << 307 << false;
    QTest::newRow("302 to https") << 302 << true;
}

void tst_Tls::redirectFromHttps()
{
    QFETCH(int, status);
    QFETCH(bool, toHttps);
    QVERIFY(startServer());
    FaultTest::FaultServer plain;
    QVERIFY(plain.listen());
    plain.setRoute(kFile, route(bigEntity()));
    const QUrl target = toHttps ? h->server.url(kFile) : plain.url(kFile);
    QCOMPARE(target.scheme(), toHttps ? QStringLiteral("https") : QStringLiteral("http"));
    FaultTest::Fault redirect;
    redirect.status = status;
    redirect.location = target.toEncoded();
    h->server.setRoute("/tls/moved", route(bigEntity(), {}, redirect));

    Downloader dl(config(true));
    auto f = dl.networkResponse(h->request("/tls/moved"), QStringLiteral("moved"), h->dest());
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    if (toHttps) {
        QVERIFY2(r.isSuccess(), describe(r));
        QCOMPARE(fileSha256(h->dest()), FaultTest::FaultServer::contentSha256(bigEntity()));
        return;
    }
    QCOMPARE(r.outcome(), Outcome::Rejected);
    QCOMPARE(r.error(), Error::RedirectRejected);
    QCOMPARE(r.httpStatus(), status);
    QCOMPARE(plain.requestCount(kFile), 0);
    QVERIFY(!QFileInfo::exists(h->dest()));
}

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"
