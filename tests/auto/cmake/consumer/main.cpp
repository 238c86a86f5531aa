// The consumer app of tst_install: downloads from a loopback server through the installed
// library (C++), then through the installed QML module, and checks what arrived.
//   consumer WORK_DIR [QML_IMPORT_DIR]
#include <Background/background_version.h>
#include <Background/downloader.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QTimer>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#ifdef WITH_QML
#include <QtQml/QQmlComponent>
#include <QtQml/QQmlEngine>
#endif

#include <cstdio>
#include <memory>

namespace {

QByteArray body()
{
    QByteArray data;
    for (int i = 0; data.size() < 300 * 1024; ++i)
        data += QByteArray::number(i) + '\n';
    return data;
}

// Enough HTTP/1.1 for one GET per connection: the library's behaviour is tested elsewhere.
class TinyServer : public QTcpServer
{
public:
    TinyServer()
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                    if (!socket->peek(64 * 1024).contains("\r\n\r\n"))
                        return;
                    socket->readAll();
                    const QByteArray data = body();
                    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                                  + QByteArray::number(data.size())
                                  + "\r\nConnection: close\r\n\r\n" + data);
                    socket->disconnectFromHost();
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
};

int fail(const char *what)
{
    std::fprintf(stderr, "consumer: %s\n", what);
    return 1;
}

bool hasBody(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) && file.readAll() == body();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 2)
        return fail("usage: consumer WORK_DIR [QML_IMPORT_DIR]");
    const QString workDir = QString::fromLocal8Bit(argv[1]);

    // The headers, the package's version file and the loaded library agree.
    if (QLatin1String(BACKGROUND_VERSION_STR) != QLatin1String(EXPECTED_VERSION)
        || QLatin1String(PACKAGE_VERSION) != QLatin1String(EXPECTED_VERSION)
        || Background::libraryVersion().toString() != QLatin1String(EXPECTED_VERSION)
        || BACKGROUND_VERSION < BACKGROUND_VERSION_CHECK(0, 1, 0)) {
        return fail("versions disagree");
    }

    TinyServer server;
    if (!server.listen(QHostAddress::LocalHost))
        return fail("cannot listen on loopback");
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/data.txt").arg(server.serverPort()));

    // Nothing here may hang: a minute is ample for two small downloads on loopback.
    QTimer::singleShot(60000, &app, [] {
        std::fprintf(stderr, "consumer: timed out\n");
        QCoreApplication::exit(3);
    });

    Background::SessionConfiguration configuration;
    configuration.setStorePath(workDir + QStringLiteral("/transfers.sqlite"));
    Background::Downloader downloader(configuration);
    const QString cppFile = workDir + QStringLiteral("/cpp.txt");
    Background::NetworkResponse response;
    downloader.networkResponse(QNetworkRequest(url), QStringLiteral("cpp-consumer"), cppFile)
            .then(&app, [&](const Background::NetworkResponse &r) {
                response = r;
                app.quit();
            });
    if (app.exec() != 0)
        return 3;
    if (response.outcome() != Background::NetworkResponse::Outcome::Success)
        return fail(qPrintable(QStringLiteral("C++ download: ") + response.errorString()));
    if (!hasBody(cppFile))
        return fail("C++ download: wrong content");
    std::printf("C++: downloaded %lld bytes\n", static_cast<long long>(response.bytes()));

#ifdef WITH_QML
    if (argc < 3)
        return fail("no QML import directory given");
    QQmlEngine engine;
    engine.addImportPath(QString::fromLocal8Bit(argv[2]));
    QQmlComponent component(&engine, QUrl::fromLocalFile(QStringLiteral(CONSUMER_QML_FILE)));
    const QString qmlFile = workDir + QStringLiteral("/qml.txt");
    std::unique_ptr<QObject> root(component.createWithInitialProperties(
            {{QStringLiteral("url"), url.toString()},
             {QStringLiteral("destination"), qmlFile},
             {QStringLiteral("storePath"), workDir + QStringLiteral("/qml.sqlite")}}));
    if (!root)
        return fail(qPrintable(QStringLiteral("QML: ") + component.errorString()));
    QObject::connect(root.get(), SIGNAL(outcomeChanged()), &app, SLOT(quit()));
    QVariant started;
    QMetaObject::invokeMethod(root.get(), "start", Q_RETURN_ARG(QVariant, started));
    if (!started.toBool())
        return fail("QML: download() refused");
    if (app.exec() != 0)
        return 3;
    if (root->property("outcome").toString() != QLatin1String("success"))
        return fail(qPrintable(QStringLiteral("QML download: ")
                               + root->property("outcome").toString()));
    if (!hasBody(qmlFile))
        return fail("QML download: wrong content");
    // The model reads the store on its own schedule: give it a moment, not a fixed sleep.
    QElapsedTimer waited;
    waited.start();
    while (root->property("rows").toInt() != 1 && waited.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    if (root->property("rows").toInt() != 1)
        return fail("QML: TransferModel does not show the transfer");
    std::printf("QML: downloaded through the installed module\n");
#endif
    return 0;
}
