#pragma once

// Which transfer gets the next free slot: higher priority first, first come first served
// within a priority, never more than the session's and the host's limit at once, nothing
// before it is due. A pure data structure: the engine does the starting.

#include "background_private_export.h"
#include "transferinfo.h"

#include <QtCore/QHash>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <map>
#include <optional>
#include <tuple>

namespace Background {

struct QueueEntry
{
    QString identifier;
    TransferInfo::Priority priority = TransferInfo::Priority::Normal;
    qint64 seq = 0;
    QString host;         // hostKey() of the URL
    qint64 dueAt = 0;     // ms since epoch; 0: now
    bool needsNetwork = true; // false for loopback, which works without a network
};

class BACKGROUND_AUTOTEST_EXPORT TransferQueue
{
public:
    struct Limits
    {
        int total = 6;
        int perHost = 4;
        bool networkUp = true; // false holds every entry that needs the network
    };

    static QString hostKey(const QUrl &url); // scheme://host:port
    static bool isLoopback(const QUrl &url);

    // Replaces an entry with the same identifier.
    void insert(const QueueEntry &entry);
    bool remove(const QString &identifier);
    bool contains(const QString &identifier) const;
    int size() const;
    bool isEmpty() const;

    // The slots in use; the engine reports every start and end.
    void occupy(const QString &identifier, const QString &host);
    void release(const QString &identifier);
    bool isRunning(const QString &identifier) const;
    int running() const;
    int runningOn(const QString &host) const;

    // Removes and returns the next entry that may start at `nowMs`, or nothing.
    std::optional<QueueEntry> takeNext(qint64 nowMs, const Limits &limits);
    // The earliest dueAt after nowMs among waiting entries, or 0 when none.
    qint64 nextDueAt(qint64 nowMs) const;

private:
    // Negated priority sorts the highest first.
    using Key = std::tuple<int, qint64, QString>;
    static Key keyOf(const QueueEntry &entry);
    void count(const QueueEntry &entry, int delta);

    std::map<Key, QueueEntry> m_entries;
    QHash<QString, Key> m_keys;
    QHash<QString, QString> m_running; // identifier -> host
    QHash<QString, int> m_perHost;
    int m_local = 0; // entries that do not need the network
    int m_timed = 0; // entries with a due time
};

} // namespace Background
