// bg-faultserver: serves one generated file over loopback HTTP for scripts/demo.sh and for
// tests that need the server in another process (so the client can be killed on its own).

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
                                         QStringLiteral("Body rate limit in bytes/second."),
                                         QStringLiteral("BYTES_PER_SEC"),
                                         QStringLiteral("0"));
    const QCommandLineOption dropOpt(QStringLiteral("drop-after"),
                                     QStringLiteral("Drop the first response after this many "
                                                    "body bytes."),
                                     QStringLiteral("BYTES"));
    parser.addOptions({portOpt, pathOpt, sizeOpt, seedOpt, throttleOpt, dropOpt});
    parser.process(app);

    bool ok = false;
    const uint port = parser.value(portOpt).toUInt(&ok);
    if (!ok || port > 65535)
        fail(QStringLiteral("invalid --port"));
    QByteArray path = parser.value(pathOpt).toLatin1();
    if (!path.startsWith('/'))
        path.prepend('/');
    if (!parser.isSet(sizeOpt))
        fail(QStringLiteral("--size is required"));

    FaultTest::Entity entity;
    if (!FaultTest::parseSize(parser.value(sizeOpt), &entity.size))
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
    server.setRoute(path, route);
    if (!server.listen(quint16(port)))
        fail(QStringLiteral("cannot listen on 127.0.0.1:%1").arg(port));

    QObject::connect(&server,
                     &FaultTest::FaultServer::requestReceived,
                     &server,
                     [&server](const QByteArray &p, int index) {
                         const FaultTest::RequestRecord r = server.requests(p).value(index);
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
                     [&server](const QByteArray &p, int index) {
                         const FaultTest::RequestRecord r = server.requests(p).value(index);
                         std::fprintf(stderr, "sent %lld bytes\n", qlonglong(r.bodyBytesSent));
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

    const QByteArray sha = FaultTest::FaultServer::contentSha256(entity);
    std::printf("%s\n%s\n", server.url(path).toEncoded().constData(), sha.constData());
    std::fflush(stdout);

    return app.exec();
}
