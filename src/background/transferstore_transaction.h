#pragma once

#include "transferstore.h"

namespace Background {

// Rolls back unless committed, so an early return can never leave a write half done.
// Relaxed: the commit skips the WAL's fsync, for writes that a power loss may undo without
// harm (see TransferStore::execProgress()).
class TransferStore::Transaction
{
public:
    explicit Transaction(TransferStore *store, Sync sync = Sync::Full)
        : m_store(store)
        , m_relaxed(sync == Sync::Relaxed)
    {
        if (m_relaxed)
            m_store->exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
        m_active = m_store->exec(QStringLiteral("BEGIN IMMEDIATE"));
    }
    ~Transaction()
    {
        if (m_active)
            m_store->exec(QStringLiteral("ROLLBACK"));
        if (m_relaxed)
            m_store->exec(QStringLiteral("PRAGMA synchronous=FULL"));
    }
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    bool isActive() const { return m_active; }
    bool commit()
    {
        if (!m_active)
            return false;
        m_active = false;
        return m_store->exec(QStringLiteral("COMMIT"));
    }

private:
    TransferStore *m_store;
    bool m_relaxed;
    bool m_active = false;
};

} // namespace Background
