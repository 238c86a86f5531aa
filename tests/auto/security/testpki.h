#pragma once

// Certificates for the TLS tests, made with the openssl command in a temporary directory: a CA,
// a server certificate for 127.0.0.1 and localhost signed by it, and one signed by it for
// another name.

#include <QtCore/QString>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslConfiguration>

namespace TlsTest {

class TestPki
{
public:
    // Empty when every file was made and loads; otherwise what went wrong.
    QString create();

    QString caFile() const { return m_dir.filePath(QStringLiteral("ca.pem")); }
    QString caKeyFile() const { return m_dir.filePath(QStringLiteral("ca.key")); }
    QString serverCertFile() const { return m_dir.filePath(QStringLiteral("server.pem")); }
    // A server presenting the certificate for 127.0.0.1 (or the one for another name).
    QSslConfiguration serverConfiguration(bool rightName = true) const
    {
        return rightName ? m_server : m_otherName;
    }

private:
    QString run(const QStringList &arguments) const; // empty on success
    QString loadServer(const QString &name, QSslConfiguration *out) const;

    QTemporaryDir m_dir;
    QSslConfiguration m_server;
    QSslConfiguration m_otherName;
};

// Why TLS cannot be tested here (no TLS backend, no openssl command); empty if it can.
QString tlsUnavailable();

} // namespace TlsTest
