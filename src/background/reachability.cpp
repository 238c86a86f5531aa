#include "reachability.h"

#include "logging.h"

#include <QtNetwork/QNetworkInformation>

namespace Background {

SystemReachability::SystemReachability(const QString &backend, QObject *parent)
    : Reachability(parent)
{
    QString name = backend;
    if (name.isEmpty())
        name = qEnvironmentVariable("BACKGROUND_NETWORK_BACKEND");
    if (name == QLatin1String("none")) {
        qCInfo(lcNetwork) << "network reachability checks are off";
        return;
    }
    // One instance per process, shared with whoever loaded it first.
    if (QNetworkInformation::instance())
        m_hasBackend = true;
    else if (name.isEmpty())
        m_hasBackend = QNetworkInformation::loadDefaultBackend();
    else
        m_hasBackend = QNetworkInformation::loadBackendByName(name);
    if (!m_hasBackend) {
        qCInfo(lcNetwork) << "no network information backend" << name
                         << "- transfers never wait for the network";
        return;
    }
    QNetworkInformation *info = QNetworkInformation::instance();
    qCInfo(lcNetwork) << "network information backend" << info->backendName();
    connect(info, &QNetworkInformation::reachabilityChanged, this, &Reachability::changed);
    connect(info, &QNetworkInformation::isMeteredChanged, this, &Reachability::changed);
}

QString SystemReachability::backendName() const
{
    return m_hasBackend ? QNetworkInformation::instance()->backendName() : QString();
}

bool SystemReachability::isOnline() const
{
    if (!m_hasBackend)
        return true;
    // Only a definite "disconnected" holds transfers; Unknown must not block them.
    return QNetworkInformation::instance()->reachability()
           != QNetworkInformation::Reachability::Disconnected;
}

bool SystemReachability::isMetered() const
{
    if (!m_hasBackend)
        return false;
    return QNetworkInformation::instance()->supports(QNetworkInformation::Feature::Metered)
           && QNetworkInformation::instance()->isMetered();
}

void ManualReachability::setOnline(bool online)
{
    if (online == m_online)
        return;
    m_online = online;
    Q_EMIT changed();
}

void ManualReachability::setMetered(bool metered)
{
    if (metered == m_metered)
        return;
    m_metered = metered;
    Q_EMIT changed();
}

} // namespace Background
