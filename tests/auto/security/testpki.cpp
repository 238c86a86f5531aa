#include "testpki.h"

#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslSocket>

namespace TlsTest {

namespace {

// Our own config, so the system's openssl.cnf adds no extensions of its own.
const char kConfig[] = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[other_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.invalid
)";

const QStringList kEcKey = {QStringLiteral("-newkey"),
                            QStringLiteral("ec"),
                            QStringLiteral("-pkeyopt"),
                            QStringLiteral("ec_paramgen_curve:prime256v1"),
                            QStringLiteral("-nodes")};

} // namespace

QString tlsUnavailable()
{
    if (!QSslSocket::supportsSsl())
        return QStringLiteral("Qt has no working TLS backend (QSslSocket::supportsSsl())");
    if (QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty())
        return QStringLiteral("no openssl command to make the test certificates");
    return {};
}

QString TestPki::run(const QStringList &arguments) const
{
    QProcess p;
    p.setWorkingDirectory(m_dir.path());
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("openssl"), arguments);
    // Nothing else runs yet (no server): blocking is fine here.
    if (!p.waitForFinished(30000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return QStringLiteral("openssl %1 failed: %2")
                .arg(arguments.join(QLatin1Char(' ')), QString::fromLocal8Bit(p.readAll()));
    return {};
}

QString TestPki::loadServer(const QString &name, QSslConfiguration *out) const
{
    const QList<QSslCertificate> certs
            = QSslCertificate::fromPath(m_dir.filePath(name + QStringLiteral(".pem")));
    QFile keyFile(m_dir.filePath(name + QStringLiteral(".key")));
    if (certs.size() != 1 || !keyFile.open(QIODevice::ReadOnly))
        return QStringLiteral("cannot load %1.pem or %1.key").arg(name);
    const QSslKey key(keyFile.readAll(), QSsl::Ec, QSsl::Pem);
    if (key.isNull())
        return QStringLiteral("%1.key is no EC key Qt can read").arg(name);
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    c.setLocalCertificate(certs.first());
    c.setPrivateKey(key);
    c.setPeerVerifyMode(QSslSocket::VerifyNone); // no client certificates
    *out = c;
    return {};
}

QString TestPki::create()
{
    if (!m_dir.isValid())
        return QStringLiteral("no temporary directory");
    const QString config = m_dir.filePath(QStringLiteral("openssl.cnf"));
    QFile f(config);
    if (!f.open(QIODevice::WriteOnly) || f.write(kConfig) != qint64(sizeof(kConfig) - 1))
        return QStringLiteral("cannot write %1").arg(config);
    f.close();
    const QStringList withConfig = {QStringLiteral("-config"), config};
    QString error
            = run(QStringList{QStringLiteral("req"), QStringLiteral("-x509")} + withConfig + kEcKey
                  + QStringList{QStringLiteral("-keyout"),
                                QStringLiteral("ca.key"),
                                QStringLiteral("-out"),
                                QStringLiteral("ca.pem"),
                                QStringLiteral("-days"),
                                QStringLiteral("3"),
                                QStringLiteral("-subj"),
                                QStringLiteral("/CN=Background test CA"),
                                QStringLiteral("-extensions"),
                                QStringLiteral("ca_ext")});
    // Both server certificates are signed by the CA; only their names differ.
    const struct
    {
        const char *name;
        const char *subject;
        const char *extensions;
        const char *serial;
    } servers[] = {{"server", "/CN=127.0.0.1", "server_ext", "2"},
                   {"other", "/CN=other.invalid", "other_ext", "3"}};
    for (const auto &s : servers) {
        const QString name = QString::fromLatin1(s.name);
        if (error.isEmpty())
            error = run(QStringList{QStringLiteral("req"), QStringLiteral("-new")} + withConfig
                        + kEcKey
                        + QStringList{QStringLiteral("-keyout"),
                                      name + QStringLiteral(".key"),
                                      QStringLiteral("-out"),
                                      name + QStringLiteral(".csr"),
                                      QStringLiteral("-subj"),
                                      QString::fromLatin1(s.subject)});
        if (error.isEmpty())
            error = run({QStringLiteral("x509"),
                         QStringLiteral("-req"),
                         QStringLiteral("-in"),
                         name + QStringLiteral(".csr"),
                         QStringLiteral("-CA"),
                         QStringLiteral("ca.pem"),
                         QStringLiteral("-CAkey"),
                         QStringLiteral("ca.key"),
                         QStringLiteral("-set_serial"),
                         QString::fromLatin1(s.serial),
                         QStringLiteral("-days"),
                         QStringLiteral("3"),
                         QStringLiteral("-extfile"),
                         config,
                         QStringLiteral("-extensions"),
                         QString::fromLatin1(s.extensions),
                         QStringLiteral("-out"),
                         name + QStringLiteral(".pem")});
    }
    if (error.isEmpty())
        error = loadServer(QStringLiteral("server"), &m_server);
    if (error.isEmpty())
        error = loadServer(QStringLiteral("other"), &m_otherName);
    if (error.isEmpty() && QSslCertificate::fromPath(caFile()).size() != 1)
        error = QStringLiteral("cannot load ca.pem");
    return error;
}

} // namespace TlsTest
