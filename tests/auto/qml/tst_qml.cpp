// Qt Quick Test of the QML module Background against FaultServer on loopback. The setup starts
// the server and hands QML a `server` object (routes, files, what the server received), its
// base URL (`serverUrl`) and a temporary directory (`tempDir`). The tst_*.qml files beside this
// one import Background; a module that does not load fails them.

#include "faultserver.h"
#include "testsupport.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtQml/QQmlContext>
#include <QtQml/QQmlEngine>
#include <QtQuickTest/quicktest.h>

#include <memory>

// What the QML cases may ask of the server and the file system.
class TestServer : public QObject
{
    Q_OBJECT

public:
    TestServer(FaultTest::FaultServer *server, const QString &dir)
        : m_server(server)
        , m_dir(dir)
    {}

    Q_INVOKABLE QString url(const QString &path) const
    {
        return m_server->url(path.toUtf8()).toString();
    }

    // `size` bytes of content `seed`; the first request is read out at `firstThrottle` bytes
    // per second (0: at full speed), later ones at full speed.
    Q_INVOKABLE void addDownload(const QString &path, qint64 size, int seed, qint64 firstThrottle)
    {
        FaultTest::Route route;
        route.entity.size = size;
        route.entity.seed = quint32(seed);
        if (firstThrottle > 0) {
            FaultTest::Fault slow;
            slow.throttle = firstThrottle;
            route.script = {slow};
        }
        m_server->setRoute(path.toUtf8(), route);
    }

    // Every request answered with `status` (and Retry-After when given).
    Q_INVOKABLE void addFailure(const QString &path, int status, const QString &retryAfter)
    {
        FaultTest::Route route;
        route.then.status = status;
        route.then.retryAfter = retryAfter.toUtf8();
        m_server->setRoute(path.toUtf8(), route);
    }

    // Bodies read at `throttle` bytes per second (0: full speed), then answered with `status`
    // (0: 201 "stored").
    Q_INVOKABLE void addUpload(const QString &path, qint64 throttle, int status)
    {
        FaultTest::UploadRoute route;
        route.then.throttle = throttle;
        route.then.status = status;
        m_server->setUploadRoute(path.toUtf8(), route);
    }

    Q_INVOKABLE int requestCount(const QString &path) const
    {
        return m_server->requestCount(path.toUtf8());
    }
    Q_INVOKABLE int uploadCount(const QString &path) const
    {
        return int(m_server->uploads(path.toUtf8()).size());
    }
    Q_INVOKABLE QString uploadMethod(const QString &path, int index) const
    {
        return QString::fromLatin1(m_server->uploads(path.toUtf8()).value(index).method);
    }
    Q_INVOKABLE QString uploadSha256(const QString &path, int index) const
    {
        return QString::fromLatin1(m_server->uploads(path.toUtf8()).value(index).sha256);
    }
    Q_INVOKABLE QString uploadHeader(const QString &path, int index, const QString &name) const
    {
        return QString::fromLatin1(
                m_server->uploads(path.toUtf8()).value(index).header(name.toLatin1()));
    }

    Q_INVOKABLE QString contentSha256(qint64 size, int seed) const
    {
        FaultTest::Entity entity;
        entity.size = size;
        entity.seed = quint32(seed);
        return QString::fromLatin1(FaultTest::FaultServer::contentSha256(entity));
    }
    Q_INVOKABLE QString fileSha256(const QString &path) const
    {
        return QString::fromLatin1(BackgroundTest::fileSha256(path));
    }
    Q_INVOKABLE bool exists(const QString &path) const { return QFile::exists(path); }

    // A fresh directory under the temporary one: one store and its files per test case.
    Q_INVOKABLE QString newDirectory()
    {
        const QString path = m_dir + QStringLiteral("/case%1").arg(++m_cases);
        QDir().mkpath(path);
        return path;
    }

    // A source file of `size` bytes of content `seed`, written in chunks.
    Q_INVOKABLE QString writeFile(const QString &path, qint64 size, int seed) const
    {
        QFile file(path);
        FaultTest::Entity entity;
        entity.size = size;
        entity.seed = quint32(seed);
        if (!file.open(QIODevice::WriteOnly)
            || !FaultTest::FaultServer::writeContent(&file, entity))
            return QString();
        return path;
    }

private:
    FaultTest::FaultServer *m_server;
    QString m_dir;
    int m_cases = 0;
};

class Setup : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    void applicationAvailable()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_server = std::make_unique<FaultTest::FaultServer>();
        if (!m_server->listen())
            qFatal("FaultServer could not listen on loopback");
        m_helper = std::make_unique<TestServer>(m_server.get(), m_dir->path());
    }

    void qmlEngineAvailable(QQmlEngine *engine)
    {
        QQmlContext *context = engine->rootContext();
        context->setContextProperty(QStringLiteral("server"), m_helper.get());
        context->setContextProperty(QStringLiteral("serverUrl"), m_server->url("/").toString());
        context->setContextProperty(QStringLiteral("tempDir"), m_dir->path());
    }

    void cleanupTestCase()
    {
        m_helper.reset();
        m_server.reset();
        m_dir.reset();
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FaultTest::FaultServer> m_server;
    std::unique_ptr<TestServer> m_helper;
};

QUICK_TEST_MAIN_WITH_SETUP(tst_qml, Setup)

#include "tst_qml.moc"
