#include "transferqueue.h"

#include <QtNetwork/QHostAddress>

namespace Background {

QString TransferQueue::hostKey(const QUrl &url)
{
    const int defaultPort = url.scheme() == QLatin1String("https") ? 443 : 80;
    return url.scheme() + QStringLiteral("://") + url.host().toLower() + QLatin1Char(':')
           + QString::number(url.port(defaultPort));
}

bool TransferQueue::isLoopback(const QUrl &url)
{
    const QString host = url.host().toLower();
    if (host == QLatin1String("localhost") || host.endsWith(QLatin1String(".localhost")))
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

TransferQueue::Key TransferQueue::keyOf(const QueueEntry &entry)
{
    return {-int(entry.priority), entry.seq, entry.identifier};
}

void TransferQueue::insert(const QueueEntry &entry)
{
    remove(entry.identifier);
    const Key key = keyOf(entry);
    m_entries.emplace(key, entry);
    m_keys.insert(entry.identifier, key);
    count(entry, +1);
}

void TransferQueue::count(const QueueEntry &entry, int delta)
{
    if (!entry.needsNetwork)
        m_local += delta;
    if (entry.dueAt > 0)
        m_timed += delta;
}

bool TransferQueue::remove(const QString &identifier)
{
    const auto it = m_keys.constFind(identifier);
    if (it == m_keys.constEnd())
        return false;
    const auto entry = m_entries.find(it.value());
    count(entry->second, -1);
    m_entries.erase(entry);
    m_keys.erase(it);
    return true;
}

bool TransferQueue::contains(const QString &identifier) const
{
    return m_keys.contains(identifier);
}

int TransferQueue::size() const
{
    return int(m_entries.size());
}

bool TransferQueue::isEmpty() const
{
    return m_entries.empty();
}

void TransferQueue::occupy(const QString &identifier, const QString &host)
{
    if (m_running.contains(identifier))
        return;
    m_running.insert(identifier, host);
    m_perHost[host] += 1;
}

void TransferQueue::release(const QString &identifier)
{
    const auto it = m_running.constFind(identifier);
    if (it == m_running.constEnd())
        return;
    const auto host = m_perHost.find(it.value());
    if (host != m_perHost.end() && --host.value() <= 0)
        m_perHost.erase(host);
    m_running.erase(it);
}

bool TransferQueue::isRunning(const QString &identifier) const
{
    return m_running.contains(identifier);
}

int TransferQueue::running() const
{
    return int(m_running.size());
}

int TransferQueue::runningOn(const QString &host) const
{
    return m_perHost.value(host);
}

std::optional<QueueEntry> TransferQueue::takeNext(qint64 nowMs, const Limits &limits)
{
    // With the network away only local entries may go; do not walk a long queue for nothing.
    if (running() >= limits.total || (!limits.networkUp && m_local == 0))
        return std::nullopt;
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
        const QueueEntry &e = it->second;
        if (e.dueAt > nowMs || (e.needsNetwork && !limits.networkUp)
            || runningOn(e.host) >= limits.perHost)
            continue;
        QueueEntry taken = e;
        count(taken, -1);
        m_keys.remove(taken.identifier);
        m_entries.erase(it);
        return taken;
    }
    return std::nullopt;
}

qint64 TransferQueue::nextDueAt(qint64 nowMs) const
{
    qint64 next = 0;
    if (m_timed == 0)
        return next;
    for (const auto &[key, e] : m_entries) {
        if (e.dueAt > nowMs && (next == 0 || e.dueAt < next))
            next = e.dueAt;
    }
    return next;
}

} // namespace Background
