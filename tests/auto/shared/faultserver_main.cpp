// bg-faultserver: serves one generated file over loopback HTTP, and/or receives uploads, for
// scripts/demo.sh, benchmarks and tests that need the server in another process (so the client
// can be killed on its own).
//
// stdout: with --size, the download URL and the content's SHA-256 (one line each); then, with
// --upload-path, the upload URL; then, per --tus-path, the tus creation URL. stderr: one line
// per request.

#include "faultserver.h"
#include "parsesize.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTextStream>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char c = 1;
    // Only async-signal-safe work here; the event loop does the rest.
    [[maybe_unused]] const ssize_t n = ::write(signalPipe[1], &c, 1);
}

bool isUploadMethod(const QByteArray &method)
{
    return method == "PUT" || method == "POST" || method == "PATCH";
}

[[noreturn]] void fail(const QString &message)
{
    std::fprintf(stderr, "bg-faultserver: %s\n", qPrintable(message));
    std::exit(2);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("bg-faultserver"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
            QStringLiteral("Serves deterministic generated content over HTTP on 127.0.0.1."));
    parser.addHelpOption();
    const QCommandLineOption portOpt(QStringLiteral("port"),
                                     QStringLiteral("TCP port (default: ephemeral)."),
                                     QStringLiteral("P"),
                                     QStringLiteral("0"));
    const QCommandLineOption pathOpt(QStringLiteral("path"),
                                     QStringLiteral("URL path (default /file.bin)."),
                                     QStringLiteral("PATH"),
                                     QStringLiteral("/file.bin"));
    const QCommandLineOption sizeOpt(QStringLiteral("size"),
                                     QStringLiteral("Body size; K/M/G suffixes are binary."),
                                     QStringLiteral("BYTES"));
    const QCommandLineOption seedOpt(QStringLiteral("seed"),
                                     QStringLiteral("Content seed (default 1)."),
                                     QStringLiteral("N"),
                                     QStringLiteral("1"));
    const QCommandLineOption throttleOpt(QStringLiteral("throttle"),
                                         QStringLiteral("Rate limit in bytes/second of download "
                                                        "bodies and of tus PATCH bodies read."),
                                         QStringLiteral("BYTES_PER_SEC"),
                                         QStringLiteral("0"));
    const QCommandLineOption dropOpt(QStringLiteral("drop-after"),
                                     QStringLiteral("Drop the first response after this many "
                                                    "body bytes."),
                                     QStringLiteral("BYTES"));
    const QCommandLineOption uploadPathOpt(QStringLiteral("upload-path"),
                                           QStringLiteral("Also receive PUT/POST/PATCH bodies "
                                                          "at this URL path."),
                                           QStringLiteral("PATH"));
    const QCommandLineOption uploadDirOpt(QStringLiteral("upload-dir"),
                                          QStringLiteral("Store received bodies and tus "
                                                         "uploads here (default: a temporary "
                                                         "directory removed at exit)."),
                                          QStringLiteral("DIR"));
    const QCommandLineOption noStoreOpt(QStringLiteral("upload-no-store"),
                                        QStringLiteral("Only count and hash received bodies; "
                                                       "write no files."));
    const QCommandLineOption tusPathOpt(QStringLiteral("tus-path"),
                                        QStringLiteral("Also run a tus 1.0 server with this "
                                                       "creation path (uploads at PATH/<id>); "
                                                       "repeatable."),
                                        QStringLiteral("PATH"));
    const QCommandLineOption tusChecksumOpt(QStringLiteral("tus-checksum"),
                                            QStringLiteral("Offer the tus checksum extension "
                                                           "(sha1)."));
    parser.addOptions({portOpt,
                       pathOpt,
                       sizeOpt,
                       seedOpt,
                       throttleOpt,
                       dropOpt,
                       uploadPathOpt,
                       uploadDirOpt,
                       noStoreOpt,
                       tusPathOpt,
                       tusChecksumOpt});
    parser.process(app);

    bool ok = false;
    const uint port = parser.value(portOpt).toUInt(&ok);
    if (!ok || port > 65535)
        fail(QStringLiteral("invalid --port"));
    QByteArray path = parser.value(pathOpt).toLatin1();
    if (!path.startsWith('/'))
        path.prepend('/');
    QByteArray uploadPath = parser.value(uploadPathOpt).toLatin1();
    if (!uploadPath.isEmpty() && !uploadPath.startsWith('/'))
        uploadPath.prepend('/');
    QList<QByteArray> tusPaths;
    for (const QString &value : parser.values(tusPathOpt)) {
        QByteArray tusPath = value.toLatin1();
        if (!tusPath.startsWith('/'))
            tusPath.prepend('/');
        tusPaths.append(tusPath);
    }
    const bool serveDownload = parser.isSet(sizeOpt);
    if (!serveDownload && uploadPath.isEmpty() && tusPaths.isEmpty())
        fail(QStringLiteral("--size (to serve a download), --upload-path or --tus-path is "
                            "required"));
    if (serveDownload && uploadPath == path)
        fail(QStringLiteral("--upload-path must differ from --path"));
    for (const QByteArray &tusPath : std::as_const(tusPaths)) {
        if ((serveDownload && tusPath == path) || tusPath == uploadPath
            || tusPaths.count(tusPath) > 1)
            fail(QStringLiteral("each --tus-path must differ from --path, --upload-path and "
                                "the others"));
    }

    FaultTest::Entity entity;
    if (serveDownload && !FaultTest::parseSize(parser.value(sizeOpt), &entity.size))
        fail(QStringLiteral("invalid --size"));
    entity.seed = parser.value(seedOpt).toUInt(&ok);
    if (!ok)
        fail(QStringLiteral("invalid --seed"));
    entity.etag = "\"seed" + QByteArray::number(entity.seed) + '-' + QByteArray::number(entity.size)
                  + '"';

    FaultTest::Fault normal;
    if (!FaultTest::parseSize(parser.value(throttleOpt), &normal.throttle))
        fail(QStringLiteral("invalid --throttle"));
    FaultTest::Route route;
    route.entity = entity;
    route.then = normal;
    if (parser.isSet(dropOpt)) {
        FaultTest::Fault first = normal;
        if (!FaultTest::parseSize(parser.value(dropOpt), &first.dropAfterBytes))
            fail(QStringLiteral("invalid --drop-after"));
        route.script.append(first);
    }

    FaultTest::FaultServer server;
    if (serveDownload)
        server.setRoute(path, route);
    if (!uploadPath.isEmpty()) {
        FaultTest::UploadRoute upload;
        upload.storeBody = !parser.isSet(noStoreOpt);
        server.setUploadRoute(uploadPath, upload);
    }
    FaultTest::TusRoute tus;
    tus.checksum = parser.isSet(tusChecksumOpt);
    tus.throttle = normal.throttle;
    for (const QByteArray &tusPath : std::as_const(tusPaths))
        server.setTusRoute(tusPath, tus);
    if (parser.isSet(uploadDirOpt))
        server.setUploadDirectory(parser.value(uploadDirOpt));
    if (!server.listen(quint16(port)))
        fail(QStringLiteral("cannot listen on 127.0.0.1:%1").arg(port));

    QObject::connect(&server,
                     &FaultTest::FaultServer::requestReceived,
                     &server,
                     [&server, uploadPath](const QByteArray &p, int index) {
                         const FaultTest::RequestRecord r = server.requests(p).value(index);
                         if ((p == uploadPath && isUploadMethod(r.method)) || !r.route.isEmpty())
                             return; // logged when it is over
                         QByteArray range = r.header("Range");
                         if (range.isEmpty())
                             range = "none";
                         std::fprintf(stderr,
                                      "%s %s range=%s -> %d\n",
                                      r.method.constData(),
                                      r.path.constData(),
                                      range.constData(),
                                      r.status);
                         std::fflush(stderr);
                     });
    QObject::connect(&server,
                     &FaultTest::FaultServer::responseFinished,
                     &server,
                     [&server, uploadPath](const QByteArray &p, int index) {
                         const FaultTest::RequestRecord r = server.requests(p).value(index);
                         if (p == uploadPath && isUploadMethod(r.method))
                             return;
                         if (!r.route.isEmpty()) { // tus; PATCHes are logged as uploads
                             if (r.method != "PATCH")
                                 std::fprintf(stderr,
                                              "%s %s -> %d\n",
                                              r.method.constData(),
                                              r.path.constData(),
                                              r.status);
                             std::fflush(stderr);
                             return;
                         }
                         std::fprintf(stderr, "sent %lld bytes\n", qlonglong(r.bodyBytesSent));
                         std::fflush(stderr);
                     });
    QObject::connect(&server,
                     &FaultTest::FaultServer::uploadFinished,
                     &server,
                     [&server](const QByteArray &p, int index) {
                         const FaultTest::ReceivedUpload u = server.uploads(p).value(index);
                         std::fprintf(stderr,
                                      "%s %s -> %d, received %lld bytes%s, sha256 %s\n",
                                      u.method.constData(),
                                      u.path.constData(),
                                      u.status,
                                      qlonglong(u.bytesReceived),
                                      u.complete ? "" : " (incomplete)",
                                      u.sha256.constData());
                         std::fflush(stderr);
                     });

    // Self-pipe so SIGTERM/SIGINT end the event loop and destructors run.
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0)
        fail(QStringLiteral("socketpair failed"));
    QSocketNotifier notifier(signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [] {
        char c;
        [[maybe_unused]] const ssize_t n = ::read(signalPipe[0], &c, 1);
        QCoreApplication::quit();
    });
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    // A client vanishing mid-write must not kill the server.
    std::signal(SIGPIPE, SIG_IGN);

    if (serveDownload) {
        const QByteArray sha = FaultTest::FaultServer::contentSha256(entity);
        std::printf("%s\n%s\n", server.url(path).toEncoded().constData(), sha.constData());
    }
    if (!uploadPath.isEmpty())
        std::printf("%s\n", server.url(uploadPath).toEncoded().constData());
    for (const QByteArray &tusPath : std::as_const(tusPaths))
        std::printf("%s\n", server.url(tusPath).toEncoded().constData());
    std::fflush(stdout);

    return app.exec();
}
